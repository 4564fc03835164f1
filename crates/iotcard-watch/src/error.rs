//! The delivery shell's error type.

use std::fmt;
use std::path::PathBuf;

use iotcard_notify::NotifyError;
use thiserror::Error;

/// Why one attempt to deliver a digest failed, or why a [`Deliverer`](crate::deliver::Deliverer)
/// could not be built.
///
/// No variant carries a secret: robot URLs are shown redacted, and the
/// causes that came from the transport or the SMTP client are kept as text
/// scrubbed of the URL's credentials ([`Scrubbed`]). Ask
/// [`is_transient`](Self::is_transient) and [`is_refused`](Self::is_refused)
/// rather than matching variants. `Display` shows this layer's message; the
/// cause is [`source`](std::error::Error::source).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DeliverError {
    /// The message could not be built (a digest too large, a clock before 1970).
    #[error("notifier `{notifier}`: could not prepare the message")]
    Prepare {
        /// The notifier's name.
        notifier: String,
        /// Why.
        #[source]
        source: NotifyError,
    },
    /// The request got no answer (connection refused or closed, timeout, TLS).
    #[error("notifier `{notifier}`: no answer from {url}")]
    Transport {
        /// The notifier's name.
        notifier: String,
        /// Where the request went, redacted.
        url: String,
        /// Whether the same request may get through later.
        transient: bool,
        /// The transport's error, scrubbed.
        #[source]
        source: Scrubbed,
    },
    /// The receiver answered, and not with "delivered".
    #[error("notifier `{notifier}`: the message was not accepted")]
    Answer {
        /// The notifier's name.
        notifier: String,
        /// The answer, classified.
        #[source]
        source: NotifyError,
    },
    /// The SMTP server could not be reached or the conversation broke off
    /// before a reply to the message.
    #[error("notifier `{notifier}`: no SMTP reply from {host}:{port}")]
    Smtp {
        /// The notifier's name.
        notifier: String,
        /// The server's host.
        host: String,
        /// The server's port.
        port: u16,
        /// The SMTP client's error, scrubbed.
        #[source]
        source: Scrubbed,
    },
    /// The TLS settings for an SMTP server could not be made (a bad CA).
    #[error("notifier `{notifier}`: could not set up TLS for the SMTP server")]
    SmtpTls {
        /// The notifier's name.
        notifier: String,
        /// The SMTP client's error, scrubbed.
        #[source]
        source: Scrubbed,
    },
    /// A CA file given to the builder could not be read.
    #[error("could not read the CA file {}", path.display())]
    CaFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl DeliverError {
    /// Worth trying again later: no answer for a passing reason, a 5xx,
    /// 408 or 429, a robot's rate-limit code, an SMTP 4xx.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport { transient, .. } => *transient,
            Self::Answer { source, .. } => source.is_transient(),
            Self::Smtp { .. } => true,
            _ => false,
        }
    }

    /// The receiver said no and will say it again (a bad key, a bad
    /// signature, a bad login, a payload it rejects).
    pub fn is_refused(&self) -> bool {
        match self {
            Self::Answer { source, .. } => source.is_refused(),
            _ => false,
        }
    }

    /// How long the answer asked to wait, when it did.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::Answer { source, .. } => source.retry_after(),
            _ => None,
        }
    }

    /// The notifier the error is about, if any.
    pub fn notifier(&self) -> Option<&str> {
        match self {
            Self::Prepare { notifier, .. }
            | Self::Transport { notifier, .. }
            | Self::Answer { notifier, .. }
            | Self::Smtp { notifier, .. }
            | Self::SmtpTls { notifier, .. } => Some(notifier),
            Self::CaFile { .. } => None,
        }
    }
}

/// An error from below (the transport, the SMTP client) kept as text: its
/// whole `source()` chain, each cause once, with every credential of the
/// URL it was about replaced by `***`. It has no source of its own.
#[derive(Clone, PartialEq, Eq)]
pub struct Scrubbed {
    text: String,
}

impl Scrubbed {
    /// `error` and its causes, joined by `: `, with each of `secrets` (the
    /// pieces of a URL or a password that must not show) replaced by `***`.
    pub fn new(error: &(dyn std::error::Error + 'static), secrets: &[String]) -> Self {
        let mut text = error.to_string();
        let mut cause = error.source();
        while let Some(c) = cause {
            let shown = c.to_string();
            if !text.contains(&shown) {
                text.push_str(": ");
                text.push_str(&shown);
            }
            cause = c.source();
        }
        Self {
            text: scrub(&text, secrets),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Scrubbed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Scrubbed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scrubbed({:?})", self.text)
    }
}

impl std::error::Error for Scrubbed {}

/// `text` with each of `secrets` (longest first) replaced by `***`.
pub(crate) fn scrub(text: &str, secrets: &[String]) -> String {
    let mut secrets: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_owned();
    for secret in secrets {
        out = out.replace(secret.as_str(), iotcard_model::REDACTED);
    }
    out
}

/// The pieces of `url` that its redacted form hides: path segments and
/// query values (and user-info) that [`iotcard_notify::redact`] replaces.
/// Each is scrubbed from error text, and so is its percent-decoded form.
pub(crate) fn url_secrets(url: &str) -> Vec<String> {
    let redacted = iotcard_notify::redact(url);
    let split = |s: &str| -> Vec<String> {
        s.split(['/', '?', '&', '=', '#', '@', ':'])
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let shown = split(&redacted);
    let mut secrets: Vec<String> = split(url)
        .into_iter()
        .filter(|p| !shown.contains(p))
        .collect();
    let decoded: Vec<String> = secrets
        .iter()
        .filter_map(|s| percent_decode(s).filter(|d| d != s))
        .collect();
    secrets.extend(decoded);
    secrets
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `error` and every cause, `: `-joined (for one log field).
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    Scrubbed::new(error, &[]).text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_pieces_that_redaction_hides_are_scrubbed() {
        let url = "https://open.feishu.cn/open-apis/bot/v2/hook/2d6a7c4e-1b2c-4f0e-9a77-0c1d2e3f4a5b?sign=a%2Bb";
        let secrets = url_secrets(url);
        let text = format!("error sending to {url}: closed");
        let out = scrub(&text, &secrets);
        assert!(!out.contains("2d6a7c4e"), "{out}");
        assert!(!out.contains("a%2Bb") && !out.contains("a+b"), "{out}");
        assert!(out.contains("open.feishu.cn"), "{out}");
    }
}
