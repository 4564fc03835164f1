//! HTTP manners: the `User-Agent` every request carries, which redirects are followed (one
//! hop, `http://` → `https://` on the same host) and what the others look like, and the
//! server's clock.
//!
//! Tests run on a current-thread runtime so the thread-local log capture sees everything.

mod support;

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{LOCATION, USER_AGENT};
use http_body_util::Full;
use iotcard_transport::{
    HttpTransport, SecretNames, Transport, TransportError, DEFAULT_USER_AGENT,
};
use support::{answer, get, post, Logs, Pki, Seen, TestServer};

const BOTH: &[&[u8]] = &[b"h2", b"http/1.1"];
const PASSWORD: &str = "SentinelPassw0rd";
const SIG: &str = "5e17e1515e17e151";

fn trusting(pki: &Pki) -> HttpTransport {
    HttpTransport::builder()
        .extra_ca_pem(pki.ca_pem.clone())
        .connect_timeout(Duration::from_secs(5))
        .request_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn redirect_to(status: u16, location: &str) -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .status(status)
        .header(LOCATION, location)
        .body(Full::new(Bytes::from_static(b"moved")))
        .unwrap()
}

/// A TLS server that answers `secure <method> <path?query> <body>`.
async fn echoing_tls(pki: &Pki) -> TestServer {
    TestServer::https(pki.server_config(BOTH), |seen: &Seen| {
        let text = format!(
            "secure {} {} {}",
            seen.method,
            seen.uri
                .path_and_query()
                .map_or("", http::uri::PathAndQuery::as_str),
            String::from_utf8_lossy(&seen.body)
        );
        http::Response::builder()
            .header(http::header::DATE, "Mon, 01 Jan 2024 12:00:00 GMT")
            .body(Full::new(Bytes::from(text)))
            .unwrap()
    })
    .await
}

/// A plain server that answers every request with `status` and `Location: location`.
async fn redirecting(status: u16, location: String) -> TestServer {
    TestServer::http(move |_| redirect_to(status, &location)).await
}

fn user_agents(seen: &Seen) -> Vec<String> {
    seen.headers
        .get_all(USER_AGENT)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in [PASSWORD, SIG] {
        assert!(!text.contains(secret), "{what} leaks {secret}: {text}");
    }
}

// ---- User-Agent ----

#[tokio::test]
async fn every_request_says_iotcard_and_the_version() {
    let server = TestServer::http(|_| answer(200, "ok")).await;
    let transport = HttpTransport::new().unwrap();
    transport
        .send(get(&server.url("http", "/a")))
        .await
        .unwrap();
    transport
        .send(post(&server.url("http", "/b"), "{}"))
        .await
        .unwrap();
    let expected = format!("iotcard/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(DEFAULT_USER_AGENT, expected);
    for seen in server.seen() {
        assert_eq!(user_agents(&seen), [expected.as_str()], "{}", seen.uri);
    }
}

#[tokio::test]
async fn the_user_agent_is_sent_over_h2_too() {
    let pki = Pki::new();
    let server = TestServer::https(pki.server_config(BOTH), |_| answer(200, "ok")).await;
    trusting(&pki)
        .send(get(&server.url("https", "/")))
        .await
        .unwrap();
    let seen = &server.seen()[0];
    assert_eq!(seen.version, http::Version::HTTP_2);
    assert_eq!(user_agents(seen), [DEFAULT_USER_AGENT]);
}

#[tokio::test]
async fn the_builder_sets_another_user_agent() {
    let server = TestServer::http(|_| answer(200, "ok")).await;
    let transport = HttpTransport::builder()
        .user_agent("fleet-watch/2.1")
        .build()
        .unwrap();
    transport.send(get(&server.url("http", "/"))).await.unwrap();
    assert_eq!(user_agents(&server.seen()[0]), ["fleet-watch/2.1"]);
}

#[tokio::test]
async fn a_request_with_its_own_user_agent_keeps_it() {
    let server = TestServer::http(|_| answer(200, "ok")).await;
    let request = http::Request::get(server.url("http", "/"))
        .header(USER_AGENT, "caller/1.0")
        .body(Bytes::new())
        .unwrap();
    HttpTransport::new().unwrap().send(request).await.unwrap();
    assert_eq!(user_agents(&server.seen()[0]), ["caller/1.0"]);
}

#[test]
fn a_user_agent_that_cannot_be_a_header_is_a_config_error() {
    let error = HttpTransport::builder()
        .user_agent("two\r\nlines")
        .build()
        .unwrap_err();
    assert!(matches!(error, TransportError::Config { .. }), "{error:?}");
    assert!(error.to_string().contains("user_agent"), "{error}");
}

// ---- The one redirect that is followed ----

#[tokio::test]
async fn http_to_https_on_the_same_host_is_followed_once_with_the_same_request() {
    let pki = Pki::new();
    let tls = echoing_tls(&pki).await;
    let transport = trusting(&pki);
    for status in [301u16, 302, 307, 308] {
        for method in [http::Method::GET, http::Method::POST] {
            let path = format!("/v1/iotcard/getcardinfo?n={status}");
            let plain = redirecting(status, tls.url("https", &path)).await;
            let body = if method == http::Method::POST {
                r#"{"sig":"abc","time":"1"}"#
            } else {
                ""
            };
            let request = http::Request::builder()
                .method(method.clone())
                .uri(plain.url("http", "/v1/iotcard/getcardinfo"))
                .header(http::header::CONTENT_TYPE, "application/json")
                .header("x-iotcard-test", "kept")
                .body(Bytes::from_static(body.as_bytes()))
                .unwrap();
            let answer = transport.send(request).await.unwrap();
            assert_eq!(answer.status, http::StatusCode::OK, "{status} {method}");
            assert_eq!(
                answer.body,
                format!("secure {method} {path} {body}"),
                "{status} {method}"
            );
            // The answer is the https server's, `Date` and all.
            assert!(answer.date().is_some());
            assert_eq!(plain.seen().len(), 1, "{status} {method}");
            let followed = tls.seen().pop().unwrap();
            assert_eq!(followed.method, method);
            assert_eq!(followed.body, body);
            assert_eq!(followed.headers["x-iotcard-test"], "kept");
            assert_eq!(followed.headers["content-type"], "application/json");
            assert_eq!(user_agents(&followed), [DEFAULT_USER_AGENT]);
        }
    }
    assert_eq!(tls.seen().len(), 8);
}

#[tokio::test]
async fn a_followed_redirect_is_logged_once_per_host_with_redacted_urls() {
    let (logs, _guard) = Logs::capture();
    let pki = Pki::new();
    let tls = echoing_tls(&pki).await;
    let location = tls.url(
        "https",
        &format!("/Api/token?password={PASSWORD}&sig={SIG}"),
    );
    let plain = redirecting(301, location).await;
    let transport = trusting(&pki);
    let from = plain.url("http", &format!("/Api/token?account=a&password={PASSWORD}"));
    for _ in 0..3 {
        let answer = transport.send(get(&from)).await.unwrap();
        assert!(answer.body.starts_with(b"secure GET /Api/token?"));
    }
    let text = logs.text();
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "{text}");
    let warning = warnings[0];
    assert!(warning.contains("http:// to https://"), "{warning}");
    assert!(
        warning.contains(&plain.url("http", "/Api/token?account=a&password=***")),
        "{warning}"
    );
    assert!(
        warning.contains(&tls.url("https", "/Api/token?password=***&sig=***")),
        "{warning}"
    );
    assert_no_secret("logs", &text);
}

