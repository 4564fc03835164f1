//! Everything that can go wrong moving one request, and whether trying again can help.

use std::fmt;
use std::time::Duration;

use http::{StatusCode, Uri};

use crate::snippet::body_snippet;
use crate::Response;

/// A boxed error kept as a source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a request did not produce a [`Response`], or why an answer is an error.
///
/// Every `url` field holds the request URL rendered through
/// [`iotbos_proto::redact_uri`]: `password` and `accessToken` values are hidden. No variant
/// ever holds a request body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No connection could be made: DNS failure, refused, unreachable, reset during the
    /// handshake. Retryable.
    #[error("could not connect to {url}: {detail}")]
    Connect {
        /// The request URL, redacted.
        url: String,
        /// The causes, innermost last, as one line.
        detail: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },

    /// The TLS handshake failed, typically because the server's certificate is not trusted.
    /// Not retryable: the same certificate will be refused again.
    #[error("TLS with {url} failed: {}", tls_reason(.source))]
    Tls {
        /// The request URL, redacted.
        url: String,
        /// What rustls refused.
        #[source]
        source: rustls::Error,
    },

    /// A configured time limit ran out. Retryable.
    #[error("{url}: timed out after {after:?} while {phase}")]
    Timeout {
        /// The request URL, redacted.
        url: String,
        /// Which limit ran out.
        phase: TimeoutPhase,
        /// The configured limit.
        after: Duration,
    },

    /// The server answered with a status that is not a success; see
    /// [`Response::error_for_status`]. Retryable for 5xx, 408 and 429.
    #[error("{url} answered {status}: {snippet}")]
    Status {
        /// The request URL, redacted.
        url: String,
        /// The status the server sent.
        status: StatusCode,
        /// The server's `Retry-After`, if it sent a readable one.
        retry_after: Option<Duration>,
        /// The start of the answer's body, with credential-looking values hidden.
        snippet: String,
    },

    /// The connection broke after the request was sent but before the answer's head
    /// arrived, or the head was not valid HTTP. Retryable.
    #[error("exchange with {url} failed before an answer arrived: {detail}")]
    Exchange {
        /// The request URL, redacted.
        url: String,
        /// The causes, innermost last, as one line.
        detail: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },

    /// The answer's body broke off: reset, or shorter than its `Content-Length`. Retryable.
    #[error("body of the answer from {url} could not be read to its end: {detail}")]
    Body {
        /// The request URL, redacted.
        url: String,
        /// The causes, innermost last, as one line.
        detail: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },

    /// The answer's body is larger than the configured limit. Not retryable.
    #[error("body of the answer from {url} exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The request URL, redacted.
        url: String,
        /// The configured limit in bytes.
        limit: usize,
    },

    /// The request cannot be sent as it is (no scheme or host, unsupported scheme, …).
    /// Not retryable.
    #[error("invalid request for {url}: {reason}")]
    InvalidRequest {
        /// The request URL, redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The transport could not be built (bad CA PEM, unreadable file, no roots, …).
    #[error("invalid transport configuration: {problem}")]
    Config {
        /// What is wrong, naming the file or input.
        problem: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },
}

/// Which time limit of [`HttpTransportBuilder`](crate::HttpTransportBuilder) ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Setting up the connection: DNS, TCP and the TLS handshake.
    Connect,
    /// The whole exchange, from sending the request to the last byte of the body.
    Request,
    /// Waiting for the next piece of the body (idle time between chunks).
    Body,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connecting",
            Self::Request => "waiting for the whole exchange",
            Self::Body => "waiting for the next piece of the body",
        })
    }
}

