use std::fmt;
use std::time::Duration;

use http::{HeaderMap, StatusCode};
use thiserror::Error;

use crate::date::DateError;

/// Everything that can go wrong building an IoTBOS request or reading an
/// answer.
///
/// Every variant but [`IotbosError::InvalidEndpoint`] names the call
/// (`"login"`, `"usage"`, `"remaining"`, `"expiry"`, `"state"`, `"plan"`),
/// and its message starts with that name; what the provider sent is kept
/// verbatim. None of them ever holds a credential.
///
/// Each error says what to make of it, so callers never match variants to
/// decide: [`is_transient`](Self::is_transient) (worth sending again),
/// [`is_refused`](Self::is_refused) (the provider said no),
/// [`status`](Self::status) (the answer's HTTP status),
/// [`provider_code`](Self::provider_code) and
/// [`provider_message`](Self::provider_message) (what the provider said),
/// [`retry_after`](Self::retry_after) (how long the answer asked to wait),
/// [`call`](Self::call) (which call).
///
/// `Display` shows this layer's message only; the cause (a `serde_json`
/// error, a date error) is [`source`](std::error::Error::source), so a
/// chain printer shows each once.
///
/// ```
/// use http::{Response, StatusCode};
/// let answer = Response::builder().status(401)
///     .body(&br#"{"status":0,"info":"accessToken expired"}"#[..])?;
/// let e = iotbos_proto::parse_usage(&answer).unwrap_err();
/// assert!(e.is_refused() && !e.is_transient());
/// assert_eq!(e.status(), Some(StatusCode::UNAUTHORIZED));
/// assert_eq!(e.provider_code().as_deref(), Some("0"));
/// assert_eq!(e.provider_message(), Some("accessToken expired"));
///
/// let answer = Response::builder().status(503)
///     .body(&b"<html>Service Unavailable</html>"[..])?;
/// let e = iotbos_proto::parse_usage(&answer).unwrap_err();
/// assert!(e.is_transient() && !e.is_refused());
/// # Ok::<(), http::Error>(())
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IotbosError {
    /// A base URL was not `http(s)://host[:port][/prefix]`.
    #[error("invalid IoTBOS base URL {input:?}: {reason}")]
    InvalidEndpoint {
        /// What was given, with any user-info and secret query values
        /// replaced by `***`.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An account or password given to
    /// [`Credentials::new`](crate::Credentials::new) is empty.
    #[error("the IoTBOS {which} is empty")]
    EmptyCredential {
        /// `"account"` or `"password"`.
        which: &'static str,
    },
    /// A data request was asked for no card at all.
    #[error("{call} request has no card number to ask about")]
    NoCards {
        /// Which call.
        call: &'static str,
    },
    /// The request could not be assembled (an `http` crate invariant broke).
    #[error("{call} request could not be built")]
    BuildRequest {
        /// Which call.
        call: &'static str,
        /// Why.
        #[source]
        source: http::Error,
    },
    /// The server answered with a non-2xx HTTP status and a body that is
    /// not IoTBOS's refusal envelope: an error page, a gateway's answer, or
    /// a success envelope that the status contradicts (not trusted).
    #[error("{call} answer has HTTP status {status}: {body_snippet:?}")]
    HttpStatus {
        /// Which call.
        call: &'static str,
        /// The status.
        status: StatusCode,
        /// The start of the body, lossily decoded, credentials redacted.
        body_snippet: String,
        /// The wait the answer asked for with `Retry-After`, read for a 429
        /// or a 503 (see [`IotbosError::retry_after`]).
        retry_after: Option<Duration>,
    },
    /// The body, read past a BOM in the charset its `Content-Type` names,
    /// is not JSON (or is cut short): an empty body, a gateway's HTML page.
    #[error("{call} answer is not valid JSON: {body_snippet:?}")]
    InvalidJson {
        /// Which call.
        call: &'static str,
        /// The answer's HTTP status.
        status: StatusCode,
        /// The start of the body, credentials redacted
        /// ([`iotcard_wire::snippet`]).
        body_snippet: String,
        /// Where and why the JSON is broken.
        #[source]
        source: serde_json::Error,
    },
    /// The body is JSON but not the answer envelope (an array, a string, an
    /// object without `status`, a `data` that is no object, a list that is
    /// no array).
    #[error("{call} answer does not have the documented shape: {body_snippet:?}")]
    UnexpectedShape {
        /// Which call.
        call: &'static str,
        /// The answer's HTTP status.
        status: StatusCode,
        /// The start of the body, credentials redacted.
        body_snippet: String,
        /// Which field and what was wrong with it.
        #[source]
        source: serde_json::Error,
    },
    /// The body is not text in the charset its `Content-Type` names (or in
    /// UTF-8, without one), or names a charset no one knows.
    #[error("{call} answer is not readable text: {body_snippet:?}")]
    UndecodableBody {
        /// Which call.
        call: &'static str,
        /// The answer's HTTP status.
        status: StatusCode,
        /// The start of the body as bytes shown lossily, credentials
        /// redacted.
        body_snippet: String,
        /// Which charset and what was wrong.
        #[source]
        source: iotcard_wire::BodyError,
    },
    /// The envelope's `status` was 0: the provider refused the call, under
    /// whatever HTTP status it came. For a data call this may mean an
    /// expired `accessToken` (the provider does not document it): log in
    /// again once before giving up.
    #[error(
        "{call} call refused by IoTBOS{}: {}",
        HttpNote(*status),
        info.as_deref().unwrap_or("(no info given)")
    )]
    Refused {
        /// Which call.
        call: &'static str,
        /// The answer's HTTP status.
        status: StatusCode,
        /// The provider's `info` text, verbatim (`null` is `None`).
        info: Option<String>,
        /// The wait the answer asked for with `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
    },
    /// The envelope's `status` was neither 1 nor 0 (under a 2xx status;
    /// under any other it is [`IotbosError::HttpStatus`]).
    #[error("{call} answer has undocumented status {envelope_status} (info: {info:?})")]
    UnexpectedStatus {
        /// Which call.
        call: &'static str,
        /// The answer's HTTP status.
        status: StatusCode,
        /// The envelope's `status` value as JSON text, verbatim.
        envelope_status: String,
        /// The provider's `info` text, verbatim.
        info: Option<String>,
    },
    /// A successful data answer had no per-card list under `data.date`
    /// (nor `data.data`, in any letter case).
    #[error("{call} answer has no per-card list under data.date: {body_snippet:?}")]
    MissingCardList {
        /// Which call.
        call: &'static str,
        /// The answer's HTTP status.
        status: StatusCode,
        /// The start of the body, credentials redacted.
        body_snippet: String,
    },
    /// A successful answer lacked a field it cannot do without (or had it
    /// empty or `null`).
    #[error("{call} answer has no {field}")]
    MissingField {
        /// Which call.
        call: &'static str,
        /// The answer's HTTP status.
        status: StatusCode,
        /// Which field (`data.accessToken`, …).
        field: &'static str,
    },
    /// A date field could not be read.
    #[error("{call} answer's {field} is invalid")]
    InvalidDate {
        /// Which call.
        call: &'static str,
        /// The answer's HTTP status.
        status: StatusCode,
        /// Which field (`expiresTime`, `createtime`, …).
        field: &'static str,
        /// What was wrong with it.
        #[source]
        source: DateError,
    },
}

