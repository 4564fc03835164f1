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
            RetryAfter::Date(when) => Some(wait_until(when, self.date()?)),
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

    /// The server's clock when it answered: the `Date` header, read as an HTTP-date (any of
    /// RFC 9110's three forms). `None` when the header is absent or unreadable.
    pub fn date(&self) -> Option<SystemTime> {
        httpdate::parse_http_date(self.header_text(http::header::DATE)?.trim()).ok()
    }

    /// How far the server's clock (its `Date` header) is from `now`, the time by the
    /// caller's clock when this answer arrived; `None` without a readable `Date`.
    ///
    /// This is what to tell a user whose request was refused for its time: Tencent signs
    /// every request with the local Unix time and refuses one whose `time` is too far off
    /// (its refusal says only `time` or `sig`). The iotcard facade measures the refusal's
    /// answer with the client's clock and, when the skew is more than a minute, says "your
    /// clock is N s behind/ahead of the server's".
    ///
    /// The transport reads no clock: `now` is the caller's. `Date` has whole seconds and is
    /// stamped while the server answers, so the skew is good to about a second plus the
    /// answer's travel time; that is plenty to tell a clock minutes off from one that is
    /// right.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use iotcard_transport::Response;
    ///
    /// let answer = Response::new(http::StatusCode::OK, r#"{"code":1004,"message":"time"}"#)
    ///     .with_header(http::header::DATE, "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap());
    /// let server = answer.date().unwrap();
    /// // Our clock says it is 90 s later than the server does.
    /// let skew = answer.clock_skew(server + Duration::from_secs(90)).unwrap();
    /// assert!(skew.local_is_ahead());
    /// assert_eq!(skew.seconds(), -90);
    /// assert!(skew.exceeds(Duration::from_secs(60)));
    /// assert_eq!(skew.to_string(), "the local clock is 90 s ahead of the server's");
    /// ```
    pub fn clock_skew(&self, now: SystemTime) -> Option<ClockSkew> {
        Some(ClockSkew::between(self.date()?, now))
    }

    fn header_text(&self, name: http::HeaderName) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// `Ok(self)` for a 2xx answer, otherwise a [`TransportError::Status`] keeping the status,
    /// any `Retry-After` and a short, scrubbed snippet of the body (for a 3xx, a
    /// [`TransportError::Redirect`] naming its redacted `Location`; an
    /// [`HttpTransport`](crate::HttpTransport) never hands a 3xx back as a `Response`, other
    /// transports may).
    ///
    /// `uri` is the request's URI; it and the snippet are redacted with `names` (pass the
    /// transport's, [`HttpTransport::secret_names`](crate::HttpTransport::secret_names), or
    /// the platform's).
    pub fn error_for_status(self, uri: &Uri, names: &SecretNames) -> Result<Self, TransportError> {
        if self.status.is_success() {
            Ok(self)
        } else if self.status.is_redirection() {
            Err(TransportError::redirect(uri, &self, names))
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

/// How far a server's clock is from ours, read from an answer's `Date`; see
/// [`Response::clock_skew`].
///
/// `Display` says it for a user: "the local clock is 75 s behind the server's".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClockSkew {
    /// Whether the server's clock shows a later time than ours.
    server_ahead: bool,
    /// By how much, either way.
    by: Duration,
}

impl ClockSkew {
    /// The skew between `server`'s time and `local` time, taken at the same moment.
    pub fn between(server: SystemTime, local: SystemTime) -> Self {
        match server.duration_since(local) {
            Ok(by) => Self {
                server_ahead: !by.is_zero(),
                by,
            },
            Err(behind) => Self {
                server_ahead: false,
                by: behind.duration(),
            },
        }
    }

    /// How far apart the clocks are, either way.
    pub fn magnitude(&self) -> Duration {
        self.by
    }

    /// Whether the local clock is behind the server's (it shows an earlier time).
    pub fn local_is_behind(&self) -> bool {
        self.server_ahead
    }

    /// Whether the local clock is ahead of the server's (it shows a later time).
    pub fn local_is_ahead(&self) -> bool {
        !self.server_ahead && !self.by.is_zero()
    }

    /// The skew in whole seconds, server minus local: positive when the local clock is
    /// behind, negative when it is ahead (saturating at `i64`'s range).
    pub fn seconds(&self) -> i64 {
        let secs = i64::try_from(self.by.as_secs()).unwrap_or(i64::MAX);
        if self.server_ahead {
            secs
        } else {
            -secs
        }
    }

    /// Whether the clocks are more than `limit` apart.
    pub fn exceeds(&self, limit: Duration) -> bool {
        self.by > limit
    }
}

impl fmt::Display for ClockSkew {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.by.as_secs();
        if self.server_ahead {
            write!(f, "the local clock is {secs} s behind the server's")
        } else if self.by.is_zero() {
            f.write_str("the local clock agrees with the server's")
        } else {
            write!(f, "the local clock is {secs} s ahead of the server's")
        }
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

    fn dated(date: &'static str) -> Response {
        Response::new(StatusCode::BAD_REQUEST, r#"{"code":1004,"message":"time"}"#)
            .with_header(DATE, HeaderValue::from_static(date))
    }

    fn at(date: &str) -> SystemTime {
        httpdate::parse_http_date(date).unwrap()
    }

    #[test]
    fn date_reads_every_http_date_form() {
        let expected = Some(at("Sun, 06 Nov 1994 08:49:37 GMT"));
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            " Sun, 06 Nov 1994 08:49:37 GMT ",
        ] {
            assert_eq!(dated(form).date(), expected, "{form:?}");
        }
        assert_eq!(dated("yesterday").date(), None);
        assert_eq!(dated("2024-01-01T00:00:00Z").date(), None);
        assert_eq!(Response::new(StatusCode::OK, "").date(), None);
    }

    #[test]
    fn clock_skew_measures_the_server_against_now() {
        let answer = dated("Mon, 01 Jan 2024 12:00:00 GMT");
        // Our clock is 75 s slow: the server is ahead.
        let behind = answer
            .clock_skew(at("Mon, 01 Jan 2024 11:58:45 GMT"))
            .unwrap();
        assert!(behind.local_is_behind() && !behind.local_is_ahead());
        assert_eq!(behind.seconds(), 75);
        assert_eq!(behind.magnitude(), Duration::from_secs(75));
        assert!(behind.exceeds(Duration::from_secs(60)));
        assert_eq!(
            behind.to_string(),
            "the local clock is 75 s behind the server's"
        );

        // Our clock is an hour fast.
        let ahead = answer
            .clock_skew(at("Mon, 01 Jan 2024 13:00:00 GMT"))
            .unwrap();
        assert!(ahead.local_is_ahead() && !ahead.local_is_behind());
        assert_eq!(ahead.seconds(), -3600);
        assert_eq!(
            ahead.to_string(),
            "the local clock is 3600 s ahead of the server's"
        );

        // Within the minute Tencent tolerates: not worth a word.
        let close = answer
            .clock_skew(at("Mon, 01 Jan 2024 12:00:30 GMT"))
            .unwrap();
        assert_eq!(close.seconds(), -30);
        assert!(!close.exceeds(Duration::from_secs(60)));
        let exact = answer
            .clock_skew(at("Mon, 01 Jan 2024 12:00:00 GMT"))
            .unwrap();
        assert_eq!(exact.seconds(), 0);
        assert!(!exact.local_is_ahead() && !exact.local_is_behind());
        assert_eq!(
            exact.to_string(),
            "the local clock agrees with the server's"
        );
        // Sub-second local time: the magnitude keeps it, the seconds truncate.
        let fraction = answer
            .clock_skew(at("Mon, 01 Jan 2024 12:00:00 GMT") + Duration::from_millis(400))
            .unwrap();
        assert_eq!(fraction.seconds(), 0);
        assert!(fraction.local_is_ahead());
        assert_eq!(fraction.magnitude(), Duration::from_millis(400));
    }

    #[test]
    fn clock_skew_needs_a_readable_date() {
        let now = at("Mon, 01 Jan 2024 12:00:00 GMT");
        assert_eq!(Response::new(StatusCode::OK, "").clock_skew(now), None);
        assert_eq!(dated("not a date").clock_skew(now), None);
        // A local clock before 1970 still measures.
        let early = SystemTime::UNIX_EPOCH - Duration::from_secs(10);
        assert_eq!(
            dated("Thu, 01 Jan 1970 00:00:50 GMT")
                .clock_skew(early)
                .map(|s| s.seconds()),
            Some(60)
        );
    }

    #[test]
    fn error_for_status_makes_a_3xx_a_redirect_error() {
        let uri: Uri = "http://h/x?password=p1".parse().unwrap();
        let error = Response::new(StatusCode::FOUND, "")
            .with_header(
                http::header::LOCATION,
                HeaderValue::from_static("https://other.example/y?password=p2&sig=s2"),
            )
            .error_for_status(&uri, &SecretNames::GENERIC)
            .unwrap_err();
        assert!(
            matches!(error, TransportError::Redirect { .. }),
            "{error:?}"
        );
        assert!(!error.is_transient());
        assert_eq!(error.status(), Some(StatusCode::FOUND));
        assert_eq!(
            error.location(),
            Some("https://other.example/y?password=***&sig=***")
        );
        let text = error.to_string();
        assert!(
            !text.contains("p1") && !text.contains("p2") && !text.contains("s2"),
            "{text}"
        );
        assert!(text.contains("https://other.example/y"), "{text}");
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
