//! Turns hyper and hyper-util failures into typed [`TransportError`]s.
//!
//! hyper-util reports every connector failure as one opaque `client error (Connect)`; the
//! useful facts (a rustls certificate error, our own connect time limit) sit deeper in the
//! source chain, some of them behind `std::io::Error` wrappers.

use std::time::Duration;

use crate::connect::ConnectTimedOut;
use crate::error::{chain, detail_of, BoxError};
use crate::{TimeoutPhase, TransportError};

/// Classifies a failure of `Client::request` (before any answer head arrived).
pub(crate) fn send_error(url: String, error: hyper_util::client::legacy::Error) -> TransportError {
    if let Some(after) = find::<ConnectTimedOut>(&error).map(|t| t.after) {
        return TransportError::Timeout {
            url,
            phase: TimeoutPhase::Connect,
            after,
        };
    }
    if let Some(tls) = find::<rustls::Error>(&error) {
        return TransportError::Tls {
            url,
            source: tls.clone(),
        };
    }
    // hyper-util's own message ("client error (Connect)") only repeats the variant.
    let detail = std::error::Error::source(&error).map_or_else(|| error.to_string(), detail_of);
    if error.is_connect() {
        return TransportError::Connect {
            url,
            detail,
            source: Box::new(error),
        };
    }
    if find::<hyper::Error>(&error).is_some_and(hyper::Error::is_user) {
        return TransportError::InvalidRequest {
            url,
            reason: detail,
        };
    }
    TransportError::Exchange {
        url,
        detail,
        source: Box::new(error),
    }
}

/// Classifies a failure while reading the answer's body.
pub(crate) fn body_error(url: String, error: hyper::Error) -> TransportError {
    let detail = detail_of(&error);
    TransportError::Body {
        url,
        detail,
        source: Box::new(error) as BoxError,
    }
}

/// A [`TransportError::Timeout`].
pub(crate) fn timeout(url: String, phase: TimeoutPhase, after: Duration) -> TransportError {
    TransportError::Timeout { url, phase, after }
}

fn find<'a, E: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    chain(error).find_map(|cause| cause.downcast_ref::<E>())
}
