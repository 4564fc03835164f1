//! Keeping secrets out of error text: causes from below (the transport,
//! the SMTP client) are kept as [`Scrubbed`] text with every credential
//! they might quote replaced by `***`.

use std::fmt;

/// An error from below (the transport, the SMTP client) kept as text: its
/// whole `source()` chain, each cause once, with every credential of the
/// URL it was about replaced by `***`. It has no source of its own.
#[derive(Clone, PartialEq, Eq)]
pub struct Scrubbed {
    text: String,
}

impl Scrubbed {
    /// `error` and its causes, joined by `: `, each once (a layer that
    /// wraps its own kind of error twice says `Connection error: ` twice:
    /// said once), with each of `secrets` (the pieces of a URL or a
    /// password that must not show) replaced by `***`.
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
        let mut parts: Vec<&str> = text.split(": ").collect();
        parts.dedup();
        Self {
            text: scrub(&parts.join(": "), secrets),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("Connection error: Connection error: invalid peer certificate: UnknownIssuer")]
    struct Twice;

    #[test]
    fn a_layer_said_twice_is_shown_once() {
        assert_eq!(
            Scrubbed::new(&Twice, &[]).as_str(),
            "Connection error: invalid peer certificate: UnknownIssuer"
        );
    }

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