/// ` (HTTP 401 Unauthorized)` after a refusal that came under a non-2xx
/// status, nothing under a 2xx: the status is worth seeing only when it is
/// not the usual one.
struct HttpNote(StatusCode);

impl fmt::Display for HttpNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_success() {
            Ok(())
        } else {
            write!(f, " (HTTP {})", self.0)
        }
    }
}

/// Whether an HTTP status says "try again later" by itself: a server error,
/// a request timeout, or too many requests.
pub(crate) fn transient_status(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
}

impl IotbosError {
    /// Whether sending the same request again may succeed: a body that is
    /// not JSON or is cut short (an empty body, a gateway's page under a
    /// 2xx), a body not readable in its charset, not in the documented shape, a
    /// successful answer without its card list (what a truncated or garbled
    /// answer looks like), and an HTTP 5xx, 408 or 429 without a refusal
    /// envelope. Never a refusal (see [`is_refused`](Self::is_refused):
    /// a refused login will be refused again), bad input, or a request
    /// that could not be built.
    pub fn is_transient(&self) -> bool {
        match self {
            IotbosError::InvalidJson { .. }
            | IotbosError::UnexpectedShape { .. }
            | IotbosError::UndecodableBody { .. }
            | IotbosError::MissingCardList { .. } => true,
            IotbosError::HttpStatus { status, .. } => transient_status(*status),
            IotbosError::InvalidEndpoint { .. }
            | IotbosError::EmptyCredential { .. }
            | IotbosError::NoCards { .. }
            | IotbosError::BuildRequest { .. }
            | IotbosError::Refused { .. }
            | IotbosError::UnexpectedStatus { .. }
            | IotbosError::MissingField { .. }
            | IotbosError::InvalidDate { .. } => false,
        }
    }

