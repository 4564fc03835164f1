//! Plain-HTTP behaviour of `HttpTransport` against servers started in each test.

mod support;

use std::time::Duration;

use iotcard_transport::{HttpTransport, TimeoutPhase, Transport, TransportError};
use support::{answer, closed_port, get, post, raw_server, TestServer, Then};

fn transport() -> HttpTransport {
    HttpTransport::builder()
        .connect_timeout(Duration::from_secs(5))
        .request_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test]
async fn get_returns_status_headers_and_body() {
    let server = TestServer::http(|seen| {
        let body = if seen.uri.query() == Some("cardIdNums=1,2") {
            r#"{"status":1}"#
        } else {
            "wrong query"
        };
        http::Response::builder()
            .header("x-answer", "yes")
            .body(http_body_util::Full::new(bytes::Bytes::from_static(
                body.as_bytes(),
            )))
            .unwrap()
    })
    .await;
    let response = transport()
        .send(get(&server.url("http", "/Api/x?cardIdNums=1,2")))
        .await
        .unwrap();
    assert_eq!(response.status, http::StatusCode::OK);
    assert_eq!(response.headers["x-answer"], "yes");
    assert_eq!(response.body, r#"{"status":1}"#);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, http::Method::GET);
    assert!(seen[0].body.is_empty());
}

#[tokio::test]
async fn post_body_arrives_intact() {
    let server = TestServer::http(|_| answer(200, "ok")).await;
    let body = r#"{"sig":"abc","time":"1505812393","iccid":"898600"}"#;
    transport()
        .send(post(&server.url("http", "/v1/iotcard/getcardinfo"), body))
        .await
        .unwrap();
    assert_eq!(server.seen()[0].body, body);
}

#[tokio::test]
async fn keep_alive_reuses_one_connection() {
    let server = TestServer::http(|_| answer(200, "ok")).await;
    let transport = transport();
    for _ in 0..5 {
        let response = transport.send(get(&server.url("http", "/"))).await.unwrap();
        assert_eq!(response.body, "ok");
    }
    assert_eq!(server.seen().len(), 5);
    assert_eq!(
        server.accepted(),
        1,
        "sequential requests must share a connection"
    );
}

#[tokio::test]
async fn clones_share_the_pool() {
    let server = TestServer::http(|_| answer(200, "ok")).await;
    let first = transport();
    let second = first.clone();
    first.send(get(&server.url("http", "/"))).await.unwrap();
    second.send(get(&server.url("http", "/"))).await.unwrap();
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn refused_connection_is_a_retryable_connect_error() {
    let addr = closed_port().await;
    let error = transport()
        .send(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::Connect { .. }), "{error:?}");
    assert!(error.is_transient());
    assert!(error.to_string().contains("could not connect"), "{error}");
}

#[tokio::test]
async fn a_silent_server_hits_the_request_timeout() {
    let (addr, _server) = raw_server(b"", Then::Stall).await;
    let transport = HttpTransport::builder()
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = transport
        .send(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();
    match &error {
        TransportError::Timeout { phase, after, .. } => {
            assert_eq!(*phase, TimeoutPhase::Request);
            assert_eq!(*after, Duration::from_millis(300));
        }
        other => panic!("expected a request timeout, got {other:?}"),
    }
    assert!(error.is_transient());
}

#[tokio::test]
async fn a_body_that_stops_flowing_hits_the_body_timeout() {
    let (addr, _server) = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"status\":",
        Then::Stall,
    )
    .await;
    let transport = HttpTransport::builder()
        .body_timeout(Duration::from_millis(300))
        .request_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let error = transport
        .send(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            TransportError::Timeout {
                phase: TimeoutPhase::Body,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_transient());
}

#[tokio::test]
async fn a_body_shorter_than_content_length_is_a_retryable_body_error() {
    let (addr, _server) = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"status\":1,\"data\"",
        Then::Close,
    )
    .await;
    let error = transport()
        .send(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::Body { .. }), "{error:?}");
    assert!(error.is_transient());
}

