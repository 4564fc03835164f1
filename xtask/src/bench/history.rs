//! The fleet history rows of `cargo xtask bench` (issue 14): `iotcard
//! sync` of N IoTBOS cards (L = 0) into SQLite against an `export` of the
//! same cards in the same run, its peak RSS against a sync of N / 10, the
//! SQLite file per snapshot after 10 syncs of N / 10, `fleet
//! --expiring-within 30d` over the N cards, and one card's history of a
//! year of hourly snapshots. Every command runs under `iotcard-bench
//! peak-rss`, against one simulator in its own process.

use std::ffi::OsString;
use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use super::{
    count_lines, head, output, write_numbers, Binaries, Object, Options, Row, Scratch, SimProcess,
    SimSpec, Trio,
};
use crate::run::Failure;

const MAX_SYNC_VS_EXPORT: f64 = 1.25;
const MAX_SYNC_RSS_MIB: f64 = 64.0;
const MAX_SYNC_RSS_GROWTH: f64 = 1.2;
const MAX_BYTES_PER_SNAPSHOT: f64 = 64.0;
const MAX_FLEET_S: f64 = 2.0;
const MAX_HISTORY_MS: f64 = 20.0;
/// Syncs of N / 10 cards before the file is weighed.
const SYNCS: u32 = 10;

/// One measured command's figures.
struct Measured {
    wall_s: f64,
    peak_rss_mib: f64,
    exit: f64,
}

impl Measured {
    fn from(line: &Object) -> Result<Self, Failure> {
        Ok(Self {
            wall_s: line.num("wall_s")?,
            peak_rss_mib: line.num("peak_rss_kib")? / 1024.0,
            exit: line.num("exit_code").unwrap_or(-1.0),
        })
    }
}

/// `iotcard ARGS` under `peak-rss`, pointed at `sim`, its standard output
/// to `stdout` (or discarded), its standard error to `stderr`.
fn measured(
    bins: &Binaries,
    sim: &SimProcess,
    args: &[OsString],
    stdout: &Path,
    stderr: &Path,
) -> Result<Measured, Failure> {
    let mut command = Command::new(&bins.bench);
    command
        .arg("peak-rss")
        .arg("--stdout")
        .arg(stdout)
        .arg("--")
        .arg(&bins.iotcard)
        .args(args);
    sim.point(&mut command);
    let errors = File::create(stderr)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", stderr.display())))?;
    command.stderr(errors).stdin(Stdio::null());
    Measured::from(&Object::last_line(
        &output(command)?,
        "iotcard-bench peak-rss",
    )?)
}

fn args(parts: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    parts.iter().map(|p| p.as_ref().to_owned()).collect()
}

pub(super) fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines().rev().take(5).collect::<Vec<_>>().join("\n")
}

/// A sync must end 0 (all answered) or 3 (the simulator's fleet has cards
/// it does not hold, as real accounts do); anything else stops the bench.
fn check_exit(what: &str, m: &Measured, stderr: &Path) -> Result<(), Failure> {
    if m.exit == 0.0 || m.exit == 3.0 {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "{what} exited {}:\n{}",
            m.exit,
            tail(stderr)
        )))
    }
}

fn store_info(bins: &Binaries, store: &str) -> Result<Object, Failure> {
    let mut command = Command::new(&bins.iotcard);
    command.args(["--store", store, "--output", "jsonl", "store", "info"]);
    Object::last_line(&output(command)?, "iotcard store info")
}

pub(super) fn inventory_add(
    bins: &Binaries,
    sim: &SimProcess,
    store: &str,
    numbers: &Path,
) -> Result<(), Failure> {
    let mut command = Command::new(&bins.iotcard);
    command
        .args(["--provider", "iotbos", "--store", store, "inventory", "add"])
        .arg(numbers);
    sim.point(&mut command);
    output(command).map(drop)
}

fn only(text: String) -> Trio<String> {
    Trio {
        cli: text,
        ..Trio::default()
    }
}

