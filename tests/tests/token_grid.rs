//! Tokens of any lifetime, answers of any latency, any concurrency: no card
//! is lost or asked twice, and logins and refusals stay within what the
//! token rules allow.
//!
//! The grid: token lifetime 1 s, 3 s or an hour × latency 0, 50 or 150 ms ×
//! concurrency 1, 2 or 8, each cell a snapshot of 60 cards in batches of 10
//! (30 requests), one lifetime per test so the three run side by side.
//!
//! The bounds, and why:
//! - **Logins ≤ 2 + elapsed / usable**, where usable is the lifetime less
//!   the margin (at most half of it: 0.5 s, 1.5 s, 59 min). A login starts
//!   only once the current token is gone, and a token goes only when it is
//!   no longer usable or is refused while fresh, which the simulator never
//!   does (its tokens live exactly their stated lifetime, and a request
//!   takes its token when it is sent); one for the start, one of slack for
//!   a token replaced just as the run ends.
//! - **Token refusals ≤ concurrency × logins**: a token can be refused only
//!   by the requests in flight when it died.

use std::time::Duration;

use iotcard_facade::CardNumber;
use iotcard_tests::expect::{self, Answer};
use iotcard_tests::fixtures;
use tokio::time::Instant;

const CARDS: u64 = 60;
const BATCH: usize = 10;

async fn cell(ttl: Duration, latency: Duration, concurrency: usize) {
    let sim = fixtures::simulator()
        .cards(CARDS)
        .token_ttl(ttl)
        .latency(latency, Duration::ZERO)
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::iotbos(&sim)
        .batch_size(BATCH)
        .concurrency(concurrency)
        .build()
        .expect("client builds");
    let fleet = sim.fleet();
    let at = sim.now();
    let numbers: Vec<CardNumber> = fleet.numbers().collect();
    let cell = format!("ttl {ttl:?}, latency {latency:?}, concurrency {concurrency}");

    let started = Instant::now();
    let reports = client.snapshots(numbers.clone()).await;
    let elapsed = started.elapsed();

    assert_eq!(reports.len(), numbers.len(), "{cell}");
    for (report, number) in reports.iter().zip(&numbers) {
        assert_eq!(&report.card, number, "{cell}");
        assert_eq!(
            Answer::of(&report.result),
            expect::iotbos_snapshot(fleet, number, &at),
            "{cell}, card {number}"
        );
    }
    let stats = sim.stats();
    // Every card answered once per call: none lost, none asked twice.
    assert_eq!(stats.cards_answered, 5 * CARDS, "{cell}");
    assert_eq!(stats.logins, client.logins(), "{cell}");
    // The default margin, one minute, at most half the lifetime.
    let usable = ttl - Duration::from_secs(60).min(ttl / 2);
    let logins_bound = 2 + (elapsed.as_secs_f64() / usable.as_secs_f64()) as u64;
    assert!(
        stats.logins <= logins_bound,
        "{cell}: {} logins in {elapsed:?}, bound {logins_bound}",
        stats.logins
    );
    let refused = stats.refusals.token_expired
        + stats.refusals.token_unknown
        + stats.refusals.token_revoked
        + stats.refusals.token_missing;
    let refusals_bound = concurrency as u64 * stats.logins;
    assert!(
        refused <= refusals_bound,
        "{cell}: {refused} token refusals, bound {refusals_bound}"
    );
    assert_eq!(
        stats.refusals.total(),
        refused,
        "{cell}: nothing else refused"
    );
    eprintln!(
        "{cell}: {elapsed:?}, {} logins (bound {logins_bound}), {refused} token refusals, {} data requests",
        stats.logins,
        stats.requests.total() - stats.requests.iotbos_login
    );
    sim.shutdown().await;
}

async fn grid(ttl: Duration) {
    for latency in [0, 50, 150].map(Duration::from_millis) {
        for concurrency in [1, 2, 8] {
            cell(ttl, latency, concurrency).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_second_tokens() {
    grid(Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_second_tokens() {
    grid(Duration::from_secs(3)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hour_long_tokens() {
    grid(Duration::from_secs(3600)).await;
}
