//! `compare`: a soak export against a clean export of the same cards.
//!
//! `iotcard sim` runs with a real fleet clock unless `--freeze-clock` is given (the
//! soak freezes it, and then demands no movement at all); with a real clock usage grows
//! between the two runs, and even within one record: the usage and the
//! remaining call of a batch are answered at different instants (seconds
//! apart when one of them is retried), so "used + left" is not a constant
//! either. Every field that does not move with time (status, expiry, plan,
//! error kinds, which amounts are present and their units) must be equal;
//! for usage and remaining the candidate must show the same card later:
//! "used" not gone back, "left" not gone up.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;

use iotcard_facade::Decimal;
use serde_json::{json, Map, Value};

use crate::args::CompareArgs;
use crate::error::BenchError;
use crate::numbers;

/// Fields whose values follow the fleet clock.
const MOVING: [&str; 2] = ["usage", "remaining"];
/// Examples of differences kept for the report.
const EXAMPLES: usize = 5;

pub fn run(args: &CompareArgs) -> Result<String, BenchError> {
    let expected = numbers::read_text(&args.numbers)?;
    let reference = read_records(&args.reference)?;
    let candidate = read_records(&args.candidate)?;
    Ok(compare(&expected, &reference, &candidate).to_string())
}

/// One record of an export: its card and all its fields.
type Record = (String, Map<String, Value>);

/// One export's records, in file order.
fn read_records(path: &Path) -> Result<Vec<Record>, BenchError> {
    let text = std::fs::read_to_string(path).map_err(|source| BenchError::Read {
        path: path.to_owned(),
        source,
    })?;
    let bad = |line: usize, reason: String| BenchError::BadRecord {
        path: path.to_owned(),
        line,
        reason,
    };
    let mut records = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let record: Map<String, Value> =
            serde_json::from_str(line).map_err(|e| bad(i + 1, e.to_string()))?;
        let card = record
            .get("card")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(i + 1, "no \"card\" string".into()))?
            .to_owned();
        records.push((card, record));
    }
    Ok(records)
}

fn error_kind(record: &Map<String, Value>) -> Option<&str> {
    record
        .get("error")
        .map(|e| e.get("kind").and_then(Value::as_str).unwrap_or("unnamed"))
}

fn compare(expected: &[String], reference: &[Record], candidate: &[Record]) -> Value {
    let wanted: HashSet<&str> = expected.iter().map(String::as_str).collect();
    let truth: HashMap<&str, &Map<String, Value>> =
        reference.iter().map(|(c, r)| (c.as_str(), r)).collect();
    let mut seen = HashSet::new();
    let (mut duplicates, mut extra, mut differing, mut moved) = (0u64, 0u64, 0u64, 0u64);
    let mut failed = 0u64;
    let mut kinds: HashMap<String, u64> = HashMap::new();
    let mut examples = Vec::new();
    for (card, record) in candidate {
        if !seen.insert(card.as_str()) {
            duplicates += 1;
            continue;
        }
        if !wanted.contains(card.as_str()) {
            extra += 1;
            continue;
        }
        if let Some(kind) = error_kind(record) {
            *kinds.entry(kind.to_owned()).or_default() += 1;
            failed += u64::from(kind == "failed");
        }
        match truth.get(card.as_str()) {
            None => {
                differing += 1;
                note(&mut examples, card, "not in the reference export".into());
            }
            Some(truth) => match same_card(truth, record) {
                Ok(time_moved) => moved += u64::from(time_moved),
                Err(why) => {
                    differing += 1;
                    note(&mut examples, card, why);
                }
            },
        }
    }
    let missing = expected
        .iter()
        .filter(|c| !seen.contains(c.as_str()))
        .count();
    let in_order = candidate
        .iter()
        .map(|(c, _)| c.as_str())
        .eq(expected.iter().map(String::as_str));
    let reference_failed = reference
        .iter()
        .filter(|(_, r)| error_kind(r) == Some("failed"))
        .count();
    let ok = candidate.len() == expected.len()
        && duplicates == 0
        && missing == 0
        && extra == 0
        && failed == 0
        && differing == 0
        && reference_failed == 0
        && reference.len() == expected.len();
    json!({
        "ok": ok,
        "expected": expected.len(),
        "reference_records": reference.len(),
        "reference_failed": reference_failed,
        "records": candidate.len(),
        "distinct": seen.len(),
        "duplicates": duplicates,
        "missing": missing,
        "extra": extra,
        "failed": failed,
        "error_kinds": kinds,
        "in_order": in_order,
        "differing": differing,
        "usage_moved": moved,
        "examples": examples,
    })
}

fn note(examples: &mut Vec<Value>, card: &str, why: String) {
    if examples.len() < EXAMPLES {
        examples.push(json!({"card": card, "why": why}));
    }
}

