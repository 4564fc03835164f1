//! Everything that can go wrong moving one request, and whether trying again can help.

use std::fmt;
use std::time::Duration;

use http::{StatusCode, Uri};
use iotcard_model::SecretNames;

use crate::classify::with_cause;
use crate::snippet::body_snippet;
use crate::url::render;
use crate::Response;

/// A boxed error kept as a source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a request did not produce a [`Response`], or why an answer is an error.
///
/// **Redacted.** Every `url` field holds the request URL rendered through the transport's
/// [`SecretNames`] ([`HttpTransportBuilder::secret_names`](crate::HttpTransportBuilder::secret_names),
/// [`SecretNames::GENERIC`] unless set): its user-info is hidden whole and the values of the
/// named query parameters are hidden. No variant ever holds a request body.
///
/// **One level.** `Display` says only what this layer knows ("could not connect to …"); what
/// went wrong underneath is the [`source`](std::error::Error::source) chain, one message per
/// level, so a chain printer (anyhow's `{:#}`, a walk over `source()`) shows each cause once.
/// Links that say nothing (hyper-util's `client error (Connect)`) are left out, and an error
/// wrapped in a `std::io::Error` is a link of its own.
///
/// **Classified.** Ask the error rather than matching its variants: [`is_transient`](Self::is_transient),
/// [`is_timeout`](Self::is_timeout), [`status`](Self::status), [`retry_after`](Self::retry_after),
/// [`is_untrusted_certificate`](Self::is_untrusted_certificate).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No connection could be made: DNS failure, refused, unreachable, reset during the
    /// handshake. Transient.
    #[error("could not connect to {url}")]
    #[non_exhaustive]
    Connect {
        /// The request URL, redacted.
        url: String,
        /// What failed underneath (e.g. `tcp connect error`, then `Connection refused`).
        #[source]
        source: BoxError,
    },

    /// The TLS handshake failed, typically because the server's certificate is not trusted.
    /// Not transient: the same certificate will be refused again.
    ///
    /// `Display` says what this means here (not trusted, and for an unknown issuer how to
    /// add a CA); rustls's own words are the `source`, not repeated in the message.
    #[error("TLS with {url} failed{}", tls_reason(.source))]
    #[non_exhaustive]
    Tls {
        /// The request URL, redacted.
        url: String,
        /// What rustls refused.
        #[source]
        source: rustls::Error,
    },

    /// A configured time limit ran out. Transient.
    #[error("{url}: timed out after {after:?} while {phase}")]
    #[non_exhaustive]
    Timeout {
        /// The request URL, redacted.
        url: String,
        /// Which limit ran out.
        phase: TimeoutPhase,
        /// The configured limit.
        after: Duration,
    },

    /// The server answered with a status that is not a success; see
    /// [`Response::error_for_status`]. Transient for 5xx, 408 and 429.
    #[error("{url} answered {status}{}", snippet_suffix(.snippet))]
    #[non_exhaustive]
    Status {
        /// The request URL, redacted.
        url: String,
        /// The status the server sent.
        status: StatusCode,
        /// The server's `Retry-After`, if it sent a readable one.
        retry_after: Option<Duration>,
        /// The start of the answer's body, with the values of the secret names hidden.
        snippet: String,
    },

    /// The server answered with a redirect (any 3xx) that was not followed. Not transient:
    /// the server will point to the same place again.
    ///
    /// [`HttpTransport`](crate::HttpTransport) follows exactly one kind of redirect, once: a
    /// 301, 302, 307 or 308 to a `GET` or `POST` from `http://` to `https://` on the same
    /// host name (any port). A redirect to another host, any other change of scheme, a
    /// relative `Location` or a second hop is this error, and nothing is sent there: the
    /// query and body carry credentials.
    ///
    /// `Display` says where the redirect pointed, redacted like the URL.
    #[error("{url} answered {status}{}", redirect_target(.location.as_deref()))]
    #[non_exhaustive]
    Redirect {
        /// The request URL, redacted.
        url: String,
        /// The status the server sent (3xx).
        status: StatusCode,
        /// The answer's `Location`, as sent (a relative one stays relative), with its
        /// user-info and the values of the secret names hidden; `None` when the answer had
        /// none.
        location: Option<String>,
    },

    /// The connection broke after the request was sent but before the answer's head
    /// arrived, or the head was not valid HTTP. Transient.
    #[error("exchange with {url} failed before an answer arrived")]
    #[non_exhaustive]
    Exchange {
        /// The request URL, redacted.
        url: String,
        /// What failed underneath.
        #[source]
        source: BoxError,
    },

    /// The answer's body broke off: reset, or shorter than its `Content-Length`. Transient.
    #[error("the body of the answer from {url} broke off")]
    #[non_exhaustive]
    Body {
        /// The request URL, redacted.
        url: String,
        /// What failed underneath.
        #[source]
        source: BoxError,
    },

    /// The answer's body is larger than the configured limit. Not transient.
    #[error("the body of the answer from {url} exceeds the limit of {limit} bytes")]
    #[non_exhaustive]
    BodyTooLarge {
        /// The request URL, redacted.
        url: String,
        /// The configured limit in bytes.
        limit: usize,
    },

    /// The request cannot be sent as it is (no scheme or host, unsupported scheme, …).
    /// Not transient.
    #[error("invalid request for {url}: {reason}")]
    #[non_exhaustive]
    InvalidRequest {
        /// The request URL, redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
        /// What refused it underneath, when it was not this crate's own check.
        #[source]
        source: Option<BoxError>,
    },

    /// The transport could not be built (bad CA PEM, unreadable file, no roots, …).
    #[error("invalid transport configuration: {problem}")]
    #[non_exhaustive]
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
    /// Whether the same request may succeed if sent again later: connection failures,
    /// timeouts, exchanges and bodies that broke off, 5xx, 408 and 429 are transient;
    /// certificate problems, other statuses, redirects that were not followed, invalid
    /// requests, oversized bodies and configuration errors are not.
    ///
    /// (This was `is_retryable`.) Whether to retry is the caller's decision: a
    /// request that is not idempotent may have been carried out before a connection broke.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Connect { .. }
            | Self::Timeout { .. }
            | Self::Exchange { .. }
            | Self::Body { .. } => true,
            Self::Status { status, .. } => status_is_transient(*status),
            Self::Redirect { .. }
            | Self::Tls { .. }
            | Self::BodyTooLarge { .. }
            | Self::InvalidRequest { .. }
            | Self::Config { .. } => false,
        }
    }

    /// Whether one of the transport's own time limits ran out
    /// ([`TransportError::Timeout`], any [`TimeoutPhase`]); see [`timeout_phase`](Self::timeout_phase)
    /// for which. A `408 Request Timeout` answer is a [`status`](Self::status), not this.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// Which time limit ran out, for a [`TransportError::Timeout`].
    pub fn timeout_phase(&self) -> Option<TimeoutPhase> {
        match self {
            Self::Timeout { phase, .. } => Some(*phase),
            _ => None,
        }
    }

    /// The HTTP status the server answered, for a [`TransportError::Status`] or a
    /// [`TransportError::Redirect`].
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. } | Self::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Where a redirect that was not followed pointed ([`TransportError::Redirect`]),
    /// redacted; `None` for other errors and for a redirect without a `Location`.
    pub fn location(&self) -> Option<&str> {
        match self {
            Self::Redirect { location, .. } => location.as_deref(),
            _ => None,
        }
    }

    /// The wait the server asked for with `Retry-After`, for a [`TransportError::Status`]
    /// whose answer carried a readable one (see [`Response::retry_after`]).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether this is a TLS failure because the server's certificate is not trusted
    /// (unknown issuer, wrong name, expired, revoked, …).
    pub fn is_untrusted_certificate(&self) -> bool {
        matches!(
            self,
            Self::Tls {
                source: rustls::Error::InvalidCertificate(_),
                ..
            }
        )
    }

    /// The redacted request URL this error is about; `None` for a
    /// [`TransportError::Config`], which is about no request.
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::Connect { url, .. }
            | Self::Tls { url, .. }
            | Self::Timeout { url, .. }
            | Self::Status { url, .. }
            | Self::Redirect { url, .. }
            | Self::Exchange { url, .. }
            | Self::Body { url, .. }
            | Self::BodyTooLarge { url, .. }
            | Self::InvalidRequest { url, .. } => Some(url),
            Self::Config { .. } => None,
        }
    }

    /// A [`TransportError::Status`] for `response` to a request for `uri`: the status, any
    /// `Retry-After`, and a short snippet of the body. `names` hides credentials in the URL
    /// and in the snippet (pass the transport's, or the platform's).
    pub fn from_status(uri: &Uri, response: &Response, names: &SecretNames) -> Self {
        Self::Status {
            url: render(uri, names),
            status: response.status,
            retry_after: response.retry_after(),
            snippet: body_snippet(&response.body, names),
        }
    }

    /// A [`TransportError::Redirect`] for `response`, a redirect answered to a request for
    /// `uri`: the status and the answer's `Location`, both URLs redacted with `names`. For a
    /// [`Transport`](crate::Transport) of your own, or to script one with
    /// [`ScriptedTransport`](crate::ScriptedTransport).
    pub fn redirect(uri: &Uri, response: &Response, names: &SecretNames) -> Self {
        let location = response.headers.get(http::header::LOCATION).map(|value| {
            names
                .url(&String::from_utf8_lossy(value.as_bytes()))
                .to_string()
        });
        Self::Redirect {
            url: render(uri, names),
            status: response.status,
            location,
        }
    }

    /// A [`TransportError::InvalidRequest`] for a request to `uri`, its URL redacted with
    /// `names`.
    pub fn invalid_request(uri: &Uri, reason: impl Into<String>, names: &SecretNames) -> Self {
        Self::InvalidRequest {
            url: render(uri, names),
            reason: reason.into(),
            source: None,
        }
    }

    /// A [`TransportError::Timeout`] for a request to `uri`: for a [`Transport`](crate::Transport)
    /// of your own, or to script one with [`ScriptedTransport`](crate::ScriptedTransport).
    pub fn timeout(uri: &Uri, phase: TimeoutPhase, after: Duration, names: &SecretNames) -> Self {
        Self::Timeout {
            url: render(uri, names),
            phase,
            after,
        }
    }

    /// A [`TransportError::Connect`] for a request to `uri` that failed with `cause`: for a
    /// [`Transport`](crate::Transport) of your own, or to script one with
    /// [`ScriptedTransport`](crate::ScriptedTransport).
    pub fn connect(uri: &Uri, cause: impl Into<BoxError>, names: &SecretNames) -> Self {
        let url = render(uri, names);
        with_cause(cause, |source| Self::Connect {
            url: url.clone(),
            source,
        })
    }

    pub(crate) fn config(problem: impl Into<String>, source: Option<BoxError>) -> Self {
        Self::Config {
            problem: problem.into(),
            source,
        }
    }
}

