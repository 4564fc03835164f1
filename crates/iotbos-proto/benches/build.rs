//! Building IoTBOS requests: one data call of 100 numbers, and the batch
//! plan of a 10,000-card fleet.
//!
//! `cargo bench -p iotbos-proto --bench build`; throughput is in card
//! numbers.

use std::hint::black_box;
use std::num::NonZeroUsize;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use iotbos_proto::{AccessToken, Api, BatchPlan, Call, Credentials, Endpoint, DEFAULT_BATCH_SIZE};
use iotcard_model::CardNumber;

/// `count` distinct 13-digit numbers, spread like a real fleet's.
fn numbers(count: usize) -> Vec<CardNumber> {
    (0..count as u64)
        .map(|i| {
            CardNumber::parse(&format!("{}", 1_064_804_000_000 + i * 7_919))
                .expect("13 digits make a card number")
        })
        .collect()
}

fn request(c: &mut Criterion) {
    let cards = numbers(100);
    let api = Api::new(
        Endpoint::default(),
        Credentials::new("alice", "pw").expect("not empty"),
    );
    let token = AccessToken::new("917B38E2-0CBD-47D3-9264-50B8D022C179");
    let mut group = c.benchmark_group("iotbos_request_100");
    group.throughput(Throughput::Elements(cards.len() as u64));
    group.bench_function("iotcard", |b| {
        b.iter(|| black_box(&api).query(Call::Usage, black_box(&cards), &token))
    });
    // What a quick client writes: join the numbers into one URL string and
    // hand it to the HTTP library, which parses it back.
    group.bench_function("format_baseline", |b| {
        b.iter(|| {
            let joined = black_box(&cards)
                .iter()
                .map(CardNumber::as_str)
                .collect::<Vec<_>>()
                .join(",");
            let url = format!(
                "http://sys.iotbos.com/Api/TerminalInfo/Exceed?cardIdNums={joined}&accessToken={}",
                token.expose()
            );
            http::Request::get(url).body(bytes::Bytes::new())
        })
    });
    group.finish();
}

fn plan(c: &mut Criterion) {
    let fleet = numbers(10_000);
    let size = NonZeroUsize::new(100).unwrap_or(DEFAULT_BATCH_SIZE);
    let mut group = c.benchmark_group("iotbos_batch_plan_10000");
    group.throughput(Throughput::Elements(fleet.len() as u64));
    // The plan takes its cards by value, as a caller hands over its list;
    // the copy it is given is made outside the measurement.
    group.bench_function("iotcard", |b| {
        b.iter_batched(
            || fleet.clone(),
            |cards| BatchPlan::new(cards, size),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(build, request, plan);
criterion_main!(build);