/// Whether `candidate` is `truth` at the same or a later fleet instant;
/// `Ok(true)` when usage moved in between.
fn same_card(truth: &Map<String, Value>, candidate: &Map<String, Value>) -> Result<bool, String> {
    let still = |r: &Map<String, Value>| -> Map<String, Value> {
        r.iter()
            .filter(|(k, _)| !MOVING.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let (a, b) = (still(truth), still(candidate));
    if a != b {
        let fields: Vec<&str> = a
            .keys()
            .chain(b.keys())
            .filter(|k| a.get(*k) != b.get(*k))
            .map(String::as_str)
            .collect();
        return Err(format!("fields differ: {fields:?}"));
    }
    let (u0, r0) = (truth.get("usage"), truth.get("remaining"));
    let (u1, r1) = (candidate.get("usage"), candidate.get("remaining"));
    if u0 == u1 && r0 == r1 {
        return Ok(false);
    }
    for (object0, object1, field, grows) in [
        (u0, u1, "sms_used", true),
        (u0, u1, "data_used", true),
        (r0, r1, "sms_left", false),
        (r0, r1, "data_left", false),
    ] {
        let before = amount(object0, field)?;
        let after = amount(object1, field)?;
        match (before, after) {
            (None, None) => {}
            (Some((b, unit0)), Some((a, unit1))) => {
                if unit0 != unit1 {
                    return Err(format!("{field} unit was {unit0:?}, is {unit1:?}"));
                }
                if (grows && a < b) || (!grows && a > b) {
                    return Err(format!("{field} went from {b} to {a}, against time"));
                }
            }
            (b, a) => return Err(format!("{field} was {b:?}, is {a:?}")),
        }
    }
    Ok(true)
}

/// A usage or remaining object's `field`: its exact amount and, for data,
/// its unit; `None` when the object or the field is absent or null.
fn amount(
    object: Option<&Value>,
    field: &str,
) -> Result<Option<(Decimal, Option<String>)>, String> {
    let Some(v) = object.and_then(|o| o.get(field)).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let (text, unit) = match v {
        Value::Number(n) => (n.to_string(), None),
        Value::Object(data) => (
            data.get("amount")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{field} has no amount: {v}"))?
                .to_owned(),
            data.get("unit").and_then(Value::as_str).map(str::to_owned),
        ),
        other => return Err(format!("{field} is not an amount: {other}")),
    };
    Decimal::from_str(&text)
        .map(|d| Some((d, unit)))
        .map_err(|e| format!("{field} {text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(
        card: &str,
        sms_used: i64,
        sms_left: i64,
        data: (&str, &str),
        status: &str,
    ) -> (String, Map<String, Value>) {
        let v = json!({
            "card": card, "status": status,
            "usage": {"sms_used": sms_used, "data_used": {"amount": data.0, "unit": "provider_unit"}},
            "remaining": {"sms_left": sms_left, "data_left": {"amount": data.1, "unit": "provider_unit"}},
        });
        (card.to_owned(), v.as_object().unwrap().clone())
    }

    fn failed(card: &str) -> (String, Map<String, Value>) {
        let v = json!({"card": card, "error": {"kind": "failed", "message": "reset"}});
        (card.to_owned(), v.as_object().unwrap().clone())
    }

    fn numbers(cards: &[&str]) -> Vec<String> {
        cards.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn same_cards_later_are_equal() {
        let reference = vec![
            rec("1", 3, 7, ("1.5", "8.5"), "active"),
            rec("2", 0, 10, ("0", "0"), "silent"),
        ];
        let candidate = vec![
            rec("1", 4, 6, ("2.25", "7.75"), "active"),
            rec("2", 0, 10, ("0", "0"), "silent"),
        ];
        let out = compare(&numbers(&["1", "2"]), &reference, &candidate);
        assert_eq!(out["ok"], true, "{out}");
        assert_eq!(out["usage_moved"], 1);
        assert_eq!(out["in_order"], true);
    }

    #[test]
    fn every_kind_of_loss_is_counted() {
        let reference = vec![
            rec("1", 3, 7, ("1.5", "8.5"), "active"),
            rec("2", 0, 10, ("0", "0"), "silent"),
            rec("3", 0, 10, ("0", "0"), "silent"),
            rec("4", 5, 5, ("1", "1"), "active"),
        ];
        let candidate = vec![
            rec("2", 0, 10, ("0", "0"), "active"), // status changed
            rec("2", 0, 10, ("0", "0"), "silent"), // repeated
            failed("3"),
            rec("4", 4, 6, ("1", "1"), "active"), // usage went back
            rec("9", 0, 0, ("0", "0"), "active"), // not asked
        ];
        let out = compare(&numbers(&["1", "2", "3", "4"]), &reference, &candidate);
        assert_eq!(out["ok"], false);
        assert_eq!(out["missing"], 1);
        assert_eq!(out["duplicates"], 1);
        assert_eq!(out["extra"], 1);
        assert_eq!(out["failed"], 1);
        assert_eq!(out["differing"], 3, "{out}");
        assert_eq!(out["in_order"], false);
    }

    #[test]
    fn remaining_going_up_or_a_vanished_amount_is_a_difference() {
        let reference = vec![
            rec("1", 3, 7, ("1.5", "8.5"), "active"),
            rec("2", 3, 7, ("1.5", "8.5"), "active"),
        ];
        let mut gone = rec("2", 3, 7, ("1.5", "8.5"), "active");
        gone.1["usage"]["data_used"] = Value::Null;
        let candidate = vec![rec("1", 3, 8, ("1.5", "8.5"), "active"), gone];
        let out = compare(&numbers(&["1", "2"]), &reference, &candidate);
        assert_eq!(out["differing"], 2, "{out}");
    }
}
