//! Ingest throughput: `write_snapshots` batches into a store that already
//! knows the cards (the steady state of a sync), SQLite and, when
//! `IOTCARD_BENCH_POSTGRES` (or `IOTCARD_TEST_POSTGRES`) names a server,
//! PostgreSQL.
//!
//! Sizes: `IOTCARD_BENCH_CARDS` cards (default 20,000) in batches of
//! `IOTCARD_BENCH_BATCH` (default 1,000). Issue 14 aims for 300,000
//! snapshots/s into SQLite and 100,000/s into PostgreSQL.
//!
//! After PostgreSQL's criterion group, `IOTCARD_BENCH_CPU_BATCHES` more
//! batches (default 50) are timed by CPU: the server backend's (read from
//! `/proc`: the server is local) and this process's, per snapshot. On a
//! machine other work keeps busy, wall time swings with the load while
//! CPU time per snapshot stays comparable between runs.

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use iotcard_store::{AccountSpec, RunId, Store};

struct Fixture {
    store: Store,
    run: RunId,
    cards: u64,
    batch: u64,
    sync: u64,
    next: u64,
}

impl Fixture {
    async fn new(store: Store, cards: u64, batch: u64) -> Self {
        let account = store
            .account(&AccountSpec::new("default", "iotbos", "sys.iotbos.com"))
            .await
            .unwrap();
        let run = store.begin_run(account, at(0)).await.unwrap();
        for from in (0..cards).step_by(batch as usize) {
            store
                .write_snapshots(
                    run,
                    &synthetic::batch(from, (from + batch).min(cards), 0, at(0)),
                )
                .await
                .unwrap();
        }
        Self {
            store,
            run,
            cards,
            batch,
            sync: 1,
            next: 0,
        }
    }

    /// The next batch of the sync in progress (a new sync after the last card).
    fn next_batch(&mut self) -> iotcard_store::Batch {
        if self.next >= self.cards {
            self.next = 0;
            self.sync += 1;
        }
        let from = self.next;
        self.next = (from + self.batch).min(self.cards);
        synthetic::batch(from, self.next, self.sync, at(self.sync))
    }
}

fn at(sync: u64) -> iotcard_model::Instant {
    chrono::DateTime::parse_from_rfc3339("2026-11-10T00:10:00+08:00").unwrap()
        + chrono::Duration::minutes(sync as i64 * 10)
}

fn bench_store(
    c: &mut Criterion,
    name: &str,
    runtime: &tokio::runtime::Runtime,
    store: Store,
    server: Option<&str>,
) {
    let cards = synthetic::env_size("IOTCARD_BENCH_CARDS", 20_000);
    let batch = synthetic::env_size("IOTCARD_BENCH_BATCH", 1_000);
    let mut fixture = runtime.block_on(Fixture::new(store, cards, batch));
    let mut group = c.benchmark_group(format!("ingest/{name}"));
    group.throughput(Throughput::Elements(batch));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function(format!("write_snapshots/{batch}"), |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let batch = fixture.next_batch();
                let started = tokio::time::Instant::now();
                runtime
                    .block_on(fixture.store.write_snapshots(fixture.run, &batch))
                    .unwrap();
                total += started.elapsed();
            }
            total
        });
    });
    group.finish();
    if let Some(url) = server {
        cpu_per_snapshot(name, runtime, &mut fixture, url);
    }
}

/// Prints the server backend's and this process's CPU per snapshot over
/// a fixed number of batches.
fn cpu_per_snapshot(
    name: &str,
    runtime: &tokio::runtime::Runtime,
    fixture: &mut Fixture,
    url: &str,
) {
    let batches = synthetic::env_size("IOTCARD_BENCH_CPU_BATCHES", 50);
    let backend = runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        // The store's one connection to the bench's own database.
        let row = client
            .query_one(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                 AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                &[],
            )
            .await
            .unwrap();
        row.get::<_, i32>(0)
    });
    let server_before = cpu_ns(&format!("/proc/{backend}"));
    let (mut client, mut wall) = (0, Duration::ZERO);
    let mut snapshots = 0;
    for _ in 0..batches {
        // Making the batch is the bench's work, not the store's.
        let batch = fixture.next_batch();
        snapshots += batch.snapshots.len() as u64;
        let client_before = cpu_ns("/proc/self");
        let started = tokio::time::Instant::now();
        runtime
            .block_on(fixture.store.write_snapshots(fixture.run, &batch))
            .unwrap();
        wall += started.elapsed();
        client += cpu_ns("/proc/self") - client_before;
    }
    let server = cpu_ns(&format!("/proc/{backend}")) - server_before;
    let per = |ns: u64| ns as f64 / 1_000.0 / snapshots as f64;
    println!(
        "ingest/{name}/cpu: {snapshots} snapshots, server {:.2} µs + client {:.2} µs CPU per snapshot \
         ({:.0} snapshots per CPU-second), wall {:.0} snapshots/s",
        per(server),
        per(client),
        snapshots as f64 * 1e9 / (server + client) as f64,
        snapshots as f64 / wall.as_secs_f64(),
    );
}

/// CPU time of every thread of a process, in nanoseconds (`schedstat`'s
/// first field).
fn cpu_ns(process: &str) -> u64 {
    std::fs::read_dir(format!("{process}/task"))
        .unwrap()
        .map(|task| {
            let path = task.unwrap().path().join("schedstat");
            let text = std::fs::read_to_string(&path).unwrap();
            text.split_whitespace()
                .next()
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum()
}

fn ingest(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.sqlite3").display());
    let store = runtime.block_on(Store::open(&url)).unwrap();
    bench_store(c, "sqlite", &runtime, store, None);
    if let Some(url) = postgres_url(&runtime) {
        let store = runtime.block_on(Store::open(&url)).unwrap();
        bench_store(c, "postgres", &runtime, store, Some(&url));
    } else {
        eprintln!("ingest/postgres: SKIPPED (set IOTCARD_BENCH_POSTGRES or run through `cargo xtask with-postgres`)");
    }
}

/// A fresh database on the server the environment names.
fn postgres_url(runtime: &tokio::runtime::Runtime) -> Option<String> {
    let base = std::env::var("IOTCARD_BENCH_POSTGRES")
        .or_else(|_| std::env::var("IOTCARD_TEST_POSTGRES"))
        .ok()
        .filter(|v| !v.is_empty())?;
    let name = format!("iotcard_bench_{}", std::process::id());
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

criterion_group!(benches, ingest);
criterion_main!(benches);
