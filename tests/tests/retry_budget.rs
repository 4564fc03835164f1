//! A server that keeps failing makes the clients give up quickly, with the
//! last error, without hammering it; refusals are never retried.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use iotcard_facade::{
    CardNumber, CardProblem, Error, Iccid, OperatorFilter, Response, RetryConfig, TencentClient,
};
use iotcard_sim::Faults;
use iotcard_tests::errors::{assert_each_level_once, chain};
use iotcard_tests::fixtures;
use iotcard_transport::ScriptedTransport;
// The simulator is across real sockets, so time runs; tokio's clock is the
// one the backoff sleeps on.
use tokio::time::Instant;

fn always_failing() -> Faults {
    Faults {
        server_error: 1.0,
        ..Faults::default()
    }
}

/// The status of the last failure behind `error`, which must be a 5xx the
/// error calls transient, not a refusal or a timeout, named in its chain
/// (each level once).
fn last_server_error(error: &Error) -> u16 {
    let status = error
        .status()
        .unwrap_or_else(|| panic!("no status: {error:?}"));
    assert!(status.is_server_error(), "{status}");
    assert_eq!(error.root().status(), Some(status));
    assert!(error.is_transient(), "{error:?}");
    assert!(!error.is_refused() && !error.is_timeout(), "{error:?}");
    let text = chain(error);
    assert!(text.contains(status.as_str()), "{text}");
    assert_each_level_once(error);
    status.as_u16()
}

fn scripted_503() -> Arc<ScriptedTransport> {
    Arc::new(ScriptedTransport::from_fn(|_| {
        Ok(Response::new(
            http::StatusCode::SERVICE_UNAVAILABLE,
            "<html><body>503 Service Unavailable</body></html>",
        ))
    }))
}

