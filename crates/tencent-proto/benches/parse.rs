//! Reading Tencent answers: a `getcardlist` page of 20 cards (the largest
//! page the platform serves) and one `getcardinfo`, our parsers against a
//! quick `serde_json::Value` client (see `support/baseline.rs`) on the same
//! bytes.
//!
//! `cargo bench -p tencent-proto --bench parse`; criterion reports the time
//! per answer and, as throughput, cards per second.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use iotcard_model::{DataAmount, Decimal};
use tencent_proto::{parse_card_info, parse_card_list, CardBrief};

mod support;

use support::{baseline, wire};

const PAGE: u64 = 20;

/// Whether two amounts agree to well within the wire's three places (the
/// baseline's go through `f64`), counting those that differ from the text.
fn close(ours: Option<DataAmount>, theirs: Option<DataAmount>, inexact: &mut usize) -> bool {
    let (Some(ours), Some(theirs)) = (ours, theirs) else {
        return ours == theirs;
    };
    if ours.amount != theirs.amount || ours.amount.scale() != theirs.amount.scale() {
        *inexact += 1;
    }
    ours.unit == theirs.unit && (ours.amount - theirs.amount).abs() < Decimal::new(1, 9)
}

/// Checks that the baseline read the card we read.
fn same_card(ours: &CardBrief, theirs: &CardBrief, inexact: &mut usize) {
    assert_eq!(
        (&ours.iccid, &ours.msisdn, ours.operator),
        (&theirs.iccid, &theirs.msisdn, theirs.operator)
    );
    assert_eq!(
        (&ours.kind, &ours.status, &ours.network),
        (&theirs.kind, &theirs.status, &theirs.network)
    );
    assert!(close(
        ours.data_used_in_period,
        theirs.data_used_in_period,
        inexact
    ));
    assert!(close(
        ours.data_total_in_period,
        theirs.data_total_in_period,
        inexact
    ));
}

fn card_list(c: &mut Criterion) {
    let body = wire::card_list(PAGE);
    let answer = http::Response::new(body.as_slice());
    let ours = parse_card_list(&answer).expect("ours reads it");
    let theirs = baseline::card_list(&body).expect("the baseline reads it");
    assert!(ours.rejected.is_empty());
    assert_eq!(
        (ours.cards.len(), theirs.len()),
        (PAGE as usize, PAGE as usize)
    );
    let mut inexact = 0;
    for (a, b) in ours.cards.iter().zip(&theirs) {
        same_card(a, b, &mut inexact);
    }
    eprintln!("getcardlist: {PAGE} cards; baseline amounts not exactly as sent: {inexact}");

    let mut group = c.benchmark_group("tencent_card_list_20");
    group.throughput(Throughput::Elements(PAGE));
    group.bench_function("iotcard", |b| {
        b.iter(|| parse_card_list(black_box(&answer)))
    });
    group.bench_function("value_baseline", |b| {
        b.iter(|| baseline::card_list(black_box(&body)))
    });
    group.finish();
}

fn card_info(c: &mut Criterion) {
    let body = wire::card_info();
    let answer = http::Response::new(body.as_slice());
    let ours = parse_card_info(&answer).expect("ours reads it");
    let theirs = baseline::card_info(&body).expect("the baseline reads it");
    let mut inexact = 0;
    same_card(&ours.card, &theirs.card, &mut inexact);
    assert_eq!(
        (&ours.product_id, &ours.pool_id, ours.product_expires_at),
        (
            &theirs.product_id,
            &theirs.pool_id,
            theirs.product_expires_at
        )
    );
    eprintln!("getcardinfo: baseline amounts not exactly as sent: {inexact} of 2");

    let mut group = c.benchmark_group("tencent_card_info_1");
    group.throughput(Throughput::Elements(1));
    group.bench_function("iotcard", |b| {
        b.iter(|| parse_card_info(black_box(&answer)))
    });
    group.bench_function("value_baseline", |b| {
        b.iter(|| baseline::card_info(black_box(&body)))
    });
    group.finish();
}

criterion_group!(parse, card_list, card_info);
criterion_main!(parse);
