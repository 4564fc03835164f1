//! Which failures are worth another attempt.

use iotbos_proto::IotbosError;
use tencent_proto::TencentError;

use crate::retry::FailureKind;
use crate::Error;

/// `Some(kind)` when sending the same request again may succeed: connect
/// errors, timeouts, 5xx, 429/408, broken bodies, and answers that are not
/// JSON or not in the documented shape (a truncated or garbled body). A
/// refusal (`status` 0, a non-zero `code`) is never retried here: a refused
/// login or signature will be refused again.
pub(crate) fn retryable(error: &Error) -> Option<FailureKind> {
    match error {
        Error::Transport(t) if t.is_retryable() => Some(match t {
            iotcard_transport::TransportError::Timeout { .. } => FailureKind::Timeout,
            _ => FailureKind::Other,
        }),
        Error::Iotbos(
            IotbosError::InvalidJson { .. }
            | IotbosError::UnexpectedShape { .. }
            | IotbosError::MissingCardList { .. },
        ) => Some(FailureKind::Other),
        Error::Iotbos(IotbosError::HttpStatus { status, .. })
        | Error::Tencent(TencentError::HttpStatus { status, .. })
            if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 =>
        {
            Some(FailureKind::Other)
        }
        Error::Tencent(
            TencentError::NotJson { .. }
            | TencentError::NotEnvelope { .. }
            | TencentError::DataShape { .. }
            | TencentError::MissingData { .. },
        ) => Some(FailureKind::Other),
        _ => None,
    }
}
