//! Time and randomness come only from what the builders were given, so
//! signing times and retry jitter are exact: a Tencent request carries the
//! injected clock's time to the second, and two clients seeded alike wait
//! exactly alike.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use iotcard_facade::{
    CardNumber, Entropy, Error, FixedClock, HttpTransport, Iccid, IotbosClient, OperatorFilter,
    RetryConfig, Secret, TencentClient,
};
use iotcard_sim::tencent_codes;
use iotcard_tests::errors::chain;
use iotcard_tests::fixtures;
use iotcard_tests::scripted::{self, Paced, Recorder};
use iotcard_transport::ScriptedTransport;
use tokio::time::Instant;

const SDKAPPID: &str = "1400009099";
const APPKEY: &str = "dffdfd6029698a5fdf4";
/// The spec's example time.
const T: u64 = 1_505_812_393;

fn at(unix_seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix_seconds)
}

/// The `time` and `sig` of a signed Tencent request.
fn stamp(request: &http::Request<bytes::Bytes>) -> (String, String) {
    let time = scripted::body_string(request, "time").expect("a time");
    let sig = scripted::body_string(request, "sig").expect("a sig");
    (time, sig)
}

fn signature_for(time: &str) -> String {
    tencent_proto::sign(
        &Secret::new(APPKEY),
        &tencent_proto::SdkAppId::parse(SDKAPPID).expect("valid"),
        time.parse().expect("Unix seconds"),
    )
    .as_str()
    .to_owned()
}

#[tokio::test(start_paused = true)]
async fn every_tencent_request_carries_the_clocks_time() {
    let iccid = "898602B7091701054333";
    let transport = Arc::new(ScriptedTransport::from_fn(move |req| {
        if req.uri().path().ends_with("/getcardinfo") {
            let asked = scripted::body_string(req, "iccid").expect("an iccid");
            return scripted::ok(scripted::tencent_card_info(&asked));
        }
        scripted::ok(scripted::TENCENT_APP_INFO)
    }));
    // Two failures first: each retry is signed again, with the same clock.
    transport.push(scripted::unavailable());
    transport.push(scripted::unavailable());
    let clock = Arc::new(FixedClock::new(at(T)));
    let client = TencentClient::builder()
        .endpoint("https://127.0.0.1:9")
        .sdkappid(SDKAPPID)
        .appkey(APPKEY)
        .retry(fixtures::quick_retry())
        .clock(clock.clone())
        .transport(transport.clone())
        .build()
        .expect("client builds");

    client
        .account()
        .await
        .expect("answered on the third attempt");
    let card: Iccid = iccid.parse().expect("valid");
    client.card_info(&card).await.expect("answered");
    let reports = client.card_infos([card.clone(), card.clone()]).await;
    assert_eq!(reports.len(), 1, "repeats asked once");
    assert!(reports[0].result.is_ok());
    let sent = transport.requests();
    assert_eq!(sent.len(), 3 + 1 + 1);
    for request in &sent {
        let (time, sig) = stamp(request);
        assert_eq!(time, T.to_string(), "{}", request.uri().path());
        assert_eq!(sig, signature_for(&time));
    }

    // The clock moves only when it is moved, and the next request follows.
    clock.set(at(T + 5));
    client.account().await.expect("answered");
    let sent = transport.requests();
    let (time, sig) = stamp(sent.last().expect("sent"));
    assert_eq!(time, (T + 5).to_string());
    assert_eq!(sig, signature_for(&time));
}

/// A clock before 1970 cannot say Unix seconds: the request is refused
/// with a clear error before anything is sent, not signed with a made-up time.
#[tokio::test(start_paused = true)]
async fn a_clock_before_1970_is_refused_before_sending() {
    let transport = Arc::new(ScriptedTransport::from_fn(|_| {
        scripted::ok(scripted::TENCENT_APP_INFO)
    }));
    let client = TencentClient::builder()
        .sdkappid(SDKAPPID)
        .appkey(APPKEY)
        .clock(FixedClock::new(UNIX_EPOCH - Duration::from_secs(10)))
        .transport(transport.clone())
        .build()
        .expect("client builds");
    let error = client.account().await.expect_err("no time to sign with");
    assert!(
        matches!(
            error,
            iotcard_facade::Error::Tencent(iotcard_facade::TencentError::TimeBeforeEpoch)
        ),
        "{error:?}"
    );
    assert!(!error.is_transient());
    assert!(transport.requests().is_empty(), "nothing was sent");
}

