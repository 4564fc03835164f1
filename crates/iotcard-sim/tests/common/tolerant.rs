//! A tolerant reading of answers, for the dialect tests only: it takes
//! every variant the simulator's dialects send (and nothing else), so a
//! dialect's answer can be compared, value for value, with the canonical
//! answer to the same question. It is written here, apart from the
//! protocol crates, on purpose.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::Answer;

/// The body as text: a leading UTF-8 BOM skipped, decoded in the charset
/// its `Content-Type` names (UTF-8 when it names none). Panics when the
/// type is not one a JSON answer may carry.
pub fn text(a: &Answer) -> String {
    let ct = content_type(a);
    let kind = ct.split(';').next().unwrap_or_default().trim();
    assert!(
        ["application/json", "text/html", "text/plain"].contains(&kind),
        "not a JSON answer's type: {ct:?}"
    );
    let charset = ct
        .split(';')
        .skip(1)
        .filter_map(|p| p.trim().strip_prefix("charset="))
        .next()
        .unwrap_or("utf-8");
    let encoding = encoding_rs::Encoding::for_label(charset.as_bytes())
        .unwrap_or_else(|| panic!("unknown charset {charset:?}"));
    let body = a.body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&a.body);
    let (decoded, had_errors) = encoding.decode_without_bom_handling(body);
    assert!(!had_errors, "the body is not {charset}");
    decoded.into_owned()
}

pub fn content_type(a: &Answer) -> String {
    a.headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A JSON document with its scalars kept as written.
#[derive(Clone, PartialEq, Eq)]
pub enum Node {
    Obj(Vec<(String, Node)>),
    Arr(Vec<Node>),
    /// A scalar's JSON text (`1`, `"1"`, `6.0`, `null`).
    Raw(String),
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Raw(r) => f.write_str(r),
            Node::Arr(items) => f.debug_list().entries(items).finish(),
            Node::Obj(members) => f
                .debug_map()
                .entries(members.iter().map(|(k, v)| (k, v)))
                .finish(),
        }
    }
}

struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
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

struct Items(Vec<Box<RawValue>>);

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Items;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Items, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Box<RawValue>>()? {
                    items.push(item);
                }
                Ok(Items(items))
            }
        }
        d.deserialize_seq(V)
    }
}

/// The tree of a JSON text (panics on invalid JSON).
pub fn tree(json: &str) -> Node {
    let t = json.trim();
    match t.as_bytes().first() {
        Some(b'{') => {
            let Members(m) = serde_json::from_str(t).unwrap_or_else(|e| panic!("{e}: {t}"));
            Node::Obj(m.into_iter().map(|(k, v)| (k, tree(v.get()))).collect())
        }
        Some(b'[') => {
            let Items(items) = serde_json::from_str(t).unwrap_or_else(|e| panic!("{e}: {t}"));
            Node::Arr(items.iter().map(|i| tree(i.get())).collect())
        }
        _ => Node::Raw(t.to_owned()),
    }
}

/// The tree of an answer, read tolerantly.
pub fn read(a: &Answer) -> Node {
    tree(&text(a))
}

impl Node {
    /// A member, its key matched regardless of letter case.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Obj(m) => m
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A member that must be there.
    pub fn at(&self, key: &str) -> &Node {
        self.get(key)
            .unwrap_or_else(|| panic!("no {key:?} in {self:?}"))
    }

    pub fn items(&self) -> &[Node] {
        match self {
            Node::Arr(items) => items,
            other => panic!("not an array: {other:?}"),
        }
    }

