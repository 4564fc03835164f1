//! The SQLite file stays under 64 bytes per snapshot, indexes included,
//! after 10 hourly syncs of a fleet (issue 14's target is 100,000 cards:
//! `IOTCARD_STORE_SIZE_CARDS=100000 cargo test --release -p iotcard-store
//! --test size -- --nocapture`; the default is smaller so CI stays quick,
//! and the ratio barely depends on the fleet's size).

#[path = "support/synthetic.rs"]
mod synthetic;

use iotcard_store::{AccountSpec, Store};

const TARGET_BYTES_PER_SNAPSHOT: f64 = 64.0;
const SYNCS: u64 = 10;
const BATCH: u64 = 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_syncs_take_at_most_64_bytes_per_snapshot() {
    let cards = synthetic::env_size("IOTCARD_STORE_SIZE_CARDS", 10_000);
    let hours = synthetic::env_size("IOTCARD_STORE_SIZE_HOURS_APART", 1) as i64;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let account = store
        .account(&AccountSpec::new("default", "iotbos", "sys.iotbos.com"))
        .await
        .unwrap();
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-10T00:10:00+08:00").unwrap();
    for sync in 0..SYNCS {
        let at = start + chrono::Duration::hours(sync as i64 * hours);
        let run = store.begin_run(account, at).await.unwrap();
        for from in (0..cards).step_by(BATCH as usize) {
            let batch = synthetic::batch(from, (from + BATCH).min(cards), sync, at);
            store.write_snapshots(run, &batch).await.unwrap();
        }
        store.finish_run(run, at).await.unwrap();
    }
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.snapshots, cards * SYNCS);
    assert_eq!(stats.states, cards, "the state is stored once per card");
    drop(store);
    // Closing the last connection checkpoints the WAL into the file.
    let bytes = std::fs::metadata(&path).unwrap().len()
        + std::fs::metadata(dir.path().join("history.sqlite3-wal")).map_or(0, |m| m.len());
    let per_snapshot = bytes as f64 / stats.snapshots as f64;
    // Where the bytes are, table by table (SQLite's dbstat), for whoever
    // has to make it smaller.
    let connection = rusqlite::Connection::open(&path).unwrap();
    let mut statement = connection
        .prepare(
            "SELECT name, count(*), sum(pgsize), sum(payload), sum(unused) FROM dbstat \
             GROUP BY name ORDER BY sum(pgsize) DESC",
        )
        .unwrap();
    let rows = statement
        .query_map([], |r| {
            Ok(format!(
                "  {:<28} {:>7} pages {:>11} bytes ({:.1}/snapshot), payload {:>11}, unused {:>10}",
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(2)? as f64 / stats.snapshots as f64,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .unwrap();
    for row in rows {
        println!("{}", row.unwrap());
    }
    println!(
        "{cards} cards x {SYNCS} syncs {hours} h apart: {bytes} bytes, {per_snapshot:.1} bytes per \
         snapshot (target {TARGET_BYTES_PER_SNAPSHOT}); {} daily rows",
        stats.daily
    );
    assert!(
        per_snapshot <= TARGET_BYTES_PER_SNAPSHOT,
        "{per_snapshot:.1} bytes per snapshot"
    );
}
