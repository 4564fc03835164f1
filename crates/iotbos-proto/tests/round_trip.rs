//! Model → wire JSON → parser round trips for generated cards.
//!
//! The wire JSON is written here by hand, in the provider's formats
//! (decimals with their scale, `YYYY/MM/DD HH:MM:SS` in UTC+8, Chinese
//! `TerminalState` texts), without any code of the crate under test, so a
//! parser bug cannot hide behind the same bug in a renderer.
//!
//! And in the forms real servers write instead (the specs' README, "What
//! real servers may do"): names in other letter cases, numbers as strings
//! or integral floats, every date style, `num` echoed in lower case or with
//! blanks, a BOM, a `text/html` label, a GBK or GB18030 body. Each must read
//! to the same values as the canonical form, which are the model's values.

use chrono::{Datelike, FixedOffset, TimeZone, Timelike};
use http::{Response, StatusCode};
use iotbos_proto::{CardAnswers, IotbosError};
use iotcard_model::{
    CardStatus, DataAmount, Decimal, Expiry, Instant, Money, Outcome, Plan, Remaining, SmsCount,
    Usage,
};
use proptest::prelude::*;
use serde::Serialize;

// ---- the provider's formats, by hand ----

fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

/// A decimal as the provider's JSON number: all its digits, its scale kept.
fn number(d: Decimal) -> String {
    let digits = d.mantissa().unsigned_abs().to_string();
    let scale = d.scale() as usize;
    let digits = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = digits.split_at(digits.len() - scale);
    let sign = if d.mantissa() < 0 { "-" } else { "" };
    if scale == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

fn string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A date in one of the styles servers write (0 is the documented one).
fn date(t: &Instant, style: u8) -> String {
    let t = t.with_timezone(&cst());
    let (y, mo, d, h, mi, s) = (
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    );
    string(&match style {
        1 => format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
        2 => format!("{y}/{mo}/{d} {h}:{mi:02}:{s:02}"),
        3 => format!("{y:04}-{mo}-{d}T{h:02}:{mi:02}:{s:02}.000"),
        4 => format!("/Date({})/", t.timestamp_millis()),
        5 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+08:00"),
        _ => format!("{y:04}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02}"),
    })
}

fn terminal_state(status: &CardStatus) -> String {
    string(match status {
        CardStatus::Disabled => "已禁用",
        CardStatus::Active => "已激活",
        CardStatus::Testing => "测试期",
        CardStatus::Silent => "静默期",
        CardStatus::Other(raw) => raw,
        other => panic!("IoTBOS has no text for {other:?}"),
    })
}

/// How an answer is written: absent values left out or `null`, the
/// whitespace, an unknown member; and the variations of real servers.
#[derive(Clone, Copy, Debug)]
struct Style {
    nulls: bool,
    space: &'static str,
    extra: bool,
    /// Names: 0 as documented, 1 lower case, 2 upper case, 3 the first
    /// letter's case flipped (`state`, `UseFlow` → `useFlow`, `num` → `Num`).
    case: u8,
    /// Numbers as strings.
    quoted: bool,
    /// Integers as integral floats (`6.0`).
    floats: bool,
    /// The date style ([`date`]).
    dates: u8,
    /// A missing `ExpireDate` as .NET's empty date (when the entry has a
    /// `TerminalState`, so that the payload is there either way).
    empty_dates: bool,
    /// `num` in lower case, and with blanks around it.
    num_lower: bool,
    num_blanks: bool,
    /// A UTF-8 BOM first.
    bom: bool,
    /// The `Content-Type`: 0 none, 1 `text/html`, 2 `text/plain;
    /// charset=utf-8`, 3 GBK (GB18030 when the text has characters GBK
    /// lacks).
    label: u8,
}

impl Style {
    /// The documented form.
    fn canonical(nulls: bool, space: &'static str, extra: bool) -> Self {
        Style {
            nulls,
            space,
            extra,
            case: 0,
            quoted: false,
            floats: false,
            dates: 0,
            empty_dates: false,
            num_lower: false,
            num_blanks: false,
            bom: false,
            label: 0,
        }
    }

    fn key(&self, name: &str) -> String {
        let name = match self.case {
            1 => name.to_ascii_lowercase(),
            2 => name.to_ascii_uppercase(),
            3 => {
                let mut chars = name.chars();
                let first = chars.next().map_or(String::new(), |c| {
                    if c.is_ascii_uppercase() {
                        c.to_ascii_lowercase().to_string()
                    } else {
                        c.to_ascii_uppercase().to_string()
                    }
                });
                first + chars.as_str()
            }
            _ => name.to_owned(),
        };
        string(&name)
    }

    fn int(&self, value: i64) -> String {
        let text = if self.floats {
            format!("{value}.0")
        } else {
            value.to_string()
        };
        if self.quoted {
            format!("\"{text}\"")
        } else {
            text
        }
    }

    fn dec(&self, value: Decimal) -> String {
        if self.quoted {
            format!("\"{}\"", number(value))
        } else {
            number(value)
        }
    }

    fn num(&self, num: &str) -> String {
        let num = if self.num_lower {
            num.to_ascii_lowercase()
        } else {
            num.to_owned()
        };
        if self.num_blanks {
            string(&format!(" {num}\t"))
        } else {
            string(&num)
        }
    }

    /// The body's bytes and its `Content-Type`.
    fn encode(&self, body: &str) -> (Vec<u8>, Option<&'static str>) {
        if self.bom {
            let mut bytes = b"\xEF\xBB\xBF".to_vec();
            bytes.extend_from_slice(body.as_bytes());
            return (bytes, Some("text/html"));
        }
        match self.label {
            1 => (body.as_bytes().to_vec(), Some("text/html")),
            2 => (body.as_bytes().to_vec(), Some("text/plain; charset=utf-8")),
            3 => {
                let (gbk, _, lacks) = encoding_rs::GBK.encode(body);
                if lacks {
                    let (all, _, _) = encoding_rs::GB18030.encode(body);
                    (all.into_owned(), Some("text/html; charset=GB18030"))
                } else {
                    (gbk.into_owned(), Some("application/json;charset=gbk"))
                }
            }
            _ => (body.as_bytes().to_vec(), None),
        }
    }

    /// `"name":value` members of an object, absent ones per the style.
    fn object(&self, members: &[(&str, Option<String>)]) -> String {
        let mut parts: Vec<String> = members
            .iter()
            .filter_map(|(name, value)| match value {
                Some(v) => Some(format!("{}:{}{v}", self.key(name), self.space)),
                None if self.nulls => Some(format!("{}:{}null", self.key(name), self.space)),
                None => None,
            })
            .collect();
        if self.extra {
            parts.push(r#""Unknown":{"nested":[1,"two",null,{"x":-0.5}]}"#.to_owned());
        }
        format!("{{{}}}", parts.join(&format!(",{}", self.space)))
    }
}

fn envelope(entries: &[String], style: &Style) -> String {
    let list = format!("[{}]", entries.join(&format!(",{}", style.space)));
    style.object(&[
        ("status", Some(style.int(1))),
        ("info", None),
        (
            "data",
            Some(format!("{{{}:{}{list}}}", style.key("date"), style.space)),
        ),
        ("createtime", Some(string("2018/01/16 14:02:08"))),
    ])
}

fn state_code(outcome: Outcome) -> i64 {
    match outcome {
        Outcome::NotFound => 0,
        Outcome::Found => 1,
        Outcome::NoData => 2,
        Outcome::Unknown(code) => code,
        other => panic!("no code for {other:?}"),
    }
}

// ---- one call's fixture ----

trait Fixture {
    type Payload: Serialize + Clone + std::fmt::Debug + PartialEq;
    fn payload() -> BoxedStrategy<Option<Self::Payload>>;
    /// The entry's members besides `num` and `State`.
    fn members(
        payload: &Option<Self::Payload>,
        style: &Style,
    ) -> Vec<(&'static str, Option<String>)>;
    /// What the parser should give back (identical, unless the wire form
    /// cannot tell two values apart).
    fn expected(payload: Option<Self::Payload>) -> Option<Self::Payload> {
        payload
    }
    fn parse(answer: &Response<Vec<u8>>) -> Result<CardAnswers<Self::Payload>, IotbosError>;
}

fn decimal() -> impl Strategy<Value = Decimal> {
    (-1_000_000_000_000i64..1_000_000_000_000, 0u32..5).prop_map(|(m, s)| Decimal::new(m, s))
}

fn sms() -> impl Strategy<Value = Option<SmsCount>> {
    proptest::option::of((-100_000i64..1_000_000).prop_map(SmsCount))
}

fn status() -> impl Strategy<Value = CardStatus> {
    prop_oneof![
        Just(CardStatus::Disabled),
        Just(CardStatus::Active),
        Just(CardStatus::Testing),
        Just(CardStatus::Silent),
        "[^\u{0}-\u{1f}]{1,8}"
            .prop_filter("not a documented text, nor blank or padded", |s| {
                !["已禁用", "已激活", "测试期", "静默期"].contains(&s.as_str())
                    && !s.trim().is_empty()
                    && s.trim() == s
            })
            .prop_map(CardStatus::Other),
    ]
}

fn instant() -> impl Strategy<Value = Instant> {
    (
        1970i32..2100,
        1u32..=12,
        1u32..=31,
        0u32..24,
        0u32..60,
        0u32..60,
    )
        .prop_filter_map("a real day", |(y, mo, d, h, mi, s)| {
            cst().with_ymd_and_hms(y, mo, d, h, mi, s).single()
        })
}

struct UsageFixture;
impl Fixture for UsageFixture {
    type Payload = Usage;
    fn payload() -> BoxedStrategy<Option<Usage>> {
        proptest::option::of(
            (sms(), proptest::option::of(decimal())).prop_map(|(sms, flow)| Usage {
                sms_used: sms,
                data_used: flow.map(DataAmount::provider_unit),
            }),
        )
        .boxed()
    }
    fn members(p: &Option<Usage>, style: &Style) -> Vec<(&'static str, Option<String>)> {
        let exceed = p.as_ref().map(|u| {
            style.object(&[
                ("ReceivesSmsNum", u.sms_used.map(|s| style.int(s.0))),
                ("UseFlow", u.data_used.map(|d| style.dec(d.amount))),
            ])
        });
        vec![("Exceed", exceed)]
    }
    fn parse(answer: &Response<Vec<u8>>) -> Result<CardAnswers<Usage>, IotbosError> {
        iotbos_proto::parse_usage(answer)
    }
}

struct RemainingFixture;
impl Fixture for RemainingFixture {
    type Payload = Remaining;
    fn payload() -> BoxedStrategy<Option<Remaining>> {
        proptest::option::of(
            (sms(), proptest::option::of(decimal())).prop_map(|(sms, flow)| Remaining {
                sms_left: sms,
                data_left: flow.map(DataAmount::provider_unit),
            }),
        )
        .boxed()
    }
    fn members(p: &Option<Remaining>, style: &Style) -> Vec<(&'static str, Option<String>)> {
        let surplus = p.as_ref().map(|r| {
            style.object(&[
                ("ResidualReceivesSms", r.sms_left.map(|s| style.int(s.0))),
                ("ResidualFlow", r.data_left.map(|d| style.dec(d.amount))),
            ])
        });
        vec![("Surplus", surplus)]
    }
    fn parse(answer: &Response<Vec<u8>>) -> Result<CardAnswers<Remaining>, IotbosError> {
        iotbos_proto::parse_remaining(answer)
    }
}

struct ExpiryFixture;
impl Fixture for ExpiryFixture {
    type Payload = Expiry;
    fn payload() -> BoxedStrategy<Option<Expiry>> {
        proptest::option::of(
            (
                proptest::option::of(status()),
                proptest::option::of(instant()),
            )
                .prop_map(|(status, expires_at)| Expiry { status, expires_at }),
        )
        .boxed()
    }
    fn members(p: &Option<Expiry>, style: &Style) -> Vec<(&'static str, Option<String>)> {
        let p = p.clone().unwrap_or_default();
        let empty =
            (style.empty_dates && p.status.is_some()).then(|| string("0001-01-01 00:00:00"));
        vec![
            ("TerminalState", p.status.as_ref().map(terminal_state)),
            (
                "ExpireDate",
                p.expires_at
                    .as_ref()
                    .map(|t| date(t, style.dates))
                    .or(empty),
            ),
        ]
    }
    /// With both fields absent the wire cannot tell "no expiry" from
    /// "an expiry with nothing in it": the parser says none.
    fn expected(p: Option<Expiry>) -> Option<Expiry> {
        p.filter(|e| e.status.is_some() || e.expires_at.is_some())
    }
    fn parse(answer: &Response<Vec<u8>>) -> Result<CardAnswers<Expiry>, IotbosError> {
        iotbos_proto::parse_expiry(answer)
    }
}

struct StateFixture;
impl Fixture for StateFixture {
    type Payload = CardStatus;
    fn payload() -> BoxedStrategy<Option<CardStatus>> {
        proptest::option::of(status()).boxed()
    }
    fn members(p: &Option<CardStatus>, _: &Style) -> Vec<(&'static str, Option<String>)> {
        vec![("TerminalState", p.as_ref().map(terminal_state))]
    }
    fn parse(answer: &Response<Vec<u8>>) -> Result<CardAnswers<CardStatus>, IotbosError> {
        iotbos_proto::parse_state(answer)
    }
}

struct PlanFixture;
impl Fixture for PlanFixture {
    type Payload = Plan;
    fn payload() -> BoxedStrategy<Option<Plan>> {
        let money = || proptest::option::of(decimal().prop_map(Money::from_yuan));
        proptest::option::of(
            (
                proptest::option::of(
                    "[^\u{0}-\u{1f}]{1,12}"
                        .prop_filter("text is trimmed", |s| !s.trim().is_empty() && s.trim() == s),
                ),
                money(),
                sms(),
                money(),
                proptest::option::of(decimal()),
                money(),
            )
                .prop_map(|(name, fee, included_sms, sms_price, data, data_price)| {
                    Plan {
                        name,
                        monthly_fee: fee,
                        included_sms,
                        sms_overage_price: sms_price,
                        included_data: data.map(DataAmount::provider_unit),
                        data_overage_price: data_price,
                        product_id: None,
                        pool_id: None,
                    }
                }),
        )
        .boxed()
    }
    fn members(p: &Option<Plan>, style: &Style) -> Vec<(&'static str, Option<String>)> {
        let money = |m: Option<Money>| m.map(|m| style.dec(m.yuan()));
        let package = p.as_ref().map(|p| {
            style.object(&[
                ("ServiceName", p.name.as_deref().map(string)),
                ("Cost", money(p.monthly_fee)),
                ("DefaultSms", p.included_sms.map(|s| style.int(s.0))),
                ("ExceedSmsPrice", money(p.sms_overage_price)),
                ("DefaultFlow", p.included_data.map(|d| style.dec(d.amount))),
                ("ExceedFlowPrice", money(p.data_overage_price)),
            ])
        });
        vec![("ServicePackage", package)]
    }
    fn parse(answer: &Response<Vec<u8>>) -> Result<CardAnswers<Plan>, IotbosError> {
        iotbos_proto::parse_plan(answer)
    }
}

// ---- the property ----

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        3 => Just(Outcome::Found),
        1 => Just(Outcome::NotFound),
        1 => Just(Outcome::NoData),
        1 => any::<i64>()
            .prop_filter("undocumented", |c| !(0..=2).contains(c))
            .prop_map(Outcome::Unknown),
    ]
}

fn style() -> impl Strategy<Value = Style> {
    let canonical = (
        any::<bool>(),
        prop::sample::select(vec!["", " ", "\n ", " \r\n\t"]),
        any::<bool>(),
    )
        .prop_map(|(nulls, space, extra)| Style::canonical(nulls, space, extra));
    let variants = (
        canonical.clone(),
        (0u8..4, any::<bool>(), any::<bool>(), 0u8..6, any::<bool>()),
        (any::<bool>(), any::<bool>(), any::<bool>(), 0u8..4),
    )
        .prop_map(
            |(
                base,
                (case, quoted, floats, dates, empty_dates),
                (num_lower, num_blanks, bom, label),
            )| {
                Style {
                    case,
                    quoted,
                    floats,
                    dates,
                    empty_dates,
                    num_lower,
                    num_blanks,
                    bom,
                    label,
                    ..base
                }
            },
        );
    prop_oneof![1 => canonical, 3 => variants]
}

type Generated<P> = (Vec<(String, Outcome, Option<P>)>, Style);

fn cards<F: Fixture>() -> impl Strategy<Value = Generated<F::Payload>> {
    let card = (outcome(), F::payload());
    (
        prop::collection::hash_set("[0-9]{11,15}|89[0-9A-Z]{17,18}", 0..12),
        prop::collection::vec(card, 12),
        style(),
    )
        .prop_map(|(nums, cards, style)| {
            let cards = nums
                .into_iter()
                .zip(cards)
                .map(|(num, (outcome, payload))| (num, outcome, payload))
                .collect();
            (cards, style)
        })
}

/// Renders, parses, and compares value for value (through the model's
/// serde form, which writes decimals with their scale: `1.00` ≠ `1.0`).
fn round_trip<F: Fixture>((cards, style): Generated<F::Payload>) -> Result<(), TestCaseError> {
    let entries: Vec<String> = cards
        .iter()
        .map(|(num, outcome, payload)| {
            let mut members = vec![
                ("num", Some(style.num(num))),
                ("State", Some(style.int(state_code(*outcome)))),
            ];
            members.extend(F::members(payload, &style));
            style.object(&members)
        })
        .collect();
    let body = envelope(&entries, &style);
    let (bytes, content_type) = style.encode(&body);
    let mut answer = Response::builder().status(StatusCode::OK);
    if let Some(content_type) = content_type {
        answer = answer.header("Content-Type", content_type);
    }
    let answer = answer.body(bytes).expect("a valid response");
    let answers = F::parse(&answer).map_err(|e| TestCaseError::fail(format!("{e}\n{body}")))?;
    prop_assert!(
        answers.unattributed.is_empty(),
        "{:?}",
        answers.unattributed
    );
    prop_assert_eq!(answers.cards.len(), cards.len());
    for ((card, got), (num, outcome, payload)) in answers.cards.into_iter().zip(cards) {
        prop_assert_eq!(card.as_str(), num.as_str());
        let got = got.map_err(|e| TestCaseError::fail(format!("{e}\n{body}")))?;
        prop_assert_eq!(got.outcome, outcome);
        prop_assert!(got.problems.is_empty(), "{:?}\n{}", got.problems, body);
        let want = F::expected(payload);
        prop_assert_eq!(
            serde_json::to_value(&got.payload).unwrap(),
            serde_json::to_value(&want).unwrap(),
            "{}",
            body
        );
        prop_assert_eq!(got.payload, want);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn usage(generated in cards::<UsageFixture>()) {
        round_trip::<UsageFixture>(generated)?;
    }

    #[test]
    fn remaining(generated in cards::<RemainingFixture>()) {
        round_trip::<RemainingFixture>(generated)?;
    }

    #[test]
    fn expiry(generated in cards::<ExpiryFixture>()) {
        round_trip::<ExpiryFixture>(generated)?;
    }

    #[test]
    fn state(generated in cards::<StateFixture>()) {
        round_trip::<StateFixture>(generated)?;
    }

    #[test]
    fn plan(generated in cards::<PlanFixture>()) {
        round_trip::<PlanFixture>(generated)?;
    }
}

#[test]
fn the_hand_written_number_format_is_the_providers() {
    // The renderer itself, against the spec's own numbers.
    for (m, s, text) in [
        (100, 2, "1.00"),
        (10, 2, "0.10"),
        (0, 2, "0.00"),
        (-8359, 0, "-8359"),
        (-5, 3, "-0.005"),
    ] {
        assert_eq!(number(Decimal::new(m, s)), text);
    }
    let t = cst().with_ymd_and_hms(2018, 1, 16, 14, 2, 8).unwrap();
    assert_eq!(date(&t, 0), "\"2018/01/16 14:02:08\"");
}
