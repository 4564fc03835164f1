//! Every IoTBOS call end to end against the simulator, each card's answer
//! compared with the fleet's ground truth at a frozen clock.

use std::collections::HashSet;
use std::fmt::Debug;
use std::time::Duration;

use futures::StreamExt;
use iotcard_facade::{
    CardKey, CardNumber, CardPlatform, CardReport, CardSnapshot, CardStatus, Instant, IotbosClient,
    ProblemKind, Provider, IOTBOS_CAPABILITIES,
};
use iotcard_sim::{Fleet, IotbosCall, Outcome, RunningSimulator};
use iotcard_tests::expect::{self, Answer};
use iotcard_tests::fixtures::{self, frozen_at};
use iotcard_tests::platform;

/// Big enough that every kind of per-card outcome (found, no data, the
/// undocumented 3) occurs for every call; checked by `the_fleet_covers_every_outcome`.
const CARDS: u64 = 2000;
const BATCH: usize = 50;

async fn start() -> (RunningSimulator, IotbosClient) {
    let sim = fixtures::simulator()
        .cards(CARDS)
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::iotbos(&sim)
        .batch_size(BATCH)
        .build()
        .expect("client builds");
    (sim, client)
}

/// The numbers a caller asks for: the fleet in an order of its own (by
/// number, not by index), some numbers the fleet does not have, all-digit
/// ICCIDs (IoTBOS takes those too), and repeats scattered through.
fn asked(fleet: &Fleet) -> Vec<CardNumber> {
    let mut numbers: Vec<CardNumber> = fleet.numbers().collect();
    numbers.sort();
    let outsiders = fixtures::numbers_outside(fleet, 7);
    let iccids: Vec<CardNumber> = fleet
        .iccids()
        .filter_map(|i| CardNumber::parse(i.as_str()).ok())
        .take(5)
        .collect();
    assert_eq!(iccids.len(), 5, "the fleet has all-digit ICCIDs");
    let mut asked = Vec::new();
    for (i, n) in numbers.iter().enumerate() {
        asked.push(n.clone());
        if i % 97 == 0 {
            asked.push(numbers[i / 2].clone()); // a repeat of an earlier one
        }
        if i % 301 == 0 {
            asked.push(outsiders[(i / 301) % outsiders.len()].clone());
        }
        if i % 401 == 0 {
            asked.push(iccids[(i / 401) % iccids.len()].clone());
        }
    }
    asked.push(numbers[0].clone());
    asked
}

/// The distinct numbers of `asked`, first occurrence first.
fn distinct(asked: &[CardNumber]) -> Vec<CardNumber> {
    let mut seen = HashSet::new();
    asked.iter().filter(|n| seen.insert(*n)).cloned().collect()
}

fn batches(cards: usize) -> u64 {
    cards.div_ceil(BATCH) as u64
}