#[tokio::test]
async fn the_hops_share_the_request_time_limit() {
    // The https side never finishes its handshake; the whole request still ends on time.
    let (silent, _task) = support::silent_server().await;
    let plain = redirecting(302, format!("https://127.0.0.1:{}/", silent.port())).await;
    let transport = HttpTransport::builder()
        .connect_timeout(None)
        .request_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let error = transport
        .send(get(&plain.url("http", "/")))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3), "{error}");
    assert!(error.is_timeout(), "{error:?}");
    // The error names the hop that ran out of time.
    assert_eq!(
        error.url(),
        Some(format!("https://127.0.0.1:{}/", silent.port()).as_str())
    );
}

// ---- Redirects that are not followed ----

/// Sends a GET to `plain` and returns the redirect error, checking it is one.
async fn refused(transport: &HttpTransport, url: &str) -> TransportError {
    let error = transport.send(get(url)).await.unwrap_err();
    assert!(
        matches!(error, TransportError::Redirect { .. }),
        "{url}: {error:?}"
    );
    assert!(!error.is_transient(), "{error}");
    assert!(!error.is_timeout(), "{error}");
    error
}

#[tokio::test]
async fn a_redirect_to_another_host_is_an_error_naming_where_it_pointed() {
    let pki = Pki::new();
    let tls = echoing_tls(&pki).await;
    let transport = trusting(&pki);
    for location in [
        "https://example.invalid/v1/x".to_owned(),
        // The same machine under another name is another host all the same.
        format!("https://localhost:{}/v1/x", tls.addr.port()),
        format!("http://127.0.0.2:{}/v1/x", tls.addr.port()),
        format!("https://127.0.0.2:{}/v1/x", tls.addr.port()),
    ] {
        let plain = redirecting(302, location.clone()).await;
        let error = refused(&transport, &plain.url("http", "/v1/x")).await;
        assert_eq!(error.status(), Some(http::StatusCode::FOUND));
        assert_eq!(error.location(), Some(location.as_str()));
        assert_eq!(error.url(), Some(plain.url("http", "/v1/x").as_str()));
        let text = error.to_string();
        assert!(text.contains(&location), "{text}");
        assert!(text.contains("not followed"), "{text}");
    }
    assert!(tls.seen().is_empty(), "nothing may reach another host");
    assert_eq!(tls.accepted(), 0);
}

