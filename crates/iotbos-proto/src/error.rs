use http::StatusCode;
use iotcard_model::Instant;
use thiserror::Error;

use crate::date::DateError;

/// Everything that can go wrong building an IoTBOS request or reading an
/// answer.
///
/// Every variant but [`IotbosError::InvalidEndpoint`] names the call
/// (`"login"`, `"usage"`, `"remaining"`, `"expiry"`, `"state"`, `"plan"`),
/// and its message starts with that name; what the provider sent is kept
/// verbatim. None of them ever holds a credential.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IotbosError {
    /// A base URL was not `http(s)://host[:port][/prefix]`.
    #[error("invalid IoTBOS base URL {input:?}: {reason}")]
    InvalidEndpoint {
        /// What was given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A data request was asked for no card at all.
    #[error("{call} request has no card number to ask about")]
    NoCards {
        /// Which call.
        call: &'static str,
    },
    /// The request could not be assembled (an `http` crate invariant broke).
    #[error("{call} request could not be built: {source}")]
    BuildRequest {
        /// Which call.
        call: &'static str,
        /// Why.
        #[source]
        source: http::Error,
    },
    /// The server answered with a non-2xx HTTP status.
    #[error("{call} answer has HTTP status {status}: {body_snippet:?}")]
    HttpStatus {
        /// Which call.
        call: &'static str,
        /// The status.
        status: StatusCode,
        /// The start of the body, lossily decoded, credentials redacted.
        body_snippet: String,
    },
    /// The body is not JSON.
    #[error("{call} answer is not valid JSON: {source}")]
    InvalidJson {
        /// Which call.
        call: &'static str,
        /// Where and why the JSON is broken.
        #[source]
        source: serde_json::Error,
    },
    /// The body is JSON but not in the documented shape (a field missing or
    /// of the wrong type).
    #[error("{call} answer does not have the documented shape: {source}")]
    UnexpectedShape {
        /// Which call.
        call: &'static str,
        /// Which field and what was wrong with it.
        #[source]
        source: serde_json::Error,
    },
    /// The envelope's `status` was 0: the provider refused the call. For a
    /// data call this may mean an expired `accessToken` (the provider does
    /// not document it): log in again once before giving up.
    #[error("{call} call refused by IoTBOS: {}", info.as_deref().unwrap_or("(no info given)"))]
    Refused {
        /// Which call.
        call: &'static str,
        /// The provider's `info` text, verbatim (`null` is `None`).
        info: Option<String>,
    },
    /// The envelope's `status` was neither 1 nor 0.
    #[error("{call} answer has undocumented status {status} (info: {info:?})")]
    UnexpectedStatus {
        /// Which call.
        call: &'static str,
        /// The `status` value as JSON text, verbatim.
        status: String,
        /// The provider's `info` text, verbatim.
        info: Option<String>,
    },
    /// A successful data answer had no per-card list under `data.date`.
    #[error("{call} answer has no per-card list under data.date")]
    MissingCardList {
        /// Which call.
        call: &'static str,
    },
    /// A successful answer lacked a field it cannot do without (or had it
    /// empty or `null`).
    #[error("{call} answer has no {field}")]
    MissingField {
        /// Which call.
        call: &'static str,
        /// Which field (`data.accessToken`, …).
        field: &'static str,
    },
    /// A date field could not be read.
    #[error("{call} answer's {field} is invalid: {source}")]
    InvalidDate {
        /// Which call.
        call: &'static str,
        /// Which field (`expiresTime`, `createtime`, …).
        field: &'static str,
        /// What was wrong with it.
        #[source]
        source: DateError,
    },
    /// The login answer's `expiresTime` is not after its `createtime`, so the
    /// token's lifetime cannot be known.
    #[error(
        "login answer's expiresTime {expires_time} is not after its createtime {created_time}"
    )]
    TokenLifetime {
        /// `createtime`.
        created_time: Instant,
        /// `expiresTime`.
        expires_time: Instant,
    },
}

impl IotbosError {
    /// Whether this is the provider refusing the call (`status` 0), the one
    /// answer that may mean an expired token.
    pub fn is_refused(&self) -> bool {
        matches!(self, IotbosError::Refused { .. })
    }
}
