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
//! - **Errors are typed and classified.** [`TransportError::is_retryable`] says whether the
//!   same request may succeed later (connect failures, timeouts, broken bodies, 5xx, 408,
//!   429) or not (untrusted certificate, other 4xx). A non-2xx answer is a [`Response`], not
//!   an error, until [`Response::error_for_status`] makes it one.
//! - **Secrets stay out of text.** Every URL in an error, log field or `Debug` print goes
//!   through [`iotbos_proto::redact_uri`] (hiding `password` and `accessToken`); request
//!   bodies (Tencent's `sig`) are never formatted; answer bodies are never logged.
//! - **Certificates are always verified.** Trust comes from [`Roots`] plus extra CAs in PEM;
//!   there is no switch to turn verification off.
//! - **Plain `http://` still works**, with one `warn` per host when the host is not loopback.
//! - [`ScriptedTransport`] answers from a script, for unit tests of code above a transport.
#![deny(missing_docs)]

mod body;
mod builder;
mod classify;
mod connect;
mod error;
mod http_transport;
mod plaintext;
mod response;
mod scripted;
mod snippet;
mod tls;
mod url;

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;

pub use builder::HttpTransportBuilder;
pub use error::{BoxError, TimeoutPhase, TransportError};
pub use http_transport::HttpTransport;
pub use response::Response;
pub use scripted::ScriptedTransport;
pub use tls::Roots;

/// Sends one HTTP request and returns the whole answer.
///
/// Implementations must not log or format request bodies, and must render URLs only
/// redacted. A non-2xx status is a successful send: it comes back as a [`Response`].
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