#[tokio::test]
async fn a_chunked_body_without_its_last_chunk_is_a_body_error() {
    let (addr, _server) = raw_server(
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n",
        Then::Close,
    )
    .await;
    let error = transport()
        .send(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::Body { .. }), "{error:?}");
}

#[tokio::test]
async fn a_connection_closed_before_any_answer_is_a_retryable_exchange_error() {
    let (addr, _server) = raw_server(b"", Then::Close).await;
    let error = transport()
        .send(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::Exchange { .. }),
        "{error:?}"
    );
    assert!(error.is_transient());
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let server = TestServer::http(|_| answer(200, "0123456789abcdef")).await;
    let transport = HttpTransport::builder().max_body_size(8).build().unwrap();
    let error = transport
        .send(get(&server.url("http", "/")))
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::BodyTooLarge { limit: 8, .. }),
        "{error:?}"
    );
    assert!(!error.is_transient());
}

#[tokio::test]
async fn status_errors_are_classified_and_keep_retry_after() {
    let server = TestServer::http(|seen| {
        let (status, retry_after) = match seen.uri.path() {
            "/503" => (503, Some("7".to_owned())),
            // A date two minutes after the answer's own `Date` (set below).
            "/429" => (429, Some("Sun, 06 Nov 1994 08:51:37 GMT".to_owned())),
            "/408" => (408, None),
            "/404" => (404, None),
            "/401" => (401, None),
            _ => (200, None),
        };
        let mut builder = http::Response::builder()
            .status(status)
            .header(http::header::DATE, "Sun, 06 Nov 1994 08:49:37 GMT");
        if let Some(value) = retry_after {
            builder = builder.header(http::header::RETRY_AFTER, value);
        }
        builder
            .body(http_body_util::Full::new(bytes::Bytes::from_static(
                b"server says no",
            )))
            .unwrap()
    })
    .await;
    let transport = transport();
    let mut outcomes = Vec::new();
    for path in ["/503", "/429", "/408", "/404", "/401", "/ok"] {
        let uri: http::Uri = server.url("http", path).parse().unwrap();
        let response = transport.send(get(&uri.to_string())).await.unwrap();
        outcomes.push((
            path,
            response.error_for_status(&uri, &transport.secret_names()),
        ));
    }
    let error_of = |path: &str| {
        outcomes
            .iter()
            .find(|(p, _)| *p == path)
            .and_then(|(_, outcome)| outcome.as_ref().err())
            .unwrap()
    };
    let unavailable = error_of("/503");
    assert!(unavailable.is_transient());
    assert_eq!(unavailable.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(
        unavailable.status(),
        Some(http::StatusCode::SERVICE_UNAVAILABLE)
    );
    assert!(
        unavailable.to_string().contains("server says no"),
        "{unavailable}"
    );

    let limited = error_of("/429");
    assert!(limited.is_transient());
    assert_eq!(limited.retry_after(), Some(Duration::from_secs(120)));

    assert!(error_of("/408").is_transient());
    assert!(!error_of("/404").is_transient());
    assert!(!error_of("/401").is_transient());
    assert!(outcomes.iter().any(|(p, o)| *p == "/ok" && o.is_ok()));
}

#[tokio::test]
async fn requests_that_cannot_be_sent_are_invalid_requests() {
    for url in ["/relative/only", "ftp://127.0.0.1/file"] {
        let error = transport().send(get(url)).await.unwrap_err();
        assert!(
            matches!(error, TransportError::InvalidRequest { .. }),
            "{url}: {error:?}"
        );
        assert!(!error.is_transient());
    }
}

#[tokio::test]
async fn transports_can_be_shared_as_trait_objects() {
    let server = TestServer::http(|_| answer(200, "ok")).await;
    let shared: std::sync::Arc<dyn Transport> = std::sync::Arc::new(transport());
    let boxed: Box<dyn Transport> = Box::new(shared.clone());
    let by_ref: &dyn Transport = &boxed;
    let response = by_ref.send(get(&server.url("http", "/"))).await.unwrap();
    assert_eq!(response.body, "ok");
}
