//! One evaluation pass over a store of N cards: the latest snapshots read
//! a page at a time, every rule evaluated, the alert changes and outbox
//! entries committed (issue 15's target: 1,000,000 cards in 2 s).
//!
//! `IOTCARD_BENCH_WATCH_CARDS` cards (default 100,000) in a SQLite file,
//! two syncs each; `IOTCARD_BENCH_WATCH_DAILY=1` adds rules that read
//! daily usage (forecast, silent, spike). The first pass fires the quota alerts of the cards over
//! 20% (about a third) and is timed on its own; criterion then times the
//! steady pass, which reads and evaluates everything and changes nothing.

#[path = "../../iotcard-store/tests/support/synthetic.rs"]
mod synthetic;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use criterion::{criterion_group, criterion_main, Criterion};
use iotcard_facade::{Entropy, FixedClock, IotbosClient};
use iotcard_rules::{RuleConfig, RuleSet};
use iotcard_store::{AccountSpec, CardId, Store};
use iotcard_transport::HttpTransport;
use iotcard_watch::{Deliverer, PlatformSync, RetryPolicy, WatchPlan, WatchedAccount, Watcher};

const BATCH: u64 = 5_000;

fn at(hours: u64) -> iotcard_model::Instant {
    chrono::DateTime::parse_from_rfc3339("2026-11-20T00:10:00+08:00").unwrap()
        + chrono::Duration::hours(hours as i64)
}

async fn fill(store: &Store, spec: &AccountSpec, cards: u64) {
    let account = store.account(spec).await.unwrap();
    for sync in 0..2 {
        let run = store.begin_run(account, at(sync)).await.unwrap();
        for from in (0..cards).step_by(BATCH as usize) {
            let batch = synthetic::batch(from, (from + BATCH).min(cards), sync, at(sync));
            store.write_snapshots(run, &batch).await.unwrap();
        }
        store.finish_run(run, at(sync)).await.unwrap();
    }
}

/// The rules: five that read the latest snapshots (and the runs); with
/// `IOTCARD_BENCH_WATCH_DAILY=1` also three that read each card's daily
/// usage (a week of it).
fn rules() -> RuleSet {
    #[derive(serde::Deserialize)]
    struct Config {
        rules: Vec<RuleConfig>,
    }
    let daily = std::env::var("IOTCARD_BENCH_WATCH_DAILY").is_ok_and(|v| v == "1");
    let daily_rules = r#"
        [[rules]]
        name = "forecast"
        kind = "forecast"
        lookback = "3d"
        notify = ["am"]

        [[rules]]
        name = "silent"
        kind = "silent"
        days = 3
        notify = ["am"]

        [[rules]]
        name = "spike"
        kind = "spike"
        factor = 3
        notify = ["am"]
        "#;
    let text = format!(
        "{}{}",
        if daily { daily_rules } else { "" },
        r#"
        [[rules]]
        name = "quota"
        kind = "quota"
        thresholds = [20, 25, 30]
        notify = ["am"]

        [[rules]]
        name = "remaining"
        kind = "remaining"
        amount = "1MB"
        notify = ["am"]

        [[rules]]
        name = "expiring"
        kind = "expiry"
        within = "30d"
        notify = ["am"]

        [[rules]]
        name = "disabled"
        kind = "status"
        status = "disabled"
        notify = ["am"]

        [[rules]]
        name = "stale"
        kind = "sync"
        older_than = "2h"
        notify = ["am"]
        "#
    );
    let config: Config = toml::from_str(&text).unwrap();
    RuleSet::new(config.rules).unwrap()
}

fn pass(c: &mut Criterion) {
    let cards = synthetic::env_size("IOTCARD_BENCH_WATCH_CARDS", 100_000);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("watch.sqlite3").display());
    let spec = AccountSpec::new("fleet", "iotbos", "sys.iotbos.com");
    let store = runtime.block_on(async {
        let store = Store::open(&url).await.unwrap();
        fill(&store, &spec, cards).await;
        store
    });
    // Never called: the bench evaluates what the store holds.
    let client = IotbosClient::builder()
        .account("bench")
        .password("unused")
        .build()
        .unwrap();
    let am = iotcard_notify::Notifier::new(
        "am",
        iotcard_notify::Channel::Webhook(iotcard_notify::Webhook::new(
            iotcard_notify::SecretUrl::parse("http://127.0.0.1:9/hook".to_owned()).unwrap(),
            "am",
            String::new(),
            0,
        )),
    );
    let plan = WatchPlan::new(rules(), [am]).account(WatchedAccount::new(
        spec,
        Arc::new(PlatformSync(client)),
        Duration::from_secs(3600),
    ));
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(at(1).timestamp() as u64 + 60);
    let transport = HttpTransport::builder().build().unwrap();
    let deliverer = Deliverer::builder(transport)
        .retry(RetryPolicy::once())
        .build()
        .unwrap();
    let watcher = Watcher::builder(store, Arc::new(deliverer))
        .clock(Arc::new(FixedClock::new(now)))
        .entropy(Entropy::Seed(1))
        .holder("bench")
        .build()
        .unwrap();
    // What reading the pages alone costs, to tell the store's share.
    let started = tokio::time::Instant::now();
    let read = runtime.block_on(async {
        let store = Store::open(&url).await.unwrap();
        let account = store.account(&plan.accounts[0].spec).await.unwrap();
        let (mut after, mut read) = (None, 0u64);
        loop {
            let page = store.latest_page(account, after, 5_000).await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.card.id);
            read += page.len() as u64;
        }
        read
    });
    eprintln!(
        "reading {read} latest snapshots in pages of 5,000: {:?}",
        started.elapsed()
    );
    // The evaluation's way: ranges of 2,000 ids, on the read-only
    // connections (one at a time here).
    for _ in 0..3 {
        let started = tokio::time::Instant::now();
        let read = runtime.block_on(async {
            let store = Store::open(&url).await.unwrap();
            let account = store.account(&plan.accounts[0].spec).await.unwrap();
            let (low, high) = store.card_id_span(account).await.unwrap().unwrap();
            let (mut after, mut read) = (low.0 - 1, 0u64);
            while after < high.0 {
                let upto = (after + 2_000).min(high.0);
                read += store
                    .latest_range(account, CardId(after), CardId(upto))
                    .await
                    .unwrap()
                    .len() as u64;
                after = upto;
            }
            read
        });
        eprintln!(
            "reading {read} latest snapshots in ranges of 2,000 ids: {:?}",
            started.elapsed()
        );
    }
    let started = tokio::time::Instant::now();
    let first = runtime.block_on(watcher.evaluate(&plan, "fleet")).unwrap();
    eprintln!(
        "first pass over {cards} cards: {:?}, {} transitions, {} queued",
        started.elapsed(),
        first.transitions,
        first.queued
    );
    let mut group = c.benchmark_group("watch");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function(format!("evaluation pass, {cards} cards"), |b| {
        b.iter(|| {
            let r = runtime.block_on(watcher.evaluate(&plan, "fleet")).unwrap();
            assert_eq!(r.cards, cards);
            assert_eq!(r.queued, 0);
        })
    });
    group.finish();
}

criterion_group!(benches, pass);
criterion_main!(benches);
