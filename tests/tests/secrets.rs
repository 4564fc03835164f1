//! Credentials never leak: with sentinel credentials and every log line at
//! `trace`, run every call (failing ones too), and search every log line,
//! error text and `Debug` print for the sentinels and for every access
//! token and signature that went on the wire.

use std::collections::BTreeSet;
use std::error::Error as _;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use iotcard_facade::{
    CardNumber, CardProblem, CardReport, Error, HttpTransport, Iccid, IotbosClient, OperatorFilter,
    Response, RetryConfig, Secret, TencentClient, Transport, TransportError,
};
use iotcard_sim::{Faults, RunningSimulator};
use iotcard_tests::capture;
use iotcard_tests::fixtures;
use iotcard_tests::platform;

const ACCOUNT: &str = "sentinel-account";
const PASSWORD: &str = "SENTINEL-PASSWORD-5f0c1e9a";
const WRONG_PASSWORD: &str = "SENTINEL-WRONGPW-31d8c7";
const SDKAPPID: &str = "1400123456";
const APPKEY: &str = "SENTINELAPPKEY7d2b4e6f8a0c";
const WRONG_APPKEY: &str = "SENTINELWRONGKEY92ab4411";

/// Sends through a real [`HttpTransport`] and remembers every access token
/// and signature it carried, so the test knows what to search for. Its
/// `Debug` shows nothing it remembered.
struct Recording {
    inner: HttpTransport,
    seen: Mutex<BTreeSet<String>>,
}

impl Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recording")
    }
}

impl Recording {
    fn new(sim: &RunningSimulator) -> Arc<Self> {
        let inner = HttpTransport::builder()
            .extra_ca_pem(sim.ca_pem())
            .build()
            .expect("transport builds");
        Arc::new(Self {
            inner,
            seen: Mutex::new(BTreeSet::new()),
        })
    }

    fn remember(&self, request: &http::Request<Bytes>) {
        let mut seen = self.seen.lock().expect("not poisoned");
        for pair in request.uri().query().unwrap_or_default().split('&') {
            if let Some(("accessToken" | "password", value)) = pair.split_once('=') {
                seen.insert(value.to_owned());
            }
        }
        if let Ok(body) = serde_json::from_slice::<serde_json::Value>(request.body()) {
            if let Some(sig) = body["sig"].as_str() {
                seen.insert(sig.to_owned());
            }
        }
    }

    fn secrets(&self) -> BTreeSet<String> {
        self.seen.lock().expect("not poisoned").clone()
    }
}

#[async_trait]
impl Transport for Recording {
    async fn send(&self, request: http::Request<Bytes>) -> Result<Response, TransportError> {
        self.remember(&request);
        self.inner.send(request).await
    }
}

/// Everything a user could print: each error's `Display` (with its
/// sources) and `Debug`.
#[derive(Default)]
struct Printed(String);

impl Printed {
    fn debug(&mut self, value: &impl Debug) {
        self.0.push_str(&format!("{value:?}\n{value:#?}\n"));
    }

    fn error(&mut self, error: &Error) {
        self.debug(error);
        self.0.push_str(&format!("{error}\n"));
        let mut source = error.source();
        while let Some(s) = source {
            self.0.push_str(&format!("{s}\n{s:?}\n"));
            source = s.source();
        }
    }

    fn reports<C: Debug, T: Debug>(&mut self, reports: &[CardReport<C, T>]) -> usize {
        let mut failed = 0;
        for report in reports {
            self.debug(report);
            if let Err(problem) = &report.result {
                // A problem is an error too: its Display and its chain.
                self.0.push_str(&format!("{problem}\n"));
                let mut source = std::error::Error::source(problem);
                while let Some(s) = source {
                    self.0.push_str(&format!("{s}\n{s:?}\n"));
                    source = s.source();
                }
                if let CardProblem::Failed(e) = problem {
                    self.error(e);
                    failed += 1;
                }
            }
        }
        failed
    }
}

fn flaky() -> Faults {
    Faults {
        server_error: 0.10,
        reset: 0.05,
        truncated: 0.10,
        malformed: 0.10,
        too_many_requests: 0.02,
        retry_after: Duration::ZERO,
        token_revocation: 0.2,
        ..Faults::default()
    }
}

fn retry() -> RetryConfig {
    fixtures::quick_retry().max_attempts(6)
}

