//! The report at fleet scale: a SQLite store of `IOTCARD_BENCH_REPORT_CARDS`
//! cards (default 1,000,000; two syncs a day apart, so each has a daily
//! row), then the store read plus the HTML page, five times. Prints the
//! median, the peak resident memory of the report alone (the fill's is
//! reset first) and the page's size, and fails past the budget: 10 s,
//! 256 MiB, 2 MiB.
//!
//! `cargo bench -p iotcard-report --bench scale`

use std::time::Duration;

// The measuring clock (tokio's: the workspace keeps std's `Instant::now` out).
use tokio::time::Instant as Wall;

use iotcard_report::{Period, Report};
use iotcard_store::{AccountSpec, ReportScope, Store};

#[path = "../../iotcard-store/tests/support/synthetic.rs"]
mod synthetic;

const BATCH: u64 = 10_000;

fn at(sync: u64) -> iotcard_model::Instant {
    chrono::DateTime::parse_from_rfc3339("2026-11-10T09:00:00+08:00").unwrap()
        + chrono::Duration::days(sync as i64)
}

/// Peak resident memory since the last reset, in KiB (Linux).
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // and only wants it to build and run small.
    let benching = std::env::args().any(|a| a == "--bench");
    let cards = synthetic::env_size(
        "IOTCARD_BENCH_REPORT_CARDS",
        if benching { 1_000_000 } else { 2_000 },
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        let store = Store::open(&format!("sqlite://{}/scale.sqlite3", dir.path().display()))
            .await
            .unwrap();
        let fleet = store
            .account(&AccountSpec::new("fleet", "iotbos", "sys.iotbos.com"))
            .await
            .unwrap();
        let filling = Wall::now();
        for sync in 0..2 {
            let run = store.begin_run(fleet, at(sync)).await.unwrap();
            for from in (0..cards).step_by(BATCH as usize) {
                let batch = synthetic::batch(from, (from + BATCH).min(cards), sync, at(sync));
                store.write_snapshots(run, &batch).await.unwrap();
            }
            store.finish_run(run, at(sync)).await.unwrap();
        }
        eprintln!(
            "filled {cards} cards × 2 syncs in {:.1?}",
            filling.elapsed()
        );
        // Forget the fill's peak: what follows is the report's own.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let period = Period::month("2026-11").unwrap();
        let scope = ReportScope {
            since: period.since,
            until: period.until,
            profiles: Vec::new(),
        };
        let mut times: Vec<Duration> = Vec::new();
        let mut size = 0;
        for _ in 0..5 {
            let started = Wall::now();
            let figures = store.report(&scope).await.unwrap();
            let report = Report::new(&period, &figures, period.until);
            let page = report.to_html().unwrap();
            times.push(started.elapsed());
            assert_eq!(report.fleet.cards, cards);
            size = page.len();
        }
        times.sort();
        let median = times[times.len() / 2];
        let peak = peak_kib();
        println!(
            "report over {cards} cards: median {median:.2?} (min {:.2?}, max {:.2?}), \
             peak RSS {:.1} MiB, page {size} bytes",
            times[0],
            times[times.len() - 1],
            peak as f64 / 1024.0
        );
        if cards >= 1_000_000 {
            assert!(
                median <= Duration::from_secs(10),
                "median {median:?} > 10 s"
            );
            assert!(peak <= 256 * 1024, "peak {peak} KiB > 256 MiB");
        }
        assert!(size < 2 << 20, "page {size} bytes ≥ 2 MiB");
    });
}
