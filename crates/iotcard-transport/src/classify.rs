//! Turns hyper and hyper-util failures into typed [`TransportError`]s.
//!
//! hyper-util reports every connector failure as one opaque `client error (Connect)`; the
//! useful facts (a rustls certificate error, our own connect time limit) sit deeper in the
//! source chain, some of them behind `std::io::Error` wrappers, so they are looked for with
//! [`find`], which looks inside those. What is kept as the source is a [`Cause`]: the
//! links below that say something, one message per level.

use std::time::Duration;

use crate::cause::{find, Cause};
use crate::connect::ConnectTimedOut;
use crate::url::RedactedUrl;
use crate::{BoxError, TimeoutPhase, TransportError};

/// Classifies a failure of `Client::request` (before any answer head arrived).
pub(crate) fn send_error(
    url: &RedactedUrl,
    error: hyper_util::client::legacy::Error,
) -> TransportError {
    let url = url.to_string();
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
    if error.is_connect() {
        return with_cause(error, |source| TransportError::Connect {
            url: url.clone(),
            source,
        });
    }
    if find::<hyper::Error>(&error).is_some_and(hyper::Error::is_user) {
        return with_cause(error, |source| TransportError::InvalidRequest {
            url: url.clone(),
            reason: "the HTTP client refused to send it".to_owned(),
            source: Some(source),
        });
    }
    with_cause(error, |source| TransportError::Exchange {
        url: url.clone(),
        source,
    })
}

/// Classifies a failure while reading the answer's body.
pub(crate) fn body_error(url: &RedactedUrl, error: hyper::Error) -> TransportError {
    let url = url.to_string();
    with_cause(error, |source| TransportError::Body {
        url: url.clone(),
        source,
    })
}

/// The error `build` makes, with `cause` as its source: only the links of `cause` that say
/// something its own message (rendered once with a blank source to learn it) does not.
pub(crate) fn with_cause(
    cause: impl Into<BoxError>,
    build: impl Fn(BoxError) -> TransportError,
) -> TransportError {
    let above = build(BoxError::from(String::new())).to_string();
    build(Cause::below(cause, &above))
}

/// A [`TransportError::Timeout`].
pub(crate) fn timeout(url: &RedactedUrl, phase: TimeoutPhase, after: Duration) -> TransportError {
    TransportError::Timeout {
        url: url.to_string(),
        phase,
        after,
    }
}