    /// Whether this is the provider refusing the call (envelope `status`
    /// 0, under any HTTP status), the one answer that may mean an expired
    /// token.
    pub fn is_refused(&self) -> bool {
        matches!(self, IotbosError::Refused { .. })
    }

    /// The HTTP status of the answer this error was read from; `None` for
    /// errors that came from no answer (a bad base URL, a request that
    /// could not be built).
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            IotbosError::HttpStatus { status, .. }
            | IotbosError::InvalidJson { status, .. }
            | IotbosError::UnexpectedShape { status, .. }
            | IotbosError::UndecodableBody { status, .. }
            | IotbosError::Refused { status, .. }
            | IotbosError::UnexpectedStatus { status, .. }
            | IotbosError::MissingCardList { status, .. }
            | IotbosError::MissingField { status, .. }
            | IotbosError::InvalidDate { status, .. } => Some(*status),
            IotbosError::InvalidEndpoint { .. }
            | IotbosError::EmptyCredential { .. }
            | IotbosError::NoCards { .. }
            | IotbosError::BuildRequest { .. } => None,
        }
    }

    /// The provider's code, verbatim. IoTBOS has no error code: this is the
    /// envelope's `status` value as sent (`"0"` for a refusal, whatever
    /// undocumented value otherwise), for refusals and undocumented
    /// statuses; `None` for everything else.
    pub fn provider_code(&self) -> Option<String> {
        match self {
            IotbosError::Refused { .. } => Some("0".to_owned()),
            IotbosError::UnexpectedStatus {
                envelope_status, ..
            } => Some(envelope_status.clone()),
            _ => None,
        }
    }

    /// The provider's message (the envelope's `info`), verbatim, when it
    /// sent one with a refusal or an undocumented status.
    pub fn provider_message(&self) -> Option<&str> {
        match self {
            IotbosError::Refused { info, .. } | IotbosError::UnexpectedStatus { info, .. } => {
                info.as_deref()
            }
            _ => None,
        }
    }

    /// How long the answer asked to wait before asking again, from its
    /// `Retry-After` header: delay-seconds, or an HTTP-date measured against
    /// the answer's own `Date` header (no clock is read). Kept on an
    /// [`HttpStatus`](IotbosError::HttpStatus) error for a 429 or a 503, and
    /// on a [`Refused`](IotbosError::Refused) that came with one; `None`
    /// otherwise. A caller that retries (see
    /// [`is_transient`](Self::is_transient)) waits at least this long.
    ///
    /// ```
    /// use std::time::Duration;
    /// let answer = http::Response::builder()
    ///     .status(429)
    ///     .header("Retry-After", "7")
    ///     .body(&b"slow down"[..])?;
    /// let e = iotbos_proto::parse_usage(&answer).unwrap_err();
    /// assert!(e.is_transient());
    /// assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    /// # Ok::<(), http::Error>(())
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            IotbosError::HttpStatus { retry_after, .. }
            | IotbosError::Refused { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The error with the `Retry-After` of the answer's `headers` kept,
    /// where [`retry_after`](Self::retry_after) says it belongs. Read only
    /// on that error path: a successful answer's headers are never looked at.
    pub(crate) fn with_headers(mut self, headers: &HeaderMap) -> Self {
        match &mut self {
            IotbosError::HttpStatus {
                status,
                retry_after,
                ..
            } if *status == StatusCode::TOO_MANY_REQUESTS
                || *status == StatusCode::SERVICE_UNAVAILABLE =>
            {
                *retry_after = crate::retry_after::retry_after(headers);
            }
            IotbosError::Refused { retry_after, .. } => {
                *retry_after = crate::retry_after::retry_after(headers);
            }
            _ => {}
        }
        self
    }

    /// The call the error is about (`"login"`, `"usage"`, …); `None` for
    /// a bad base URL or an empty credential, which belong to no call.
    pub fn call(&self) -> Option<&'static str> {
        match self {
            IotbosError::InvalidEndpoint { .. } | IotbosError::EmptyCredential { .. } => None,
            IotbosError::NoCards { call }
            | IotbosError::BuildRequest { call, .. }
            | IotbosError::HttpStatus { call, .. }
            | IotbosError::InvalidJson { call, .. }
            | IotbosError::UnexpectedShape { call, .. }
            | IotbosError::UndecodableBody { call, .. }
            | IotbosError::Refused { call, .. }
            | IotbosError::UnexpectedStatus { call, .. }
            | IotbosError::MissingCardList { call, .. }
            | IotbosError::MissingField { call, .. }
            | IotbosError::InvalidDate { call, .. } => Some(call),
        }
    }
}