/// 5xx, 429 and 408: the server's trouble or a request to come back later.
fn status_is_transient(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
}

fn redirect_target(location: Option<&str>) -> String {
    match location {
        Some(location) => format!(
            " redirecting to {location}, which was not followed (only a redirect from \
             http:// to https:// on the same host is followed, once)"
        ),
        None => " (a redirect without a Location)".to_owned(),
    }
}

fn snippet_suffix(snippet: &str) -> String {
    if snippet.is_empty() {
        String::new()
    } else {
        format!(": {snippet}")
    }
}

/// What a TLS failure means for the user, in this layer's words: rustls's own text is the
/// source. Empty for failures this layer knows nothing more about.
fn tls_reason(error: &rustls::Error) -> &'static str {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(problem) => match problem {
            C::UnknownIssuer => {
                ": the server's certificate is not trusted: it was issued by an unknown \
                 certificate authority; add that CA with extra_ca_pem or extra_ca_pem_file"
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                ": the server's certificate is not trusted: it is not valid for this host name"
            }
            C::Expired | C::ExpiredContext { .. } => {
                ": the server's certificate is not trusted: it has expired"
            }
            C::NotValidYet | C::NotValidYetContext { .. } => {
                ": the server's certificate is not trusted: it is not valid yet"
            }
            C::Revoked => ": the server's certificate is not trusted: it has been revoked",
            _ => ": the server's certificate is not trusted",
        },
        _ => "",
    }
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
            assert!(status(code).is_transient(), "{code}");
            assert!(!status(code).is_timeout(), "{code}");
        }
        for code in [400, 401, 403, 404, 409, 301] {
            assert!(!status(code).is_transient(), "{code}");
        }
        assert_eq!(status(404).to_string(), "http://h/ answered 404 Not Found");
    }

    #[test]
    fn untrusted_certificate_message() {
        let error = TransportError::Tls {
            url: "https://h/".into(),
            source: rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        };
        assert!(error.is_untrusted_certificate());
        assert!(!error.is_transient());
        assert!(error.to_string().contains("not trusted"), "{error}");
        // rustls's words are the source's, not repeated.
        assert!(!error.to_string().contains("UnknownIssuer"), "{error}");
    }

    #[test]
    fn constructors_redact_with_the_names_given() {
        let uri: Uri = "http://u:pw@h/x?password=p&sig=s&n=1".parse().unwrap();
        let only_password = SecretNames::new(&["password"]);
        let timeout = TransportError::timeout(
            &uri,
            TimeoutPhase::Request,
            Duration::from_secs(1),
            &only_password,
        );
        assert!(timeout.is_timeout() && timeout.is_transient());
        assert_eq!(timeout.timeout_phase(), Some(TimeoutPhase::Request));
        assert_eq!(timeout.url(), Some("http://***@h/x?password=***&sig=s&n=1"));
        let connect = TransportError::connect(
            &uri,
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
            &SecretNames::GENERIC,
        );
        assert!(connect.is_transient() && !connect.is_timeout());
        assert_eq!(
            connect.url(),
            Some("http://***@h/x?password=***&sig=***&n=1")
        );
        let source = std::error::Error::source(&connect).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("connection refused"));
        let invalid = TransportError::invalid_request(&uri, "no", &only_password);
        assert!(!invalid.is_transient());
        assert!(std::error::Error::source(&invalid).is_none());
    }
}
