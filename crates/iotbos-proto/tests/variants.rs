//! The corpus of real-world variants (`tests/vectors/variants/`, one file
//! per class; the format is in `tests/vectors/README.md`): each reads to
//! exactly the values its file says, or to the error it says.

use std::num::NonZeroUsize;
use std::path::Path;

use http::{Response, StatusCode};
use iotbos_proto::{
    parse_expiry, parse_plan, parse_remaining, parse_state, parse_usage, BatchPlan, CardAnswers,
    CardNumber, IotbosError, Stray,
};
use serde::Serialize;
use serde_json::{json, Value};

/// One variant file.
struct Variant {
    name: String,
    doc: Value,
}

fn variants() -> Vec<Variant> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/variants");
    let mut all: Vec<Variant> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            Variant {
                name: path.file_name().unwrap().to_string_lossy().into_owned(),
                doc: serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            }
        })
        .collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

/// The variant's answer: its body (text, or bytes in hex), `Content-Type`
/// and status.
fn answer(v: &Variant) -> Response<Vec<u8>> {
    let body = match (v.doc.get("body"), v.doc.get("body_hex")) {
        (Some(text), None) => text.as_str().unwrap().as_bytes().to_vec(),
        (None, Some(hex)) => {
            let hex = hex.as_str().unwrap();
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect()
        }
        _ => panic!("{}: one of body or body_hex", v.name),
    };
    let status = v.doc.get("status").map_or(200, |s| s.as_u64().unwrap());
    let mut answer = Response::builder().status(StatusCode::from_u16(status as u16).unwrap());
    if let Some(content_type) = v.doc.get("content_type") {
        answer = answer.header("Content-Type", content_type.as_str().unwrap());
    }
    answer.body(body).unwrap()
}

/// What the variant read to, in the form its file states it.
enum Read {
    Entries(Vec<Value>),
    Assembled(Vec<Value>, Vec<String>),
    Error(IotbosError),
}

fn read(v: &Variant) -> Read {
    let answer = answer(v);
    match v.doc["call"].as_str().unwrap() {
        "usage" => shown(v, parse_usage(&answer)),
        "remaining" => shown(v, parse_remaining(&answer)),
        "expiry" => shown(v, parse_expiry(&answer)),
        "state" => shown(v, parse_state(&answer)),
        "plan" => shown(v, parse_plan(&answer)),
        other => panic!("{}: no call {other}", v.name),
    }
}

fn shown<T: Serialize + Clone>(v: &Variant, read: Result<CardAnswers<T>, IotbosError>) -> Read {
    let answers = match read {
        Ok(answers) => answers,
        Err(e) => return Read::Error(e),
    };
    let Some(asked) = v.doc.get("asked") else {
        assert!(
            answers.unattributed.is_empty(),
            "{}: {:?}",
            v.name,
            answers.unattributed
        );
        let entries = answers
            .cards
            .iter()
            .map(|(card, result)| {
                let answer = result.as_ref().expect("a readable entry");
                let mut entry = json!({
                    "card": card.as_str(),
                    "outcome": answer.outcome,
                    "payload": answer.payload,
                });
                if !answer.problems.is_empty() {
                    entry["problems"] = serde_json::to_value(&answer.problems).unwrap();
                }
                entry
            })
            .collect();
        return Read::Entries(entries);
    };
    let asked: Vec<CardNumber> = asked
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().parse().unwrap())
        .collect();
    let batch = BatchPlan::new(asked.clone(), NonZeroUsize::new(50).unwrap())
        .into_batches()
        .next()
        .unwrap();
    let done = batch.assemble::<T, ()>(Ok(answers));
    let results = asked
        .iter()
        .zip(&done.results)
        .map(|(card, result)| match result {
            Ok(value) => json!({"card": card.as_str(), "value": value}),
            Err(problem) => json!({"card": card.as_str(), "problem": problem.kind().as_str()}),
        })
        .collect();
    let strays = done
        .strays
        .iter()
        .map(|stray| match stray {
            Stray::NotAsked { .. } => "not_asked".to_owned(),
            Stray::Repeated { .. } => "repeated".to_owned(),
            other => format!("{other}"),
        })
        .collect();
    Read::Assembled(results, strays)
}

#[test]
fn every_variant_reads_to_its_stated_values() {
    let all = variants();
    assert!(all.len() >= 14, "{} variants", all.len());
    for v in &all {
        let doc = &v.doc;
        match read(v) {
            Read::Entries(got) => {
                let want = doc.get("expect").unwrap_or_else(|| panic!("{}", v.name));
                assert_eq!(&Value::Array(got), want, "{}", v.name);
            }
            Read::Assembled(got, strays) => {
                assert_eq!(&Value::Array(got), &doc["expect_assembled"], "{}", v.name);
                assert_eq!(json!(strays), doc["expect_strays"], "{}", v.name);
            }
            Read::Error(e) => {
                let want = doc
                    .get("expect_error")
                    .unwrap_or_else(|| panic!("{}: {e}", v.name));
                let variant = format!("{e:?}");
                let name = want["variant"].as_str().unwrap();
                assert!(variant.starts_with(name), "{}: {variant}", v.name);
                assert_eq!(
                    e.is_transient(),
                    want["transient"].as_bool().unwrap(),
                    "{}",
                    v.name
                );
                let shown = e.to_string();
                assert!(
                    shown.contains(want["shows"].as_str().unwrap()),
                    "{}: {shown}",
                    v.name
                );
                if let Some(hidden) = want.get("hides") {
                    assert!(
                        !shown.contains(hidden.as_str().unwrap()),
                        "{}: {shown}",
                        v.name
                    );
                }
            }
        }
    }
}