fn iotbos(
    sim: &RunningSimulator,
    password: &str,
    transport: Option<Arc<Recording>>,
) -> IotbosClient {
    let builder = IotbosClient::builder()
        .endpoint(sim.iotbos_url())
        .account(ACCOUNT)
        .password(password)
        .batch_size(20)
        .retry(retry());
    let builder = match transport {
        Some(t) => builder.transport(t),
        None => builder,
    };
    builder.build().expect("client builds")
}

fn tencent(
    sim: &RunningSimulator,
    appkey: &str,
    transport: Option<Arc<Recording>>,
) -> TencentClient {
    let builder = TencentClient::builder()
        .endpoint(sim.tencent_url())
        .sdkappid(SDKAPPID)
        .appkey(appkey)
        .extra_ca_pem(sim.ca_pem())
        .retry(retry());
    let builder = match transport {
        Some(t) => builder.transport(t),
        None => builder,
    };
    builder.build().expect("client builds")
}

async fn every_iotbos_call(
    client: &IotbosClient,
    numbers: &[CardNumber],
    out: &mut Printed,
) -> usize {
    let n = || numbers.iter().cloned();
    let v = || numbers.to_vec();
    let mut failed = out.reports(&client.usage(n()).await);
    failed += out.reports(&client.remaining(n()).await);
    failed += out.reports(&client.expiry(n()).await);
    failed += out.reports(&client.status(n()).await);
    failed += out.reports(&client.plan(n()).await);
    failed += out.reports(&client.snapshots(n()).await);
    failed += out.reports(&client.usage_stream(v()).collect::<Vec<_>>().await);
    failed += out.reports(&client.remaining_stream(v()).collect::<Vec<_>>().await);
    failed += out.reports(&client.expiry_stream(v()).collect::<Vec<_>>().await);
    failed += out.reports(&client.status_stream(v()).collect::<Vec<_>>().await);
    failed += out.reports(&client.plan_stream(v()).collect::<Vec<_>>().await);
    failed += out.reports(&client.snapshot_stream(v()).collect::<Vec<_>>().await);
    let strings: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
    match platform::snapshots(client, &strings).await {
        Ok(reports) => failed += out.reports(&reports),
        Err(e) => out.error(&e.into()),
    }
    out.debug(client);
    failed
}

async fn every_tencent_call(client: &TencentClient, iccids: &[Iccid], out: &mut Printed) -> usize {
    let mut failed = 0;
    match client.account().await {
        Ok(info) => out.debug(&info),
        Err(e) => {
            out.error(&e);
            failed += 1;
        }
    }
    for iccid in iccids.iter().take(3) {
        match client.card_info(iccid).await {
            Ok(info) => out.debug(&info),
            Err(e) => {
                out.error(&e);
                failed += 1;
            }
        }
    }
    failed += out.reports(&client.card_infos(iccids.iter().cloned()).await);
    let streamed: Vec<_> = client.card_info_stream(iccids.to_vec()).collect().await;
    failed += out.reports(&streamed);
    failed += out.reports(&client.snapshots(iccids.iter().cloned()).await);
    let streamed: Vec<_> = client.snapshot_stream(iccids.to_vec()).collect().await;
    failed += out.reports(&streamed);
    let listed: Vec<_> = client.cards(OperatorFilter::All).collect().await;
    for item in &listed {
        match item {
            Ok(brief) => out.debug(brief),
            Err(e) => {
                out.error(e);
                failed += 1;
            }
        }
    }
    let detailed: Vec<_> = client.cards_with_info(OperatorFilter::All).collect().await;
    failed += listed_reports(detailed, out);
    let listed = iotcard_facade::CardPlatform::listed_snapshots(client)
        .expect("Tencent lists its cards")
        .collect()
        .await;
    failed += listed_reports(listed, out);
    let strings: Vec<String> = iccids.iter().map(|i| i.to_string()).collect();
    match platform::snapshots(client, &strings).await {
        Ok(reports) => failed += out.reports(&reports),
        Err(e) => out.error(&e.into()),
    }
    out.debug(client);
    failed
}

