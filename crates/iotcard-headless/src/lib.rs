//! Page checks in Debian's headless Chromium, for tests: load a page served
//! from this machine at a given viewport size and get back what its console
//! said, which elements stick out past the viewport, its title and text, and
//! a full-page screenshot.
//!
//! Dev-only (`publish = false`; `cargo xtask deps` allows it only as a
//! dev-dependency). It speaks the DevTools protocol over a WebSocket to a
//! `chromium --headless` started on a fresh temporary profile; the process
//! and the profile go when the [`Browser`] is dropped.
//!
//! ```
//! use iotcard_headless::Browser;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let page = dir.path().join("status.html");
//! std::fs::write(&page, r#"<!doctype html><title>Fleet</title>
//!     <meta name=viewport content="width=device-width">
//!     <h1>Fleet</h1><div style="width:2000px">a wide banner</div>"#)?;
//!
//! // None (with a message on stderr) when Chromium is absent and $CI is
//! // unset; in CI its absence is an error.
//! let Some(browser) = Browser::launch_or_skip().await? else { return Ok(()) };
//! let phone = browser.check(&format!("file://{}", page.display()), 390, 844).await?;
//! assert_eq!(phone.title, "Fleet");
//! assert!(phone.console_errors.is_empty(), "{:?}", phone.console_errors);
//! assert_eq!(phone.overflowing, ["body > div"]);
//! assert!(phone.text.contains("a wide banner"));
//! // In a test, under target/ for a person to look at:
//! // phone.save_screenshot(Path::new(env!("CARGO_TARGET_TMPDIR")).join("status-390.png"))?;
//! phone.save_screenshot(dir.path().join("status-390.png"))?;
//! # Ok(()) }
//! ```
//!
//! A page served by a test (a hyper server on `127.0.0.1:0`) is checked the
//! same way, by its `http://127.0.0.1:PORT/` URL.
#![deny(missing_docs)]

mod allowed;
mod cdp;
mod error;
mod launch;
mod page;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};

pub use error::HeadlessError;
pub use launch::{find_chromium, CHROMIUM_ENV};
pub use page::PageCheck;

/// How the browser is started and how long each step may take.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LaunchOptions {
    /// The executable; `None` looks for it with [`find_chromium`].
    pub executable: Option<PathBuf>,
    /// From starting the process to its DevTools endpoint answering
    /// (a cold start on a busy CI machine takes seconds).
    pub launch_timeout: Duration,
    /// Each DevTools command, and each page's load.
    pub step_timeout: Duration,
}

impl Default for LaunchOptions {
    fn default() -> Self {
        Self {
            executable: None,
            launch_timeout: Duration::from_secs(30),
            step_timeout: Duration::from_secs(20),
        }
    }
}

impl LaunchOptions {
    /// Starts `executable` rather than looking for Chromium.
    #[must_use]
    pub fn executable(mut self, executable: impl Into<PathBuf>) -> Self {
        self.executable = Some(executable.into());
        self
    }

    /// Gives the browser `timeout` to start.
    #[must_use]
    pub fn launch_timeout(mut self, timeout: Duration) -> Self {
        self.launch_timeout = timeout;
        self
    }

    /// Gives each command and page load `timeout`.
    #[must_use]
    pub fn step_timeout(mut self, timeout: Duration) -> Self {
        self.step_timeout = timeout;
        self
    }
}

/// A headless Chromium on its own temporary profile. Pages are checked one
/// tab each; several checks may run at once on one browser.
#[derive(Debug)]
pub struct Browser {
    // Declared first: the connection closes before the process is killed.
    connection: cdp::Connection,
    process: launch::BrowserProcess,
    product: String,
}

impl Browser {
    /// Starts Chromium found by [`find_chromium`].
    ///
    /// # Errors
    /// [`HeadlessError::NoChromium`] when there is none; the others when it
    /// does not start or its DevTools endpoint does not answer in time.
    pub async fn launch() -> Result<Self, HeadlessError> {
        Self::launch_with(LaunchOptions::default()).await
    }

    /// Starts Chromium as `options` say.
    ///
    /// # Errors
    /// As [`Browser::launch`].
    pub async fn launch_with(options: LaunchOptions) -> Result<Self, HeadlessError> {
        let executable = match options.executable {
            Some(executable) => executable,
            None => find_chromium()?,
        };
        let (process, endpoint) =
            launch::BrowserProcess::start(&executable, options.launch_timeout).await?;
        let connection = cdp::Connection::open(&endpoint, options.step_timeout).await?;
        let version = connection
            .call(None, "Browser.getVersion", json!({}))
            .await?;
        let product = version
            .get("product")
            .and_then(Value::as_str)
            .unwrap_or("Chromium")
            .to_owned();
        Ok(Self {
            connection,
            process,
            product,
        })
    }

    /// For tests: the browser, or `None` after saying on stderr why the
    /// test is skipped when no Chromium is installed and `$CI` is unset.
    /// In CI (`$CI` set) a missing Chromium is an error: CI installs it.
    ///
    /// # Errors
    /// As [`Browser::launch`], except a missing Chromium outside CI.
    pub async fn launch_or_skip() -> Result<Option<Self>, HeadlessError> {
        match Self::launch().await {
            Ok(browser) => Ok(Some(browser)),
            Err(e @ HeadlessError::NoChromium { .. }) if std::env::var_os("CI").is_none() => {
                eprintln!("skipping the browser check: {e}");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The browser's name and version, e.g. `HeadlessChrome/156.0.8078.73`.
    #[must_use]
    pub fn product(&self) -> &str {
        &self.product
    }

    /// Loads `url` in a new tab laid out `width` × `height` CSS pixels and
    /// reports on it. Only `file://` URLs and `http(s)://` on localhost
    /// are opened.
    ///
    /// # Errors
    /// [`HeadlessError::UrlRefused`] for another URL,
    /// [`HeadlessError::Navigation`] when the page cannot be loaded at all
    /// (an HTTP error status still loads: its page is checked),
    /// [`HeadlessError::Timeout`] when a step takes longer than the step
    /// timeout, and the others when the browser misbehaves.
    pub async fn check(
        &self,
        url: &str,
        width: u32,
        height: u32,
    ) -> Result<PageCheck, HeadlessError> {
        let url = allowed::local_url(url)?;
        page::check(&self.connection, url.as_str(), width, height).await
    }

    /// Asks the browser to close and waits for it (up to the step timeout);
    /// dropping the browser kills it instead.
    ///
    /// # Errors
    /// When the browser does not answer; it is killed all the same.
    pub async fn close(mut self) -> Result<(), HeadlessError> {
        let closed = self
            .connection
            .call(None, "Browser.close", json!({}))
            .await
            .map(drop);
        // The browser may go before it answers.
        let closed = match closed {
            Err(HeadlessError::Disconnected { .. }) => Ok(()),
            other => other,
        };
        let step = self.connection.step();
        if closed.is_ok() && !self.process.exited_within(step).await {
            return Err(HeadlessError::Timeout {
                step: "waiting for the browser to exit after Browser.close".to_owned(),
                after: step,
            });
        }
        closed
    }

    /// The temporary profile directory (removed when the browser goes).
    #[must_use]
    pub fn profile_dir(&self) -> &std::path::Path {
        self.process.profile()
    }

    /// The browser's process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.process.id()
    }
}
