//! The real transport: a pooled hyper client over rustls.

use std::error::Error as _;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::header::{LOCATION, USER_AGENT};
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use iotcard_model::SecretNames;
use tokio::time::Instant;
use tracing::Instrument;

use crate::body::read_to_end;
use crate::builder::Settings;
use crate::connect::ConnectTimeout;
use crate::plaintext::PlaintextWarnings;
use crate::redirect::{self, RedirectWarnings};
use crate::tls::Roots;
use crate::url::RedactedUrl;
use crate::{classify, HttpTransportBuilder, Response, TimeoutPhase, Transport, TransportError};

type Connector = ConnectTimeout<HttpsConnector<HttpConnector>>;

/// A [`Transport`] over hyper 1 with a keep-alive connection pool, for `http://` and
/// `https://` (HTTP/2 when the server offers it by ALPN, HTTP/1.1 otherwise).
///
/// Cheap to clone: clones share the pool. Certificates are always verified.
///
/// A URL's user-info (`user:password@host`) is never sent: HTTP/1.1 has no place for it and
/// HTTP/2 forbids it in `:authority`, so it is taken off before the request reaches hyper
/// (whose connection-pool trace lines would otherwise print it). Send credentials in a
/// header. It is never shown either: errors and logs print `***@host`.
///
/// Every request carries a `User-Agent` ([`HttpTransportBuilder::user_agent`]) unless it has
/// one. A 3xx answer is never returned: an `http://` → `https://` redirect to the same host
/// is followed once, anything else is a [`TransportError::Redirect`] (see the crate docs).
/// Both hops of a followed redirect share the request time limit.
#[derive(Clone)]
pub struct HttpTransport {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) client: Client<Connector, Full<Bytes>>,
    pub(crate) settings: Settings,
    pub(crate) roots: Roots,
    pub(crate) extra_cas: usize,
    pub(crate) plaintext: PlaintextWarnings,
    pub(crate) redirects: RedirectWarnings,
}

impl HttpTransport {
    /// A builder with the defaults documented on [`HttpTransportBuilder::new`].
    pub fn builder() -> HttpTransportBuilder {
        HttpTransportBuilder::new()
    }

    /// A transport with the default settings.
    pub fn new() -> Result<Self, TransportError> {
        Self::builder().build()
    }

    /// The names whose values this transport hides in URLs and body snippets (see
    /// [`HttpTransportBuilder::secret_names`]); for building errors of your own about the
    /// same requests, e.g. with [`Response::error_for_status`].
    pub fn secret_names(&self) -> SecretNames {
        self.inner.settings.secret_names
    }

    async fn exchange(
        &self,
        request: http::Request<Full<Bytes>>,
        url: &RedactedUrl,
    ) -> Result<Response, TransportError> {
        let answer = self
            .inner
            .client
            .request(request)
            .await
            .map_err(|e| classify::send_error(url, e))?;
        let (head, body) = answer.into_parts();
        tracing::trace!(status = head.status.as_u16(), version = ?head.version, "answer head");
        let content_length = head
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let body = read_to_end(body, content_length, self.inner.settings.body_limits, url).await?;
        Ok(Response {
            status: head.status,
            headers: head.headers,
            body,
        })
    }
}

/// The checks hyper-util would otherwise fail with an opaque error.
fn check_sendable(uri: &http::Uri) -> Result<(), &'static str> {
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(_) => return Err("only http:// and https:// URLs are supported"),
        None => return Err("the URL must be absolute (scheme and host)"),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err("the URL has no host");
    }
    Ok(())
}

/// `uri` without its user-info, or `None` when it has none (or, impossibly, the rest does not
/// make a URI again, in which case hyper gets it as it is).
fn without_user_info(uri: &http::Uri) -> Option<http::Uri> {
    let (_, host_port) = uri.authority()?.as_str().rsplit_once('@')?;
    let mut parts = uri.clone().into_parts();
    parts.authority = Some(host_port.parse().ok()?);
    http::Uri::from_parts(parts).ok()
}

#[async_trait]
impl Transport for HttpTransport {
    async fn send(&self, request: http::Request<Bytes>) -> Result<Response, TransportError> {
        let names = self.inner.settings.secret_names;
        let url = RedactedUrl::new(request.uri(), names);
        if let Err(reason) = check_sendable(request.uri()) {
            return Err(TransportError::invalid_request(
                request.uri(),
                reason,
                &names,
            ));
        }
        self.inner.plaintext.check(request.uri());
        let mut request = request;
        if let Some(bare) = without_user_info(request.uri()) {
            tracing::debug!(url = %url, "the URL's user-info is not sent");
            *request.uri_mut() = bare;
        }
        if !request.headers().contains_key(USER_AGENT) {
            request
                .headers_mut()
                .insert(USER_AGENT, self.inner.settings.user_agent.clone());
        }

        let span = tracing::debug_span!(
            "http_request",
            method = %request.method(),
            url = %url,
        );
        async {
            let started = Instant::now();
            let deadline = self.inner.settings.request_timeout.map(|limit| Deadline {
                at: started + limit,
                limit,
            });
            let outcome = self.exchange_following(request, &url, deadline).await;
            let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
            match &outcome {
                Ok(response) => tracing::debug!(
                    status = response.status.as_u16(),
                    latency_ms,
                    body_len = response.body.len(),
                    "answer received"
                ),
                Err(error) => tracing::debug!(
                    %error,
                    cause = %Causes(error),
                    transient = error.is_transient(),
                    latency_ms,
                    "request failed"
                ),
            }
            outcome
        }
        .instrument(span)
        .await
    }
}

