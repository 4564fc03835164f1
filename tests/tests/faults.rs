//! A flaky server (5xx, resets, truncated and malformed bodies, 429 with
//! `Retry-After`) never costs a card, and retries stay bounded.

use std::collections::HashSet;
use std::time::Duration;

use futures::StreamExt;
use iotcard_facade::{CardNumber, CardReport, IotbosClient, RetryConfig};
use iotcard_sim::{Faults, RunningSimulator};
use iotcard_tests::errors::chain;
use iotcard_tests::expect::{self, Answer};
use iotcard_tests::fixtures;

const CARDS: u64 = 20_000;
const BATCH: usize = 50;

/// The mix; 429s kept rare (each costs a 1 s `Retry-After`, and
/// `card` answers in input order, so a waiting batch holds the others up).
fn flaky() -> Faults {
    Faults {
        server_error: 0.10,
        reset: 0.05,
        truncated: 0.05,
        malformed: 0.02,
        too_many_requests: 0.005,
        retry_after: Duration::from_secs(1),
        ..Faults::default()
    }
}

/// With 22.5 % of requests failing, the chance that one request fails
/// `max_attempts` times in a row is 0.225^n: 10 attempts make losing any
/// of a few thousand requests a one-in-a-thousand event. The retry budget
/// is the default: a server that fails transiently but recovers on retry
/// must not drain it (AWS standard mode refunds a retry's cost when the
/// retried request succeeds).
fn retry(max_attempts: u32) -> RetryConfig {
    fixtures::quick_retry().max_attempts(max_attempts)
}

async fn start(faults: Faults) -> RunningSimulator {
    fixtures::simulator()
        .cards(CARDS)
        .faults(faults)
        .fault_seed(7)
        .start()
        .await
        .expect("simulator starts")
}

fn client(sim: &RunningSimulator, retry: RetryConfig) -> IotbosClient {
    fixtures::iotbos(sim)
        .batch_size(BATCH)
        .concurrency(8)
        .retry(retry)
        .build()
        .expect("client builds")
}

fn batches() -> u64 {
    (CARDS as usize).div_ceil(BATCH) as u64
}

fn failures<T: std::fmt::Debug>(reports: &[CardReport<CardNumber, T>]) -> Vec<String> {
    reports
        .iter()
        .filter_map(|r| match &r.result {
            Err(p) if p.is_failure() => Some(format!("{}: {}", r.card, chain(p))),
            _ => None,
        })
        .take(5)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_cards_usage_through_faults() {
    let sim = start(flaky()).await;
    let max_attempts = 10;
    let client = client(&sim, retry(max_attempts));
    let fleet = sim.fleet();
    let at = sim.now();
    let numbers: Vec<CardNumber> = fleet.numbers().collect();

    let reports = client.usage(numbers.clone()).await;
    assert_eq!(failures(&reports), Vec::<String>::new(), "no card lost");
    assert_eq!(reports.len(), numbers.len(), "every card exactly once");
    let unique: HashSet<&CardNumber> = reports.iter().map(|r| &r.card).collect();
    assert_eq!(unique.len(), numbers.len());
    for (report, number) in reports.iter().zip(&numbers) {
        assert_eq!(&report.card, number);
        assert_eq!(
            Answer::of(&report.result),
            expect::usage(fleet, number, &at)
        );
    }

    let stats = sim.stats();
    eprintln!(
        "usage: {:?}\nbudget left {}",
        stats,
        client.retry_budget_available()
    );
    // Every kind of fault happened, and was survived.
    let f = stats.faults;
    for (kind, n) in [
        ("5xx", f.server_error),
        ("reset", f.reset),
        ("truncated", f.truncated),
        ("malformed", f.malformed),
        ("429", f.too_many_requests),
    ] {
        assert!(n > 0, "no {kind} fault was injected: {f:?}");
    }
    // Retries happened, but no batch was asked more than `max_attempts`
    // times, and faults explain every extra request.
    let sent = stats.requests.iotbos_usage;
    assert!(
        sent > batches(),
        "{sent} requests for {} batches",
        batches()
    );
    assert!(sent <= batches() * u64::from(max_attempts));
    assert!(
        sent <= batches() + f.total() + stats.refusals.total(),
        "{sent} requests, {} faults",
        f.total()
    );
    assert!(stats.requests.iotbos_login <= u64::from(max_attempts) * stats.logins.max(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_cards_snapshots_through_faults() {
    let sim = start(flaky()).await;
    let max_attempts = 10;
    let client = client(&sim, retry(max_attempts));
    let fleet = sim.fleet();
    let at = sim.now();
    let numbers: Vec<CardNumber> = fleet.numbers().collect();

    let reports = client.snapshots(numbers.clone()).await;
    let stats = sim.stats();
    eprintln!(
        "snapshots: {:?}\nbudget left {}",
        stats,
        client.retry_budget_available()
    );
    assert_eq!(failures(&reports), Vec::<String>::new(), "no card lost");
    assert_eq!(reports.len(), numbers.len(), "every card exactly once");
    for (report, number) in reports.iter().zip(&numbers) {
        assert_eq!(&report.card, number);
        assert_eq!(
            Answer::of(&report.result),
            expect::iotbos_snapshot(fleet, number, &at)
        );
    }
    let r = stats.requests;
    for (call, sent) in [
        ("usage", r.iotbos_usage),
        ("remaining", r.iotbos_remaining),
        ("expiry", r.iotbos_expiry),
        ("state", r.iotbos_state),
        ("plan", r.iotbos_plan),
    ] {
        assert!(
            (batches()..=batches() * u64::from(max_attempts)).contains(&sent),
            "{call}: {sent} requests for {} batches",
            batches()
        );
    }
}

/// The streaming form through the same faults: drained one report at a
/// time, each card comes out exactly once, in input order, with its value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_cards_usage_stream_through_faults() {
    let sim = start(flaky()).await;
    let max_attempts = 10;
    let client = client(&sim, retry(max_attempts));
    let fleet = sim.fleet();
    let at = sim.now();
    let numbers: Vec<CardNumber> = fleet.numbers().collect();

    let mut stream = client.usage_stream(numbers.clone());
    let mut expected = numbers.iter();
    let mut lost = Vec::new();
    let mut seen = 0usize;
    while let Some(report) = stream.next().await {
        let number = expected.next().expect("no more reports than cards");
        assert_eq!(&report.card, number, "report {seen} out of order");
        match Answer::of(&report.result) {
            Answer::Failure(kind, text) => lost.push(format!("{number}: {kind}: {text}")),
            answer => assert_eq!(answer, expect::usage(fleet, number, &at), "card {number}"),
        }
        seen += 1;
    }
    assert_eq!(lost, Vec::<String>::new(), "no card lost");
    assert_eq!(seen, numbers.len(), "every card exactly once");
    let stats = sim.stats();
    assert!(stats.faults.total() > 0, "{stats:?}");
    let sent = stats.requests.iotbos_usage;
    assert!((batches()..=batches() * u64::from(max_attempts)).contains(&sent));
}
