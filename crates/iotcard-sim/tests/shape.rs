//! Fidelity of form: for the same calls, the simulator's answers have the
//! shape of the spec's example answers — the same keys in the same order,
//! the same JSON kinds, recursively, and the same decimal places where the
//! example writes a fraction. The examples are read from the protocol
//! crates' vector files (copied byte for byte from the provider documents).

mod common;

use std::fmt;
use std::path::PathBuf;

use common::{data_target, iotbos_conn, login, login_target, signed, tencent_conn, tencent_target};
use iotcard_sim::{IotbosCall, Outcome, RunningSimulator, SimCard, Simulator};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// A JSON document's form.
#[derive(Clone, PartialEq, Eq)]
enum Shape {
    Null,
    Bool,
    /// Decimal places as written (`None` for an integer token).
    Number(Option<usize>),
    String,
    Array(Vec<Shape>),
    Object(Vec<(String, Shape)>),
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Null => f.write_str("null"),
            Shape::Bool => f.write_str("bool"),
            Shape::Number(None) => f.write_str("int"),
            Shape::Number(Some(n)) => write!(f, "decimal({n})"),
            Shape::String => f.write_str("string"),
            Shape::Array(items) => f.debug_list().entries(items).finish(),
            Shape::Object(members) => f
                .debug_map()
                .entries(members.iter().map(|(k, v)| (k, v)))
                .finish(),
        }
    }
}

/// An object's members in document order.
struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    members.push(entry);
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(V)
    }
}

fn shape(json: &str) -> Shape {
    let t = json.trim();
    match t.as_bytes().first() {
        Some(b'n') => Shape::Null,
        Some(b't' | b'f') => Shape::Bool,
        Some(b'"') => Shape::String,
        Some(b'[') => {
            let items: Vec<Box<RawValue>> = serde_json::from_str(t).expect("array");
            Shape::Array(items.iter().map(|i| shape(i.get())).collect())
        }
        Some(b'{') => {
            let Members(members) = serde_json::from_str(t).expect("object");
            Shape::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k, shape(v.get())))
                    .collect(),
            )
        }
        _ => Shape::Number(t.split_once('.').map(|(_, frac)| frac.len())),
    }
}

/// `ours` has `example`'s form; a decimal in the example must be matched
/// with as many places, an integer in the example by any number.
fn conforms(ours: &Shape, example: &Shape, at: &str) -> Result<(), String> {
    match (ours, example) {
        (Shape::Number(o), Shape::Number(e)) => match e {
            Some(places) if o != &Some(*places) => {
                Err(format!("{at}: {ours:?} where the example has {example:?}"))
            }
            _ => Ok(()),
        },
        (Shape::Array(o), Shape::Array(e)) => {
            if o.len() != e.len() {
                return Err(format!(
                    "{at}: {} items where the example has {}",
                    o.len(),
                    e.len()
                ));
            }
            o.iter()
                .zip(e)
                .enumerate()
                .try_for_each(|(i, (o, e))| conforms(o, e, &format!("{at}[{i}]")))
        }
        (Shape::Object(o), Shape::Object(e)) => {
            let ok: Vec<&str> = o.iter().map(|(k, _)| k.as_str()).collect();
            let ek: Vec<&str> = e.iter().map(|(k, _)| k.as_str()).collect();
            if ok != ek {
                return Err(format!("{at}: keys {ok:?} where the example has {ek:?}"));
            }
            o.iter()
                .zip(e)
                .try_for_each(|((k, o), (_, e))| conforms(o, e, &format!("{at}.{k}")))
        }
        (o, e) if o == e => Ok(()),
        _ => Err(format!("{at}: {ours:?} where the example has {example:?}")),
    }
}

fn vector(crate_name: &str, file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_name)
        .join("tests/vectors")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    strip_line_comments(&text)
}

/// Drops each `//` comment outside a JSON string up to the end of its line
/// (the Tencent document annotates its examples that way).
fn strip_line_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped, mut in_comment) = (false, false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
                out.push(c);
            }
            continue;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '/' && chars.peek() == Some(&'/') {
            in_comment = true;
            continue;
        }
        out.push(c);
    }
    out
}

fn assert_conforms(ours: &str, example: &str, what: &str) {
    let (o, e) = (shape(ours), shape(example));
    if let Err(why) = conforms(&o, &e, what) {
        panic!("{why}\nours:    {ours}\nexample: {example}");
    }
}

