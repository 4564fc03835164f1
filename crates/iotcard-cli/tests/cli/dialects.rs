//! Every Tencent command, through each of the simulator's dialects and
//! through all of them at once: every card exactly once, with the fleet's
//! true values (but for what a dialect withholds: `expiry-zero`'s hidden
//! expiries and pooled totals, read as unknown).

use std::collections::BTreeSet;

use iotcard_model::{CardSnapshot, DataAmount, Iccid, Msisdn, Plan, Remaining, SmsCount, Usage};
use iotcard_sim::{Dialect, SimCard, Variant};
use serde_json::Value;

use crate::support::{frozen, json, json_lines, text, Sim};

/// More than three runs of 13 (so `repeated-entries` repeats cards in and
/// across pages) and more than two pages of 20.
const CARDS: u64 = 47;

/// The dialects a Tencent answer can be in, and all at once.
fn dialects() -> Vec<Dialect> {
    let mut out: Vec<Dialect> = [
        Variant::NumbersAsStrings,
        Variant::CamelCaseKeys,
        Variant::Bom,
        Variant::TextHtml,
        Variant::Gbk,
        Variant::LetteredIccids,
        Variant::RepeatedEntries,
        Variant::ExpiryZero,
    ]
    .into_iter()
    .map(Dialect::only)
    .collect();
    out.push(Dialect::CANONICAL.with_short_pages(3));
    out.push("short-pages=19".parse().unwrap());
    out.push(Dialect::all());
    out
}

/// What Tencent's answers say about `card` in `dialect`, as the CLI writes
/// it: from `getcardinfo` (`details`), or from the list entry.
fn truth(card: &SimCard, dialect: Dialect, details: bool) -> CardSnapshot {
    let used = card.data_used_in_period(&frozen());
    let total = (!dialect.hides_data_total(card)).then(|| card.data_total_in_period());
    let pool = card.pool_id();
    CardSnapshot {
        card: card.iccid().to_string(),
        iccid: Some(Iccid::parse(card.iccid().as_str()).unwrap()),
        msisdn: Some(Msisdn::parse(card.msisdn().as_str()).unwrap()),
        operator: Some(card.operator()),
        kind: Some(card.kind()),
        status: Some(card.tencent_status()),
        network: Some(card.network()),
        usage: Some(Usage {
            sms_used: None::<SmsCount>,
            data_used: Some(used),
        }),
        remaining: Some(Remaining {
            sms_left: None,
            data_left: total.map(|t| DataAmount::mb(t.amount - used.amount)),
        }),
        plan: Some(Plan {
            included_data: total,
            product_id: details.then(|| card.product_id().to_owned()),
            pool_id: (details && !pool.is_empty()).then_some(pool),
            ..Plan::default()
        }),
        expires_at: (details && !dialect.hides_product_expiry(card))
            .then(|| card.product_expired_at()),
    }
}

fn run(sim: &Sim, args: &[&str]) -> Vec<Value> {
    let out = sim
        .tencent(args)
        .args(["--output", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?} in {}: {}",
        sim.sim().dialect(),
        text(&out.stderr)
    );
    json_lines(&out.stdout)
}

/// Each record names a card of the fleet once, and says what it is.
fn each_card_once(sim: &Sim, records: &[Value], details: bool, what: &str) {
    let d = sim.sim().dialect();
    let mut seen = BTreeSet::new();
    for record in records {
        let iccid = record["card"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: {record}"));
        assert!(
            seen.insert(iccid.to_owned()),
            "{what} in {d}: {iccid} twice"
        );
        let index = sim.sim().fleet().index_of_iccid(iccid).unwrap();
        let expected = json(&truth(&sim.card(index), d, details));
        assert_eq!(record, &expected, "{what} in {d}: {iccid}");
    }
    assert_eq!(seen.len() as u64, CARDS, "{what} in {d}: every card");
}

#[test]
fn every_tencent_command_reads_every_dialect_to_the_fleets_values() {
    let sim = Sim::start(CARDS);
    let fleet = sim.sim().fleet();
    let iccids: Vec<String> = fleet.cards().map(|c| c.iccid().to_string()).collect();
    let list = sim.home.path().join("iccids.txt");
    std::fs::write(&list, iccids.join("\n")).unwrap();
    for d in dialects() {
        sim.sim().set_dialect(d).unwrap();

        let account = run(&sim, &["account"]);
        assert_eq!(account.len(), 1, "{d}");
        assert_eq!(account[0]["cards"]["total"], CARDS, "{d}: {}", account[0]);

        each_card_once(&sim, &run(&sim, &["cards"]), false, "cards");
        let mut card = vec!["card"];
        card.extend(iccids.iter().map(String::as_str));
        each_card_once(&sim, &run(&sim, &card), true, "card");
        each_card_once(&sim, &run(&sim, &["export"]), true, "export");
        each_card_once(
            &sim,
            &run(&sim, &["export", "--from", list.to_str().unwrap()]),
            true,
            "export --from",
        );

        // The per-question commands: each card once, its value exact.
        for (command, field) in [
            ("usage", "data_used"),
            ("remaining", "data_left"),
            ("expiry", "expires_at"),
            ("status", "status"),
            ("plan", "included_data"),
        ] {
            let mut args = vec![command];
            args.extend(iccids.iter().map(String::as_str));
            let records = run(&sim, &args);
            assert_eq!(records.len() as u64, CARDS, "{command} in {d}");
            for (record, card) in records.iter().zip(fleet.cards()) {
                assert_eq!(record["card"], card.iccid().as_str(), "{command} in {d}");
                let t = json(&truth(&card, d, true));
                let want = match field {
                    "data_used" => &t["usage"][field],
                    "data_left" => &t["remaining"][field],
                    "included_data" => &t["plan"][field],
                    _ => &t[field],
                };
                assert_eq!(&record[field], want, "{command} in {d}: {}", card.iccid());
            }
        }
    }
}
