//! Tiny servers, a private CA and a log capture for the transport's behaviour tests.
//!
//! Everything listens on 127.0.0.1 only.
#![allow(dead_code)] // each test file uses a different part

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// What a test server saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: http::Method,
    pub uri: http::Uri,
    pub version: http::Version,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

type Handler = dyn Fn(&Seen) -> http::Response<Full<Bytes>> + Send + Sync;

/// A hyper server (HTTP/1.1 and HTTP/2) on 127.0.0.1, optionally behind TLS.
pub struct TestServer {
    pub addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl TestServer {
    /// Plain HTTP.
    pub async fn http(
        handler: impl Fn(&Seen) -> http::Response<Full<Bytes>> + Send + Sync + 'static,
    ) -> Self {
        Self::start(Arc::new(handler), None).await
    }

    /// HTTPS with `tls`.
    pub async fn https(
        tls: rustls::ServerConfig,
        handler: impl Fn(&Seen) -> http::Response<Full<Bytes>> + Send + Sync + 'static,
    ) -> Self {
        Self::start(Arc::new(handler), Some(Arc::new(tls))).await
    }

    async fn start(handler: Arc<Handler>, tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn({
            let accepted = accepted.clone();
            let seen = seen.clone();
            async move {
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        return;
                    };
                    accepted.fetch_add(1, Ordering::SeqCst);
                    let handler = handler.clone();
                    let seen = seen.clone();
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |request: http::Request<Incoming>| {
                            let handler = handler.clone();
                            let seen = seen.clone();
                            async move {
                                let (parts, body) = request.into_parts();
                                let body = body.collect().await.map(|b| b.to_bytes());
                                let seen_now = Seen {
                                    method: parts.method,
                                    uri: parts.uri,
                                    version: parts.version,
                                    headers: parts.headers,
                                    body: body.unwrap_or_default(),
                                };
                                let answer = handler(&seen_now);
                                seen.lock().unwrap().push(seen_now);
                                Ok::<_, Infallible>(answer)
                            }
                        });
                        let builder =
                            hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                        match tls {
                            None => {
                                let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
                            }
                            Some(config) => {
                                let acceptor = tokio_rustls::TlsAcceptor::from(config);
                                // A client that refuses our certificate ends the handshake.
                                if let Ok(stream) = acceptor.accept(tcp).await {
                                    let _ = builder
                                        .serve_connection(TokioIo::new(stream), service)
                                        .await;
                                }
                            }
                        }
                    });
                }
            }
        });
        Self {
            addr,
            accepted,
            seen,
            task,
        }
    }

    /// How many TCP connections the server accepted.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Every request the server answered, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn url(&self, scheme: &str, path_and_query: &str) -> String {
        format!("{scheme}://{}{path_and_query}", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn answer(status: u16, body: &'static str) -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .status(status)
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap()
}

/// What a raw server does after writing its bytes.
#[derive(Debug, Clone, Copy)]
pub enum Then {
    /// Close the connection.
    Close,
    /// Keep the connection open and silent.
    Stall,
}

/// A TCP server on 127.0.0.1 that reads a request head and writes `reply` verbatim (an
/// empty reply writes nothing), for answers a well-behaved server would never send.
pub async fn raw_server(reply: &'static [u8], then: Then) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut tcp, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tcp.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                // Drain the request body too: closing with unread input would reset the
                // connection and hide the reply we mean the client to see.
                let end = head.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0) + 4;
                let mut unread = content_length(&head[..end]).saturating_sub(head.len() - end);
                while unread > 0 {
                    match tcp.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => unread = unread.saturating_sub(n),
                    }
                }
                let _ = tcp.write_all(reply).await;
                let _ = tcp.flush().await;
                match then {
                    Then::Close => drop(tcp),
                    Then::Stall => {
                        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                    }
                }
            });
        }
    });
    (addr, task)
}

fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0)
}

/// A TCP server that accepts and never says anything (stalls a TLS handshake).
pub async fn silent_server() -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            open.push(tcp);
        }
    });
    (addr, task)
}

/// A loopback port nothing listens on (bound, then released).
pub async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// A private CA and a server certificate it signed for `localhost` and `127.0.0.1`.
pub struct Pki {
    pub ca_pem: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Vec<u8>,
}

impl Pki {
    pub fn new() -> Self {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "iotcard transport test CA");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca = ca_params.self_signed(&ca_key).unwrap();

        let server_key = rcgen::KeyPair::generate().unwrap();
        let server_params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .unwrap();
        let server = server_params.signed_by(&server_key, &ca, &ca_key).unwrap();
        Self {
            ca_pem: ca.pem(),
            server_chain: vec![server.der().clone()],
            server_key: server_key.serialize_der(),
        }
    }

    /// A server configuration offering `alpn` (e.g. `[b"h2", b"http/1.1"]`).
    pub fn server_config(&self, alpn: &[&[u8]]) -> rustls::ServerConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(self.server_chain.clone(), key)
            .unwrap();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        config
    }
}

/// Everything logged at any level while the guard lives, on this thread.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    pub fn capture() -> (Self, tracing::subscriber::DefaultGuard) {
        let logs = Self::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(logs.clone())
            .finish();
        (logs.clone(), tracing::subscriber::set_default(subscriber))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

pub fn get(url: &str) -> http::Request<Bytes> {
    http::Request::get(url).body(Bytes::new()).unwrap()
}

pub fn post(url: &str, body: &'static str) -> http::Request<Bytes> {
    http::Request::post(url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Bytes::from_static(body.as_bytes()))
        .unwrap()
}
