//! Every error the transport builds prints one level: walking `source()` from it, no message
//! repeats what the error above it already said, and the chain as a whole still names the
//! root cause.

mod support;

use std::error::Error;
use std::time::Duration;

use iotcard_transport::{HttpTransport, Transport, TransportError};
use support::{answer, closed_port, get, raw_server, Pki, TestServer, Then};

/// The messages of `error` and its sources, outermost first.
fn messages(error: &TransportError) -> Vec<String> {
    let mut out = vec![error.to_string()];
    let mut next = error.source();
    while let Some(cause) = next {
        out.push(cause.to_string());
        next = cause.source();
    }
    out
}

/// Checks the one-level rule for `error` and that `root` (ASCII case-insensitive) is named
/// somewhere in its chain; returns the chain for the caller's own checks.
fn assert_one_level(what: &str, error: &TransportError, root: &str) -> Vec<String> {
    let chain = messages(error);
    for pair in chain.windows(2) {
        let (above, below) = (&pair[0], &pair[1]);
        assert!(
            !below.trim().is_empty(),
            "{what}: an empty cause in {chain:#?}"
        );
        assert!(
            !above.contains(below.as_str()),
            "{what}: {below:?} repeats what the error above it says: {chain:#?}"
        );
    }
    let all = chain.join("\n").to_ascii_lowercase();
    assert!(
        all.contains(&root.to_ascii_lowercase()),
        "{what}: the chain does not name {root:?}: {chain:#?}"
    );
    // anyhow-style `{:#}` of the whole chain, as the CLI prints it, for the test log.
    println!("{what}: {}", chain.join(": "));
    chain
}

fn transport() -> HttpTransport {
    HttpTransport::builder()
        .connect_timeout(Duration::from_secs(5))
        .request_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test]
async fn refused_connect() {
    let addr = closed_port().await;
    let error = transport()
        .send(get(&format!("http://{addr}/x")))
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::Connect { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("could not connect to http://{addr}/x")
    );
    let chain = assert_one_level("connect", &error, "Connection refused");
    assert!(chain.len() >= 2, "the cause is a source: {chain:#?}");
    assert!(
        !chain.iter().any(|m| m.starts_with("client error (")),
        "hyper-util's empty wrapper is left out: {chain:#?}"
    );
}

#[tokio::test]
async fn untrusted_certificate() {
    let pki = Pki::new();
    let server = TestServer::https(pki.server_config(&[b"http/1.1"]), |_| answer(200, "x")).await;
    let error = transport()
        .send(get(&server.url("https", "/")))
        .await
        .unwrap_err();
    assert!(error.is_untrusted_certificate(), "{error:?}");
    let chain = assert_one_level("tls", &error, "UnknownIssuer");
    assert!(chain[0].contains("not trusted"), "{chain:#?}");
    assert!(chain[0].contains("extra_ca_pem"), "{chain:#?}");
    let source = error
        .source()
        .and_then(|s| s.downcast_ref::<rustls::Error>());
    assert!(source.is_some(), "rustls's error is the source: {error:?}");
}

#[tokio::test]
async fn timeout() {
    let (addr, _server) = raw_server(b"", Then::Stall).await;
    let error = HttpTransport::builder()
        .request_timeout(Duration::from_millis(200))
        .build()
        .unwrap()
        .send(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert!(error.is_timeout() && error.is_transient(), "{error:?}");
    let chain = assert_one_level("timeout", &error, "timed out after 200ms");
    assert_eq!(
        chain.len(),
        1,
        "this layer's own limit has no cause below it"
    );
}

#[tokio::test]
async fn status() {
    let server = TestServer::http(|_| answer(503, "down for maintenance")).await;
    let transport = transport();
    let uri: http::Uri = server.url("http", "/s").parse().unwrap();
    let error = transport
        .send(get(&uri.to_string()))
        .await
        .unwrap()
        .error_for_status(&uri, &transport.secret_names())
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert!(error.is_transient() && !error.is_timeout());
    let chain = assert_one_level("status", &error, "down for maintenance");
    assert_eq!(chain.len(), 1);
}

#[tokio::test]
async fn body_broken_off() {
    let (addr, _server) = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"status\":1",
        Then::Close,
    )
    .await;
    let error = transport()
        .send(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::Body { .. }), "{error:?}");
    assert!(error.is_transient());
    let chain = assert_one_level("body", &error, "end of file");
    assert!(chain[0].ends_with("broke off"), "{chain:#?}");
    assert!(chain.len() >= 2, "{chain:#?}");
}

#[tokio::test]
async fn exchange_broken_off() {
    let (addr, _server) = raw_server(b"", Then::Close).await;
    let error = transport()
        .send(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::Exchange { .. }),
        "{error:?}"
    );
    let chain = assert_one_level("exchange", &error, "closed");
    assert!(chain.len() >= 2, "{chain:#?}");
}

#[tokio::test]
async fn body_too_large() {
    let server = TestServer::http(|_| answer(200, "0123456789abcdef")).await;
    let error = HttpTransport::builder()
        .max_body_size(8)
        .build()
        .unwrap()
        .send(get(&server.url("http", "/")))
        .await
        .unwrap_err();
    assert!(!error.is_transient());
    let chain = assert_one_level("too large", &error, "limit of 8 bytes");
    assert_eq!(chain.len(), 1);
}

#[tokio::test]
async fn invalid_request() {
    for url in ["/relative/only", "ftp://127.0.0.1/file"] {
        let error = transport().send(get(url)).await.unwrap_err();
        assert!(
            matches!(error, TransportError::InvalidRequest { .. }),
            "{url}: {error:?}"
        );
        assert_one_level(url, &error, "invalid request");
    }
}