/// Against the simulator, whose `time` window follows the real clock (not
/// its fleet clock: a real server's does): a client whose clock shows the
/// simulator's own now signs every request with exactly that second and is
/// served; 301 s behind it is refused with the time refusal, not retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_serves_the_clocks_time_and_refuses_it_301_s_off() {
    let sim = fixtures::simulator()
        .freeze_clock(None)
        .cards(45)
        .start()
        .await
        .expect("simulator starts");
    // The simulator's now, to the second; then its fleet clock is frozen at
    // that same instant, so the client's clock and the fleet's agree.
    let now = sim.now();
    sim.set_clock(Some(now));
    let t = u64::try_from(now.timestamp()).expect("after 1970");
    let clock = Arc::new(FixedClock::new(SystemTime::from(now)));
    let wire = Arc::new(Recorder::new(
        HttpTransport::builder()
            .extra_ca_pem(sim.ca_pem())
            .build()
            .expect("transport builds"),
    ));
    let client = fixtures::tencent(&sim)
        .clock(clock.clone())
        .transport(wire.clone())
        .build()
        .expect("client builds");

    let account = client.account().await.expect("served");
    let cards: Vec<_> = futures::TryStreamExt::try_collect(client.cards(OperatorFilter::All))
        .await
        .expect("every page served");
    assert_eq!(cards.len() as u64, account.card_counts.total());
    let info = client.card_info(&cards[0].iccid).await.expect("served");
    assert_eq!(info.card.iccid, cards[0].iccid);
    let sent = wire.requests();
    assert!(sent.len() >= 5, "{} requests", sent.len());
    for request in &sent {
        let time = scripted::body_string(request, "time").expect("a time");
        assert_eq!(time, t.to_string(), "{}", request.uri().path());
    }
    assert_eq!(sim.stats().refusals.total(), 0);

    // Within the window (by a margin far above this test's run time).
    clock.set(SystemTime::from(now) - Duration::from_secs(250));
    client
        .account()
        .await
        .expect("250 s behind is within 300 s");

    // 301 s behind: whatever second the simulator's clock has reached since
    // `now` only widens the gap, so this is refused every time.
    clock.set(SystemTime::from(now) - Duration::from_secs(301));
    let before = sim.stats().requests.tencent_getappinfo;
    let error = client.account().await.expect_err("outside the window");
    assert_time_refused(&error);
    // The simulator's answer has a `Date`: the error says the clock is off.
    assert!(
        matches!(error, Error::ClockSkew { skew, .. } if skew.local_is_behind() && skew.magnitude() >= Duration::from_secs(300)),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with("the local clock is 5 min ")
            && error.to_string().contains(" behind the Tencent server's"),
        "{error}"
    );
    let stats = sim.stats();
    assert_eq!(stats.refusals.time_window, 1);
    assert_eq!(stats.requests.tencent_getappinfo, before + 1, "not retried");
    let last = wire.requests().pop().expect("sent");
    assert_eq!(
        scripted::body_string(&last, "time"),
        Some((t - 301).to_string())
    );

    // Ahead of it too (by more than 301 s: the simulator's clock may have
    // moved into the next second since `now`, which narrows this side).
    clock.set(SystemTime::from(now) + Duration::from_secs(310));
    let error = client.account().await.expect_err("outside the window");
    assert_time_refused(&error);
    assert!(
        matches!(error, Error::ClockSkew { skew, .. } if skew.local_is_ahead()),
        "{error:?}"
    );
    assert_eq!(sim.stats().refusals.time_window, 2);
}

fn assert_time_refused(error: &Error) {
    assert!(error.is_refused() && !error.is_transient(), "{error:?}");
    assert_eq!(
        error.provider_code(),
        Some(tencent_codes::TIME_WINDOW.to_string()),
        "{}",
        chain(error)
    );
    assert!(
        error
            .provider_message()
            .is_some_and(|m| m.contains("300 s")),
        "{:?}",
        error.provider_message()
    );
}

/// Retries with waits long enough to measure: four attempts, the first
/// backoff up to 100 ms, doubling.
fn measurable_retry() -> RetryConfig {
    RetryConfig::default()
        .max_attempts(4)
        .base_delay(Duration::from_millis(100))
        .max_delay(Duration::from_secs(5))
}

/// What one seeded Tencent client did facing three 503s then an answer:
/// the waits between its attempts, the whole call's time, and the `random`
/// of each attempt.
#[derive(Debug, PartialEq)]
struct Waited {
    waits: Vec<Duration>,
    elapsed: Duration,
    randoms: Vec<String>,
}