fn tencent_on(transport: Arc<ScriptedTransport>, retry: RetryConfig) -> TencentClient {
    TencentClient::builder()
        .endpoint("https://127.0.0.1:9")
        .sdkappid("1400000001")
        .appkey("k")
        .transport(transport)
        .retry(retry)
        .build()
        .expect("client builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iotbos_gives_up_after_max_attempts_with_the_last_5xx() {
    let sim = fixtures::simulator()
        .cards(100)
        .faults(always_failing())
        .start()
        .await
        .expect("simulator starts");
    // The default policy, real backoff included.
    let client = fixtures::iotbos(&sim)
        .retry(RetryConfig::default())
        .build()
        .expect("client builds");
    let numbers: Vec<CardNumber> = sim.fleet().numbers().collect();

    let started = Instant::now();
    let reports = client.usage(numbers.clone()).await;
    let took = started.elapsed();

    assert_eq!(reports.len(), numbers.len(), "every card is reported");
    for report in &reports {
        let Err(CardProblem::Failed(error)) = &report.result else {
            panic!("{}: {:?}", report.card, report.result);
        };
        let Error::Login(login) = &**error else {
            panic!("not a login failure: {error:?}");
        };
        let Error::AttemptsExhausted { attempts, last, .. } = &**login else {
            panic!("not exhausted attempts: {login:?}");
        };
        assert_eq!(*attempts, RetryConfig::default().max_attempts);
        let status = last_server_error(last);
        assert_eq!(
            last_server_error(error),
            status,
            "the classifiers see through"
        );
        assert_eq!(error.to_string(), "IoTBOS login failed", "one level");
        let text = chain(&**error);
        assert!(text.contains(&status.to_string()), "{text}");
        assert!(text.contains("4 attempts"), "{text}");
        assert!(
            error.attempts_exhausted(),
            "asking later may help: {error:?}"
        );
    }
    let stats = sim.stats();
    let policy = RetryConfig::default();
    // Each round's login is shared by the batches waiting for it; a batch
    // whose second round starts only after the other's login has already
    // failed logs in once more itself. So: every login tried max_attempts
    // times, one shared login per round at best, one per batch and round
    // at worst (two batches here), never one per card or per attempt.
    let per_login = u64::from(policy.max_attempts);
    let rounds = u64::from(policy.batch_rounds);
    let logins = stats.requests.iotbos_login;
    assert_eq!(logins % per_login, 0, "{logins} login requests");
    assert!(
        (per_login * rounds..=per_login * rounds * 2).contains(&logins),
        "{logins} login requests"
    );
    assert_eq!(stats.requests.iotbos_usage, 0);
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tencent_spends_its_budget_then_stops_retrying() {
    let sim = fixtures::simulator()
        .cards(200)
        .faults(always_failing())
        .start()
        .await
        .expect("simulator starts");
    let retry = RetryConfig::default().base_delay(Duration::from_millis(5));
    let client = fixtures::tencent(&sim)
        .retry(retry.clone())
        .build()
        .expect("client builds");
    let iccids: Vec<Iccid> = sim.fleet().iccids().collect();

    let started = Instant::now();
    let reports = client.card_infos(iccids.clone()).await;
    let took = started.elapsed();

    assert_eq!(reports.len(), iccids.len());
    let mut exhausted_budget = 0;
    for report in &reports {
        let Err(CardProblem::Failed(error)) = &report.result else {
            panic!("{}: {:?}", report.card, report.result);
        };
        match &**error {
            Error::AttemptsExhausted { last, .. } => {
                last_server_error(last);
            }
            Error::RetryBudgetExhausted { last, .. } => {
                last_server_error(last);
                exhausted_budget += 1;
            }
            other => panic!("{other:?}"),
        }
        assert!(error.to_string().contains("getcardinfo"), "{error}");
    }
    assert!(exhausted_budget > 0, "the budget ran out");
    assert_eq!(client.retry_budget_available(), 0);
    // The budget pays for `capacity / cost` retries in all; after that every
    // card is asked once.
    let sent = sim.stats().requests.tencent_getcardinfo;
    let retries = u64::from(retry.budget_capacity / retry.retry_cost);
    assert_eq!(sent, iccids.len() as u64 + retries, "{sent} requests");
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[tokio::test(start_paused = true)]
async fn the_budget_is_shared_and_reports_the_last_error() {
    let transport = scripted_503();
    let client = tencent_on(
        transport.clone(),
        RetryConfig::default()
            .max_attempts(4)
            .base_delay(Duration::from_millis(1))
            .budget_capacity(20)
            .retry_cost(5),
    );
    // 20 tokens: the first call retries 3 times (15), the second once (5),
    // the third not at all.
    let mut attempts = Vec::new();
    for _ in 0..3 {
        let error = client.account().await.expect_err("always 503");
        assert_eq!(last_server_error(&error), 503);
        assert!(error.to_string().contains("getappinfo"), "{error}");
        match error {
            Error::AttemptsExhausted { attempts: n, .. } => attempts.push(("attempts", n)),
            Error::RetryBudgetExhausted { attempts: n, .. } => attempts.push(("budget", n)),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(attempts, [("attempts", 4), ("budget", 2), ("budget", 1)]);
    assert_eq!(transport.request_count(), 4 + 2 + 1);
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_is_reported_at_once() {
    let sim = fixtures::simulator()
        .cards(10)
        .faults(Faults {
            too_many_requests: 1.0,
            retry_after: Duration::from_secs(120),
            ..Faults::default()
        })
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::tencent(&sim).build().expect("client builds");
    let started = Instant::now();
    let error = client.account().await.expect_err("always 429");
    assert!(started.elapsed() < Duration::from_secs(5));
    let Error::RetryAfterTooLong { after, limit, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*after, Duration::from_secs(120));
    assert_eq!(*limit, fixtures::quick_retry().max_retry_after);
    assert_eq!(error.status(), Some(http::StatusCode::TOO_MANY_REQUESTS));
    assert!(error.is_transient() && !error.is_refused());
    let text = chain(&error);
    assert!(text.contains("429"), "{text}");
    assert!(!error.to_string().contains("429"), "one level: {error}");
    assert_each_level_once(&error);
    assert_eq!(sim.stats().requests.tencent_getappinfo, 1);
}

#[tokio::test]
async fn a_refused_signature_is_not_retried() {
    let sim = fixtures::simulator()
        .cards(10)
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::tencent(&sim)
        .appkey("not-the-appkey")
        .build()
        .expect("client builds");
    let error = client.account().await.expect_err("wrong appkey");
    assert!(error.is_refused() && !error.is_transient(), "{error:?}");
    let code = iotcard_sim::tencent_codes::SIG_MISMATCH.to_string();
    assert!(chain(&error).contains(&code), "{}", chain(&error));
    assert_eq!(error.provider_code(), Some(code));
    assert!(
        error
            .provider_message()
            .is_some_and(|m| m.contains("sig does not match")),
        "{:?}",
        error.provider_message()
    );
    assert!(!error.is_card_unknown());
    let stats = sim.stats();
    assert_eq!(stats.requests.tencent_getappinfo, 1);
    assert_eq!(stats.refusals.sig_mismatch, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_that_fails_ends_with_the_error() {
    let sim = fixtures::simulator()
        .cards(100)
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::tencent(&sim).build().expect("client builds");
    // Unpin: polled where it stands, no pinning.
    let mut cards = client.cards(OperatorFilter::All);
    // The first page arrives; then the server dies.
    for _ in 0..20 {
        cards
            .next()
            .await
            .expect("a card")
            .expect("the first page answers");
    }
    sim.set_faults(always_failing()).expect("valid faults");
    let rest: Vec<_> = cards.collect().await;
    assert_eq!(rest.len(), 1, "the stream ends with the error: {rest:?}");
    let error = rest
        .into_iter()
        .next()
        .and_then(Result::err)
        .expect("an error");
    last_server_error(&error);
}

/// A detailed listing whose list call fails must not look like an account
/// with no cards: the caller has to be able to tell "no more cards" from
/// "could not list the rest".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_detailed_listing_that_fails_is_not_silently_short() {
    let sim = fixtures::simulator()
        .cards(100)
        .faults(always_failing())
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::tencent(&sim).build().expect("client builds");
    let reports: Vec<_> = client.cards_with_info(OperatorFilter::All).collect().await;
    assert!(sim.stats().requests.tencent_getcardlist > 0);
    assert!(
        reports.last().is_some_and(|r| r.is_err()),
        "the listing failed after {} requests, yet cards_with_info ended as if the \
         account had {} cards and reported no failure",
        sim.stats().requests.tencent_getcardlist,
        reports.len()
    );
}