    pub fn keys(&self) -> Vec<&str> {
        match self {
            Node::Obj(m) => m.iter().map(|(k, _)| k.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    pub fn raw(&self) -> &str {
        match self {
            Node::Raw(r) => r,
            other => panic!("not a scalar: {other:?}"),
        }
    }

    /// A string scalar's text (`None` for other scalars).
    pub fn str(&self) -> Option<String> {
        let r = self.raw();
        r.starts_with('"')
            .then(|| serde_json::from_str::<String>(r).unwrap())
    }

    /// An integer written as a number, a numeric string or an integral float.
    pub fn int(&self) -> Option<i64> {
        let r = self.raw();
        let t = self.str().unwrap_or_else(|| r.to_owned());
        let t = t.strip_suffix(".0").unwrap_or(&t);
        t.parse().ok()
    }
}

/// Unix seconds and milliseconds of an IoTBOS date in any form the
/// dialects write (UTC+8 unless it is `/Date(ms)/`); `None` for the
/// forms of "no date".
pub fn instant(text: &str) -> Option<(i64, u32)> {
    if text.is_empty() || text.starts_with("0001-01-01") {
        return None;
    }
    if let Some(ms) = text
        .strip_prefix("/Date(")
        .and_then(|r| r.strip_suffix(")/"))
    {
        let ms: i64 = ms.parse().expect("milliseconds");
        return Some((ms.div_euclid(1000), ms.rem_euclid(1000) as u32));
    }
    let (date, time) = match text.split_once([' ', 'T']) {
        Some((d, t)) => (d, t),
        None => (text, "0:00:00"),
    };
    let d: Vec<u32> = date
        .split(['-', '/'])
        .map(|p| p.parse().expect("date digits"))
        .collect();
    let (time, frac) = time.split_once('.').unwrap_or((time, ""));
    let t: Vec<u32> = time
        .split(':')
        .map(|p| p.parse().expect("time digits"))
        .collect();
    assert_eq!((d.len(), t.len()), (3, 3), "{text}");
    let naive = chrono::NaiveDate::from_ymd_opt(d[0] as i32, d[1], d[2])
        .and_then(|day| day.and_hms_opt(t[0], t[1], t[2]))
        .unwrap_or_else(|| panic!("no such date: {text}"));
    let ms = if frac.is_empty() {
        0
    } else {
        let digits = format!("{frac:0<3}");
        digits[..3].parse().expect("fraction digits")
    };
    Some((naive.and_utc().timestamp() - 8 * 3600, ms))
}

/// What may differ between a dialect's answer and the canonical one at a
/// comparison, beyond what every dialect may change.
#[derive(Clone, Copy, Default, Debug)]
pub struct Leeway {
    /// `product_expired_time` may be none (`0`, `null`, `""`).
    pub expiry_hidden: bool,
    /// `data_total_in_period` may be `null`.
    pub total_hidden: bool,
}

/// Whether `ours` (a dialect's) says what `canon` (the canonical answer)
/// says: keys regardless of case and in the same order, integers as
/// numbers, strings or integral floats, decimals as numbers or strings
/// with the same digits, dates as the same instant (the envelope's with
/// any milliseconds), no date in any form of none, `num` after trimming
/// and regardless of case.
pub fn same(canon: &Node, ours: &Node, leeway: Leeway) -> Result<(), String> {
    same_at(canon, ours, leeway, "")
}

/// [`same`] for one member's value, read as the value of `key` (its
/// canonical name).
pub fn same_key(canon: &Node, ours: &Node, key: &str, leeway: Leeway) -> Result<(), String> {
    same_at(canon, ours, leeway, key)
}

/// An object without its member `key` (any case).
pub fn without(node: &Node, key: &str) -> Node {
    match node {
        Node::Obj(m) => Node::Obj(
            m.iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case(key))
                .cloned()
                .collect(),
        ),
        other => other.clone(),
    }
}

fn same_at(canon: &Node, ours: &Node, leeway: Leeway, key: &str) -> Result<(), String> {
    let fail = || {
        Err(format!(
            "at {key:?}: {ours:?} where canonical has {canon:?}"
        ))
    };
    match (canon, ours) {
        (Node::Obj(c), Node::Obj(o)) => {
            if c.len() != o.len() {
                return fail();
            }
            for ((ck, cv), (ok, ov)) in c.iter().zip(o) {
                if !ck.eq_ignore_ascii_case(ok) {
                    return Err(format!("key {ok:?} where canonical has {ck:?}"));
                }
                same_at(cv, ov, leeway, ck)?;
            }
            Ok(())
        }
        (Node::Arr(c), Node::Arr(o)) => {
            if c.len() != o.len() {
                return Err(format!(
                    "at {key:?}: {} items where canonical has {}",
                    o.len(),
                    c.len()
                ));
            }
            c.iter()
                .zip(o)
                .try_for_each(|(c, o)| same_at(c, o, leeway, key))
        }
        (Node::Raw(c), Node::Raw(o)) => {
            if c == o {
                return Ok(());
            }
            let canon_str = canon.str();
            let ours_str = ours.str();
            match key {
                "num" => {
                    let (c, o) = (canon_str.unwrap(), ours_str.unwrap_or_default());
                    if o.trim().eq_ignore_ascii_case(&c) {
                        return Ok(());
                    }
                }
                "createtime" | "expiresTime" | "ExpireDate" => {
                    let ours = match (c.as_str(), &ours_str) {
                        ("null", Some(s)) => instant(s),
                        (_, Some(s)) => instant(s).or(Some((i64::MIN, 0))),
                        (_, None) => Some((i64::MIN, 0)),
                    };
                    let canon = canon_str.as_deref().and_then(instant);
                    let envelope = key != "ExpireDate";
                    match (canon, ours) {
                        (None, None) => return Ok(()),
                        (Some((c, 0)), Some((o, ms))) if c == o && (ms == 0 || envelope) => {
                            return Ok(())
                        }
                        _ => {}
                    }
                }
                "product_expired_time" => {
                    let canon_secs: i64 = c.parse().unwrap();
                    if let Some(v) = ours.int() {
                        if v == canon_secs || v == canon_secs * 1000 {
                            return Ok(());
                        }
                        if v == 0 && leeway.expiry_hidden {
                            return Ok(());
                        }
                    } else if leeway.expiry_hidden && (o == "null" || o == "\"\"") {
                        return Ok(());
                    }
                }
                "data_total_in_period" if o == "null" && leeway.total_hidden => return Ok(()),
                _ => {
                    if canon_str.is_none() && c != "null" && c != "true" && c != "false" {
                        // A number: the same digits, quoted or not; an
                        // integer may also be an integral float.
                        let unquoted = ours_str.unwrap_or_else(|| o.clone());
                        if unquoted == *c || (!c.contains('.') && unquoted == format!("{c}.0")) {
                            return Ok(());
                        }
                    }
                }
            }
            fail()
        }
        _ => fail(),
    }
}
