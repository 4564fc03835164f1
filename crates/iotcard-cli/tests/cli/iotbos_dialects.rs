//! Every IoTBOS command, through each of the simulator's IoTBOS dialects
//! and through all of them at once, reads to exactly what it reads from the
//! documented form: every card once, in order, with the same values, the
//! same exit status and no field left unread. (The documented form's
//! values are checked against the fleet in `queries.rs`.)

use iotcard_sim::{Dialect, Variant};
use serde_json::Value;

use crate::support::{json_lines, text, Sim};

/// Several batches of 10, one of them short; `batch-limit`'s 7 splits them.
const CARDS: u64 = 47;

const COMMANDS: [&str; 6] = ["usage", "remaining", "expiry", "status", "plan", "card"];

fn dialects() -> Vec<Dialect> {
    let mut out: Vec<Dialect> = [
        Variant::NumbersAsStrings,
        Variant::CamelCaseKeys,
        Variant::Bom,
        Variant::DashedDates,
        Variant::TextHtml,
        Variant::Gbk,
        Variant::LetteredIccids,
        Variant::RepeatedEntries,
        Variant::BatchLimit,
    ]
    .into_iter()
    .map(Dialect::only)
    .collect();
    out.push(Dialect::CANONICAL.with_batch_limit(1));
    out.push(Dialect::all());
    out
}

/// The command's records and exit status, for the numbers the dialect
/// knows its cards by.
fn run(sim: &Sim, args: &[String]) -> (Option<i32>, Vec<Value>) {
    let mut all: Vec<&str> = vec!["--batch-size", "10", "--output", "jsonl"];
    all.extend(args.iter().map(String::as_str));
    let out = sim.iotbos(&all).output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "{args:?} in {}: {}",
        sim.sim().dialect(),
        text(&out.stderr)
    );
    (out.status.code(), json_lines(&out.stdout))
}

/// The records without the card's name (a dialect may know a card by its
/// ICCID rather than its MSISDN), and the names apart.
fn split(records: Vec<Value>) -> (Vec<String>, Vec<Value>) {
    records
        .into_iter()
        .map(|mut r| {
            let card = r["card"]
                .as_str()
                .expect("each record names its card")
                .to_owned();
            r.as_object_mut().unwrap().remove("card");
            (card, r)
        })
        .unzip()
}

fn numbers(sim: &Sim, dialect: Dialect) -> Vec<String> {
    sim.sim().fleet().iotbos_numbers(dialect).collect()
}

/// One command's run: its name, exit status, the cards named, the records.
type Run = (String, Option<i32>, Vec<String>, Vec<Value>);

fn runs(sim: &Sim, dialect: Dialect) -> Vec<Run> {
    sim.sim().set_dialect(dialect).unwrap();
    let numbers = numbers(sim, dialect);
    let list = sim.home.path().join(format!("numbers-{dialect}.txt"));
    std::fs::write(&list, numbers.join("\n")).unwrap();
    let mut out = Vec::new();
    for command in COMMANDS {
        let mut args = vec![command.to_owned()];
        args.extend(numbers.iter().cloned());
        let (code, records) = run(sim, &args);
        let (cards, values) = split(records);
        out.push((command.to_owned(), code, cards, values));
    }
    let args = ["export", "--from", list.to_str().unwrap()].map(str::to_owned);
    let (code, records) = run(sim, &args);
    let (cards, values) = split(records);
    out.push(("export".to_owned(), code, cards, values));
    out
}

#[test]
fn every_iotbos_command_reads_every_dialect_as_the_documented_form() {
    let sim = Sim::start(CARDS);
    let documented = runs(&sim, Dialect::CANONICAL);
    for (command, _, cards, values) in &documented {
        assert_eq!(cards.len() as u64, CARDS, "{command}");
        assert!(
            values.iter().all(|v| v.get("problems").is_none()),
            "{command}"
        );
    }
    for dialect in dialects() {
        let asked = numbers(&sim, dialect);
        if dialect.has(Variant::LetteredIccids) {
            assert!(
                asked.iter().any(|n| n.len() >= 19),
                "{dialect}: some cards known by ICCID"
            );
        }
        for ((command, code, cards, values), (_, want_code, _, want)) in
            runs(&sim, dialect).into_iter().zip(&documented)
        {
            let named: Vec<String> = asked
                .iter()
                .map(|n| n.trim().to_ascii_uppercase())
                .collect();
            assert_eq!(
                cards, named,
                "{command} in {dialect}: every card once, in order"
            );
            assert_eq!(&code, want_code, "{command} in {dialect}: exit status");
            assert_eq!(values.len(), want.len(), "{command} in {dialect}");
            for (i, (got, want)) in values.iter().zip(want).enumerate() {
                assert_eq!(got, want, "{command} in {dialect}: card {}", cards[i]);
            }
        }
    }
}
