//! Running cargo and other tools from the workspace root, and timing steps.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Why a task failed, in words meant for the person reading the CI log.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The workspace root (the parent of this crate's directory).
pub fn root() -> PathBuf {
    let xtask_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask_dir.parent().unwrap_or(xtask_dir).to_path_buf()
}

/// A `cargo` command run from the workspace root, with the same cargo that
/// runs xtask (the `CARGO` variable set by `cargo run`).
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root());
    command
}

/// Runs `command` with inherited output; a non-zero exit is a failure naming it.
pub fn status(mut command: Command) -> Result<(), Failure> {
    let line = describe(&command);
    println!("$ {line}");
    let status = command
        .status()
        .map_err(|error| Failure::new(format!("could not start `{line}`: {error}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::new(format!("`{line}` exited with {status}")))
    }
}

/// Runs `command`, echoing its standard output and error as they come, and
/// returns both as one text (for reading the runner's summary lines); a
/// non-zero exit is a failure naming it.
pub fn echoed(mut command: Command) -> Result<String, Failure> {
    let line = describe(&command);
    println!("$ {line}");
    let start_failure =
        |error: io::Error| Failure::new(format!("could not start `{line}`: {error}"));
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(start_failure)?;
    let stdout = child
        .stdout
        .take()
        .map(|out| thread::spawn(move || echo(out, io::stdout())));
    let stderr = child
        .stderr
        .take()
        .map(|err| thread::spawn(move || echo(err, io::stderr())));
    let mut text = String::new();
    for reader in [stdout, stderr].into_iter().flatten() {
        text.push_str(&reader.join().unwrap_or_default());
    }
    let status = child.wait().map_err(start_failure)?;
    if status.success() {
        Ok(text)
    } else {
        Err(Failure::new(format!("`{line}` exited with {status}")))
    }
}

/// Copies `from` to `to` line by line and returns what it copied.
fn echo(from: impl Read, mut to: impl Write) -> String {
    let mut copied = String::new();
    let mut reader = BufReader::new(from);
    let mut line = Vec::new();
    while reader
        .read_until(b'\n', &mut line)
        .is_ok_and(|read| read > 0)
    {
        // A closed terminal must not stop the child: keep draining its output.
        let _ = to.write_all(&line);
        let _ = to.flush();
        copied.push_str(&String::from_utf8_lossy(&line));
        line.clear();
    }
    copied
}

/// Runs `command` and returns its standard output; a non-zero exit is a
/// failure carrying its standard error.
pub fn output(mut command: Command) -> Result<String, Failure> {
    let line = describe(&command);
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|error| Failure::new(format!("could not start `{line}`: {error}")))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(Failure::new(format!(
            "`{line}` exited with {}:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        )))
    }
}

/// Now, on the monotonic clock: the one place xtask reads it.
///
/// The workspace's `clippy.toml` bans `Instant::now` so that library code
/// takes its time from a builder; xtask is a measuring tool, and timing its
/// steps, runs and timeouts is what it is for.
#[allow(clippy::disallowed_methods)]
pub fn now() -> Instant {
    Instant::now()
}

/// Whether this is a CI run (`CI` set to anything but empty, `0` or `false`).
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !matches!(value.trim(), "" | "0" | "false"))
}

/// Whether `cargo <subcommand> --version` works, i.e. the plugin is installed.
pub fn has_cargo_plugin(subcommand: &str) -> bool {
    let mut command = cargo();
    command
        .args([subcommand, "--version"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command.status().is_ok_and(|status| status.success())
}

/// The command line as a person would type it, environment overrides first.
pub fn describe(command: &Command) -> String {
    let mut words: Vec<String> = command
        .get_envs()
        .filter_map(|(key, value)| {
            value.map(|value| format!("{}={:?}", key.to_string_lossy(), value.to_string_lossy()))
        })
        .collect();
    let program = Path::new(command.get_program());
    let program = program.file_name().unwrap_or(program.as_os_str());
    words.push(program.to_string_lossy().into_owned());
    words.extend(
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned()),
    );
    words.join(" ")
}

/// Named, timed steps that stop at the first failure and print a summary.
#[derive(Debug, Default)]
pub struct Steps {
    done: Vec<(String, Duration, &'static str)>,
}

impl Steps {
    pub fn run(
        &mut self,
        name: &str,
        step: impl FnOnce() -> Result<(), Failure>,
    ) -> Result<(), Failure> {
        println!("\n==> {name}");
        let started = now();
        let outcome = step();
        let took = started.elapsed();
        let verdict = if outcome.is_ok() { "ok" } else { "FAILED" };
        println!("<== {name}: {verdict} in {}", seconds(took));
        self.done.push((name.to_owned(), took, verdict));
        outcome.map_err(|failure| Failure::new(format!("step `{name}`: {failure}")))
    }

    /// Records a step that was deliberately not run, with the reason.
    pub fn skip(&mut self, name: &str, reason: &str) {
        println!("\n==> {name}: SKIPPED ({reason})");
        self.done.push((name.to_owned(), Duration::ZERO, "skipped"));
    }

    pub fn print_summary(&self) {
        println!("\nxtask steps:");
        for (name, took, verdict) in &self.done {
            println!("  {name:<10} {verdict:<8} {:>9}", seconds(*took));
        }
        let total: Duration = self.done.iter().map(|(_, took, _)| *took).sum();
        println!("  {:<10} {:<8} {:>9}", "total", "", seconds(total));
    }
}

pub fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}
