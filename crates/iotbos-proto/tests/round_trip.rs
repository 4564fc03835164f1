//! Model → wire JSON → parser round trips for generated cards.
//!
//! The wire JSON is written here by hand, in the provider's formats
//! (decimals with their scale, `YYYY/MM/DD HH:MM:SS` in UTC+8, Chinese
//! `TerminalState` texts), without any code of the crate under test, so a
//! parser bug cannot hide behind the same bug in a renderer.

mod support;

use chrono::{Datelike, FixedOffset, TimeZone, Timelike};
use http::StatusCode;
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

fn date(t: &Instant) -> String {
    let t = t.with_timezone(&cst());
    string(&format!(
        "{:04}/{:02}/{:02} {:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
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

/// How an absent value is written: left out, or `null`.
#[derive(Clone, Copy, Debug)]
struct Style {
    nulls: bool,
    space: &'static str,
    extra: bool,
}

impl Style {
    /// `"name":value` members of an object, absent ones per the style.
    fn object(&self, members: &[(&str, Option<String>)]) -> String {
        let mut parts: Vec<String> = members
            .iter()
            .filter_map(|(name, value)| match value {
                Some(v) => Some(format!("{}:{}{v}", string(name), self.space)),
                None if self.nulls => Some(format!("{}:{}null", string(name), self.space)),
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
        ("status", Some("1".to_owned())),
        ("info", None),
        ("data", Some(format!("{{\"date\":{}{list}}}", style.space))),
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
    fn parse(status: StatusCode, body: &[u8]) -> Result<CardAnswers<Self::Payload>, IotbosError>;
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
        "[^\u{0}-\u{1f}]{0,8}"
            .prop_filter("not a documented text", |s| {
                !["已禁用", "已激活", "测试期", "静默期"].contains(&s.as_str())
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
                ("ReceivesSmsNum", u.sms_used.map(|s| s.0.to_string())),
                ("UseFlow", u.data_used.map(|d| number(d.amount))),
            ])
        });
        vec![("Exceed", exceed)]
    }
    fn parse(status: StatusCode, body: &[u8]) -> Result<CardAnswers<Usage>, IotbosError> {
        iotbos_proto::parse_usage(&support::answer(status, body))
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
                ("ResidualReceivesSms", r.sms_left.map(|s| s.0.to_string())),
                ("ResidualFlow", r.data_left.map(|d| number(d.amount))),
            ])
        });
        vec![("Surplus", surplus)]
    }
    fn parse(status: StatusCode, body: &[u8]) -> Result<CardAnswers<Remaining>, IotbosError> {
        iotbos_proto::parse_remaining(&support::answer(status, body))
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
    fn members(p: &Option<Expiry>, _: &Style) -> Vec<(&'static str, Option<String>)> {
        let p = p.clone().unwrap_or_default();
        vec![
            ("TerminalState", p.status.as_ref().map(terminal_state)),
            ("ExpireDate", p.expires_at.as_ref().map(date)),
        ]
    }
    /// With both fields absent the wire cannot tell "no expiry" from
    /// "an expiry with nothing in it": the parser says none.
    fn expected(p: Option<Expiry>) -> Option<Expiry> {
        p.filter(|e| e.status.is_some() || e.expires_at.is_some())
    }
    fn parse(status: StatusCode, body: &[u8]) -> Result<CardAnswers<Expiry>, IotbosError> {
        iotbos_proto::parse_expiry(&support::answer(status, body))
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
    fn parse(status: StatusCode, body: &[u8]) -> Result<CardAnswers<CardStatus>, IotbosError> {
        iotbos_proto::parse_state(&support::answer(status, body))
    }
}

struct PlanFixture;
impl Fixture for PlanFixture {
    type Payload = Plan;
    fn payload() -> BoxedStrategy<Option<Plan>> {
        let money = || proptest::option::of(decimal().prop_map(Money::from_yuan));
        proptest::option::of(
            (
                proptest::option::of("[^\u{0}-\u{1f}]{0,12}"),
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
        let money = |m: Option<Money>| m.map(|m| number(m.yuan()));
        let package = p.as_ref().map(|p| {
            style.object(&[
                ("ServiceName", p.name.as_deref().map(string)),
                ("Cost", money(p.monthly_fee)),
                ("DefaultSms", p.included_sms.map(|s| s.0.to_string())),
                ("ExceedSmsPrice", money(p.sms_overage_price)),
                ("DefaultFlow", p.included_data.map(|d| number(d.amount))),
                ("ExceedFlowPrice", money(p.data_overage_price)),
            ])
        });
        vec![("ServicePackage", package)]
    }
    fn parse(status: StatusCode, body: &[u8]) -> Result<CardAnswers<Plan>, IotbosError> {
        iotbos_proto::parse_plan(&support::answer(status, body))
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
    (
        any::<bool>(),
        prop::sample::select(vec!["", " ", "\n ", " \r\n\t"]),
        any::<bool>(),
    )
        .prop_map(|(nulls, space, extra)| Style {
            nulls,
            space,
            extra,
        })
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
                ("num", Some(string(num))),
                ("State", Some(state_code(*outcome).to_string())),
            ];
            members.extend(F::members(payload, &style));
            style.object(&members)
        })
        .collect();
    let body = envelope(&entries, &style);
    let answers = F::parse(StatusCode::OK, body.as_bytes())
        .map_err(|e| TestCaseError::fail(format!("{e}\n{body}")))?;
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
    assert_eq!(date(&t), "\"2018/01/16 14:02:08\"");
}
