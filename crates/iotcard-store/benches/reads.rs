//! Read latency: the fleet's latest snapshots (all cards, those expiring
//! within 30 days, and all of them page by page as the watcher's rules read
//! them), and one card's history of hourly snapshots.
//!
//! Sizes: `IOTCARD_BENCH_FLEET_CARDS` cards (default 100,000; issue 14's
//! target is 1,000,000 cards in 2 s) and `IOTCARD_BENCH_HISTORY` hourly
//! snapshots of one card (default 8,760, a year; target 20 ms). PostgreSQL
//! too when `IOTCARD_BENCH_POSTGRES` (or `IOTCARD_TEST_POSTGRES`) names a
//! server.

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use iotcard_store::{AccountSpec, Batch, FleetFilter, Observation, Store};

const BATCH: u64 = 5_000;

fn at(hours: u64) -> iotcard_model::Instant {
    chrono::DateTime::parse_from_rfc3339("2026-01-01T00:10:00+08:00").unwrap()
        + chrono::Duration::hours(hours as i64)
}

/// A fleet of `cards` with two syncs, and one card with `history` hourly
/// snapshots in another account.
async fn fill(
    store: &Store,
    cards: u64,
    history: u64,
) -> (iotcard_store::AccountId, iotcard_store::CardId) {
    let fleet = store
        .account(&AccountSpec::new("fleet", "iotbos", "sys.iotbos.com"))
        .await
        .unwrap();
    for sync in 0..2 {
        let run = store.begin_run(fleet, at(sync)).await.unwrap();
        for from in (0..cards).step_by(BATCH as usize) {
            let batch = synthetic::batch(from, (from + BATCH).min(cards), sync, at(sync));
            store.write_snapshots(run, &batch).await.unwrap();
        }
        store.finish_run(run, at(sync)).await.unwrap();
    }
    let one = store
        .account(&AccountSpec::new("one", "tencent", "yun.tim.qq.com"))
        .await
        .unwrap();
    let run = store.begin_run(one, at(0)).await.unwrap();
    let hours: Vec<u64> = (0..history).collect();
    for chunk in hours.chunks(1000) {
        let batch = Batch {
            snapshots: chunk
                .iter()
                .map(|&hour| Observation {
                    taken_at: at(hour),
                    snapshot: synthetic::card(0, hour),
                })
                .collect(),
            ..Batch::default()
        };
        store.write_snapshots(run, &batch).await.unwrap();
    }
    // What autovacuum would soon do after such a load; without statistics
    // PostgreSQL plans the fleet query for an empty table.
    if let iotcard_store::StoreUrl::Postgres(url) = store.url() {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client.batch_execute("ANALYZE").await.unwrap();
    }
    let card = store.find_cards(&synthetic::card(0, 0).card).await.unwrap()[1].id;
    (fleet, card)
}

fn bench_store(c: &mut Criterion, name: &str, runtime: &tokio::runtime::Runtime, store: Store) {
    let cards = synthetic::env_size("IOTCARD_BENCH_FLEET_CARDS", 100_000);
    let history = synthetic::env_size("IOTCARD_BENCH_HISTORY", 8_760);
    let (fleet, card) = runtime.block_on(fill(&store, cards, history));
    let now = at(2);
    let mut group = c.benchmark_group(format!("reads/{name}"));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    let expiring = FleetFilter {
        expiring_within: Some(Duration::from_secs(30 * 86_400)),
        ..FleetFilter::default()
    };
    group.bench_function(format!("fleet_all/{cards}"), |b| {
        b.iter(|| {
            let fleet = runtime
                .block_on(store.fleet(&FleetFilter::default(), now))
                .unwrap();
            assert_eq!(fleet.len() as u64, cards + 1);
        });
    });
    group.bench_function(format!("latest_pages_of_1000/{cards}"), |b| {
        b.iter(|| {
            let (mut after, mut read) = (None, 0);
            loop {
                let page = runtime
                    .block_on(store.latest_page(fleet, after, 1000))
                    .unwrap();
                let Some(last) = page.last() else { break };
                after = Some(last.card.id);
                read += page.len() as u64;
            }
            assert_eq!(read, cards);
        });
    });
    group.bench_function(format!("fleet_expiring_within_30d/{cards}"), |b| {
        b.iter(|| runtime.block_on(store.fleet(&expiring, now)).unwrap());
    });
    group.bench_function(format!("history/{history}"), |b| {
        b.iter(|| {
            let entries = runtime
                .block_on(store.history(card, at(0), at(history)))
                .unwrap();
            assert_eq!(entries.len() as u64, history);
        });
    });
    group.finish();
}

fn reads(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.sqlite3").display());
    let store = runtime.block_on(Store::open(&url)).unwrap();
    bench_store(c, "sqlite", &runtime, store);
    if let Some(url) = postgres_url(&runtime) {
        let store = runtime.block_on(Store::open(&url)).unwrap();
        bench_store(c, "postgres", &runtime, store);
    } else {
        eprintln!("reads/postgres: SKIPPED (set IOTCARD_BENCH_POSTGRES or run through `cargo xtask with-postgres`)");
    }
}

/// A fresh database on the server the environment names.
fn postgres_url(runtime: &tokio::runtime::Runtime) -> Option<String> {
    let base = std::env::var("IOTCARD_BENCH_POSTGRES")
        .or_else(|_| std::env::var("IOTCARD_TEST_POSTGRES"))
        .ok()
        .filter(|v| !v.is_empty())?;
    let name = format!("iotcard_bench_reads_{}", std::process::id());
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        // One statement each: neither may run inside a transaction block.
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            client.batch_execute(&sql).await.unwrap();
        }
    });
    let (prefix, _) = base.rsplit_once('/')?;
    Some(format!("{prefix}/{name}"))
}

criterion_group!(benches, reads);
criterion_main!(benches);
