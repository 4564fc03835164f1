//! No credential ever reaches an error message, a `Debug` print or a log line, whatever
//! happens to the request; and loopback plain HTTP raises no warning.
//!
//! Tests run on a current-thread runtime so the thread-local log capture sees the spawned
//! connection tasks too.

mod support;

use std::time::Duration;

use bytes::Bytes;
use iotcard_transport::{HttpTransport, SecretNames, Transport, TransportError};
use support::{closed_port, raw_server, Logs, Pki, TestServer, Then};

const PASSWORD: &str = "SentinelPassw0rd";
const TOKEN: &str = "SentinelTok3n";
const SIG: &str = "5e17e1515e17e1515e17e1515e17e151";
const SECRETS: [&str; 3] = [PASSWORD, TOKEN, SIG];

fn secret_query() -> String {
    format!("/Api/token?account=demo&password={PASSWORD}&accessToken={TOKEN}")
}

fn secret_request(url: &str) -> http::Request<Bytes> {
    http::Request::post(url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Bytes::from(format!(r#"{{"sig":"{SIG}","time":"1"}}"#)))
        .unwrap()
}

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} leaks {secret}: {text}");
    }
}

fn assert_error_clean(error: &TransportError) {
    assert_clean("Display", &error.to_string());
    assert_clean("Debug", &format!("{error:?}"));
    assert_clean("alternate Debug", &format!("{error:#?}"));
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        assert_clean("source", &cause.to_string());
        source = cause.source();
    }
}

#[tokio::test]
async fn nothing_leaks_on_success_or_any_failure() {
    let (logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let tls_server = TestServer::https(pki.server_config(&[b"h2", b"http/1.1"]), |_| {
        support::answer(200, "fine")
    })
    .await;
    // An error page that echoes the request, as some servers do.
    let echo_server = TestServer::http(|seen| {
        let page = format!("<h1>500</h1><p>{}</p>", seen.uri);
        http::Response::builder()
            .status(500)
            .body(http_body_util::Full::new(Bytes::from(page)))
            .unwrap()
    })
    .await;
    let (truncating, _t) = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n{\"accessToken\":",
        Then::Close,
    )
    .await;
    let (stalling, _s) = raw_server(b"", Then::Stall).await;
    let refused = closed_port().await;

    let trusting = HttpTransport::builder()
        .extra_ca_pem(pki.ca_pem.clone())
        .request_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let untrusting = HttpTransport::builder()
        .request_timeout(Duration::from_millis(500))
        .build()
        .unwrap();

    // Success over h2: the URL is logged, redacted.
    let ok = trusting
        .send(secret_request(&tls_server.url("https", &secret_query())))
        .await
        .unwrap();
    assert_clean("Response Debug", &format!("{ok:?}"));

    let echo_uri: http::Uri = echo_server.url("http", &secret_query()).parse().unwrap();
    let page = trusting
        .send(secret_request(&echo_uri.to_string()))
        .await
        .unwrap();
    assert!(page
        .body
        .windows(PASSWORD.len())
        .any(|w| w == PASSWORD.as_bytes()));
    let status_error = page
        .error_for_status(&echo_uri, &trusting.secret_names())
        .unwrap_err();

    let failures = [
        status_error,
        untrusting
            .send(secret_request(&tls_server.url("https", &secret_query())))
            .await
            .unwrap_err(),
        trusting
            .send(secret_request(&format!(
                "http://{truncating}{}",
                secret_query()
            )))
            .await
            .unwrap_err(),
        trusting
            .send(secret_request(&format!(
                "http://{stalling}{}",
                secret_query()
            )))
            .await
            .unwrap_err(),
        trusting
            .send(secret_request(&format!(
                "http://{refused}{}",
                secret_query()
            )))
            .await
            .unwrap_err(),
        trusting
            .send(secret_request(&format!(
                "ftp://127.0.0.1{}",
                secret_query()
            )))
            .await
            .unwrap_err(),
    ];
    let kinds: Vec<String> = failures
        .iter()
        .map(|e| {
            format!("{e:?}")
                .split([' ', '{'])
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Status",
            "Tls",
            "Body",
            "Timeout",
            "Connect",
            "InvalidRequest"
        ],
        "each failure path is exercised"
    );
    for error in &failures {
        assert_error_clean(error);
        assert!(error.to_string().contains("password=***"), "{error}");
    }

    assert_clean("transport Debug", &format!("{trusting:?}"));
    let text = logs.text();
    assert_clean("logs", &text);
    // The logs are not silent: the redacted URL and the outcomes are there.
    assert!(text.contains("password=***&accessToken=***"), "{text}");
    assert!(text.contains("answer received"), "{text}");
    assert!(text.contains("request failed"), "{text}");
    assert!(
        !text.contains("unencrypted"),
        "loopback must not warn: {text}"
    );
}

#[tokio::test]
async fn loopback_names_do_not_warn_about_plain_http() {
    let (logs, _guard) = Logs::capture();
    let server = TestServer::http(|_| support::answer(200, "ok")).await;
    let transport = HttpTransport::new().unwrap();
    let port = server.addr.port();
    for url in [
        format!("http://localhost:{port}/"),
        format!("http://127.0.0.1:{port}/"),
    ] {
        transport.send(support::get(&url)).await.unwrap();
    }
    let text = logs.text();
    assert!(text.contains("answer received"), "capture works: {text}");
    assert!(!text.contains("WARN"), "{text}");
}

/// A URL whose user-info and two query parameters carry [`SENTINEL`].
const SENTINEL: &str = "SENTINEL";

fn sentinel_url(scheme: &str, addr: std::net::SocketAddr) -> String {
    format!("{scheme}://user:{SENTINEL}@{addr}/x?password={SENTINEL}&sig={SENTINEL}&n=1")
}

fn assert_no_sentinel(what: &str, text: &str) {
    assert!(
        !text.contains(SENTINEL),
        "{what} leaks the sentinel: {text}"
    );
}

fn assert_error_has_no_sentinel(error: &TransportError) {
    assert_no_sentinel("Display", &error.to_string());
    assert_no_sentinel("Debug", &format!("{error:?}"));
    assert_no_sentinel("alternate Debug", &format!("{error:#?}"));
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        assert_no_sentinel("source", &cause.to_string());
        assert_no_sentinel("source Debug", &format!("{cause:?}"));
        source = cause.source();
    }
}