pub fn rows(options: &Options, bins: &Binaries, scratch: &Scratch) -> Result<Vec<Row>, Failure> {
    let big = options.history_cards;
    let small = (big / 10).max(1);
    let (batch, concurrency) = (options.batch.to_string(), options.concurrency.to_string());
    let big_numbers = scratch.file("history-big.txt");
    let small_numbers = scratch.file("history-small.txt");
    write_numbers(&bins.iotcard, big, &big_numbers)?;
    head(&big_numbers, small, &small_numbers)?;
    let sim = SimProcess::start(&bins.iotcard, &SimSpec::clean(big, 0))?;
    let errors = scratch.file("history.err");
    let discard = scratch.file("history.out");
    let tuning: [&dyn AsRef<std::ffi::OsStr>; 6] = [
        &"--provider",
        &"iotbos",
        &"--batch-size",
        &batch,
        &"--concurrency",
        &concurrency,
    ];

    // The export the sync is held to: the same cards, the same simulator.
    let exported = scratch.file("history-export.jsonl");
    let mut export_args = args(&tuning);
    export_args.extend(args(&[
        &"export",
        &"--from",
        &big_numbers,
        &"--out",
        &exported,
    ]));
    let export = measured(bins, &sim, &export_args, &discard, &errors)?;
    check_exit("export", &export, &errors)?;
    let _ = std::fs::remove_file(&exported);

    let sync_into = |store: &str| -> Result<Measured, Failure> {
        let mut sync_args = args(&tuning);
        sync_args.extend(args(&[&"--store", &store, &"sync"]));
        let m = measured(bins, &sim, &sync_args, &discard, &errors)?;
        check_exit("sync", &m, &errors)?;
        Ok(m)
    };

    let big_path = scratch.file("history-big.sqlite3");
    let big_store = format!("sqlite://{}", big_path.display());
    inventory_add(bins, &sim, &big_store, &big_numbers)?;
    let big_sync = sync_into(&big_store)?;
    let big_info = store_info(bins, &big_store)?;
    let fleet_out = scratch.file("history-fleet.jsonl");
    let fleet = measured(
        bins,
        &sim,
        &args(&[
            &"--store",
            &big_store,
            &"--output",
            &"jsonl",
            &"fleet",
            &"--expiring-within",
            &"30d",
        ]),
        &fleet_out,
        &errors,
    )?;
    let fleet_rows = count_lines(&fleet_out)?;
    let _ = std::fs::remove_file(&fleet_out);

    let small_path = scratch.file("history-small.sqlite3");
    let small_store = format!("sqlite://{}", small_path.display());
    inventory_add(bins, &sim, &small_store, &small_numbers)?;
    let small_sync = sync_into(&small_store)?;
    let mut later = Vec::new();
    let mut last = small_sync.wall_s;
    for _ in 1..SYNCS {
        // Each sync in its own second: a card's snapshot is kept once per
        // second, and a quick sync would otherwise store nothing new.
        if last < 1.05 {
            std::thread::sleep(std::time::Duration::from_secs_f64(1.05 - last));
        }
        last = sync_into(&small_store)?.wall_s;
        later.push(last);
    }
    let small_info = store_info(bins, &small_store)?;
    sim.stop();

    let history_path = scratch.file("history-year.sqlite3");
    let mut command = Command::new(&bins.bench);
    command
        .args(["history-read", "--store"])
        .arg(format!("sqlite://{}", history_path.display()));
    let history = Object::last_line(&output(command)?, "iotcard-bench history-read")?;
    let history_ms = history.num("median_ms")?;
    let history_rows = history.num("rows")?;

    for path in [&big_path, &small_path, &history_path] {
        let _ = std::fs::remove_file(path);
    }

    let snapshots = small_info.num("snapshots")?;
    let per_snapshot = small_info.num("bytes")? / snapshots.max(1.0);
    let vs_export = big_sync.wall_s / export.wall_s;
    let growth = big_sync.peak_rss_mib / small_sync.peak_rss_mib;
    let quick = options.quick;
    let judged = |name: String, value: String, target: String, met: bool| {
        if quick {
            Row::info(&name, only(value))
        } else {
            Row::judged(&name, only(value.clone()), target, vec![(value, met)])
        }
    };
    later.sort_by(f64::total_cmp);
    Ok(vec![
        Row::info(
            &format!("export {big} cards for the sync (wall s)"),
            only(format!("{:.2}", export.wall_s)),
        ),
        Row::info(
            &format!("sync {big} cards into SQLite: wall (s) / cards/s"),
            only(format!("{:.2} / {:.0}", big_sync.wall_s, big as f64 / big_sync.wall_s)),
        ),
        judged(
            format!("sync {big} cards wall / export wall"),
            format!("{vs_export:.2}"),
            format!("<= {MAX_SYNC_VS_EXPORT}"),
            vs_export <= MAX_SYNC_VS_EXPORT,
        ),
        Row::info(
            &format!("sync {small} cards peak RSS (MiB)"),
            only(format!("{:.1}", small_sync.peak_rss_mib)),
        ),
        judged(
            format!("sync {big} cards peak RSS (MiB)"),
            format!("{:.1}", big_sync.peak_rss_mib),
            format!("<= {MAX_SYNC_RSS_MIB}"),
            big_sync.peak_rss_mib <= MAX_SYNC_RSS_MIB,
        ),
        judged(
            format!("sync peak RSS, {big} / {small} cards"),
            format!("{growth:.2}"),
            format!("<= {MAX_SYNC_RSS_GROWTH}"),
            growth <= MAX_SYNC_RSS_GROWTH,
        ),
        Row::info(
            &format!("store after one sync of {big}: snapshots / bytes"),
            only(format!("{:.0} / {:.0}", big_info.num("snapshots")?, big_info.num("bytes")?)),
        ),
        Row::info(
            &format!("later syncs of {small} cards (median wall s)"),
            only(format!("{:.2}", later.get(later.len() / 2).copied().unwrap_or(small_sync.wall_s))),
        ),
        judged(
            format!("SQLite bytes per snapshot after {SYNCS} syncs of {small} ({snapshots:.0} snapshots)"),
            format!("{per_snapshot:.1}"),
            format!("<= {MAX_BYTES_PER_SNAPSHOT}"),
            per_snapshot <= MAX_BYTES_PER_SNAPSHOT,
        ),
        judged(
            format!("fleet --expiring-within 30d over {big} cards ({fleet_rows} rows, JSON lines; wall s)"),
            format!("{:.2}", fleet.wall_s),
            format!("<= {MAX_FLEET_S}"),
            fleet.wall_s <= MAX_FLEET_S,
        ),
        judged(
            format!("history of {history_rows:.0} hourly snapshots (ms, median of 21 reads)"),
            format!("{history_ms:.2}"),
            format!("<= {MAX_HISTORY_MS}"),
            history_ms <= MAX_HISTORY_MS,
        ),
    ])
}