/// One report per distinct number, in the caller's order, each equal to the
/// truth.
fn check<T: Clone + PartialEq + Debug>(
    reports: &[CardReport<CardNumber, T>],
    expected_order: &[CardNumber],
    truth: impl Fn(&CardNumber) -> Answer<T>,
) {
    let got: Vec<&CardNumber> = reports.iter().map(|r| &r.card).collect();
    let want: Vec<&CardNumber> = expected_order.iter().collect();
    assert_eq!(
        got, want,
        "one report per distinct card, in the caller's order"
    );
    for report in reports {
        assert_eq!(
            Answer::of(&report.result),
            truth(&report.card),
            "card {}",
            report.card
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_covers_every_outcome() {
    let fleet = fixtures::simulator().cards(CARDS).fleet().expect("fleet");
    for call in IotbosCall::ALL {
        let outcomes: HashSet<String> = fleet
            .cards()
            .map(|c| c.outcome(call).kind().to_owned())
            .collect();
        for kind in ["found", "no_data", "unknown"] {
            assert!(outcomes.contains(kind), "{call:?} has no {kind} card");
        }
    }
    let overrun = fleet
        .cards()
        .filter(|c| c.outcome(IotbosCall::Remaining) == Outcome::Found)
        .any(|c| {
            c.remaining(&frozen_at())
                .data_left
                .is_some_and(|d| d.amount.is_sign_negative())
        });
    assert!(overrun, "some card has overrun its data");
    let undocumented_status = fleet
        .cards()
        .any(|c| matches!(c.iotbos_status(), CardStatus::Other(_)));
    assert!(
        undocumented_status,
        "some card has an undocumented TerminalState"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_remaining_expiry_status_plan_match_the_fleet() {
    let (sim, client) = start().await;
    let fleet = sim.fleet();
    let at: Instant = sim.now();
    assert_eq!(at, frozen_at());
    let asked = asked(fleet);
    let order = distinct(&asked);
    assert!(order.len() < asked.len(), "the input has repeats");

    check(&client.usage(asked.clone()).await, &order, |n| {
        expect::usage(fleet, n, &at)
    });
    check(&client.remaining(asked.clone()).await, &order, |n| {
        expect::remaining(fleet, n, &at)
    });
    check(&client.expiry(asked.clone()).await, &order, |n| {
        expect::expiry(fleet, n)
    });
    check(&client.status(asked.clone()).await, &order, |n| {
        expect::status(fleet, n)
    });
    check(&client.plan(asked.clone()).await, &order, |n| {
        expect::plan(fleet, n)
    });

    // Each distinct number asked once per call, in full batches; one login.
    let stats = sim.stats();
    let per_call = batches(order.len());
    assert_eq!(stats.requests.iotbos_usage, per_call);
    assert_eq!(stats.requests.iotbos_remaining, per_call);
    assert_eq!(stats.requests.iotbos_expiry, per_call);
    assert_eq!(stats.requests.iotbos_state, per_call);
    assert_eq!(stats.requests.iotbos_plan, per_call);
    assert_eq!(stats.cards_answered, 5 * order.len() as u64);
    assert_eq!((stats.logins, client.logins()), (1, 1));
    assert_eq!(stats.refusals.total(), 0, "{:?}", stats.refusals);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_merge_the_five_calls_per_card() {
    let (sim, client) = start().await;
    let fleet = sim.fleet();
    let at = sim.now();
    let asked = asked(fleet);
    let order = distinct(&asked);

    let reports = client.snapshots(asked.clone()).await;
    check(&reports, &order, |n| expect::iotbos_snapshot(fleet, n, &at));
    let stats = sim.stats();
    assert_eq!(stats.requests.iotbos_usage, batches(order.len()));
    assert_eq!(stats.requests.iotbos_plan, batches(order.len()));
    assert_eq!(stats.logins, 1);

    // The stream gives the same reports, in input order (repeats are
    // dropped within a batch only; the input here has none).
    let streamed: Vec<_> = client.snapshot_stream(order.clone()).collect().await;
    check(&streamed, &order, |n| {
        expect::iotbos_snapshot(fleet, n, &at)
    });
}

/// Every `*_stream` form gives what its collecting form gives, in input
/// order, each card planned once: one request per batch per call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_stream_matches_the_fleet() {
    let (sim, client) = start().await;
    let fleet = sim.fleet();
    let at = sim.now();
    let order = distinct(&asked(fleet));

    let usage: Vec<_> = client.usage_stream(order.clone()).collect().await;
    check(&usage, &order, |n| expect::usage(fleet, n, &at));
    let remaining: Vec<_> = client.remaining_stream(order.clone()).collect().await;
    check(&remaining, &order, |n| expect::remaining(fleet, n, &at));
    let expiry: Vec<_> = client.expiry_stream(order.clone()).collect().await;
    check(&expiry, &order, |n| expect::expiry(fleet, n));
    let status: Vec<_> = client.status_stream(order.clone()).collect().await;
    check(&status, &order, |n| expect::status(fleet, n));
    let plan: Vec<_> = client.plan_stream(order.clone()).collect().await;
    check(&plan, &order, |n| expect::plan(fleet, n));

    let stats = sim.stats();
    let per_call = batches(order.len());
    for sent in [
        stats.requests.iotbos_usage,
        stats.requests.iotbos_remaining,
        stats.requests.iotbos_expiry,
        stats.requests.iotbos_state,
        stats.requests.iotbos_plan,
    ] {
        assert_eq!(sent, per_call);
    }
    assert_eq!(stats.logins, 1);
}

/// A fleet of 20,000 cards streamed lazily: each card exactly once, in
/// input order, while the simulator's jittered latency finishes batches out
/// of order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_stream_of_twenty_thousand_cards_keeps_input_order() {
    const MANY: u64 = 20_000;
    let sim = fixtures::simulator()
        .cards(MANY)
        .latency(Duration::from_millis(1), Duration::from_millis(6))
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::iotbos(&sim)
        .batch_size(100)
        .concurrency(8)
        .build()
        .expect("client builds");
    let fleet = sim.fleet();
    let at = sim.now();
    // Not the fleet's own order: reversed, so input order is not index order.
    let mut numbers: Vec<CardNumber> = fleet.numbers().collect();
    numbers.reverse();

    let mut stream = client.usage_stream(numbers.clone());
    let mut seen = 0usize;
    while let Some(report) = stream.next().await {
        let number = numbers.get(seen).expect("no more reports than cards");
        assert_eq!(&report.card, number, "report {seen} out of order");
        assert_eq!(
            Answer::of(&report.result),
            expect::usage(fleet, number, &at),
            "card {number}"
        );
        seen += 1;
    }
    assert_eq!(seen, numbers.len(), "every card exactly once");
    let stats = sim.stats();
    assert_eq!(stats.requests.iotbos_usage, MANY.div_ceil(100));
    assert_eq!(stats.cards_answered, MANY);
    assert_eq!(stats.logins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_to_ask_sends_nothing() {
    let (sim, client) = start().await;
    assert!(client.usage(Vec::new()).await.is_empty());
    assert!(client.snapshots(Vec::new()).await.is_empty());
    assert_eq!(client.usage_stream(Vec::new()).count().await, 0);
    assert_eq!(client.snapshot_stream(Vec::new()).count().await, 0);
    assert_eq!(sim.stats().requests.total(), 0, "not even a login");
}

/// What a job generic over the platform sees of IoTBOS.
fn neutral_capabilities<P: CardPlatform>(platform: &P) {
    let caps = platform.capabilities();
    assert_eq!(caps, IOTBOS_CAPABILITIES);
    assert_eq!(caps.provider, Provider::Iotbos);
    assert_eq!(caps.looks_up_by, CardKey::CardNumber);
    assert!(caps.sms && !caps.list_cards && !caps.identity);
    assert!(
        platform.listed_snapshots().is_none(),
        "IoTBOS cannot list its cards"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_through_the_neutral_trait() {
    let (sim, client) = start().await;
    let fleet = sim.fleet();
    let at = sim.now();
    neutral_capabilities(&client);

    let mut numbers: Vec<CardNumber> = fleet.numbers().take(120).collect();
    numbers.reverse();
    numbers.extend(fixtures::numbers_outside(fleet, 2));
    // A repeat, in another batch than the first time: the stream asks it
    // again (it drops repeats within a batch only), so it is reported twice.
    numbers.push(numbers[3].clone());
    let asked: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();

    let reports = platform::snapshots(&client, &asked)
        .await
        .expect("valid numbers");
    let got: Vec<&CardNumber> = reports.iter().map(|r| &r.card).collect();
    assert_eq!(got, numbers.iter().collect::<Vec<_>>());
    for (report, number) in reports.iter().zip(&numbers) {
        let want: Answer<CardSnapshot> = expect::iotbos_snapshot(fleet, number, &at);
        assert_eq!(Answer::of(&report.result), want, "card {number}");
        if let Ok(snapshot) = &report.result {
            // What IoTBOS cannot answer is always absent.
            assert_eq!(
                (
                    &snapshot.iccid,
                    &snapshot.msisdn,
                    &snapshot.operator,
                    &snapshot.network
                ),
                (&None, &None, &None, &None)
            );
        }
    }
    let outsider = reports.iter().rev().nth(1).expect("an outsider");
    assert_eq!(
        outsider.result.as_ref().map(|_| ()).unwrap_err().kind(),
        ProblemKind::NotFound
    );

    // Each query of the trait agrees with the client's own.
    let few: Vec<CardNumber> = numbers[..10].to_vec();
    let status: Vec<_> = CardPlatform::status_stream(&client, few.clone())
        .collect()
        .await;
    for (report, number) in status.iter().zip(&few) {
        assert_eq!(&report.card, number);
        let want = match expect::status(fleet, number) {
            Answer::Value(status) => Some(status),
            _ => None,
        };
        assert_eq!(
            report.value().and_then(|s| s.status.clone()),
            want,
            "card {number}"
        );
        assert!(report.value().is_none_or(|s| s.network.is_none()));
    }
    let usage: Vec<_> = CardPlatform::usage_stream(&client, few.clone())
        .collect()
        .await;
    check(&usage, &few, |n| expect::usage(fleet, n, &at));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_over_the_servers_limit_is_halved_and_every_card_answered() {
    let sim = fixtures::simulator()
        .cards(40)
        .iotbos_max_batch(10)
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::iotbos(&sim)
        .batch_size(20)
        .build()
        .expect("client builds");
    let fleet = sim.fleet();
    let numbers: Vec<CardNumber> = fleet.numbers().collect();
    let reports = client.plan(numbers.clone()).await;
    assert_eq!(reports.len(), numbers.len());
    for (report, number) in reports.iter().zip(&numbers) {
        assert_eq!(&report.card, number);
        assert_eq!(
            Answer::of(&report.result),
            expect::plan(fleet, number),
            "card {number}"
        );
    }
    assert_eq!(client.discovered_batch_limit().map(|l| l.get()), Some(10));
    let stats = sim.stats();
    assert_eq!(stats.cards_answered, 40, "each card answered once");
    // Each of the two batches of 20 is refused (a second time with a fresh
    // token, unless the other batch's refusal already showed it is not the
    // token), then asked in two halves of 10.
    let plans = stats.requests.iotbos_plan;
    assert!(
        (2 + 4..=2 * 2 + 4).contains(&plans),
        "{plans} plan requests"
    );
    assert_eq!(stats.refusals.too_many_numbers, plans - 4);
    assert!((2..=3).contains(&stats.logins), "{} logins", stats.logins);
}
