//! Finding Chromium, starting it on a fresh profile, and ending it: the
//! process is killed (with everything it started) and the profile removed
//! when the [`BrowserProcess`] is dropped, whatever happened before.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use crate::HeadlessError;

/// The environment variable that names the Chromium executable, first.
pub const CHROMIUM_ENV: &str = "IOTCARD_CHROMIUM";

/// The names looked for on `PATH` after [`CHROMIUM_ENV`]: Debian's package,
/// then the name other distributions use.
const NAMES: &[&str] = &["chromium", "chromium-browser"];

/// How often the profile directory is looked at while Chromium starts.
const POLL: Duration = Duration::from_millis(25);

/// The Chromium executable the harness would start: `$IOTCARD_CHROMIUM` if
/// set (it must exist), else `chromium` or `chromium-browser` on `PATH`.
///
/// # Errors
/// [`HeadlessError::NoChromium`] saying what was looked for.
pub fn find_chromium() -> Result<PathBuf, HeadlessError> {
    find_in(
        std::env::var_os(CHROMIUM_ENV),
        std::env::var_os("PATH").unwrap_or_default(),
    )
}

fn find_in(named: Option<OsString>, path: OsString) -> Result<PathBuf, HeadlessError> {
    if let Some(named) = named.filter(|n| !n.is_empty()) {
        let named = PathBuf::from(named);
        return if named.is_file() {
            Ok(named)
        } else {
            Err(HeadlessError::NoChromium {
                looked_for: format!("{CHROMIUM_ENV}={}, which is not a file", named.display()),
            })
        };
    }
    for name in NAMES {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(HeadlessError::NoChromium {
        looked_for: format!("${CHROMIUM_ENV}, then {} on PATH", NAMES.join(" and ")),
    })
}

/// A running Chromium on its own temporary profile.
#[derive(Debug)]
pub(crate) struct BrowserProcess {
    child: Child,
    // Dropped after `child` is killed (fields drop after `Drop::drop`), so
    // the browser is no longer writing into it.
    profile: TempDir,
}

impl BrowserProcess {
    /// Starts `executable` headless on a fresh profile and waits (up to
    /// `within`) for the `ws://` address of its DevTools endpoint.
    pub(crate) async fn start(
        executable: &Path,
        within: Duration,
    ) -> Result<(Self, String), HeadlessError> {
        let profile = tempfile::Builder::new()
            .prefix("iotcard-headless-")
            .tempdir()
            .map_err(HeadlessError::ProfileDir)?;
        // Chromium is chatty on stderr; a file keeps a full pipe from
        // stalling it and gives the tail for an error message.
        let stderr =
            File::create(profile.path().join("stderr.log")).map_err(HeadlessError::ProfileDir)?;
        let mut command = Command::new(executable);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--mute-audio",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        // Its own process group, so the renderers and the zygote it forks
        // go with it on drop.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().map_err(|source| HeadlessError::Spawn {
            executable: executable.to_owned(),
            source,
        })?;
        let mut process = Self { child, profile };
        let endpoint = process.endpoint(within).await?;
        Ok((process, endpoint))
    }

    /// Reads `DevToolsActivePort` (the port on its first line, the browser
    /// target's path on the second) once Chromium has written it.
    async fn endpoint(&mut self, within: Duration) -> Result<String, HeadlessError> {
        let file = self.profile.path().join("DevToolsActivePort");
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Ok(text) = std::fs::read_to_string(&file) {
                // Written in one go, but a read may catch it half-way.
                if text.ends_with('\n') || text.lines().count() >= 2 {
                    if let Some(endpoint) = parse_active_port(&text) {
                        return Ok(endpoint);
                    }
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(HeadlessError::Exited {
                    status: status.to_string(),
                    stderr: self.stderr_tail(),
                });
            }
            if tokio::time::Instant::now() >= deadline {
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                if !text.is_empty() {
                    return Err(HeadlessError::DevToolsPort(text));
                }
                return Err(HeadlessError::Timeout {
                    step: format!(
                        "waiting for Chromium to write DevToolsActivePort (stderr: {})",
                        self.stderr_tail()
                    ),
                    after: within,
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The last lines Chromium wrote on stderr, for an error message.
    fn stderr_tail(&self) -> String {
        let text =
            std::fs::read_to_string(self.profile.path().join("stderr.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(5)..].join(" | ");
        if tail.is_empty() {
            "nothing".to_owned()
        } else {
            tail
        }
    }

    /// Waits up to `within` for the browser to exit by itself (after
    /// `Browser.close`); true if it did.
    pub(crate) async fn exited_within(&mut self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The profile directory (removed on drop).
    pub(crate) fn profile(&self) -> &Path {
        self.profile.path()
    }

    /// The browser's process id (also its process group's).
    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for BrowserProcess {
    fn drop(&mut self) {
        // The whole group: the browser's helpers would otherwise outlive it
        // for a moment and keep files open in the profile being removed.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `PORT\n/devtools/browser/ID\n` → `ws://127.0.0.1:PORT/devtools/browser/ID`.
fn parse_active_port(text: &str) -> Option<String> {
    let mut lines = text.lines();
    let port: u16 = lines.next()?.trim().parse().ok()?;
    let path = lines.next()?.trim();
    (port != 0 && path.starts_with('/')).then(|| format!("ws://127.0.0.1:{port}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_active_port_file_gives_the_browser_endpoint() {
        assert_eq!(
            parse_active_port("41237\n/devtools/browser/9a1b\n").as_deref(),
            Some("ws://127.0.0.1:41237/devtools/browser/9a1b")
        );
        for bad in [
            "",
            "41237\n",
            "0\n/devtools/browser/x\n",
            "port\n/x\n",
            "1\nx\n",
        ] {
            assert_eq!(parse_active_port(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_named_executable_must_exist_and_path_is_searched_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let err = find_in(Some(missing.clone().into()), OsString::new()).unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("IOTCARD_CHROMIUM={}", missing.display())),
            "{err}"
        );

        let err = find_in(None, dir.path().as_os_str().to_owned()).unwrap_err();
        assert!(matches!(err, HeadlessError::NoChromium { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("chromium and chromium-browser on PATH"),
            "{err}"
        );

        let other = tempfile::tempdir().unwrap();
        std::fs::write(other.path().join("chromium-browser"), "").unwrap();
        std::fs::write(dir.path().join("chromium"), "").unwrap();
        let path = std::env::join_paths([other.path(), dir.path()]).unwrap();
        // `chromium` anywhere on PATH wins over `chromium-browser`.
        assert_eq!(
            find_in(None, path.clone()).unwrap(),
            dir.path().join("chromium")
        );
        // An empty variable is unset.
        assert_eq!(
            find_in(Some(OsString::new()), path).unwrap(),
            dir.path().join("chromium")
        );
    }
}
