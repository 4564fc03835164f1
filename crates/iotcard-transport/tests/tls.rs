//! HTTPS behaviour: trust, ALPN, and what an untrusted certificate looks like.

mod support;

use std::io::Write;
use std::time::Duration;

use iotcard_transport::{HttpTransport, Roots, TimeoutPhase, Transport, TransportError};
use support::{answer, get, post, silent_server, Pki, TestServer};

const BOTH: &[&[u8]] = &[b"h2", b"http/1.1"];
const H1_ONLY: &[&[u8]] = &[b"http/1.1"];

fn trusting(pki: &Pki) -> HttpTransport {
    HttpTransport::builder()
        .extra_ca_pem(pki.ca_pem.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn https_post_works_with_the_ca_from_pem_bytes() {
    let pki = Pki::new();
    let server = TestServer::https(pki.server_config(BOTH), |_| answer(200, "secure")).await;
    let body = r#"{"sig":"abc","time":"1"}"#;
    let response = trusting(&pki)
        .send(post(&server.url("https", "/v1/iotcard/getappinfo"), body))
        .await
        .unwrap();
    assert_eq!(response.body, "secure");
    assert_eq!(server.seen()[0].body, body);
    assert_eq!(server.seen()[0].method, http::Method::POST);
}

#[tokio::test]
async fn the_ca_can_come_from_a_file_and_a_host_name_works() {
    let pki = Pki::new();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(pki.ca_pem.as_bytes()).unwrap();
    let server = TestServer::https(pki.server_config(BOTH), |_| answer(200, "from file")).await;
    let transport = HttpTransport::builder()
        .roots(Roots::ExtraOnly)
        .extra_ca_pem_file(file.path())
        .build()
        .unwrap();
    let url = format!("https://localhost:{}/", server.addr.port());
    let response = transport.send(get(&url)).await.unwrap();
    assert_eq!(response.body, "from file");
}

#[tokio::test]
async fn h2_is_used_when_the_server_offers_it() {
    let pki = Pki::new();
    let server = TestServer::https(pki.server_config(BOTH), |_| answer(200, "ok")).await;
    let transport = trusting(&pki);
    for _ in 0..3 {
        transport
            .send(get(&server.url("https", "/")))
            .await
            .unwrap();
    }
    let versions: Vec<_> = server.seen().iter().map(|s| s.version).collect();
    assert_eq!(versions, vec![http::Version::HTTP_2; 3]);
    assert_eq!(server.accepted(), 1, "h2 requests share one connection");
}

#[tokio::test]
async fn http1_is_used_when_the_server_offers_only_http1() {
    let pki = Pki::new();
    let server = TestServer::https(pki.server_config(H1_ONLY), |_| answer(200, "ok")).await;
    let transport = trusting(&pki);
    for _ in 0..3 {
        transport
            .send(get(&server.url("https", "/")))
            .await
            .unwrap();
    }
    let versions: Vec<_> = server.seen().iter().map(|s| s.version).collect();
    assert_eq!(versions, vec![http::Version::HTTP_11; 3]);
    assert_eq!(server.accepted(), 1, "keep-alive over TLS");
}

#[tokio::test]
async fn an_unknown_ca_is_reported_as_not_trusted_and_not_retryable() {
    let pki = Pki::new();
    let server = TestServer::https(pki.server_config(BOTH), |_| answer(200, "never")).await;
    // Default roots (webpki) do not include the test CA.
    let transport = HttpTransport::new().unwrap();
    let error = transport
        .send(get(&server.url("https", "/")))
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::Tls { .. }), "{error:?}");
    assert!(error.is_untrusted_certificate());
    assert!(!error.is_transient());
    let message = error.to_string();
    assert!(message.contains("certificate is not trusted"), "{message}");
    assert!(
        message.contains("unknown certificate authority"),
        "{message}"
    );
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn a_certificate_for_another_name_is_not_trusted() {
    let pki = Pki::new();
    let other = Pki::new();
    let server = TestServer::https(pki.server_config(BOTH), |_| answer(200, "never")).await;
    // Trusting a different CA is no better than trusting none.
    let error = trusting(&other)
        .send(get(&server.url("https", "/")))
        .await
        .unwrap_err();
    assert!(error.is_untrusted_certificate(), "{error:?}");
}

#[tokio::test]
async fn a_stalled_handshake_hits_the_connect_timeout() {
    let (addr, _server) = silent_server().await;
    let transport = HttpTransport::builder()
        .connect_timeout(Duration::from_millis(300))
        .request_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let error = transport
        .send(get(&format!("https://{addr}/")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            TransportError::Timeout {
                phase: TimeoutPhase::Connect,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_transient());
}

#[test]
fn a_bad_pem_file_is_named_in_the_error() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(b"this is not a certificate").unwrap();
    let error = HttpTransport::builder()
        .extra_ca_pem_file(file.path())
        .build()
        .unwrap_err();
    assert!(matches!(error, TransportError::Config { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains(&file.path().display().to_string()),
        "{message}"
    );
}

#[test]
fn a_pem_with_a_non_ca_blob_is_refused() {
    let pem = "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
    let error = HttpTransport::builder()
        .extra_ca_pem(pem)
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("extra CA PEM #1"), "{error}");
}