#[tokio::test]
async fn https_to_http_is_an_error() {
    let pki = Pki::new();
    let plain = TestServer::http(|_| answer(200, "plain")).await;
    let downgrade = plain.url("http", "/v1/x");
    let tls = TestServer::https(pki.server_config(BOTH), {
        let downgrade = downgrade.clone();
        move |_| redirect_to(301, &downgrade)
    })
    .await;
    let error = refused(&trusting(&pki), &tls.url("https", "/v1/x")).await;
    assert_eq!(error.location(), Some(downgrade.as_str()));
    assert_eq!(plain.accepted(), 0);
}

#[tokio::test]
async fn a_second_hop_is_an_error_naming_it() {
    let pki = Pki::new();
    // The https request is redirected again, on the same host and scheme.
    let tls = TestServer::https(pki.server_config(BOTH), |_| {
        redirect_to(307, "https://127.0.0.1/second?sig=5e17e1515e17e151")
    })
    .await;
    let plain = redirecting(301, tls.url("https", "/first")).await;
    let error = refused(&trusting(&pki), &plain.url("http", "/start")).await;
    assert_eq!(error.status(), Some(http::StatusCode::TEMPORARY_REDIRECT));
    assert_eq!(error.url(), Some(tls.url("https", "/first").as_str()));
    assert_eq!(error.location(), Some("https://127.0.0.1/second?sig=***"));
    assert_eq!(tls.seen().len(), 1, "one hop, never two");
    assert_no_secret("Display", &error.to_string());
}

#[tokio::test]
async fn other_redirects_and_methods_are_errors_not_answers() {
    let pki = Pki::new();
    let tls = echoing_tls(&pki).await;
    let target = tls.url("https", "/x");
    let transport = trusting(&pki);
    // Statuses that are no move of the same resource.
    for status in [300u16, 303, 304, 305] {
        let plain = redirecting(status, target.clone()).await;
        let error = refused(&transport, &plain.url("http", "/x")).await;
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
    }
    // A relative Location stays on plain http: not an upgrade, shown as sent.
    let plain = redirecting(301, "/elsewhere?password=hidden".to_owned()).await;
    let error = refused(&transport, &plain.url("http", "/x")).await;
    assert_eq!(error.location(), Some("/elsewhere?password=***"));
    // Methods other than GET and POST are not re-sent.
    let plain = redirecting(308, target.clone()).await;
    let put = http::Request::put(plain.url("http", "/x"))
        .body(Bytes::from_static(b"{}"))
        .unwrap();
    let error = transport.send(put).await.unwrap_err();
    assert!(
        matches!(error, TransportError::Redirect { .. }),
        "{error:?}"
    );
    // No Location at all.
    let plain = TestServer::http(|_| answer(302, "")).await;
    let error = refused(&transport, &plain.url("http", "/x")).await;
    assert_eq!(error.location(), None);
    assert!(error.to_string().contains("without a Location"), "{error}");
    assert!(tls.seen().is_empty());
}

#[tokio::test]
async fn a_redirect_never_shows_its_secrets() {
    let (logs, _guard) = Logs::capture();
    let location = format!(
        "https://u:{PASSWORD}@elsewhere.invalid/Api/token?account=a&password={PASSWORD}&sig={SIG}"
    );
    let plain = redirecting(302, location).await;
    let transport = HttpTransport::builder()
        .secret_names(SecretNames::new(&["password", "sig"]))
        .build()
        .unwrap();
    let error = refused(
        &transport,
        &plain.url("http", &format!("/Api/token?password={PASSWORD}")),
    )
    .await;
    assert_eq!(
        error.location(),
        Some("https://***@elsewhere.invalid/Api/token?account=a&password=***&sig=***")
    );
    assert_no_secret("Display", &error.to_string());
    assert_no_secret("Debug", &format!("{error:?}"));
    assert_no_secret("alternate Debug", &format!("{error:#?}"));
    assert_no_secret("logs", &logs.text());
}

// ---- The server's clock ----

#[tokio::test]
async fn the_answers_date_measures_the_local_clock() {
    let pki = Pki::new();
    let tls = echoing_tls(&pki).await;
    let answer = trusting(&pki)
        .send(get(&tls.url("https", "/")))
        .await
        .unwrap();
    let server = httpdate::parse_http_date("Mon, 01 Jan 2024 12:00:00 GMT").unwrap();
    assert_eq!(answer.date(), Some(server));
    let slow = server - Duration::from_secs(125);
    let skew = answer.clock_skew(slow).unwrap();
    assert_eq!(skew.seconds(), 125);
    assert!(skew.exceeds(Duration::from_secs(60)));
    assert_eq!(
        skew.to_string(),
        "the local clock is 125 s behind the server's"
    );
    let right: SystemTime = server + Duration::from_secs(2);
    assert!(!answer
        .clock_skew(right)
        .unwrap()
        .exceeds(Duration::from_secs(60)));
}