async fn tencent_waits(entropy: Entropy) -> Waited {
    let calls = AtomicUsize::new(0);
    let transport = Arc::new(Paced::new(move |_| {
        let outcome = if calls.fetch_add(1, Ordering::SeqCst) < 3 {
            scripted::unavailable()
        } else {
            scripted::ok(scripted::TENCENT_APP_INFO)
        };
        (Duration::ZERO, outcome)
    }));
    let client = TencentClient::builder()
        .sdkappid(SDKAPPID)
        .appkey(APPKEY)
        .retry(measurable_retry())
        .clock(FixedClock::new(at(T)))
        .entropy(entropy)
        .transport(transport.clone())
        .build()
        .expect("client builds");
    let started = Instant::now();
    client
        .account()
        .await
        .expect("the fourth attempt is answered");
    let elapsed = started.elapsed();
    let sent = transport.sent();
    assert_eq!(sent.len(), 4);
    Waited {
        waits: sent
            .windows(2)
            .map(|w| w[1].sent_at - w[0].answered_at)
            .collect(),
        elapsed,
        randoms: sent
            .iter()
            .map(|s| scripted::query(&s.request, "random").expect("a random"))
            .collect(),
    }
}

/// The same for IoTBOS: a login, then a usage call answered on its fourth
/// attempt.
async fn iotbos_waits(entropy: Entropy) -> Waited {
    let calls = AtomicUsize::new(0);
    let transport = Arc::new(Paced::new(move |req| {
        if scripted::is_iotbos_login(req) {
            return (Duration::ZERO, scripted::ok(scripted::iotbos_login("T")));
        }
        let outcome = if calls.fetch_add(1, Ordering::SeqCst) < 3 {
            scripted::unavailable()
        } else {
            let cards = scripted::query(req, "cardIdNums").expect("cards");
            scripted::ok(scripted::iotbos_usage(&cards))
        };
        (Duration::ZERO, outcome)
    }));
    let client = IotbosClient::builder()
        .account("alice")
        .password("pw")
        .retry(measurable_retry())
        .entropy(entropy)
        .transport(transport.clone())
        .build()
        .expect("client builds");
    let card: CardNumber = "1064804085884".parse().expect("valid");
    let started = Instant::now();
    let reports = client.usage([card]).await;
    let elapsed = started.elapsed();
    assert!(reports[0].result.is_ok(), "{:?}", reports[0].result);
    let sent: Vec<_> = transport
        .sent()
        .into_iter()
        .filter(|s| !scripted::is_iotbos_login(&s.request))
        .collect();
    assert_eq!(sent.len(), 4);
    Waited {
        waits: sent
            .windows(2)
            .map(|w| w[1].sent_at - w[0].answered_at)
            .collect(),
        elapsed,
        randoms: Vec::new(),
    }
}

/// Each wait is a full-jitter draw under its cap, and the call took exactly
/// their sum (paused time moves by the waits asked for, nothing else).
fn assert_backoffs(w: &Waited) {
    let retry = measurable_retry();
    assert_eq!(w.waits.len(), 3);
    for (i, wait) in w.waits.iter().enumerate() {
        let cap = retry.base_delay * 2u32.pow(i as u32);
        assert!(*wait <= cap, "retry {i} waited {wait:?}, cap {cap:?}");
    }
    assert_eq!(w.elapsed, w.waits.iter().sum::<Duration>(), "{w:?}");
    assert!(w.elapsed > Duration::ZERO, "{w:?}");
}

#[tokio::test(start_paused = true)]
async fn the_same_seed_waits_exactly_the_same_and_another_does_not() {
    let a = tencent_waits(Entropy::Seed(7)).await;
    let b = tencent_waits(Entropy::Seed(7)).await;
    assert_backoffs(&a);
    assert_eq!(a, b, "same seed, same waits and randoms, to the nanosecond");
    let c = tencent_waits(Entropy::Seed(8)).await;
    assert_backoffs(&c);
    assert_ne!(a.waits, c.waits, "another seed, other waits");
    assert_ne!(a.randoms, c.randoms, "another seed, other randoms");
    // A seeded client's randoms still differ between attempts.
    let distinct: std::collections::HashSet<_> = a.randoms.iter().collect();
    assert_eq!(distinct.len(), a.randoms.len(), "{:?}", a.randoms);

    let a = iotbos_waits(Entropy::Seed(7)).await;
    let b = iotbos_waits(Entropy::Seed(7)).await;
    assert_backoffs(&a);
    assert_eq!(a, b, "same seed, same waits, to the nanosecond");
    let c = iotbos_waits(Entropy::Seed(8)).await;
    assert_backoffs(&c);
    assert_ne!(a.waits, c.waits, "another seed, other waits");
}

/// Unseeded clients draw from the OS: two of them do not wait alike.
#[tokio::test(start_paused = true)]
async fn os_entropy_differs_between_clients() {
    let a = tencent_waits(Entropy::Os).await;
    let b = tencent_waits(Entropy::Os).await;
    assert_backoffs(&a);
    assert_backoffs(&b);
    assert_ne!(a.waits, b.waits, "two OS seeds agreeing is a 2^-64 event");
}
