//! A server that takes at most K numbers per call (the simulator's
//! `batch-limit=K` dialect): batches are halved until accepted, every card
//! is answered exactly once with its true values, the limit is learned once
//! and kept for the client's life.

use futures::StreamExt;
use iotcard_facade::CardNumber;
use iotcard_sim::Dialect;
use iotcard_tests::capture;
use iotcard_tests::expect::{self, Answer};
use iotcard_tests::fixtures;

/// Cards in the fleet and cards per planned batch.
const CARDS: usize = 300;
const PLANNED: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_limit_is_found_by_halving_and_kept() {
    let logs = capture::trace_everything();
    for k in [7usize, 1] {
        let sim = fixtures::simulator()
            .cards(CARDS as u64)
            .dialect(Dialect::canonical().with_batch_limit(k as u32))
            .start()
            .await
            .expect("simulator starts");
        let client = fixtures::iotbos(&sim)
            .batch_size(PLANNED)
            .build()
            .expect("client builds");
        let fleet = sim.fleet();
        let at = sim.now();
        let numbers: Vec<CardNumber> = fleet.numbers().collect();
        let logged_before = logs.text().len();

        let reports = client.snapshots(numbers.clone()).await;
        assert_eq!(reports.len(), CARDS);
        for (report, number) in reports.iter().zip(&numbers) {
            assert_eq!(&report.card, number);
            assert_eq!(
                Answer::of(&report.result),
                expect::iotbos_snapshot(fleet, number, &at),
                "k {k}, card {number}"
            );
        }
        let stats = sim.stats();
        // Each card answered once per call: none lost, none asked twice.
        assert_eq!(stats.cards_answered, 5 * CARDS as u64, "k {k}");
        assert!(stats.refusals.too_many_numbers > 0, "k {k}");
        // Halving 100 finds 7 and 1 exactly (100, 50, 25, 13, 7 / … 2, 1).
        assert_eq!(
            client.discovered_batch_limit().map(|l| l.get()),
            Some(k),
            "k {k}"
        );
        // A refused token is replaced once per token; calls refused
        // together for the same reason count the same replacement, and a
        // piece keeps its batch's refusals. What can still cost a login is
        // a call whose first request went out after the others' token was
        // replaced (it has no refusal of its own yet): at most one per
        // (call, batch) before the limit is known, plus the first login.
        let logins_bound = 1 + 5 * CARDS.div_ceil(PLANNED) as u64;
        assert!(
            stats.logins <= logins_bound,
            "k {k}: {} logins, bound {logins_bound}",
            stats.logins
        );
        // Per call and batch: at most ⌈log2 B⌉ + 2 refused requests on
        // the way down (the first refusal twice, for the token), and at most
        // ⌈B/k⌉ + ⌈log2 B⌉ answered ones (one short remainder per level).
        let depth = PLANNED.next_power_of_two().trailing_zeros() as usize;
        let per_batch = PLANNED.div_ceil(k) + 2 * depth + 2;
        let data = stats.requests.total() - stats.requests.iotbos_login;
        let bound = 5 * CARDS.div_ceil(PLANNED) * per_batch;
        assert!(
            data as usize <= bound,
            "k {k}: {data} data requests, bound {bound}"
        );
        eprintln!(
            "k {k}: {data} data requests (bound {bound}), {} refused for size, {} logins",
            stats.refusals.too_many_numbers, stats.logins
        );
        let said = logs.text()[logged_before..]
            .matches(&format!("sending at most {k} cards per call"))
            .count();
        assert_eq!(said, 1, "k {k}: the limit is logged once");

        // Later calls are planned at the limit: nothing refused, one
        // request per k cards.
        let reports = client.usage(numbers.clone()).await;
        for (report, number) in reports.iter().zip(&numbers) {
            assert_eq!(
                Answer::of(&report.result),
                expect::usage(fleet, number, &at),
                "k {k}, card {number}"
            );
        }
        let after = sim.stats();
        assert_eq!(
            after.refusals.too_many_numbers, stats.refusals.too_many_numbers,
            "k {k}: no refusal once the limit is known"
        );
        assert_eq!(
            after.requests.iotbos_usage - stats.requests.iotbos_usage,
            CARDS.div_ceil(k) as u64,
            "k {k}"
        );
        assert_eq!(after.logins, stats.logins, "k {k}");
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_planned_before_the_limit_was_known_loses_no_card() {
    // The export path: batches planned lazily at 20, some already planned
    // when the limit is learned, which are cut before they are sent.
    let sim = fixtures::simulator()
        .cards(45)
        .dialect(Dialect::canonical().with_batch_limit(4))
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::iotbos(&sim)
        .batch_size(20)
        .concurrency(2)
        .build()
        .expect("client builds");
    let fleet = sim.fleet();
    let at = sim.now();
    let numbers: Vec<CardNumber> = fleet.numbers().collect();
    let reports: Vec<_> = client.snapshot_stream(numbers.clone()).collect().await;
    assert_eq!(reports.len(), numbers.len());
    for (report, number) in reports.iter().zip(&numbers) {
        assert_eq!(&report.card, number);
        assert_eq!(
            Answer::of(&report.result),
            expect::iotbos_snapshot(fleet, number, &at),
            "card {number}"
        );
    }
    assert_eq!(sim.stats().cards_answered, 5 * 45);
    // 20 → 10 → 5 → 3 accepted: the largest size that went through.
    assert_eq!(client.discovered_batch_limit().map(|l| l.get()), Some(3));
    sim.shutdown().await;
}
