//! What can go wrong driving the browser: one enum for the crate.

use std::path::PathBuf;
use std::time::Duration;

/// Why a launch or a page check failed.
///
/// Each message names the step and what it was waiting for; the cause (an
/// I/O or WebSocket error) is in [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HeadlessError {
    /// No Chromium executable was found (tests skip with this message
    /// locally; CI installs Debian's `chromium`).
    #[error("no Chromium found (looked for {looked_for}); install Debian's `chromium` or set IOTCARD_CHROMIUM to its path")]
    NoChromium {
        /// What was tried, in order.
        looked_for: String,
    },
    /// The executable could not be started.
    #[error("could not start {}", executable.display())]
    Spawn {
        /// The executable that was started.
        executable: PathBuf,
        /// Why the OS refused.
        #[source]
        source: std::io::Error,
    },
    /// A temporary directory for the browser's profile could not be made.
    #[error("could not make a temporary profile directory for Chromium")]
    ProfileDir(#[source] std::io::Error),
    /// The browser exited before it opened its DevTools port.
    #[error("Chromium exited ({status}) before opening its DevTools port: {stderr}")]
    Exited {
        /// The exit status.
        status: String,
        /// The end of what it wrote on stderr.
        stderr: String,
    },
    /// A step did not finish in time.
    #[error("timed out after {after:?} {step}")]
    Timeout {
        /// What was being waited for.
        step: String,
        /// How long it was given.
        after: Duration,
    },
    /// `DevToolsActivePort` did not hold a port and a browser path.
    #[error("unreadable DevToolsActivePort file: {0:?}")]
    DevToolsPort(String),
    /// The WebSocket to the browser could not be opened or broke.
    #[error("DevTools WebSocket to {endpoint} failed")]
    WebSocket {
        /// The `ws://127.0.0.1:PORT/…` address.
        endpoint: String,
        /// The WebSocket error.
        #[source]
        source: Box<tokio_tungstenite::tungstenite::Error>,
    },
    /// The browser closed the connection (it crashed or was killed).
    #[error("the browser closed the DevTools connection while waiting for {method}")]
    Disconnected {
        /// The command that was waiting.
        method: String,
    },
    /// The browser answered a command with an error.
    #[error("DevTools command {method} failed: {message}")]
    Command {
        /// The command, e.g. `Page.navigate`.
        method: String,
        /// The browser's error message.
        message: String,
    },
    /// An answer lacked a field the protocol promises.
    #[error("DevTools answer to {method} has no {field}")]
    Answer {
        /// The command answered.
        method: String,
        /// The missing or mistyped field.
        field: &'static str,
    },
    /// Only pages on this machine are checked.
    #[error("refusing {url}: {why}")]
    UrlRefused {
        /// The URL given.
        url: String,
        /// Why it is refused.
        why: &'static str,
    },
    /// The page could not be loaded at all (connection refused, no such file).
    #[error("could not load {url}: {error}")]
    Navigation {
        /// The URL given.
        url: String,
        /// Chromium's net error, e.g. `net::ERR_CONNECTION_REFUSED`.
        error: String,
    },
    /// A width or height the browser cannot lay a page out at.
    #[error("viewport {width}x{height} px: {why}")]
    Viewport {
        /// Asked width.
        width: u32,
        /// Asked height.
        height: u32,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The screenshot was not valid base64.
    #[error("the screenshot Chromium sent is not base64")]
    Screenshot(#[source] base64::DecodeError),
    /// A screenshot could not be written.
    #[error("could not write the screenshot to {}", path.display())]
    SaveScreenshot {
        /// Where it was to go.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}