fn cards_with(
    sim: &RunningSimulator,
    call: IotbosCall,
    outcome: Outcome,
    n: usize,
) -> Vec<SimCard> {
    let found: Vec<SimCard> = sim
        .fleet()
        .cards()
        .filter(|c| c.outcome(call) == outcome)
        .take(n)
        .collect();
    assert_eq!(
        found.len(),
        n,
        "the fleet has {n} cards with {outcome} for {call:?}"
    );
    found
}

#[test]
fn comment_stripping_keeps_strings() {
    assert_eq!(
        strip_line_comments("{\"a\":\"x//y\", // note\n\"b\":1}"),
        "{\"a\":\"x//y\", \n\"b\":1}"
    );
    assert_eq!(
        strip_line_comments(r#"{"a":"q\"//"} // c"#),
        r#"{"a":"q\"//"} "#
    );
}

#[test]
fn conformance_catches_differences() {
    let e = shape(r#"{"a":1.00,"b":[{"c":null}]}"#);
    assert!(conforms(&shape(r#"{"a":2.50,"b":[{"c":null}]}"#), &e, "$").is_ok());
    assert!(conforms(&shape(r#"{"a":2.5,"b":[{"c":null}]}"#), &e, "$").is_err());
    assert!(conforms(&shape(r#"{"a":"2.50","b":[{"c":null}]}"#), &e, "$").is_err());
    assert!(conforms(&shape(r#"{"b":[{"c":null}],"a":2.50}"#), &e, "$").is_err());
    assert!(conforms(&shape(r#"{"a":2.50,"b":[{"c":1}]}"#), &e, "$").is_err());
    assert!(conforms(&shape(r#"{"a":2.50,"b":[]}"#), &e, "$").is_err());
}

#[tokio::test]
async fn iotbos_answers_have_the_spec_examples_shape() {
    let sim = Simulator::builder()
        .seed(3)
        .cards(2000)
        .start()
        .await
        .unwrap();
    let creds = sim.credentials().clone();
    let mut conn = iotbos_conn(&sim).await;
    let proto = "iotbos-proto";

    let ours = conn.get(&login_target(&creds)).await;
    assert_conforms(ours.text(), &vector(proto, "login.json"), "login");
    let token = login(&mut conn, &creds).await;

    // The same calls as the examples, for cards in the examples' situation.
    for (call, file, outcome, count) in [
        (IotbosCall::Usage, "usage.json", Outcome::Found, 2),
        (IotbosCall::Remaining, "remaining.json", Outcome::Found, 1),
        (IotbosCall::Expiry, "expiry.json", Outcome::NoData, 1),
        (IotbosCall::State, "state.json", Outcome::NoData, 1),
        (IotbosCall::Plan, "plan.json", Outcome::Found, 1),
    ] {
        let cards = cards_with(&sim, call, outcome, count);
        let numbers: Vec<&str> = cards.iter().map(|c| c.number().as_str()).collect();
        let ours = conn.get(&data_target(call.path(), &numbers, &token)).await;
        assert_conforms(ours.text(), &vector(proto, file), file);
    }
}

#[tokio::test]
async fn tencent_answers_have_the_spec_examples_shape() {
    let sim = Simulator::builder()
        .seed(3)
        .cards(2000)
        .start()
        .await
        .unwrap();
    let creds = sim.credentials().clone();
    let mut conn = tencent_conn(&sim).await;
    let proto = "tencent-proto";

    let ours = conn
        .post(&tencent_target(&creds, "getappinfo"), &signed(&creds, ""))
        .await;
    assert_conforms(ours.text(), &vector(proto, "getappinfo.json"), "getappinfo");

    let fields = "\"teleoperator\":1,\"limit\":3,\"offset\":0,";
    let ours = conn
        .post(
            &tencent_target(&creds, "getcardlist"),
            &signed(&creds, fields),
        )
        .await;
    assert_conforms(
        ours.text(),
        &vector(proto, "getcardlist.json"),
        "getcardlist",
    );

    let pooled = sim
        .fleet()
        .cards()
        .find(|c| !c.pool_id().is_empty())
        .expect("a pooled card");
    let single = sim.fleet().card(0).unwrap();
    for card in [pooled, single] {
        let fields = format!("\"iccid\":\"{}\",", card.iccid());
        let ours = conn
            .post(
                &tencent_target(&creds, "getcardinfo"),
                &signed(&creds, &fields),
            )
            .await;
        assert_conforms(
            ours.text(),
            &vector(proto, "getcardinfo.repaired.json"),
            "getcardinfo",
        );
    }
}
