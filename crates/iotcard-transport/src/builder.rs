//! Settings of an [`HttpTransport`] and how it is put together.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use iotcard_model::SecretNames;

use crate::body::BodyLimits;
use crate::connect::ConnectTimeout;
use crate::http_transport::{HttpTransport, Inner};
use crate::plaintext::PlaintextWarnings;
use crate::redirect::RedirectWarnings;
use crate::tls::{client_config, PemSource, Roots};
use crate::TransportError;

/// Configures an [`HttpTransport`]; start with [`HttpTransport::builder`].
///
/// Every time limit takes `impl Into<Option<Duration>>`: `None` removes that limit.
#[derive(Debug, Clone)]
pub struct HttpTransportBuilder {
    pub(crate) settings: Settings,
    roots: Roots,
    extra_cas: Vec<PemSource>,
    user_agent: String,
}

/// The `User-Agent` an [`HttpTransport`] sends unless told otherwise
/// ([`HttpTransportBuilder::user_agent`]): `iotcard/` and this crate's version.
pub const DEFAULT_USER_AGENT: &str = concat!("iotcard/", env!("CARGO_PKG_VERSION"));

/// The settings an [`HttpTransport`] runs with; shown by its `Debug`.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) body_limits: BodyLimits,
    pub(crate) pool_max_idle_per_host: usize,
    pub(crate) pool_idle_timeout: Option<Duration>,
    pub(crate) secret_names: SecretNames,
    pub(crate) user_agent: HeaderValue,
}

impl Default for HttpTransportBuilder {
    fn default() -> Self {
        Self {
            settings: Settings {
                connect_timeout: Some(Duration::from_secs(10)),
                request_timeout: Some(Duration::from_secs(30)),
                body_limits: BodyLimits {
                    idle: Some(Duration::from_secs(15)),
                    max_size: 16 * 1024 * 1024,
                },
                pool_max_idle_per_host: 32,
                pool_idle_timeout: Some(Duration::from_secs(90)),
                secret_names: SecretNames::GENERIC,
                user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            },
            roots: Roots::default(),
            extra_cas: Vec::new(),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
        }
    }
}

impl HttpTransportBuilder {
    /// A builder with the defaults: connect 10 s, request 30 s, body idle 15 s, body at most
    /// 16 MiB, 32 idle connections per host kept for 90 s, webpki roots, URLs redacted with
    /// [`SecretNames::GENERIC`], `User-Agent:` [`DEFAULT_USER_AGENT`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Limit on setting up a connection: DNS, TCP connect and TLS handshake together.
    #[must_use]
    pub fn connect_timeout(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.settings.connect_timeout = limit.into();
        self
    }

    /// Limit on the whole exchange: from sending the request (including any connection
    /// setup) until the last byte of the answer's body.
    #[must_use]
    pub fn request_timeout(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.settings.request_timeout = limit.into();
        self
    }

    /// Limit on the wait for each next piece of the body once the answer's head has
    /// arrived: an idle limit between chunks, not a limit on the whole body (that is
    /// [`request_timeout`](Self::request_timeout)).
    #[must_use]
    pub fn body_timeout(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.settings.body_limits.idle = limit.into();
        self
    }

