//! The request URL as errors and logs show it: redacted, and only when shown.
//!
//! Redacting means re-reading the query and writing it out again (a
//! 100-number IoTBOS call has a 1.5 KB URL); done for every request, it was
//! a few percent of a poll's CPU spent on text nobody reads unless a
//! request fails or debug logging is on.

use std::fmt;
use std::sync::OnceLock;

use iotcard_model::SecretNames;

/// A request's URI, rendered through [`SecretNames::url`] with the
/// transport's names the first time it is displayed: user-info hidden whole,
/// the named query values hidden.
pub(crate) struct RedactedUrl {
    uri: http::Uri,
    names: SecretNames,
    text: OnceLock<String>,
}

impl RedactedUrl {
    pub(crate) fn new(uri: &http::Uri, names: SecretNames) -> Self {
        Self {
            uri: uri.clone(),
            names,
            text: OnceLock::new(),
        }
    }

    fn text(&self) -> &str {
        self.text.get_or_init(|| render(&self.uri, &self.names))
    }
}

/// `uri` as text, without its credentials.
pub(crate) fn render(uri: &http::Uri, names: &SecretNames) -> String {
    names.url(&uri.to_string()).to_string()
}

impl fmt::Display for RedactedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

// Never the raw URI: a `{:?}` of something holding a `RedactedUrl` must not leak it either.
impl fmt::Debug for RedactedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.text(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_url_without_its_secrets() {
        let uri: http::Uri = "http://u:pw@h/Api/token?account=a&password=p%20w&x=1"
            .parse()
            .unwrap();
        let url = RedactedUrl::new(&uri, SecretNames::GENERIC);
        let shown = url.to_string();
        assert_eq!(shown, "http://***@h/Api/token?account=a&password=***&x=1");
        assert_eq!(url.to_string(), shown, "the same text every time");
        assert_eq!(format!("{url:?}"), format!("{shown:?}"));
    }

    #[test]
    fn hides_only_the_names_it_was_given() {
        let uri: http::Uri = "http://h/v1?sig=abc&password=kept&x=1".parse().unwrap();
        let url = RedactedUrl::new(&uri, SecretNames::new(&["sig"]));
        assert_eq!(url.to_string(), "http://h/v1?sig=***&password=kept&x=1");
    }
}