/// A listing's items, each a report or the error that ended it, printed.
fn listed_reports<T: Debug>(
    items: Vec<Result<CardReport<Iccid, T>, Error>>,
    out: &mut Printed,
) -> usize {
    let mut failed = 0;
    let mut reports = Vec::new();
    for item in items {
        match item {
            Ok(report) => reports.push(report),
            Err(e) => {
                out.error(&e);
                failed += 1;
            }
        }
    }
    failed + out.reports(&reports)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_log_line_error_or_debug_print() {
    // Real sockets: tokio's clock runs, and it is the one allowed.
    let started = tokio::time::Instant::now();
    let logs = capture::trace_everything();
    let sim = fixtures::simulator()
        .cards(20)
        .token_ttl(Duration::from_secs(1))
        .iotbos_credentials(ACCOUNT, PASSWORD)
        .tencent_credentials(SDKAPPID, APPKEY)
        .start()
        .await
        .expect("simulator starts");
    let fleet = sim.fleet();
    let mut numbers: Vec<CardNumber> = fleet.numbers().collect();
    numbers.extend(fixtures::numbers_outside(fleet, 2));
    let mut iccids: Vec<Iccid> = fleet.iccids().collect();
    iccids.extend(fixtures::iccids_outside(fleet, 2));
    let wire = Recording::new(&sim);
    let mut out = Printed::default();
    let mut failed = 0;

    // Calm, then flaky (retries, re-logins after revoked tokens, broken
    // bodies), then with wrong credentials; through the recording
    // transport and through each client's own.
    for faults in [Faults::default(), flaky()] {
        sim.set_faults(faults).expect("valid faults");
        failed += every_iotbos_call(
            &iotbos(&sim, PASSWORD, Some(wire.clone())),
            &numbers,
            &mut out,
        )
        .await;
        failed += every_tencent_call(
            &tencent(&sim, APPKEY, Some(wire.clone())),
            &iccids,
            &mut out,
        )
        .await;
    }
    sim.set_faults(Faults::default()).expect("valid faults");
    failed += every_iotbos_call(&iotbos(&sim, PASSWORD, None), &numbers[..5], &mut out).await;
    failed += every_tencent_call(&tencent(&sim, APPKEY, None), &iccids[..5], &mut out).await;
    let wrong_login = every_iotbos_call(
        &iotbos(&sim, WRONG_PASSWORD, Some(wire.clone())),
        &numbers[..5],
        &mut out,
    )
    .await;
    let wrong_sig = every_tencent_call(
        &tencent(&sim, WRONG_APPKEY, Some(wire.clone())),
        &iccids[..5],
        &mut out,
    )
    .await;
    out.debug(&IotbosClient::builder().password(Secret::new(PASSWORD)));
    out.debug(&TencentClient::builder().appkey(Secret::new(APPKEY)));
    out.debug(sim.credentials());

    // The run did what it should: failures of every kind happened and were
    // printed, access tokens and signatures went on the wire, and the log
    // holds redacted URLs.
    assert!(
        wrong_login > 0 && wrong_sig > 0,
        "{wrong_login} {wrong_sig}"
    );
    assert!(failed > 0, "the flaky run failed somewhere");
    let stats = sim.stats();
    assert!(stats.faults.total() > 0 && stats.logins > 1, "{stats:?}");
    assert!(stats.refusals.bad_credentials > 0 && stats.refusals.sig_mismatch > 0);
    let on_the_wire = wire.secrets();
    assert!(
        on_the_wire.len() > 10,
        "{} secrets seen on the wire",
        on_the_wire.len()
    );
    let logged = logs.text();
    eprintln!(
        "{} log lines, {} bytes printed, {:?}",
        logs.lines(),
        out.0.len(),
        started.elapsed()
    );
    assert!(logs.lines() > 100, "only {} log lines", logs.lines());
    assert!(
        logged.contains("iotcard.call"),
        "the facade's spans are captured"
    );
    assert!(
        logged.contains("accessToken=***"),
        "URLs are logged, redacted"
    );

    let haystacks = [("log", logged.as_str()), ("printed", out.0.as_str())];
    let mut needles: Vec<String> = on_the_wire.into_iter().collect();
    needles.extend([PASSWORD, WRONG_PASSWORD, APPKEY, WRONG_APPKEY].map(String::from));
    for (where_, haystack) in haystacks {
        for needle in &needles {
            if let Some(at) = haystack.find(needle.as_str()) {
                let start = haystack[..at].rfind('\n').map_or(0, |n| n + 1);
                let end = haystack[at..].find('\n').map_or(haystack.len(), |n| at + n);
                panic!(
                    "a secret is in the {where_} output:\n{}",
                    &haystack[start..end]
                );
            }
        }
    }
}
