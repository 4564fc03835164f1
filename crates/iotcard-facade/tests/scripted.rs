//! The facade's retry, re-login and budget rules, against a scripted
//! transport whose every answer the test chooses.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use iotcard_facade::{CardProblem, Error, IotbosClient, RetryConfig, TencentClient};
use iotcard_model::{CardNumber, Secret};
use iotcard_transport::{Response, ScriptedTransport, TransportError};

const LOGIN_OK: &str = r#"{"status":1,"info":null,"data":{"accessToken":"TOKEN-N","expiresTime":"2018/01/16 16:02:08"},"createtime":"2018/01/16 14:02:08"}"#;

fn login_ok(n: usize) -> String {
    LOGIN_OK.replace("TOKEN-N", &format!("TOKEN-{n}"))
}

fn usage_ok(cards: &str) -> String {
    let entries: Vec<String> = cards
        .split(',')
        .map(|c| {
            format!(
                r#"{{"num":"{c}","State":1,"Exceed":{{"ReceivesSmsNum":6,"UseFlow":8359.50}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"status":1,"info":null,"data":{{"date":[{}]}},"createtime":"2018/01/16 14:02:08"}}"#,
        entries.join(",")
    )
}

/// An error and its causes, as a chain printer shows them: Display is one
/// level, so the provider's words are further down.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

fn query(req: &http::Request<bytes::Bytes>, key: &str) -> Option<String> {
    form_urlencoded::parse(req.uri().query()?.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

fn iotbos(transport: Arc<ScriptedTransport>, retry: RetryConfig) -> IotbosClient {
    IotbosClient::builder()
        .endpoint("http://127.0.0.1:9")
        .account("alice")
        .password(Secret::new("pw"))
        .retry(retry)
        .transport(transport)
        .build()
        .unwrap()
}

fn numbers(n: u64) -> Vec<CardNumber> {
    (0..n)
        .map(|i| format!("{}", 1_064_800_000_000u64 + i).parse().unwrap())
        .collect()
}

#[tokio::test]
async fn a_refused_data_call_logs_in_again_once_then_succeeds() {
    let logins = Arc::new(AtomicUsize::new(0));
    let data_calls = Arc::new(AtomicUsize::new(0));
    let (l, d) = (logins.clone(), data_calls.clone());
    let transport = Arc::new(ScriptedTransport::from_fn(move |req| {
        if req.uri().path() == "/Api/token" {
            let n = l.fetch_add(1, Ordering::SeqCst);
            return Ok(Response::new(StatusCode::OK, login_ok(n)));
        }
        d.fetch_add(1, Ordering::SeqCst);
        if query(req, "accessToken").as_deref() == Some("TOKEN-0") {
            // The first token has "expired".
            return Ok(Response::new(
                StatusCode::OK,
                r#"{"status":0,"info":"accessToken已过期","data":null,"createtime":"2018/01/16 14:02:08"}"#,
            ));
        }
        Ok(Response::new(
            StatusCode::OK,
            usage_ok(&query(req, "cardIdNums").unwrap()),
        ))
    }));
    let client = iotbos(transport, fast_retry());
    let reports = client.usage(numbers(3)).await;
    assert!(reports.iter().all(|r| r.result.is_ok()), "{reports:?}");
    assert_eq!(logins.load(Ordering::SeqCst), 2);
    assert_eq!(data_calls.load(Ordering::SeqCst), 2);
    let used = reports[0].value().unwrap().data_used.unwrap();
    assert_eq!(used.amount.to_string(), "8359.50", "exact digits kept");
}

#[tokio::test]
async fn a_refusal_that_persists_is_reported_with_the_providers_info() {
    let logins = Arc::new(AtomicUsize::new(0));
    let l = logins.clone();
    let transport = Arc::new(ScriptedTransport::from_fn(move |req| {
        if req.uri().path() == "/Api/token" {
            let n = l.fetch_add(1, Ordering::SeqCst);
            return Ok(Response::new(StatusCode::OK, login_ok(n)));
        }
        Ok(Response::new(
            StatusCode::OK,
            r#"{"status":0,"info":"号码格式错误","data":null,"createtime":"2018/01/16 14:02:08"}"#,
        ))
    }));
    let client = iotbos(transport.clone(), fast_retry());
    let reports = client.usage(numbers(2)).await;
    assert_eq!(logins.load(Ordering::SeqCst), 2, "one re-login, not more");
    for r in &reports {
        match &r.result {
            Err(CardProblem::Failed(e)) => {
                assert!(e.is_refused());
                assert!(e.to_string().contains("号码格式错误"), "{e}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    // Login, the call, a login, the call again: not about the token. Then
    // each card alone (the refusal might have been about one of them),
    // with the same token: refused again, each card fails on its own.
    assert_eq!(
        transport.request_count(),
        6,
        "login, call, login, call, card, card"
    );
    assert_eq!(client.discovered_batch_limit(), None);
}

/// A login whose answer cannot be read (the documented shape is not there,
/// or a gateway's page under a 200) gets the one login call's retries (it
/// may be a gateway's hiccup), then it is held like a refused one: the
/// password is not sent again for every batch, however many there are.
#[tokio::test]
async fn an_unreadable_login_is_held_like_a_refused_one() {
    for (body, attempts) in [
        (r#"{"status":1,"info":null,"data":["no token here"]}"#, 3),
        ("<html><body>502 Bad Gateway</body></html>", 3),
        ("", 3),
    ] {
        let transport = Arc::new(ScriptedTransport::from_fn(move |_| {
            Ok(Response::new(StatusCode::OK, body))
        }));
        let client = iotbos(transport.clone(), fast_retry().max_attempts(3));
        let reports = client.usage(numbers(200)).await; // five batches
        assert_eq!(reports.len(), 200, "{body}");
        assert!(
            reports
                .iter()
                .all(|r| matches!(&r.result, Err(CardProblem::Failed(e)) if e.to_string() == "IoTBOS login failed")),
            "{body}: every card says the login failed"
        );
        assert!(
            transport.request_count() <= attempts,
            "{body}: {} logins for five batches, at most {attempts}",
            transport.request_count()
        );
        assert!(
            transport
                .requests()
                .iter()
                .all(|r| r.uri().path() == "/Api/token"),
            "{body}: no data call without a token"
        );
    }
}

#[tokio::test]
async fn a_refused_login_is_never_retried() {
    let transport = Arc::new(ScriptedTransport::from_fn(|_| {
        Ok(Response::new(
            StatusCode::OK,
            r#"{"status":0,"info":"账号或密码错误","data":null,"createtime":"2018/01/16 14:02:08"}"#,
        ))
    }));
    let client = iotbos(transport.clone(), fast_retry());
    let reports = client.usage(numbers(120)).await; // three batches
    assert_eq!(reports.len(), 120);
    assert_eq!(
        transport.request_count(),
        1,
        "single-flight: one refused login for all batches"
    );
    let Err(CardProblem::Failed(e)) = &reports[0].result else {
        panic!()
    };
    assert_eq!(e.to_string(), "IoTBOS login failed");
    assert!(chain(&**e).contains("账号或密码错误"), "{}", chain(&**e));
    assert_eq!(e.provider_message(), Some("账号或密码错误"));
    assert!(e.is_refused() && !e.is_transient());
}

#[tokio::test]
async fn retryable_failures_are_retried_and_every_card_comes_back() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let transport = Arc::new(ScriptedTransport::from_fn(move |req| {
        if req.uri().path() == "/Api/token" {
            return Ok(Response::new(StatusCode::OK, login_ok(0)));
        }
        match c.fetch_add(1, Ordering::SeqCst) % 3 {
            0 => Ok(Response::new(
                StatusCode::BAD_GATEWAY,
                "<html>bad gateway</html>",
            )),
            1 => Ok(Response::new(
                StatusCode::OK,
                r#"{"status":1,"info":null,"data":{"date":[{"num":"#,
            )),
            _ => Ok(Response::new(
                StatusCode::OK,
                usage_ok(&query(req, "cardIdNums").unwrap()),
            )),
        }
    }));
    let client = iotbos(transport, fast_retry());
    let reports = client.usage(numbers(10)).await;
    assert!(reports.iter().all(|r| r.result.is_ok()), "{reports:?}");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "502, truncated JSON, then success"
    );
    // The client counts what it sent: one login, three usage attempts, two
    // of them retries.
    let stats = client.call_stats();
    let sent = stats.requests();
    assert_eq!(
        sent.iter().find(|(c, _)| *c == "login"),
        Some(&("login", 1))
    );
    let data: u64 = sent
        .iter()
        .filter(|(c, _)| *c != "login")
        .map(|(_, n)| n)
        .sum();
    assert_eq!((data, stats.retries()), (3, 2), "{sent:?}");
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_exactly() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let transport = Arc::new(ScriptedTransport::from_fn(move |req| {
        if req.uri().path() == "/Api/token" {
            return Ok(Response::new(StatusCode::OK, login_ok(0)));
        }
        if c.fetch_add(1, Ordering::SeqCst) == 0 {
            return Ok(
                Response::new(StatusCode::TOO_MANY_REQUESTS, "slow down").with_header(
                    http::header::RETRY_AFTER,
                    http::HeaderValue::from_static("1"),
                ),
            );
        }
        Ok(Response::new(
            StatusCode::OK,
            usage_ok(&query(req, "cardIdNums").unwrap()),
        ))
    }));
    let client = iotbos(transport, fast_retry());
    let started = tokio::time::Instant::now();
    let reports = client.usage(numbers(1)).await;
    assert!(reports[0].result.is_ok());
    // Paused time moves only by the waits the client asks for: the server's
    // second, which is longer than any backoff of `fast_retry`.
    assert_eq!(started.elapsed(), Duration::from_secs(1), "waited as asked");
}

#[tokio::test]
async fn attempts_are_bounded_and_the_last_error_kept() {
    let transport = Arc::new(ScriptedTransport::from_fn(|req| {
        if req.uri().path() == "/Api/token" {
            return Ok(Response::new(StatusCode::OK, login_ok(0)));
        }
        Ok(Response::new(StatusCode::SERVICE_UNAVAILABLE, "down"))
    }));
    let client = iotbos(transport.clone(), fast_retry());
    let reports = client.usage(numbers(1)).await;
    assert_eq!(
        transport.request_count(),
        1 + 2 * 4,
        "login + batch_rounds × max_attempts"
    );
    let Err(CardProblem::Failed(e)) = &reports[0].result else {
        panic!()
    };
    assert!(
        matches!(**e, Error::AttemptsExhausted { attempts: 4, .. }),
        "{e:?}"
    );
    assert!(chain(&**e).contains("503"), "{}", chain(&**e));
    assert!(e.is_transient());
    assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
}

#[tokio::test]
async fn an_empty_retry_budget_stops_retrying() {
    let transport = Arc::new(ScriptedTransport::from_fn(|req| {
        if req.uri().path() == "/Api/token" {
            return Ok(Response::new(StatusCode::OK, login_ok(0)));
        }
        Err(TransportError::invalid_request(
            req.uri(),
            "placeholder",
            &iotcard_model::SecretNames::GENERIC,
        ))
        .or_else(|_: TransportError| Ok(Response::new(StatusCode::INTERNAL_SERVER_ERROR, "boom")))
    }));
    let retry = fast_retry().budget_capacity(10);
    let client = iotbos(transport.clone(), retry);
    let reports = client.usage(numbers(200)).await; // four batches
    let budget_errors = reports
        .iter()
        .filter(|r| matches!(&r.result, Err(CardProblem::Failed(e)) if matches!(**e, Error::RetryBudgetExhausted { .. })))
        .count();
    assert!(budget_errors > 0, "some batches gave up on the budget");
    assert!(
        transport.request_count() <= 1 + 4 + 2,
        "4 first attempts + 2 retries, got {}",
        transport.request_count()
    );
    assert_eq!(client.retry_budget_available(), 0);
}

#[tokio::test]
async fn bad_settings_are_refused_before_sending() {
    let t = Arc::new(ScriptedTransport::new());
    for build in [
        IotbosClient::builder()
            .account("a")
            .password(Secret::new("p"))
            .batch_size(0)
            .transport(t.clone())
            .build()
            .err(),
        IotbosClient::builder()
            .account("a")
            .password(Secret::new("p"))
            .concurrency(0)
            .transport(t.clone())
            .build()
            .err(),
        IotbosClient::builder()
            .password(Secret::new("p"))
            .transport(t.clone())
            .build()
            .err(),
        IotbosClient::builder()
            .account("a")
            .password(Secret::new("p"))
            .endpoint("ftp://x")
            .transport(t.clone())
            .build()
            .err(),
        IotbosClient::builder()
            .account("a")
            .password(Secret::new("p"))
            .rate_limit(0.0)
            .transport(t.clone())
            .build()
            .err(),
    ] {
        let e = build.expect("refused");
        assert!(!e.to_string().is_empty());
    }
    let tencent = TencentClient::builder()
        .sdkappid("1400009099")
        .appkey(Secret::new("k"))
        .page_size(21)
        .transport(t.clone())
        .build();
    assert!(tencent.unwrap_err().to_string().contains("21"));
    assert_eq!(t.request_count(), 0);
}

#[tokio::test]
async fn tencent_signs_each_attempt_afresh() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push_response(Response::new(StatusCode::INTERNAL_SERVER_ERROR, "x"));
    transport.push_response(Response::new(
        StatusCode::OK,
        r#"{"code":0,"message":"OK","data":{"name":"售货机","description":"d","yd_card_cnt":1,"dx_card_cnt":2,"lt_card_cnt":3}}"#,
    ));
    let client = TencentClient::builder()
        .endpoint("https://127.0.0.1:9")
        .sdkappid("1400009099")
        .appkey(Secret::new("dffdfd6029698a5fdf4"))
        .retry(fast_retry())
        .transport(transport.clone())
        .build()
        .unwrap();
    let info = client.account().await.unwrap();
    assert_eq!(info.card_counts.total(), 6);
    let sent = transport.requests();
    assert_eq!(sent.len(), 2);
    let randoms: Vec<_> = sent.iter().map(|r| query(r, "random").unwrap()).collect();
    assert_ne!(randoms[0], randoms[1], "a fresh random per attempt");
    for r in &sent {
        let body: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        let time = body["time"].as_str().unwrap();
        let expected = tencent_proto::sign(
            &Secret::new("dffdfd6029698a5fdf4"),
            &tencent_proto::SdkAppId::parse("1400009099").unwrap(),
            time.parse().unwrap(),
        );
        assert_eq!(body["sig"], expected.as_str());
    }
}

#[tokio::test]
async fn a_refused_signature_is_not_retried() {
    let transport = Arc::new(ScriptedTransport::from_fn(|_| {
        Ok(Response::new(
            StatusCode::OK,
            r#"{"code":1002,"message":"sig error"}"#,
        ))
    }));
    let client = TencentClient::builder()
        .endpoint("https://127.0.0.1:9")
        .sdkappid("1400009099")
        .appkey(Secret::new("k"))
        .retry(fast_retry())
        .transport(transport.clone())
        .build()
        .unwrap();
    let e = client.account().await.unwrap_err();
    assert!(e.is_refused());
    assert!(
        e.to_string().contains("sig error") && e.to_string().contains("1002"),
        "{e}"
    );
    assert_eq!(transport.request_count(), 1);
}

#[tokio::test]
async fn a_batch_that_spent_every_attempt_is_asked_once_more() {
    // Five failures in a row outlast one round of four attempts; the second
    // round's second attempt succeeds, and no card is lost.
    let failures = AtomicUsize::new(0);
    let transport = Arc::new(ScriptedTransport::from_fn(move |req| {
        if req.uri().path() == "/Api/token" {
            return Ok(Response::new(StatusCode::OK, login_ok(0)));
        }
        if failures.fetch_add(1, Ordering::SeqCst) < 5 {
            return Ok(Response::new(StatusCode::BAD_GATEWAY, "flaky"));
        }
        let cards = query(req, "cardIdNums").unwrap_or_default();
        Ok(Response::new(StatusCode::OK, usage_ok(&cards)))
    }));
    let client = iotbos(transport.clone(), fast_retry());
    let reports = client.usage(numbers(1)).await;
    assert!(reports[0].result.is_ok(), "{:?}", reports[0].result);
    assert_eq!(
        transport.request_count(),
        1 + 4 + 2,
        "login + a round + two"
    );
}

#[tokio::test]
async fn one_round_means_a_batch_is_never_asked_again() {
    let transport = Arc::new(ScriptedTransport::from_fn(|req| {
        if req.uri().path() == "/Api/token" {
            return Ok(Response::new(StatusCode::OK, login_ok(0)));
        }
        Ok(Response::new(StatusCode::SERVICE_UNAVAILABLE, "down"))
    }));
    let retry = fast_retry().batch_rounds(1);
    let client = iotbos(transport.clone(), retry);
    let reports = client.usage(numbers(1)).await;
    assert!(reports[0].result.is_err());
    assert_eq!(transport.request_count(), 1 + 4, "login + max_attempts");
}

/// A Tencent listing client whose transport answers `getappinfo` with
/// `count` China Mobile cards, then each of `pages` (numbers of records).
fn listing(count: u64, pages: &[usize]) -> (Arc<ScriptedTransport>, TencentClient) {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push_response(Response::new(
        StatusCode::OK,
        format!(
            r#"{{"code":0,"message":"OK","data":{{"name":"n","description":"","yd_card_cnt":{count},"dx_card_cnt":0,"lt_card_cnt":0}}}}"#
        ),
    ));
    let mut serial = 0;
    for &len in pages {
        let records: Vec<String> = (0..len)
            .map(|_| {
                serial += 1;
                format!(
                    r#"{{"iccid":"8986000000000000{serial:04}","msisdn":"","teleoperator":1,"type":1,"card_status":2,"network_status":2,"data_used_in_period":1.000,"data_total_in_period":2.000}}"#
                )
            })
            .collect();
        transport.push_response(Response::new(
            StatusCode::OK,
            format!(
                r#"{{"code":0,"message":"OK","data":{{"card_brief_infos":[{}]}}}}"#,
                records.join(",")
            ),
        ));
    }
    let client = TencentClient::builder()
        .sdkappid("1400000001")
        .appkey("k")
        .page_size(20)
        .retry(fast_retry())
        .transport(transport.clone())
        .build()
        .unwrap();
    (transport, client)
}

#[tokio::test]
async fn a_listing_goes_past_capped_pages_to_the_accounts_count() {
    use futures::StreamExt;
    // The server caps pages at 7 though 20 were asked: the listing goes on
    // to the account's 17 cards and stops there, asking no empty page.
    let (transport, client) = listing(17, &[7, 7, 3]);
    let cards: Vec<_> = client
        .cards(iotcard_facade::OperatorFilter::All)
        .collect()
        .await;
    assert_eq!(cards.len(), 17);
    assert!(cards.iter().all(Result::is_ok));
    assert_eq!(transport.request_count(), 1 + 3);
}

#[tokio::test]
async fn a_listing_that_ends_short_of_the_count_says_so() {
    use futures::StreamExt;
    let (transport, client) = listing(10, &[4, 3, 0]);
    let items: Vec<_> = client
        .cards(iotcard_facade::OperatorFilter::All)
        .collect()
        .await;
    assert_eq!(items.iter().filter(|i| i.is_ok()).count(), 7);
    let last = items.last().unwrap().as_ref().unwrap_err();
    assert!(last.is_incomplete_listing(), "{last:?}");
    assert!(matches!(
        last,
        Error::IncompleteListing {
            listed: 7,
            expected: 10
        }
    ));
    assert_eq!(
        last.to_string(),
        "the card list ended after 7 cards, but the account reports 10"
    );
    assert_eq!(transport.request_count(), 1 + 3);
}

#[tokio::test]
async fn a_page_without_its_list_is_an_error_not_the_end() {
    use futures::StreamExt;
    let transport = Arc::new(ScriptedTransport::new());
    transport.push_response(Response::new(
        StatusCode::OK,
        r#"{"code":0,"message":"OK","data":{"name":"n","description":"","yd_card_cnt":3,"dx_card_cnt":0,"lt_card_cnt":0}}"#,
    ));
    for _ in 0..8 {
        transport.push_response(Response::new(
            StatusCode::OK,
            r#"{"code":0,"message":"OK","data":{}}"#,
        ));
    }
    let client = TencentClient::builder()
        .sdkappid("1400000001")
        .appkey("k")
        .retry(fast_retry())
        .transport(transport.clone())
        .build()
        .unwrap();
    let items: Vec<_> = client
        .cards(iotcard_facade::OperatorFilter::All)
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().unwrap_err();
    assert!(chain(e).contains("no card_brief_infos"), "{}", chain(e));
    assert!(!e.is_incomplete_listing());
}
