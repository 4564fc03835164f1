//! The corpus of real-world variants (`tests/vectors/variants/`, see its
//! README): every body is read to exactly the values its `.expect.json`
//! says, and every class the specs' README names has its file.

mod support;

use std::path::PathBuf;

use http::Response;
use serde_json::{json, Value};
use tencent_proto::{
    parse_app_info, parse_card_info, parse_card_info_for, parse_card_list, CardBrief, CardInfo,
    CardListPager, Iccid, Limit, OperatorFilter, TencentError,
};

/// Every class of the specs' README "What real servers may do" that a
/// Tencent answer can show, by file name.
const CLASSES: [&str; 22] = [
    "numbers-as-strings",
    "integral-floats",
    "upper-case-keys",
    "bom",
    "text-html",
    "text-plain",
    "gbk",
    "gb18030",
    "null-data-total",
    "expiry-zero",
    "expiry-null",
    "expiry-empty",
    "expiry-milliseconds",
    "expiry-string",
    "unknown-enums",
    "unreadable-field",
    "unreadable-expiry",
    "repeated-entries",
    "other-card",
    "empty-body",
    "html-gateway",
    "missing-list",
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/variants")
}

/// A card as the expectations write it: wire codes and names as the model
/// shows them, amounts with their digits, the names of unreadable fields.
fn card(c: &CardBrief) -> Value {
    let shown = |v: Option<&dyn std::fmt::Display>| v.map(|v| v.to_string());
    json!({
        "iccid": c.iccid.as_str(),
        "msisdn": c.msisdn.as_ref().map(|m| m.as_str()),
        "teleoperator": c.operator.map(|t| t.code()),
        "type": shown(c.kind.as_ref().map(|v| v as _)),
        "card_status": shown(c.status.as_ref().map(|v| v as _)),
        "network_status": shown(c.network.as_ref().map(|v| v as _)),
        "data_used_in_period": c.data_used_in_period.map(|a| a.amount.to_string()),
        "data_total_in_period": c.data_total_in_period.map(|a| a.amount.to_string()),
        "problems": c.problems.iter().map(|p| p.field.clone()).collect::<Vec<_>>(),
    })
}

fn info(i: &CardInfo) -> Value {
    json!({
        "card": card(&i.card),
        "product_id": i.product_id,
        "pool_id": i.pool_id,
        "product_expires_at": i.product_expires_at.map(|t| t.to_rfc3339()),
    })
}

/// What `body` reads to, as the expectations write it; a page through a
/// fresh pager's `accept`, which drops a card listed twice.
fn read(expect: &Value, body: &[u8]) -> Result<Value, TencentError> {
    let mut answer = Response::builder().status(expect["status"].as_u64().unwrap_or(200) as u16);
    if let Some(ct) = expect["content_type"].as_str() {
        answer = answer.header("Content-Type", ct);
    }
    let answer = answer.body(body).unwrap();
    match expect["command"].as_str().unwrap() {
        "getcardlist" => {
            let mut pager = CardListPager::new(OperatorFilter::All, Limit::MAX);
            let page = pager.accept(parse_card_list(&answer)?)?;
            Ok(json!({
                "cards": page.cards.iter().map(card).collect::<Vec<_>>(),
                "rejected": page.rejected.iter().map(|r| r.index).collect::<Vec<_>>(),
            }))
        }
        "getcardinfo" => match expect["asked"].as_str() {
            Some(asked) => {
                parse_card_info_for(&answer, &Iccid::parse(asked).unwrap()).map(|i| info(&i))
            }
            None => parse_card_info(&answer).map(|i| info(&i)),
        },
        "getappinfo" => parse_app_info(&answer).map(|a| {
            let c = a.card_counts;
            json!({
                "name": a.name,
                "description": a.description,
                "card_counts": [c.china_mobile, c.china_telecom, c.china_unicom],
            })
        }),
        other => panic!("no command {other}"),
    }
}

fn check(name: &str, expect: &Value, body: &[u8]) {
    let result = read(expect, body);
    match (&expect["read"], &expect["error"]) {
        (Value::Null, want) => {
            let e = result.expect_err(name);
            let variant = format!("{e:?}");
            let variant = variant.split([' ', '{', '(']).next().unwrap();
            assert_eq!(variant, want["variant"], "{name}: {e:?}");
            assert_eq!(e.is_transient(), want["transient"] == true, "{name}: {e}");
            let shown = e.to_string();
            assert!(
                shown.contains(want["shows"].as_str().unwrap()),
                "{name}: {shown}"
            );
            if let Some(hidden) = want["hides"].as_str() {
                assert!(
                    !format!("{shown} {e:?}").contains(hidden),
                    "{name}: {shown}"
                );
            }
            assert!(
                shown.chars().count() < 320,
                "{name}: a short snippet: {shown}"
            );
        }
        (want, _) => {
            let got = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&got, want, "{name}");
        }
    }
}

fn cases() -> Vec<(String, Value, Vec<u8>)> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let name = path
                .file_name()?
                .to_str()?
                .strip_suffix(".expect.json")?
                .to_owned();
            Some(name)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let at = |ext: &str| dir().join(format!("{name}.{ext}"));
            let expect: Value =
                serde_json::from_slice(&std::fs::read(at("expect.json")).unwrap()).unwrap();
            let body = std::fs::read(at("body")).unwrap_or_else(|e| panic!("{name}.body: {e}"));
            (name, expect, body)
        })
        .collect()
}

#[test]
fn every_variant_reads_to_its_values() {
    let cases = cases();
    for (name, expect, body) in &cases {
        check(name, expect, body);
    }
    let names: Vec<&str> = cases.iter().map(|(n, _, _)| n.as_str()).collect();
    for class in CLASSES {
        assert!(names.contains(&class), "no variant file for {class}");
    }
    let bodies = std::fs::read_dir(dir())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("body".as_ref()))
        .count();
    assert_eq!(bodies, cases.len(), "a body without its expectation");
}

/// The files are what they say: the GBK ones are not UTF-8, the BOM leads.
#[test]
fn the_bodies_are_in_their_encodings() {
    let body = |n: &str| std::fs::read(dir().join(format!("{n}.body"))).unwrap();
    assert!(std::str::from_utf8(&body("gbk")).is_err());
    assert!(std::str::from_utf8(&body("gb18030")).is_err());
    assert!(body("bom").starts_with(b"\xEF\xBB\xBF"));
    assert!(body("empty-body").is_empty());
    // Read without their labels, they fail: the label is what makes them read.
    for name in ["gbk", "gb18030"] {
        let e = parse_app_info(&Response::new(&body(name)[..])).unwrap_err();
        assert!(e.is_transient(), "{name}: {e}");
    }
}
