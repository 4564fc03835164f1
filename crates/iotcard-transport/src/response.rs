//! The answer a [`Transport`](crate::Transport) hands back: status, headers, whole body.

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, StatusCode, Uri};

use crate::TransportError;

/// A complete HTTP answer: the body has been read to its end.
///
/// `Debug` shows the status, the header names and the body length, never the body itself:
/// a login answer carries an access token.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status code.
    pub status: StatusCode,
    /// The answer's headers.
    pub headers: HeaderMap,
    /// The whole body, exactly as received (after any transfer decoding).
    pub body: Bytes,
}

impl Response {
    /// An answer with `status`, no headers and `body`.
    pub fn new(status: StatusCode, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers: HeaderMap::new(),
            body: body.into(),
        }
    }

    /// The same answer with one more header; handy for scripted answers in tests.
    #[must_use]
    pub fn with_header(mut self, name: http::HeaderName, value: http::HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// How long the server asks us to wait before trying again, from `Retry-After`.
    ///
    /// Accepts both forms of RFC 9110: a number of seconds, or an HTTP-date (which is turned
    /// into a wait from now; a date in the past means "no wait"). `None` when the header is
    /// absent or unreadable.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after_at(SystemTime::now())
    }

    /// [`Response::retry_after`] with the current time given, so the date form is testable.
    pub fn retry_after_at(&self, now: SystemTime) -> Option<Duration> {
        parse_retry_after(
            self.headers.get(http::header::RETRY_AFTER)?.to_str().ok()?,
            now,
        )
    }

    /// `Ok(self)` for a 2xx answer, otherwise a [`TransportError::Status`] keeping the status,
    /// any `Retry-After` and a short, scrubbed snippet of the body.
    ///
    /// `uri` is the request's URI; it is rendered redacted.
    pub fn error_for_status(self, uri: &Uri) -> Result<Self, TransportError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(TransportError::from_status(uri, &self))
        }
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Names<'a>(&'a HeaderMap);
        impl fmt::Debug for Names<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.0.keys()).finish()
            }
        }
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("header_names", &Names(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Reads a `Retry-After` value: delay-seconds or an HTTP-date relative to `now`.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // An absurdly long number is still "wait a very long time", not garbage.
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::RETRY_AFTER;
    use http::HeaderValue;

    #[test]
    fn seconds_form() {
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn date_form_is_relative_to_now() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        // A date already past means "go ahead now".
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn garbage_is_none() {
        let now = SystemTime::UNIX_EPOCH;
        for bad in ["", "soon", "-5", "1.5", "Sun, 06 Nov 1994"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn response_reads_its_header() {
        let response = Response::new(StatusCode::TOO_MANY_REQUESTS, "slow down")
            .with_header(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(response.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(Response::new(StatusCode::OK, "").retry_after(), None);
    }

    #[test]
    fn debug_hides_body() {
        let response = Response::new(StatusCode::OK, r#"{"accessToken":"sentinel-token"}"#);
        let printed = format!("{response:?}");
        assert!(!printed.contains("sentinel-token"), "{printed}");
        assert!(printed.contains("body_len"), "{printed}");
    }

    proptest::proptest! {
        #[test]
        fn any_header_text_is_read_without_panicking(value in "\\PC{0,40}") {
            let _ = parse_retry_after(&value, SystemTime::now());
        }
    }
}
