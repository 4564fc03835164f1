//! Reading an IoTBOS answer of 100 cards, for each of the five data calls:
//! our parsers against a quick `serde_json::Value` client (see
//! `support/baseline.rs`) on the same bytes.
//!
//! `cargo bench -p iotbos-proto --bench parse`; criterion reports the time
//! per answer and, as throughput, cards per second (divide the time by 100
//! for the time per card).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use iotbos_proto::{
    parse_expiry, parse_plan, parse_remaining, parse_state, parse_usage, Call, CardAnswers,
};
use iotcard_model::{
    CardStatus, DataAmount, Decimal, Expiry, Money, Outcome, Plan, Remaining, Usage,
};

mod support;

use support::baseline::{self, Entry};
use support::wire;

const CARDS: usize = 100;

/// Our answer in the baseline's form, to check both read the same cards.
fn flatten<T: Clone>(answers: &CardAnswers<T>) -> Vec<Entry<T>> {
    assert!(answers.unattributed.is_empty(), "every entry names a card");
    answers
        .cards
        .iter()
        .map(|(card, result)| {
            let answer = result.as_ref().expect("every generated entry is readable");
            (card.clone(), answer.outcome, answer.payload.clone())
        })
        .collect()
}

/// Whether two decimals agree to well within the wire's three places (the
/// baseline's go through `f64`), and whether they agree exactly.
fn close(ours: Option<Decimal>, theirs: Option<Decimal>, inexact: &mut usize) -> bool {
    match (ours, theirs) {
        (Some(a), Some(b)) => {
            if a != b || a.scale() != b.scale() {
                *inexact += 1;
            }
            (a - b).abs() < Decimal::new(1, 9)
        }
        (a, b) => a.is_none() && b.is_none(),
    }
}

fn amount(a: Option<DataAmount>) -> Option<Decimal> {
    a.map(|a| a.amount)
}

fn money(m: Option<Money>) -> Option<Decimal> {
    m.map(|m| m.yuan())
}

/// Checks that the baseline read what we read (decimals up to the float
/// error) and says how many of its decimals differ from the wire's text.
fn same_cards<T: Clone>(
    call: Call,
    ours: &CardAnswers<T>,
    theirs: &[Entry<T>],
    same: impl Fn(&T, &T, &mut usize) -> bool,
) {
    let ours = flatten(ours);
    assert_eq!(ours.len(), CARDS, "{call}");
    assert_eq!(theirs.len(), CARDS, "{call}");
    let mut inexact = 0;
    for ((card, outcome, payload), (their_card, their_outcome, their_payload)) in
        ours.iter().zip(theirs)
    {
        assert_eq!((card, outcome), (their_card, their_outcome), "{call}");
        let agree = match (payload, their_payload) {
            (Some(a), Some(b)) => same(a, b, &mut inexact),
            (a, b) => a.is_none() && b.is_none(),
        };
        assert!(agree, "{call}: the baseline read {card} differently");
    }
    let found = ours
        .iter()
        .filter(|(_, outcome, _)| *outcome == Outcome::Found)
        .count();
    eprintln!(
        "{call}: {CARDS} cards ({found} found); baseline decimals not exactly as sent: {inexact}"
    );
}

fn body(call: Call) -> Vec<u8> {
    wire::answer(call, CARDS)
}

fn usage(c: &mut Criterion) {
    let body = body(Call::Usage);
    let answer = http::Response::new(body.as_slice());
    same_cards(
        Call::Usage,
        &parse_usage(&answer).expect("ours reads it"),
        &baseline::usage(&body).expect("the baseline reads it"),
        |a: &Usage, b: &Usage, n| {
            a.sms_used == b.sms_used && close(amount(a.data_used), amount(b.data_used), n)
        },
    );
    let mut group = c.benchmark_group("iotbos_usage_100");
    group.throughput(Throughput::Elements(CARDS as u64));
    group.bench_function("iotcard", |b| b.iter(|| parse_usage(black_box(&answer))));
    group.bench_function("value_baseline", |b| {
        b.iter(|| baseline::usage(black_box(&body)))
    });
    group.finish();
}

fn remaining(c: &mut Criterion) {
    let body = body(Call::Remaining);
    let answer = http::Response::new(body.as_slice());
    same_cards(
        Call::Remaining,
        &parse_remaining(&answer).expect("ours reads it"),
        &baseline::remaining(&body).expect("the baseline reads it"),
        |a: &Remaining, b: &Remaining, n| {
            a.sms_left == b.sms_left && close(amount(a.data_left), amount(b.data_left), n)
        },
    );
    let mut group = c.benchmark_group("iotbos_remaining_100");
    group.throughput(Throughput::Elements(CARDS as u64));
    group.bench_function("iotcard", |b| {
        b.iter(|| parse_remaining(black_box(&answer)))
    });
    group.bench_function("value_baseline", |b| {
        b.iter(|| baseline::remaining(black_box(&body)))
    });
    group.finish();
}

fn expiry(c: &mut Criterion) {
    let body = body(Call::Expiry);
    let answer = http::Response::new(body.as_slice());
    same_cards(
        Call::Expiry,
        &parse_expiry(&answer).expect("ours reads it"),
        &baseline::expiry(&body).expect("the baseline reads it"),
        |a: &Expiry, b: &Expiry, _| a == b,
    );
    let mut group = c.benchmark_group("iotbos_expiry_100");
    group.throughput(Throughput::Elements(CARDS as u64));
    group.bench_function("iotcard", |b| b.iter(|| parse_expiry(black_box(&answer))));
    group.bench_function("value_baseline", |b| {
        b.iter(|| baseline::expiry(black_box(&body)))
    });
    group.finish();
}

fn state(c: &mut Criterion) {
    let body = body(Call::State);
    let answer = http::Response::new(body.as_slice());
    same_cards(
        Call::State,
        &parse_state(&answer).expect("ours reads it"),
        &baseline::state(&body).expect("the baseline reads it"),
        |a: &CardStatus, b: &CardStatus, _| a == b,
    );
    let mut group = c.benchmark_group("iotbos_state_100");
    group.throughput(Throughput::Elements(CARDS as u64));
    group.bench_function("iotcard", |b| b.iter(|| parse_state(black_box(&answer))));
    group.bench_function("value_baseline", |b| {
        b.iter(|| baseline::state(black_box(&body)))
    });
    group.finish();
}

fn plan(c: &mut Criterion) {
    let body = body(Call::Plan);
    let answer = http::Response::new(body.as_slice());
    same_cards(
        Call::Plan,
        &parse_plan(&answer).expect("ours reads it"),
        &baseline::plan(&body).expect("the baseline reads it"),
        |a: &Plan, b: &Plan, n| {
            a.name == b.name
                && a.included_sms == b.included_sms
                && close(money(a.monthly_fee), money(b.monthly_fee), n)
                && close(money(a.sms_overage_price), money(b.sms_overage_price), n)
                && close(amount(a.included_data), amount(b.included_data), n)
                && close(money(a.data_overage_price), money(b.data_overage_price), n)
        },
    );
    let mut group = c.benchmark_group("iotbos_plan_100");
    group.throughput(Throughput::Elements(CARDS as u64));
    group.bench_function("iotcard", |b| b.iter(|| parse_plan(black_box(&answer))));
    group.bench_function("value_baseline", |b| {
        b.iter(|| baseline::plan(black_box(&body)))
    });
    group.finish();
}

criterion_group!(parse, usage, remaining, expiry, state, plan);
criterion_main!(parse);
