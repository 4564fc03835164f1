//! A plain HTTP client for the simulator's tests (hyper's connection API,
//! over TCP or tokio-rustls trusting the simulator's CA), and helpers that
//! speak each platform by hand, independent of the protocol crates.
#![allow(dead_code)] // each test file uses its own part

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use iotcard_sim::{RunningSimulator, SimCredentials};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;

pub mod tolerant;
pub mod transcript;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A whole answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 answer")
    }
}

enum Sender {
    H1(hyper::client::conn::http1::SendRequest<Full<Bytes>>),
    H2(hyper::client::conn::http2::SendRequest<Full<Bytes>>),
}

/// One connection, kept alive across requests.
pub struct Conn {
    sender: Sender,
    authority: String,
    scheme: &'static str,
}

impl Conn {
    /// Plain HTTP/1.1.
    pub async fn plain(addr: SocketAddr) -> Conn {
        let tcp = TcpStream::connect(addr).await.expect("connect");
        tcp.set_nodelay(true).ok();
        Self::h1(TokioIo::new(tcp), addr, "http").await
    }

    /// HTTPS trusting `ca_pem`, offering `alpn`; HTTP/2 when the server picks it.
    pub async fn tls(
        addr: SocketAddr,
        server_name: &str,
        ca_pem: &str,
        alpn: &[&[u8]],
    ) -> Result<Conn, BoxError> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from_pem_slice(ca_pem.as_bytes())?)?;
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        let stream = connector
            .connect(ServerName::try_from(server_name.to_owned())?, tcp)
            .await?;
        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
        let io = TokioIo::new(stream);
        if h2 {
            let (sender, conn) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), io).await?;
            tokio::spawn(conn);
            Ok(Conn {
                sender: Sender::H2(sender),
                authority: addr.to_string(),
                scheme: "https",
            })
        } else {
            Ok(Self::h1(io, addr, "https").await)
        }
    }

    /// A connection to `url` (`http://` or `https://` with the sim's CA).
    pub async fn to(sim: &RunningSimulator, url: &str) -> Conn {
        let addr = if url == sim.iotbos_url() {
            sim.iotbos_addr()
        } else {
            sim.tencent_addr()
        };
        if url.starts_with("https://") {
            Conn::tls(addr, "127.0.0.1", sim.ca_pem(), &[b"http/1.1"])
                .await
                .expect("TLS connect")
        } else {
            Conn::plain(addr).await
        }
    }

    async fn h1<I>(io: I, addr: SocketAddr, scheme: &'static str) -> Conn
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let (sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .expect("HTTP/1 handshake");
        tokio::spawn(conn);
        Conn {
            sender: Sender::H1(sender),
            authority: addr.to_string(),
            scheme,
        }
    }

    pub fn is_h2(&self) -> bool {
        matches!(self.sender, Sender::H2(_))
    }

    /// Sends a request; the answer's head only.
    pub async fn send(
        &mut self,
        method: Method,
        target: &str,
        body: &[u8],
    ) -> Result<Response<Incoming>, hyper::Error> {
        let mut builder = Request::builder().method(method);
        builder = match self.sender {
            Sender::H1(_) => builder
                .uri(target)
                .header(http::header::HOST, &self.authority),
            Sender::H2(_) => builder.uri(format!("{}://{}{target}", self.scheme, self.authority)),
        };
        if !body.is_empty() {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json");
        }
        let req = builder
            .body(Full::new(Bytes::copy_from_slice(body)))
            .expect("valid request");
        match &mut self.sender {
            Sender::H1(s) => {
                s.ready().await?;
                s.send_request(req).await
            }
            Sender::H2(s) => {
                s.ready().await?;
                s.send_request(req).await
            }
        }
    }

    /// Sends a request and reads the whole answer.
    pub async fn request(
        &mut self,
        method: Method,
        target: &str,
        body: &[u8],
    ) -> Result<Answer, hyper::Error> {
        let response = self.send(method, target, body).await?;
        read(response).await
    }

    pub async fn get(&mut self, target: &str) -> Answer {
        self.request(Method::GET, target, b"")
            .await
            .expect("GET answered")
    }

    pub async fn post(&mut self, target: &str, body: &str) -> Answer {
        self.request(Method::POST, target, body.as_bytes())
            .await
            .expect("POST answered")
    }
}

pub async fn read(response: Response<Incoming>) -> Result<Answer, hyper::Error> {
    let (parts, body) = response.into_parts();
    Ok(Answer {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await?.to_bytes(),
    })
}

/// Unix seconds by the system clock, to sign Tencent requests with: the
/// simulator checks `time` against the real clock, so its tests must read it.
#[allow(clippy::disallowed_methods)] // the one place these tests read the system clock: a signed `time` must be real
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

// ---- IoTBOS by hand ----

pub fn login_target(creds: &SimCredentials) -> String {
    format!(
        "/Api/token?account={}&password={}",
        creds.iotbos_account,
        creds.iotbos_password.expose()
    )
}

/// Logs in and returns the token.
pub async fn login(conn: &mut Conn, creds: &SimCredentials) -> String {
    let answer = conn.get(&login_target(creds)).await;
    let json = answer.json();
    assert_eq!(json["status"], 1, "login refused: {}", answer.text());
    json["data"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned()
}

pub fn data_target(path: &str, numbers: &[&str], token: &str) -> String {
    format!(
        "{path}?cardIdNums={}&accessToken={token}",
        numbers.join(",")
    )
}

// ---- Tencent by hand ----

pub fn sig(appkey: &str, sdkappid: &str, time: &str) -> String {
    hex::encode(Sha256::digest(format!(
        "appkey={appkey}&sdkappid={sdkappid}&time={time}"
    )))
}

/// A body with `fields` (JSON members followed by a comma, or empty) plus a
/// valid `sig` and `time` for now.
pub fn signed(creds: &SimCredentials, fields: &str) -> String {
    signed_at(creds, fields, unix_now())
}

pub fn signed_at(creds: &SimCredentials, fields: &str, time: i64) -> String {
    let time = time.to_string();
    let sig = sig(
        creds.tencent_appkey.expose(),
        &creds.tencent_sdkappid,
        &time,
    );
    format!("{{{fields}\"sig\":\"{sig}\",\"time\":\"{time}\"}}")
}

pub fn tencent_target(creds: &SimCredentials, command: &str) -> String {
    format!(
        "/v1/iotcard/{command}?sdkappid={}&random=7226",
        creds.tencent_sdkappid
    )
}

/// A Tencent connection (HTTPS with the sim's CA, HTTP/1.1).
pub async fn tencent_conn(sim: &RunningSimulator) -> Conn {
    Conn::to(sim, &sim.tencent_url()).await
}

pub async fn iotbos_conn(sim: &RunningSimulator) -> Conn {
    Conn::to(sim, &sim.iotbos_url()).await
}
