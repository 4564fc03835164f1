//! How iotcard requests travel: one small trait, [`Transport`], and its real implementation,
//! [`HttpTransport`] (hyper 1 with a keep-alive pool over rustls with the ring provider).
//!
//! ```
//! use std::time::Duration;
//! use iotcard_transport::{HttpTransport, Transport};
//! # use std::io::{Read, Write};
//! # let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
//! # let port = listener.local_addr().unwrap().port();
//! # std::thread::spawn(move || {
//! #     let (mut stream, _) = listener.accept().unwrap();
//! #     let mut request = [0u8; 4096];
//! #     let _ = stream.read(&mut request);
//! #     stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n{\"status\":1}").unwrap();
//! # });
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let transport = HttpTransport::builder()
//!     .connect_timeout(Duration::from_secs(5))
//!     .request_timeout(Duration::from_secs(20))
//!     .build()?;
//!
//! // Anything that builds an `http::Request<Bytes>` (the proto crates do) can be sent.
//! let url = format!("http://127.0.0.1:{port}/Api/token?account=demo&password=secret");
//! let request = http::Request::get(url).body(bytes::Bytes::new()).unwrap();
//! let answer = transport.send(request).await?;
//! assert_eq!(answer.status, http::StatusCode::OK);
//! assert_eq!(answer.body, r#"{"status":1}"#);
//! # Ok::<(), iotcard_transport::TransportError>(())
//! # }).unwrap();
//! ```
//!
//! What callers rely on:
//!
//! - **Errors classify themselves.** Ask a [`TransportError`] rather than matching its
//!   variants: [`is_transient`](TransportError::is_transient) says whether the same request
//!   may succeed later (connect failures, timeouts, broken bodies, 5xx, 408, 429) or not
//!   (untrusted certificate, other 4xx, invalid request);
//!   [`is_timeout`](TransportError::is_timeout), [`status`](TransportError::status),
//!   [`retry_after`](TransportError::retry_after) and
//!   [`is_untrusted_certificate`](TransportError::is_untrusted_certificate) tell the rest. A
//!   4xx or 5xx answer is a [`Response`], not an error, until [`Response::error_for_status`]
//!   or [`TransportError::from_status`] makes it one (a platform's refusal envelope often
//!   rides on one).
//! - **A 3xx never reaches you as a [`Response`]**: it is followed once when it is a 301, 302,
//!   307 or 308 to a `GET` or `POST` from `http://` to `https://` on the same host name (any
//!   port), re-sending the same method, headers and body, with one `warn` per host naming
//!   both redacted URLs; otherwise it is a [`TransportError::Redirect`] whose `Display`
//!   names the redacted `Location`, not transient. Nothing is ever sent to another host,
//!   over another scheme change or on a second hop: the query and body carry credentials.
//! - **It says who it is.** Every request carries `User-Agent: iotcard/<version>`
//!   ([`DEFAULT_USER_AGENT`]), or what [`HttpTransportBuilder::user_agent`] set, unless the
//!   request already has a `User-Agent` of its own.
//! - **Errors print one level.** `Display` says what this layer knows; the causes are the
//!   `source()` chain, each once (so anyhow's `{:#}` shows every cause exactly once).
//! - **Secrets stay out of text.** The transport knows no platform: it is told which query
//!   parameters are secret with [`HttpTransportBuilder::secret_names`] (a [`SecretNames`],
//!   [`SecretNames::GENERIC`] by default). Every URL in an error, log field or `Debug` print
//!   is shown with its user-info hidden whole and the values of those names hidden, and so
//!   is the body snippet of a status error; request bodies (Tencent's `sig`) are never
//!   formatted; answer bodies are never logged.
//! - **No clock.** The transport reads no wall-clock time: a `Retry-After` date is measured
//!   against the answer's own `Date` header, or against a time the caller passes
//!   ([`Response::retry_after_at`]). The server's clock is there too: [`Response::date`],
//!   and [`Response::clock_skew`] measures it against a time the caller passes (what to
//!   tell a user whose signed request was refused for its `time`).
//! - **Certificates are always verified.** Trust comes from [`Roots`] plus extra CAs in PEM;
//!   there is no switch to turn verification off.
//! - **Plain `http://` still works**, with one `warn` per host when the host is not loopback.
//! - [`ScriptedTransport`] answers from a script, for unit tests of code above a transport.
#![deny(missing_docs)]

mod body;
mod builder;
mod cause;
mod classify;
mod connect;
mod error;
mod http_transport;
mod plaintext;
mod redirect;
mod response;
mod scripted;
mod snippet;
mod tls;
mod url;

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;

pub use builder::{HttpTransportBuilder, DEFAULT_USER_AGENT};
pub use error::{BoxError, TimeoutPhase, TransportError};
pub use http_transport::HttpTransport;
/// Which parameter names hold credentials; re-exported from `iotcard-model` so users of the
/// transport need not depend on it.
pub use iotcard_model::SecretNames;
pub use response::{ClockSkew, Response};
pub use scripted::ScriptedTransport;
pub use tls::Roots;

// The README's example is compiled with the doctests, so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Sends one HTTP request and returns the whole answer.
///
/// Implementations must not log or format request bodies, and must render URLs only
/// redacted. A 4xx or 5xx status is a successful send: it comes back as a [`Response`].
/// [`HttpTransport`] never returns a 3xx as a [`Response`] (it follows the one redirect it
/// follows, and makes any other a [`TransportError::Redirect`]); an implementation of your
/// own should do the same ([`TransportError::redirect`] builds the error).
/// [`ScriptedTransport`] hands back whatever it was scripted with.
#[async_trait]
pub trait Transport: Send + Sync + std::fmt::Debug {
    /// Sends `request` and reads the answer's body to its end.
    async fn send(&self, request: http::Request<Bytes>) -> Result<Response, TransportError>;
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(&self, request: http::Request<Bytes>) -> Result<Response, TransportError> {
        (**self).send(request).await
    }
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Box<T> {
    async fn send(&self, request: http::Request<Bytes>) -> Result<Response, TransportError> {
        (**self).send(request).await
    }
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for &T {
    async fn send(&self, request: http::Request<Bytes>) -> Result<Response, TransportError> {
        (**self).send(request).await
    }
}
