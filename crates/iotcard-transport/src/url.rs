//! The request URL as errors and logs show it: redacted, and only when shown.
//!
//! Redacting means re-reading the query and writing it out again (a
//! 100-number IoTBOS call has a 1.5 KB URL); done for every request, it was
//! a few percent of a poll's CPU spent on text nobody reads unless a
//! request fails or debug logging is on.

use std::fmt;
use std::sync::OnceLock;

/// A request's URI, rendered through [`iotbos_proto::redact_uri`] the first
/// time it is displayed.
pub(crate) struct RedactedUrl {
    uri: http::Uri,
    text: OnceLock<String>,
}

impl RedactedUrl {
    pub(crate) fn new(uri: &http::Uri) -> Self {
        Self {
            uri: uri.clone(),
            text: OnceLock::new(),
        }
    }

    fn text(&self) -> &str {
        self.text
            .get_or_init(|| iotbos_proto::redact_uri(&self.uri))
    }
}

impl fmt::Display for RedactedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_url_without_its_secrets() {
        let uri: http::Uri = "http://h/Api/token?account=a&password=p%20w&x=1"
            .parse()
            .unwrap();
        let url = RedactedUrl::new(&uri);
        let shown = url.to_string();
        assert!(!shown.contains("p%20w"), "{shown}");
        assert_eq!(shown, iotbos_proto::redact_uri(&uri));
        assert_eq!(url.to_string(), shown, "the same text every time");
    }
}