#[tokio::test]
async fn user_info_and_secret_parameters_never_show_with_default_or_custom_names() {
    let (logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let tls_server = TestServer::https(pki.server_config(&[b"http/1.1"]), |_| {
        support::answer(200, "never")
    })
    .await;
    let echo_server = TestServer::http(|seen| {
        let page = format!("<h1>500</h1><p>{}</p>", seen.uri);
        http::Response::builder()
            .status(500)
            .body(http_body_util::Full::new(Bytes::from(page)))
            .unwrap()
    })
    .await;
    let (closing, _c) = raw_server(b"", Then::Close).await;
    let (truncating, _t) = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n{\"status\":",
        Then::Close,
    )
    .await;
    let (stalling, _s) = raw_server(b"", Then::Stall).await;
    let refused = closed_port().await;

    let custom = SecretNames::new(&["Password", "SIG"]);
    for names in [None, Some(custom)] {
        let mut builder = HttpTransport::builder().request_timeout(Duration::from_millis(300));
        if let Some(names) = names {
            builder = builder.secret_names(names);
        }
        let transport = builder.build().unwrap();
        assert_eq!(
            transport.secret_names(),
            names.unwrap_or(SecretNames::GENERIC)
        );
        let echo_uri: http::Uri = sentinel_url("http", echo_server.addr).parse().unwrap();
        let page = transport
            .send(support::get(&echo_uri.to_string()))
            .await
            .unwrap();
        assert!(
            String::from_utf8_lossy(&page.body).contains(SENTINEL),
            "the page echoes the query"
        );
        let mut failures = vec![page
            .error_for_status(&echo_uri, &transport.secret_names())
            .unwrap_err()];
        for url in [
            sentinel_url("https", refused),
            sentinel_url("https", tls_server.addr),
            sentinel_url("http", closing),
            sentinel_url("http", truncating),
            sentinel_url("http", stalling),
            sentinel_url("ftp", refused),
        ] {
            failures.push(transport.send(support::get(&url)).await.unwrap_err());
        }
        let kinds: Vec<String> = failures
            .iter()
            .map(|e| {
                format!("{e:?}")
                    .split([' ', '{'])
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "Status",
                "Connect",
                "Tls",
                "Exchange",
                "Body",
                "Timeout",
                "InvalidRequest"
            ],
            "{names:?}"
        );
        for error in &failures {
            assert_error_has_no_sentinel(error);
            let shown = error.to_string();
            assert!(shown.contains("://***@127.0.0.1:"), "{shown}");
            assert!(
                shown
                    .to_ascii_lowercase()
                    .contains("password=***&sig=***&n=1"),
                "{shown}"
            );
        }
        assert_no_sentinel("transport Debug", &format!("{transport:?}"));
    }
    let text = logs.text();
    assert_no_sentinel("logs", &text);
    assert!(text.contains("request failed"), "{text}");
    assert!(text.contains("password=***&sig=***&n=1"), "{text}");
}

#[tokio::test]
async fn a_custom_list_hides_what_it_lists_and_keeps_the_rest() {
    let refused = closed_port().await;
    let transport = HttpTransport::builder()
        .secret_names(SecretNames::new(&["password"]))
        .build()
        .unwrap();
    let url = format!(
        "http://me:{SENTINEL}@{refused}/x?password={SENTINEL}&sig=visible&accessToken=also-visible"
    );
    let error = transport.send(support::get(&url)).await.unwrap_err();
    assert_error_has_no_sentinel(&error);
    assert_eq!(
        error.to_string(),
        format!("could not connect to http://***@{refused}/x?password=***&sig=visible&accessToken=also-visible")
    );
    assert_eq!(
        error.url(),
        Some(
            format!("http://***@{refused}/x?password=***&sig=visible&accessToken=also-visible")
                .as_str()
        )
    );
}