/// The end of a request's time limit (shared by a redirect's two hops), and the limit.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: Instant,
    limit: Duration,
}

impl HttpTransport {
    /// Sends `request` and returns its answer, following the one redirect that is followed
    /// (the `redirect` module says which); any other 3xx is a [`TransportError::Redirect`].
    async fn exchange_following(
        &self,
        request: http::Request<Bytes>,
        url: &RedactedUrl,
        deadline: Option<Deadline>,
    ) -> Result<Response, TransportError> {
        let names = self.inner.settings.secret_names;
        // Kept only when a redirect could be followed: a second send needs the same request.
        let again =
            redirect::may_upgrade(request.uri(), request.method()).then(|| request_parts(&request));
        let uri = request.uri().clone();
        let method = request.method().clone();
        let answer = self.exchange_within(request, url, deadline).await?;
        if !answer.status.is_redirection() {
            return Ok(answer);
        }
        let location = answer.headers.get(LOCATION);
        let target = redirect::upgrade_target(&uri, &method, answer.status, location);
        let (Some(target), Some((mut parts, body))) = (target, again) else {
            return Err(TransportError::redirect(&uri, &answer, &names));
        };
        let target_url = RedactedUrl::new(&target, names);
        if self.inner.redirects.first_for(&uri) {
            tracing::warn!(
                from = %url,
                to = %target_url,
                status = answer.status.as_u16(),
                "the server redirects plain http:// to https:// on the same host; following \
                 it (said once per host): configure the https:// endpoint to skip the detour"
            );
        } else {
            tracing::debug!(from = %url, to = %target_url, "following the redirect to https://");
        }
        parts.uri = target.clone();
        // The request's own `Host` (if it set one) named the old port; hyper derives it
        // from the new URI.
        parts.headers.remove(http::header::HOST);
        let followed = http::Request::from_parts(parts, body);
        let answer = self
            .exchange_within(followed, &target_url, deadline)
            .await?;
        if answer.status.is_redirection() {
            // Never a second hop.
            return Err(TransportError::redirect(&target, &answer, &names));
        }
        Ok(answer)
    }

    /// One exchange, within what is left of `deadline`.
    async fn exchange_within(
        &self,
        request: http::Request<Bytes>,
        url: &RedactedUrl,
        deadline: Option<Deadline>,
    ) -> Result<Response, TransportError> {
        let exchange = self.exchange(request.map(Full::new), url);
        match deadline {
            Some(Deadline { at, limit }) => tokio::time::timeout_at(at, exchange)
                .await
                .unwrap_or_else(|_| Err(classify::timeout(url, TimeoutPhase::Request, limit))),
            None => exchange.await,
        }
    }
}

/// A copy of `request`'s head and body, to send it again.
fn request_parts(request: &http::Request<Bytes>) -> (http::request::Parts, Bytes) {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy.into_parts()
}

impl fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let settings = &self.inner.settings;
        f.debug_struct("HttpTransport")
            .field("connect_timeout", &settings.connect_timeout)
            .field("request_timeout", &settings.request_timeout)
            .field("body_timeout", &settings.body_limits.idle)
            .field("max_body_size", &settings.body_limits.max_size)
            .field("pool_max_idle_per_host", &settings.pool_max_idle_per_host)
            .field("pool_idle_timeout", &settings.pool_idle_timeout)
            .field("roots", &self.inner.roots)
            .field("extra_cas", &self.inner.extra_cas)
            .field("secret_names", &settings.secret_names)
            .field("user_agent", &settings.user_agent)
            .finish_non_exhaustive()
    }
}

/// An error's causes, `: `-separated, for a log line: its own `Display` says one level only.
struct Causes<'a>(&'a TransportError);

impl fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut next = self.0.source();
        let mut first = true;
        while let Some(cause) = next {
            if !first {
                f.write_str(": ")?;
            }
            first = false;
            write!(f, "{cause}")?;
            next = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_urls_are_sendable() {
        let check = |u: &str| check_sendable(&u.parse().unwrap());
        assert!(check("http://localhost/").is_ok());
        assert!(check("https://example.com/x?y=1").is_ok());
        assert!(check("/relative").is_err());
        assert!(check("ftp://example.com/").is_err());
    }

    #[test]
    fn user_info_is_taken_off() {
        let bare = |u: &str| without_user_info(&u.parse().unwrap()).map(|u| u.to_string());
        assert_eq!(
            bare("https://u:p@h.example:8443/x?a=1").as_deref(),
            Some("https://h.example:8443/x?a=1")
        );
        assert_eq!(bare("http://a:b@c@h/").as_deref(), Some("http://h/"));
        assert_eq!(bare("http://h/x"), None);
        assert_eq!(bare("/relative"), None);
    }
}
