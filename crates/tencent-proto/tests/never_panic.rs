//! No parser panics, whatever the bytes or the JSON.

mod support;

use http::StatusCode;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use tencent_proto::{parse_app_info, parse_card_info, parse_card_list, TencentError};

const CARD_FIELDS: [&str; 11] = [
    "iccid",
    "msisdn",
    "teleoperator",
    "type",
    "card_status",
    "network_status",
    "data_used_in_period",
    "data_total_in_period",
    "product_id",
    "pool_id",
    "product_expired_time",
];
const OTHER_FIELDS: [&str; 9] = [
    "code",
    "message",
    "data",
    "card_brief_infos",
    "name",
    "description",
    "yd_card_cnt",
    "dx_card_cnt",
    "lt_card_cnt",
];

fn statuses() -> impl Strategy<Value = StatusCode> {
    prop_oneof![
        4 => Just(StatusCode::OK),
        1 => (100u16..1000).prop_map(|c| StatusCode::from_u16(c).unwrap()),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(CARD_FIELDS.to_vec()).prop_map(str::to_owned),
        proptest::sample::select(OTHER_FIELDS.to_vec()).prop_map(str::to_owned),
        // The tolerant path: a documented name in another case.
        proptest::sample::select(CARD_FIELDS.to_vec()).prop_map(str::to_ascii_uppercase),
        proptest::sample::select(OTHER_FIELDS.to_vec()).prop_map(str::to_ascii_uppercase),
        "\\PC{0,8}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,24}".prop_map(Value::String),
        "-?[0-9]{1,30}(\\.[0-9]{0,30})?([eE][+-]?[0-9]{1,4})?".prop_map(Value::String),
        "89[0-9A-Za-z]{15,20}".prop_map(Value::String),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A card record whose every field is valid, replaced by anything, or absent.
fn card_like() -> impl Strategy<Value = Value> {
    let valid = json!({
        "iccid": "898602B7091701054333",
        "msisdn": "1064878384333",
        "teleoperator": 1,
        "type": 2,
        "card_status": 3,
        "network_status": 0,
        "data_used_in_period": 14.970,
        "data_total_in_period": 30.000,
        "product_id": "p",
        "pool_id": "q",
        "product_expired_time": 1506494258u64,
    });
    let fields: Vec<_> = CARD_FIELDS
        .iter()
        .map(|f| {
            let keep = valid[*f].clone();
            prop_oneof![
                3 => Just(Some(keep)),
                1 => leaf().prop_map(Some),
                1 => Just(None),
            ]
            .prop_map(move |v| v.map(|v| ((*f).to_owned(), v)))
        })
        .collect();
    fields.prop_map(|kv| Value::Object(kv.into_iter().flatten().collect::<Map<_, _>>()))
}

fn data() -> impl Strategy<Value = Value> {
    prop_oneof![
        json(),
        card_like(),
        prop::collection::vec(card_like(), 0..4)
            .prop_map(|cards| json!({"card_brief_infos": cards})),
        (leaf(), leaf(), leaf(), leaf(), leaf()).prop_map(|(n, d, y, x, l)| json!({
            "name": n, "description": d, "yd_card_cnt": y, "dx_card_cnt": x, "lt_card_cnt": l
        })),
    ]
}

fn envelope() -> impl Strategy<Value = Value> {
    let code =
        prop_oneof![4 => Just(json!(0)), 1 => any::<i64>().prop_map(Value::from), 1 => leaf()];
    let message = prop_oneof![Just(json!("OK")), leaf()];
    (code, message, prop::option::of(data())).prop_map(|(code, message, data)| {
        let mut map = Map::new();
        map.insert("code".into(), code);
        map.insert("message".into(), message);
        if let Some(data) = data {
            map.insert("data".into(), data);
        }
        Value::Object(map)
    })
}

/// Runs every parser; each must return, and every error must display.
fn parse_all(status: StatusCode, body: &[u8]) {
    parse_all_labelled(status, None, body);
}

/// [`parse_all`] of an answer labelled `content_type`.
fn parse_all_labelled(status: StatusCode, content_type: Option<&str>, body: &[u8]) {
    let answer = || {
        let mut b = http::Response::builder().status(status);
        if let Some(ct) = content_type {
            b = b.header("Content-Type", ct);
        }
        b.body(body).unwrap()
    };
    fn shown<T>(r: Result<T, TencentError>) {
        if let Err(e) = r {
            assert!(!e.to_string().is_empty());
        }
    }
    shown(parse_app_info(&answer()));
    shown(parse_card_info(&answer()));
    if let Ok(page) = parse_card_list(&answer()) {
        for rejected in &page.rejected {
            assert!(rejected.error.to_string().starts_with("getcardlist "));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(status in statuses(), body in prop::collection::vec(any::<u8>(), 0..512)) {
        parse_all(status, &body);
    }

    #[test]
    fn arbitrary_json(value in json()) {
        parse_all(StatusCode::OK, value.to_string().as_bytes());
    }

    #[test]
    fn envelope_shaped_json(status in statuses(), value in envelope()) {
        let body = value.to_string();
        parse_all(status, body.as_bytes());
        // Truncations of an almost-valid answer are the likeliest broken
        // bodies; a cut inside a character also tests invalid UTF-8.
        for cut in [body.len() / 2, body.len().saturating_sub(1)] {
            parse_all(status, &body.as_bytes()[..cut]);
        }
    }

    /// The tolerant path's inputs: a BOM, a charset (GBK, GB18030, one no
    /// one knows), a media type that is not JSON's, and cuts of each.
    #[test]
    fn envelope_shaped_in_any_encoding(
        status in statuses(),
        value in envelope(),
        bom in any::<bool>(),
        label in proptest::sample::select(vec![
            "text/html; charset=GBK", "application/json;charset=gb18030", "text/plain",
            "text/html; charset=klingon", "application/json; charset=utf-8",
        ]),
    ) {
        let text = value.to_string();
        let mut body = if label.contains("gb") || label.contains("GB") {
            encoding_rs::GB18030.encode(&text).0.into_owned()
        } else {
            text.into_bytes()
        };
        if bom {
            body.splice(0..0, *b"\xEF\xBB\xBF");
        }
        parse_all_labelled(status, Some(label), &body);
        for cut in [body.len() / 2, body.len().saturating_sub(1)] {
            parse_all_labelled(status, Some(label), &body[..cut]);
        }
    }
}