    /// Largest answer body accepted, in bytes; a larger one is
    /// [`TransportError::BodyTooLarge`].
    #[must_use]
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.settings.body_limits.max_size = bytes;
        self
    }

    /// How many idle keep-alive connections to keep per host.
    #[must_use]
    pub fn pool_max_idle_per_host(mut self, connections: usize) -> Self {
        self.settings.pool_max_idle_per_host = connections;
        self
    }

    /// How long an idle keep-alive connection is kept; `None` keeps it until the server
    /// closes it.
    #[must_use]
    pub fn pool_idle_timeout(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.settings.pool_idle_timeout = limit.into();
        self
    }

    /// Which query parameters (and body fields of an error answer) hold credentials, to be
    /// hidden wherever this transport shows a URL: in every [`TransportError`], in its log
    /// lines and in `Debug` output, and in the body snippet of a
    /// [`TransportError::Status`]. A URL's user-info is hidden whatever the names.
    ///
    /// The default, [`SecretNames::GENERIC`], covers the usual names (`password`, `token`,
    /// `sig`, `appkey`, …). The transport knows no platform: the iotcard facade passes each
    /// platform's own names (IoTBOS's `password` and `accessToken`, Tencent's `sig`), and so
    /// should any other caller that knows better. Only the listed names are hidden.
    ///
    /// ```
    /// use iotcard_transport::{HttpTransport, SecretNames};
    ///
    /// let transport = HttpTransport::builder()
    ///     .secret_names(SecretNames::new(&["password", "accessToken"]))
    ///     .build()?;
    /// assert_eq!(transport.secret_names().names(), ["password", "accessToken"]);
    /// # Ok::<(), iotcard_transport::TransportError>(())
    /// ```
    #[must_use]
    pub fn secret_names(mut self, names: SecretNames) -> Self {
        self.settings.secret_names = names;
        self
    }

    /// The `User-Agent` sent with every request that does not carry one of its own
    /// (default [`DEFAULT_USER_AGENT`], `iotcard/<version>`). A value that cannot be an HTTP
    /// header (a line break, say) is refused by [`build`](Self::build).
    ///
    /// ```
    /// use iotcard_transport::{HttpTransport, DEFAULT_USER_AGENT};
    ///
    /// assert!(DEFAULT_USER_AGENT.starts_with("iotcard/"));
    /// let transport = HttpTransport::builder()
    ///     .user_agent(format!("fleet-watch/2.1 {DEFAULT_USER_AGENT}"))
    ///     .build()?;
    /// assert!(HttpTransport::builder().user_agent("bad\nvalue").build().is_err());
    /// # Ok::<(), iotcard_transport::TransportError>(())
    /// ```
    #[must_use]
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.user_agent = value.into();
        self
    }

    /// The base set of trusted certificate authorities.
    #[must_use]
    pub fn roots(mut self, roots: Roots) -> Self {
        self.roots = roots;
        self
    }

    /// Also trust the CA certificate(s) in this PEM text (one or more `CERTIFICATE`
    /// sections). Checked by [`build`](Self::build).
    #[must_use]
    pub fn extra_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_cas.push(PemSource::Bytes(pem.into()));
        self
    }

    /// Also trust the CA certificate(s) in this PEM file, read by [`build`](Self::build);
    /// an unreadable or invalid file is an error naming it.
    #[must_use]
    pub fn extra_ca_pem_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.extra_cas.push(PemSource::File(path.into()));
        self
    }

    /// Builds the transport. Fails with [`TransportError::Config`] on bad CA input or a
    /// `User-Agent` that cannot be a header value.
    ///
    /// Needs no runtime to build; requests must be sent from within a Tokio runtime.
    pub fn build(mut self) -> Result<HttpTransport, TransportError> {
        self.settings.user_agent = HeaderValue::from_str(&self.user_agent).map_err(|e| {
            TransportError::config(
                "user_agent: not a valid HTTP header value",
                Some(Box::new(e)),
            )
        })?;
        let tls = client_config(self.roots, &self.extra_cas)?;

        let mut tcp = HttpConnector::new();
        // The HTTPS connector decides which schemes are allowed.
        tcp.enforce_http(false);
        // Small request/answer pairs: do not let Nagle hold back the request's last segment.
        tcp.set_nodelay(true);

        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_all_versions()
            .wrap_connector(tcp);
        let connector = ConnectTimeout::new(https, self.settings.connect_timeout);

        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_max_idle_per_host(self.settings.pool_max_idle_per_host)
            .pool_idle_timeout(self.settings.pool_idle_timeout)
            .build(connector);

        Ok(HttpTransport {
            inner: Arc::new(Inner {
                client,
                settings: self.settings,
                roots: self.roots,
                extra_cas: self.extra_cas.len(),
                plaintext: PlaintextWarnings::default(),
                redirects: RedirectWarnings::default(),
            }),
        })
    }
}
