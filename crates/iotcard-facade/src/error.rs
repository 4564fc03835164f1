use std::sync::Arc;

use iotbos_proto::IotbosError;
use iotcard_model::ModelError;
use iotcard_transport::TransportError;
use tencent_proto::TencentError;
use thiserror::Error;

/// What went wrong with a call, after retries.
///
/// Provider codes and messages are kept verbatim inside the protocol errors;
/// no variant ever holds a credential (URLs are redacted by the transport).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument cannot be valid (a card number, an ICCID, a limit);
    /// nothing was sent.
    #[error("invalid input: {0}")]
    InvalidInput(#[from] ModelError),
    /// The client was configured wrongly (a missing credential, a bad
    /// endpoint, a zero batch size); nothing was sent.
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// Sending failed: connect, TLS, timeout, HTTP status, body.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// IoTBOS refused or answered something unreadable.
    #[error(transparent)]
    Iotbos(#[from] IotbosError),
    /// Tencent refused or answered something unreadable.
    #[error(transparent)]
    Tencent(#[from] TencentError),
    /// A retryable failure persisted through every attempt allowed.
    #[error("{call} failed after {attempts} attempts; last error: {last}")]
    AttemptsExhausted {
        /// Which call (`iotbos usage`, `tencent getcardinfo`, …).
        call: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        #[source]
        last: Box<Error>,
    },
    /// The client's retry budget is spent (the server has been failing for
    /// many requests in a row), so the failure is reported without retrying.
    #[error(
        "{call} failed and the retry budget is spent after {attempts} attempts; last error: {last}"
    )]
    RetryBudgetExhausted {
        /// Which call.
        call: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        #[source]
        last: Box<Error>,
    },
    /// The server asked to wait (`Retry-After`) longer than the client is
    /// configured to.
    #[error("{call}: the server asked to retry after {after:?}, longer than the allowed {limit:?}; last error: {last}")]
    RetryAfterTooLong {
        /// Which call.
        call: String,
        /// What the server asked.
        after: std::time::Duration,
        /// The configured ceiling.
        limit: std::time::Duration,
        /// The failure that carried the `Retry-After`.
        #[source]
        last: Box<Error>,
    },
    /// Logging in failed, so the call could not be made.
    #[error("IoTBOS login failed: {0}")]
    Login(SharedError),
    /// A call this platform does not offer.
    #[error("{provider} does not offer {what}")]
    NotOffered {
        /// Which provider.
        provider: &'static str,
        /// What was asked for.
        what: &'static str,
    },
}

impl Error {
    /// The innermost failure, past the retry wrappers.
    pub fn root(&self) -> &Error {
        match self {
            Error::AttemptsExhausted { last, .. }
            | Error::RetryBudgetExhausted { last, .. }
            | Error::RetryAfterTooLong { last, .. } => last.root(),
            Error::Login(inner) => inner.root(),
            other => other,
        }
    }

    /// Whether the root cause is a server certificate that is not trusted.
    pub fn is_untrusted_certificate(&self) -> bool {
        matches!(self.root(), Error::Transport(t) if t.is_untrusted_certificate())
    }

    /// Whether the call spent every attempt on retryable failures, so asking
    /// again later may succeed. (A dry retry budget is not such a case: it
    /// says the server is failing across the board, and asking again is what
    /// the budget exists to prevent.)
    pub fn attempts_exhausted(&self) -> bool {
        match self {
            Error::AttemptsExhausted { .. } => true,
            Error::Login(inner) => inner.attempts_exhausted(),
            _ => false,
        }
    }

    /// Whether the root cause is the provider refusing the call (a refused
    /// login, a refused signature, an undocumented error code).
    pub fn is_refused(&self) -> bool {
        matches!(
            self.root(),
            Error::Iotbos(IotbosError::Refused { .. })
                | Error::Tencent(TencentError::Refused { .. })
        )
    }
}

/// A shared error, as handed to every card of a failed batch.
pub type SharedError = Arc<Error>;
