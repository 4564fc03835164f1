//! The answer a [`Transport`](crate::Transport) hands back: status, headers, whole body.

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, StatusCode, Uri};
use iotcard_model::SecretNames;

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
    /// Accepts both forms of RFC 9110: a number of seconds, or an HTTP-date. The date is
    /// measured against the answer's own `Date` header, the server's clock at the time it
    /// answered, so neither the transport nor the caller needs a clock and a client whose
    /// clock is off still waits what the server meant. A date at or before `Date` means "no
    /// wait". `None` when the header is absent or unreadable, or when it is a date and the
    /// answer has no readable `Date` (then [`retry_after_at`](Self::retry_after_at) measures
    /// it against a clock of yours).
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.header_text(http::header::RETRY_AFTER)?;
        match parse_retry_after(value)? {
            RetryAfter::Delay(wait) => Some(wait),
            RetryAfter::Date(when) => {
                let sent = httpdate::parse_http_date(self.header_text(http::header::DATE)?).ok()?;
                Some(wait_until(when, sent))
            }
        }
    }

    /// [`Response::retry_after`] with the date form measured from `now`, the current time by
    /// the caller's clock (the answer's `Date` header is not used).
    pub fn retry_after_at(&self, now: SystemTime) -> Option<Duration> {
        let value = self.header_text(http::header::RETRY_AFTER)?;
        Some(match parse_retry_after(value)? {
            RetryAfter::Delay(wait) => wait,
            RetryAfter::Date(when) => wait_until(when, now),
        })
    }

    fn header_text(&self, name: http::HeaderName) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// `Ok(self)` for a 2xx answer, otherwise a [`TransportError::Status`] keeping the status,
    /// any `Retry-After` and a short, scrubbed snippet of the body.
    ///
    /// `uri` is the request's URI; it and the snippet are redacted with `names` (pass the
    /// transport's, [`HttpTransport::secret_names`](crate::HttpTransport::secret_names), or
    /// the platform's).
    pub fn error_for_status(self, uri: &Uri, names: &SecretNames) -> Result<Self, TransportError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(TransportError::from_status(uri, &self, names))
        }
    }
}

impl From<Response> for http::Response<Bytes> {
    /// The same answer as an [`http::Response`], for the sans-IO parsers:
    /// the status, headers and body are moved, not copied.
    fn from(response: Response) -> Self {
        let mut out = http::Response::new(response.body);
        *out.status_mut() = response.status;
        *out.headers_mut() = response.headers;
        out
    }
}

impl Response {
    /// [`http::Response`] of this answer (see the `From` impl): moved, not
    /// copied.
    pub fn into_http(self) -> http::Response<Bytes> {
        self.into()
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

/// A `Retry-After` value, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryAfter {
    /// delay-seconds.
    Delay(Duration),
    /// An HTTP-date.
    Date(SystemTime),
}

/// Reads a `Retry-After` value: delay-seconds or an HTTP-date.
pub(crate) fn parse_retry_after(value: &str) -> Option<RetryAfter> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // An absurdly long number is still "wait a very long time", not garbage.
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(RetryAfter::Delay(Duration::from_secs(seconds)));
    }
    httpdate::parse_http_date(value).ok().map(RetryAfter::Date)
}

/// The wait from `now` until `when`; none for a time already past.
fn wait_until(when: SystemTime, now: SystemTime) -> Duration {
    when.duration_since(now).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{DATE, RETRY_AFTER};
    use http::HeaderValue;

    fn read(value: &str, now: SystemTime) -> Option<Duration> {
        Response::new(StatusCode::SERVICE_UNAVAILABLE, "")
            .with_header(RETRY_AFTER, HeaderValue::from_str(value).ok()?)
            .retry_after_at(now)
    }

    #[test]
    fn seconds_form() {
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(read("120", now), Some(Duration::from_secs(120)));
        assert_eq!(read(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            read("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn date_form_is_relative_to_now() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            read("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        // A date already past means "go ahead now".
        assert_eq!(
            read("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn date_form_without_a_clock_is_relative_to_the_answers_date() {
        let answer = |retry_after: &'static str, date: Option<&'static str>| {
            let response = Response::new(StatusCode::TOO_MANY_REQUESTS, "")
                .with_header(RETRY_AFTER, HeaderValue::from_static(retry_after));
            match date {
                Some(date) => response.with_header(DATE, HeaderValue::from_static(date)),
                None => response,
            }
        };
        let date = Some("Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            answer("Sun, 06 Nov 1994 08:51:37 GMT", date).retry_after(),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            answer("Sun, 06 Nov 1994 08:49:00 GMT", date).retry_after(),
            Some(Duration::ZERO)
        );
        // No `Date` to measure against: unknown, not a guess.
        assert_eq!(
            answer("Sun, 06 Nov 1994 08:51:37 GMT", None).retry_after(),
            None
        );
        assert_eq!(
            answer("Sun, 06 Nov 1994 08:51:37 GMT", Some("yesterday")).retry_after(),
            None
        );
        // Seconds need no `Date`.
        assert_eq!(
            answer("7", None).retry_after(),
            Some(Duration::from_secs(7))
        );
        // With a clock given, the clock wins over `Date`.
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:50:37 GMT").unwrap();
        assert_eq!(
            answer("Sun, 06 Nov 1994 08:51:37 GMT", date).retry_after_at(now),
            Some(Duration::from_secs(60))
        );
    }

    #[test]
    fn garbage_is_none() {
        let now = SystemTime::UNIX_EPOCH;
        for bad in ["", "soon", "-5", "1.5", "Sun, 06 Nov 1994"] {
            assert_eq!(read(bad, now), None, "{bad:?}");
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
    fn error_for_status_redacts_with_the_names_given() {
        let uri: Uri = "http://h/x?password=p1&sig=s1".parse().unwrap();
        let names = SecretNames::new(&["sig"]);
        let error = Response::new(StatusCode::BAD_GATEWAY, r#"{"sig":"s2","password":"p2"}"#)
            .error_for_status(&uri, &names)
            .unwrap_err();
        let text = error.to_string();
        assert!(!text.contains("s1") && !text.contains("s2"), "{text}");
        assert!(
            text.contains("password=p1") && text.contains("p2"),
            "{text}"
        );
        assert!(Response::new(StatusCode::OK, "")
            .error_for_status(&uri, &names)
            .is_ok());
    }

    #[test]
    fn converts_to_an_http_response_without_copying() {
        let body = Bytes::from_static(b"slow down");
        let response = Response::new(StatusCode::TOO_MANY_REQUESTS, body.clone())
            .with_header(RETRY_AFTER, HeaderValue::from_static("7"));
        let http: http::Response<Bytes> = response.into_http();
        assert_eq!(http.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(http.headers()[RETRY_AFTER], "7");
        assert_eq!(http.body().as_ptr(), body.as_ptr(), "the body is moved");
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
            let _ = parse_retry_after(&value);
        }
    }
}
