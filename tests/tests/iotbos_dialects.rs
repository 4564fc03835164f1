//! Every IoTBOS query through each IoTBOS dialect of the simulator, and
//! through all of them at once: every card exactly once, with the fleet's
//! true values, and no field left unread (`batch-limit` included: the
//! client finds the server's limit by splitting batches).

use std::fmt::Debug;

use iotcard_facade::{CardNumber, CardReport, IotbosClient};
use iotcard_sim::{Dialect, Fleet, RunningSimulator, Variant};
use iotcard_tests::expect::{self, Answer};
use iotcard_tests::fixtures;

const CARDS: u64 = 300;

/// The dialects that change how IoTBOS answers read.
fn dialects() -> Vec<(String, Dialect)> {
    let mut all: Vec<(String, Dialect)> = [
        Variant::NumbersAsStrings,
        Variant::Bom,
        Variant::DashedDates,
        Variant::TextHtml,
        Variant::Gbk,
        Variant::LetteredIccids,
        Variant::RepeatedEntries,
        Variant::CamelCaseKeys,
        Variant::BatchLimit,
    ]
    .into_iter()
    .map(|v| (v.name().to_owned(), Dialect::only(v)))
    .collect();
    all.push(("all".to_owned(), Dialect::all()));
    all
}

async fn start(dialect: Dialect) -> (RunningSimulator, IotbosClient) {
    let sim = fixtures::simulator()
        .cards(CARDS)
        .dialect(dialect)
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::iotbos(&sim)
        .batch_size(50)
        .build()
        .expect("client builds");
    (sim, client)
}

/// The card's number as the canonical fleet knows it (its MSISDN), for the
/// truth: the dialect may know it by a lettered ICCID.
fn canonical(fleet: &Fleet, dialect: Dialect, number: &CardNumber) -> CardNumber {
    let index = fleet
        .index_of_iotbos_number(number.as_str(), dialect)
        .unwrap_or_else(|| panic!("{number} is a fleet card"));
    fleet
        .iotbos_number(index, Dialect::canonical())
        .expect("a card")
        .parse()
        .expect("a card number")
}

fn check<T: Clone + PartialEq + Debug>(
    name: &str,
    what: &str,
    reports: &[CardReport<CardNumber, T>],
    asked: &[CardNumber],
    truth: impl Fn(&CardNumber) -> Answer<T>,
) {
    let got: Vec<&CardNumber> = reports.iter().map(|r| &r.card).collect();
    let want: Vec<&CardNumber> = asked.iter().collect();
    assert_eq!(
        got, want,
        "{name} {what}: every card exactly once, in order"
    );
    for report in reports {
        assert_eq!(
            Answer::of(&report.result),
            truth(&report.card),
            "{name} {what}: card {}",
            report.card
        );
        assert!(
            report.problems.is_empty(),
            "{name} {what}: card {}: {:?}",
            report.card,
            report.problems
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_reads_every_dialect_to_the_fleets_values() {
    for (name, dialect) in dialects() {
        let (sim, client) = start(dialect).await;
        let fleet = sim.fleet();
        let at = sim.now();
        let asked: Vec<CardNumber> = fleet
            .iotbos_numbers(dialect)
            .map(|n| n.parse().expect("the dialect's numbers are card numbers"))
            .collect();
        assert_eq!(asked.len() as u64, CARDS);
        if dialect.has(Variant::LetteredIccids) {
            assert!(
                asked.iter().any(|n| n.as_str().len() >= 19),
                "{name}: some cards are known by an ICCID"
            );
        }
        let truth = |n: &CardNumber| canonical(fleet, dialect, n);
        check(
            &name,
            "usage",
            &client.usage(asked.clone()).await,
            &asked,
            |n| expect::usage(fleet, &truth(n), &at),
        );
        check(
            &name,
            "remaining",
            &client.remaining(asked.clone()).await,
            &asked,
            |n| expect::remaining(fleet, &truth(n), &at),
        );
        check(
            &name,
            "expiry",
            &client.expiry(asked.clone()).await,
            &asked,
            |n| expect::expiry(fleet, &truth(n)),
        );
        check(
            &name,
            "status",
            &client.status(asked.clone()).await,
            &asked,
            |n| expect::status(fleet, &truth(n)),
        );
        check(
            &name,
            "plan",
            &client.plan(asked.clone()).await,
            &asked,
            |n| expect::plan(fleet, &truth(n)),
        );
        check(
            &name,
            "snapshots",
            &client.snapshots(asked.clone()).await,
            &asked,
            |n| {
                let mut want = expect::iotbos_snapshot(fleet, &truth(n), &at);
                // The snapshot names the card as asked.
                if let Answer::Value(snapshot) = &mut want {
                    snapshot.card = n.to_string();
                }
                want
            },
        );
        sim.shutdown().await;
    }
}