impl TransportError {
    /// Whether the same request may succeed if sent again: connection failures, timeouts,
    /// broken bodies, 5xx, 408 and 429 are; certificate problems, other 4xx, invalid requests,
    /// oversized bodies and configuration errors are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Connect { .. } | Self::Timeout { .. } | Self::Exchange { .. } => true,
            Self::Body { .. } => true,
            Self::Status { status, .. } => {
                status.is_server_error()
                    || *status == StatusCode::TOO_MANY_REQUESTS
                    || *status == StatusCode::REQUEST_TIMEOUT
            }
            Self::Tls { .. }
            | Self::BodyTooLarge { .. }
            | Self::InvalidRequest { .. }
            | Self::Config { .. } => false,
        }
    }

    /// The wait the server asked for (`Retry-After` of a [`TransportError::Status`]).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether this is a TLS failure because the server's certificate is not trusted.
    pub fn is_untrusted_certificate(&self) -> bool {
        matches!(
            self,
            Self::Tls {
                source: rustls::Error::InvalidCertificate(_),
                ..
            }
        )
    }

    /// The HTTP status, for a [`TransportError::Status`].
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A [`TransportError::Status`] for `response` to a request for `uri`.
    pub fn from_status(uri: &Uri, response: &Response) -> Self {
        Self::Status {
            url: iotbos_proto::redact_uri(uri),
            status: response.status,
            retry_after: response.retry_after(),
            snippet: body_snippet(&response.body),
        }
    }

    /// A [`TransportError::InvalidRequest`] for a request to `uri`.
    pub fn invalid_request(uri: &Uri, reason: impl Into<String>) -> Self {
        Self::InvalidRequest {
            url: iotbos_proto::redact_uri(uri),
            reason: reason.into(),
        }
    }

    pub(crate) fn config(problem: impl Into<String>, source: Option<BoxError>) -> Self {
        Self::Config {
            problem: problem.into(),
            source,
        }
    }
}

/// One line saying why rustls refused, leading with "not trusted" for certificate problems.
fn tls_reason(error: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(problem) => {
            let why = match problem {
                C::UnknownIssuer => "it was issued by an unknown certificate authority; \
                                     add that CA with extra_ca_pem or extra_ca_pem_file"
                    .to_owned(),
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    format!("it is not valid for this host name ({problem})")
                }
                C::Expired | C::ExpiredContext { .. } => format!("it has expired ({problem})"),
                C::NotValidYet | C::NotValidYetContext { .. } => {
                    format!("it is not valid yet ({problem})")
                }
                C::Revoked => "it has been revoked".to_owned(),
                other => other.to_string(),
            };
            format!("the server's certificate is not trusted: {why}")
        }
        other => other.to_string(),
    }
}

/// The messages of `error` and all its causes, joined, skipping repeats.
///
/// `std::io::Error` hides a wrapped error from `source()` (it forwards to the inner error's
/// source), so its inner error is visited explicitly.
pub(crate) fn detail_of(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in chain(error) {
        let text = cause.to_string();
        if !parts.iter().any(|seen| seen.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// `error` and its causes, outermost first, looking inside `std::io::Error` wrappers.
pub(crate) fn chain<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    let mut next = Some(error);
    // A cycle cannot happen with owned sources, but a bound keeps a buggy one from hanging us.
    let mut budget = 32;
    std::iter::from_fn(move || {
        let current = next?;
        budget -= 1;
        next = if budget == 0 {
            None
        } else if let Some(inner) = current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner as &(dyn std::error::Error + 'static))
        } else {
            current.source()
        };
        Some(current)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> TransportError {
        TransportError::Status {
            url: "http://h/".into(),
            status: StatusCode::from_u16(code).unwrap(),
            retry_after: None,
            snippet: String::new(),
        }
    }

    #[test]
    fn status_classification() {
        for code in [500, 502, 503, 504, 429, 408] {
            assert!(status(code).is_retryable(), "{code}");
        }
        for code in [400, 401, 403, 404, 409, 301] {
            assert!(!status(code).is_retryable(), "{code}");
        }
    }

    #[test]
    fn untrusted_certificate_message() {
        let error = TransportError::Tls {
            url: "https://h/".into(),
            source: rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        };
        assert!(error.is_untrusted_certificate());
        assert!(!error.is_retryable());
        assert!(error.to_string().contains("not trusted"), "{error}");
    }

    #[test]
    fn chain_looks_inside_io_errors() {
        let rustls_error =
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let wrapped = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls_error,
        ));
        let found = chain(&wrapped).find_map(|e| e.downcast_ref::<rustls::Error>());
        assert!(found.is_some());
    }
}
