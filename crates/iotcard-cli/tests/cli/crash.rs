//! Crash safety: `iotcard sync` killed with SIGKILL at random moments,
//! many times, against a slow simulator. After every kill the SQLite file
//! passes `PRAGMA integrity_check`, holds no duplicate snapshot, and its
//! snapshots are exactly what its runs counted as answered (a batch and
//! its counters commit together); the next sync marks the killed run
//! interrupted; a last sync runs to the end with nothing lost.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;

use crate::support::{builder, text, Sim};

const CARDS: usize = 600;
const KILLS: usize = 12;

/// `iotcard --provider iotbos … sync`, small batches so there is always
/// one in flight to kill.
fn sync(sim: &Sim, store: &str) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("iotcard"));
    cmd.env_clear()
        .env("HOME", sim.home.path())
        .envs(sim.env())
        .args(["--provider", "iotbos", "--store", store])
        .args(["--batch-size", "10", "--concurrency", "2"])
        .args(["sync", "--commit-every", "25", "--commit-interval", "100ms"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

struct Check {
    snapshots: i64,
    runs: Vec<(i64, String, i64)>,
}

/// Everything that must hold whenever no sync is running.
fn check(path: &std::path::Path) -> Check {
    let db = Connection::open(path).unwrap();
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let duplicates: i64 = db
        .query_row(
            "SELECT count(*) FROM (SELECT card_id, taken_at FROM card_history \
             GROUP BY card_id, taken_at HAVING count(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(duplicates, 0, "no snapshot is stored twice");
    let snapshots: i64 = db
        .query_row("SELECT count(*) FROM card_history", [], |r| r.get(0))
        .unwrap();
    let answered: i64 = db
        .query_row(
            "SELECT coalesce(sum(cards_answered), 0) FROM sync_runs",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        snapshots, answered,
        "every snapshot counted, every count stored"
    );
    let mut runs = db
        .prepare("SELECT run_id, outcome, cards_asked FROM sync_runs ORDER BY run_id")
        .unwrap();
    let runs = runs
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    Check { snapshots, runs }
}

/// Sleeps to the start of the next second: two syncs never take a card's
/// snapshot in the same second (the store would keep only the first).
// The sync's clock is the system clock, so this must read the same one.
#[allow(clippy::disallowed_methods)]
fn next_second() {
    let since = std::time::UNIX_EPOCH.elapsed().unwrap();
    std::thread::sleep(Duration::from_nanos(
        1_000_000_000 - u64::from(since.subsec_nanos()),
    ));
}

#[test]
// Times real processes (how long a sync takes, the test's own budget).
#[allow(clippy::disallowed_methods)]
fn sigkill_at_random_points_loses_and_duplicates_nothing() {
    let started = Instant::now();
    let sim = Sim::with(builder(CARDS as u64).latency(Duration::from_millis(15), Duration::ZERO));
    let path = sim.home.path().join("crash.sqlite3");
    let store = format!("sqlite://{}", path.display());
    let numbers: Vec<String> = sim
        .sim()
        .fleet()
        .numbers()
        .take(CARDS)
        .map(|n| n.to_string())
        .collect();
    let list = sim.home.path().join("inventory.txt");
    std::fs::write(&list, numbers.join("\n")).unwrap();
    let out = sim
        .iotbos(&["--store", &store, "inventory", "add"])
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // How long a whole sync takes here, so kills land within one.
    let timed = Instant::now();
    let whole = sync(&sim, &store).output().unwrap();
    assert!(
        matches!(whole.status.code(), Some(0 | 3)),
        "{}",
        text(&whole.stderr)
    );
    let span = timed.elapsed();
    assert!(
        span > Duration::from_millis(400),
        "the sync is too quick to kill: {span:?}"
    );
    let baseline = check(&path);

    let mut rng = SmallRng::seed_from_u64(14);
    let mut killed = Vec::new();
    let mut mid_run = 0;
    for _ in 0..KILLS {
        next_second();
        let mut child = sync(&sim, &store).spawn().unwrap();
        let at = rng.gen_range(50..(span.as_millis() as u64 * 9 / 10));
        std::thread::sleep(Duration::from_millis(at));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
        }
        let _ = child.wait();
        let after = check(&path);
        let newest = after.runs.last().unwrap();
        killed.push(newest.0);
        if newest.1 == "running" {
            mid_run += 1;
        }
        // Every earlier killed run was found open and marked by the next.
        for (id, outcome, _) in &after.runs {
            if killed.contains(id) && *id != newest.0 {
                assert_eq!(outcome, "interrupted", "run {id}");
            }
        }
    }
    assert!(mid_run >= KILLS / 2, "only {mid_run} kills landed mid-run");
    next_second();
    let last = sync(&sim, &store).output().unwrap();
    assert!(
        matches!(last.status.code(), Some(0 | 3)),
        "{}",
        text(&last.stderr)
    );
    let end = check(&path);
    let (_, outcome, asked) = end.runs.last().unwrap();
    assert_eq!(outcome, "finished");
    assert_eq!(*asked as usize, CARDS, "the last sync asked every card");
    for (id, outcome, _) in &end.runs {
        if killed.contains(id) {
            // A kill that came after the end leaves a finished run.
            assert!(
                outcome == "interrupted" || outcome == "finished",
                "run {id}: {outcome}"
            );
        }
    }
    // Nothing lost: the last run added exactly its answers, as the first
    // whole sync did.
    let first_answered = baseline.snapshots;
    let db = Connection::open(&path).unwrap();
    let last_run_snapshots: i64 = db
        .query_row(
            "SELECT count(*) FROM card_history h JOIN sync_runs r ON r.run_id = \
             (SELECT max(run_id) FROM sync_runs) WHERE h.taken_at >= r.started_at",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(last_run_snapshots, first_answered);
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "the crash test took {:?}",
        started.elapsed()
    );
}

#[test]
fn sigterm_commits_what_is_in_hand_and_records_the_run_interrupted() {
    let sim = Sim::with(builder(CARDS as u64).latency(Duration::from_millis(15), Duration::ZERO));
    let path = sim.home.path().join("term.sqlite3");
    let store = format!("sqlite://{}", path.display());
    let numbers: Vec<String> = sim.sim().fleet().numbers().map(|n| n.to_string()).collect();
    let list = sim.home.path().join("inventory.txt");
    std::fs::write(&list, numbers.join("\n")).unwrap();
    let out = sim
        .iotbos(&["--store", &store, "inventory", "add"])
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let child = sync(&sim, &store).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("recorded as interrupted"), "{stderr}");
    let after = check(&path);
    let (_, outcome, asked) = after.runs.last().unwrap();
    assert_eq!(outcome, "interrupted");
    assert!(*asked > 0 && (*asked as usize) < CARDS, "{asked}");
    assert!(after.snapshots > 0, "committed batches stay");
}
