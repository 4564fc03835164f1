//! No parser panics, whatever the server sends.

mod support;

use http::StatusCode;
use iotbos_proto::{
    parse_expiry, parse_login, parse_plan, parse_remaining, parse_state, parse_usage,
};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Runs every parser on the same answer, as sent, after a BOM, and labelled
/// GBK (the tolerant read's decoding paths); only a panic can fail this.
fn parse_all(status: StatusCode, body: &[u8]) {
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(body);
    for (content_type, body) in [
        (None, body),
        (Some("text/html"), &bom[..]),
        (Some("text/plain; charset=GBK"), body),
        (Some("application/json; charset=gb18030"), &bom[..]),
    ] {
        let mut answer = support::answer(status, body);
        if let Some(content_type) = content_type {
            answer.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static(content_type),
            );
        }
        let _ = parse_login(&answer);
        let _ = parse_usage(&answer);
        let _ = parse_remaining(&answer);
        let _ = parse_expiry(&answer);
        let _ = parse_state(&answer);
        let _ = parse_plan(&answer);
    }
}

fn status() -> impl Strategy<Value = StatusCode> {
    prop_oneof![
        4 => Just(StatusCode::OK),
        1 => (100u16..1000).prop_map(|code| StatusCode::from_u16(code).expect("100..1000 is valid")),
    ]
}

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        date_like().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// The field names the parsers look for, and some they do not.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "status",
            "info",
            "data",
            "date",
            "createtime",
            "num",
            "State",
            "Exceed",
            "Surplus",
            "ServicePackage",
            "TerminalState",
            "ExpireDate",
            "ReceivesSmsNum",
            "UseFlow",
            "ResidualReceivesSms",
            "ResidualFlow",
            "ServiceName",
            "Cost",
            "DefaultSms",
            "ExceedSmsPrice",
            "DefaultFlow",
            "ExceedFlowPrice",
            "accessToken",
            "expiresTime",
            "STATUS",
            "Data",
            "Date",
            "state",
            "useFlow",
            "expireDate",
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z]{1,8}",
    ]
}

fn date_like() -> impl Strategy<Value = String> {
    (
        0u32..10000,
        0u32..15,
        0u32..35,
        0u32..30,
        0u32..70,
        0u32..70,
    )
        .prop_map(|(y, m, d, h, mi, s)| format!("{y:04}/{m:02}/{d:02} {h:02}:{mi:02}:{s:02}"))
}

/// Numbers as the provider writes them, and as nobody should.
fn number_like() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "-?[0-9]{1,40}(\\.[0-9]{0,40})?([eE][+-]?[0-9]{1,4})?".prop_map(|text| {
            serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text))
        }),
        "[0-9a-z.\\-]{0,12}".prop_map(Value::String),
        Just(Value::Null),
    ]
}

/// An object shaped like a per-card entry of any call.
fn entry_like() -> impl Strategy<Value = Value> {
    let num = prop_oneof![
        "[0-9]{11,15}|89[0-9A-Za-z]{17,18}".prop_map(Value::String),
        ".{0,22}".prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        Just(Value::Null),
    ];
    let state = prop_oneof![(-3i64..5).prop_map(Value::from), any_json()];
    let payload = prop::collection::vec((key(), number_like()), 0..7)
        .prop_map(|kv| Value::Object(kv.into_iter().collect()));
    let terminal = prop_oneof![
        prop::sample::select(vec!["已禁用", "已激活", "测试期", "静默期"]).prop_map(Value::from),
        ".{0,6}".prop_map(Value::String),
        Just(Value::Null),
    ];
    let expire = prop_oneof![date_like().prop_map(Value::String), any_json()];
    (num, state, payload, terminal, expire, any::<[bool; 6]>()).prop_map(
        |(num, state, payload, terminal, expire, keep)| {
            let mut entry = Map::new();
            let fields = [
                ("num", num),
                ("State", state),
                ("Exceed", payload.clone()),
                ("Surplus", payload.clone()),
                ("ServicePackage", payload),
                ("TerminalState", terminal),
            ];
            for ((name, value), keep) in fields.into_iter().zip(keep) {
                if keep {
                    entry.insert(name.to_owned(), value);
                }
            }
            entry.insert("ExpireDate".to_owned(), expire);
            Value::Object(entry)
        },
    )
}

/// A whole answer shaped like the envelope, with a list of entry-like
/// objects under `date` or `data`, or a login `data`.
fn envelope_like() -> impl Strategy<Value = Value> {
    let status = prop_oneof![
        3 => Just(Value::from(1)),
        1 => Just(Value::from(0)),
        1 => any_json(),
    ];
    let list = prop::collection::vec(entry_like(), 0..8).prop_map(Value::Array);
    let data = prop_oneof![
        (list, prop::sample::select(vec!["date", "data"]))
            .prop_map(|(list, name)| serde_json::json!({ name: list })),
        (any_json(), date_like()).prop_map(|(token, expires)| {
            serde_json::json!({"accessToken": token, "expiresTime": expires})
        }),
        any_json(),
    ];
    let createtime = prop_oneof![date_like().prop_map(Value::String), any_json()];
    (status, any_json(), data, createtime).prop_map(|(status, info, data, createtime)| {
        serde_json::json!({"status": status, "info": info, "data": data, "createtime": createtime})
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(status in status(), body in prop::collection::vec(any::<u8>(), 0..512)) {
        parse_all(status, &body);
    }

    #[test]
    fn arbitrary_json(status in status(), value in any_json()) {
        parse_all(status, value.to_string().as_bytes());
    }

    #[test]
    fn arbitrary_envelopes(value in envelope_like()) {
        let text = value.to_string();
        parse_all(StatusCode::OK, text.as_bytes());
        // Truncated answers, as a dropped connection leaves them.
        let cut = text.len() / 2;
        parse_all(StatusCode::OK, &text.as_bytes()[..cut]);
    }
}
