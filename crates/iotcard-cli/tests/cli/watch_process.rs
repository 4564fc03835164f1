//! `iotcard watch` as a process against the simulator's Tencent side and a
//! local DingTalk-shaped robot (which checks token and signature, and
//! records each message's idempotency key): `--once` delivers an alert
//! once; SIGTERM stops it within 10 s with the pass recorded interrupted;
//! SIGHUP with a broken config keeps the old one, with a good one the new
//! rules take over; SIGKILL at random points loses and repeats nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use iotcard_facade::SystemClock;
use iotcard_watch::receivers::Robot;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;

use crate::support::{builder, json_lines, text, Sim};

pub const TOKEN: &str = "SENTINELrobotT0";
pub const SECRET: &str = "SECSENTINELrobotS3";

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

pub fn robot(rt: &tokio::runtime::Runtime) -> Robot {
    rt.block_on(Robot::dingtalk(
        TOKEN,
        Some(SECRET),
        Arc::new(SystemClock::default()),
    ))
    .unwrap()
}

/// The simulator's Tencent side only: one account, `default`, that lists
/// its own cards.
pub fn tencent_only(sim: &Sim) -> Vec<(&'static str, String)> {
    sim.env()
        .into_iter()
        .filter(|(k, _)| k.starts_with("IOTCARD_TENCENT") || *k == "IOTCARD_CA_FILE")
        .collect()
}

/// A config watching `default` every `interval`, with a quota rule (and
/// `extra` after it), notifying the robot.
pub fn config(store: &str, robot: &Robot, interval: &str, extra: &str) -> String {
    format!(
        r#"store = "{store}"

[watch]
interval = "{interval}"
jitter = 0
lease_ttl = "3s"
holder = "test-watcher"

[notifiers.ops]
kind = "dingtalk"
url = "{url}"
secret = "{SECRET}"

[[rules]]
name = "quota"
kind = "quota"
thresholds = [50, 80, 100]
notify = ["ops"]
{extra}"#,
        url = robot.url()
    )
}

pub fn watch(sim: &Sim, config: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("iotcard"));
    cmd.env_clear()
        .env("HOME", sim.home.path())
        .envs(tencent_only(sim))
        .arg("--config")
        .arg(config);
    cmd
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Polls `done` until it holds or `limit` passes.
// Another process is waited for: only the wall clock measures that.
#[allow(clippy::disallowed_methods)]
pub fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

fn sqlite_path(sim: &Sim) -> PathBuf {
    sim.home.path().join("watch.sqlite3")
}

fn bodies(robot: &Robot) -> Vec<String> {
    robot.received().iter().map(|r| text(&r.body)).collect()
}

#[test]
fn watch_once_delivers_a_signed_alert_once() {
    let sim = Sim::start(30);
    let rt = runtime();
    let robot = robot(&rt);
    let store = format!("sqlite://{}", sqlite_path(&sim).display());
    let path = sim.home.path().join("watch.toml");
    std::fs::write(&path, config(&store, &robot, "1h", "")).unwrap();

    let out = watch(&sim, &path)
        .args(["watch", "--once"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("watch default: 30 answered, 0 not found, 0 failed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("watch: 1 notification delivered"),
        "{stderr}"
    );
    let received = robot.received();
    assert_eq!(
        received.len(),
        1,
        "one digest for the rule: {:?}",
        bodies(&robot)
    );
    assert!(
        robot.refusals().is_empty(),
        "signed and accepted: {:?}",
        robot.refusals()
    );
    let body = text(&received[0].body);
    assert!(
        body.contains("[FIRING] quota") && body.contains("past the"),
        "{body}"
    );
    assert!(received[0].idempotency_key().is_some());

    let out = watch(&sim, &path)
        .args(["watch", "--once"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("0 alert changes, 0 notifications queued"),
        "{stderr}"
    );
    assert_eq!(robot.received().len(), 1, "nothing new the second time");

    // JSON log lines on request, the reports as they are.
    let out = watch(&sim, &path)
        .args(["-v", "--log-format", "json", "watch", "--once"])
        .output()
        .unwrap();
    let logged = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{logged}");
    let events: Vec<serde_json::Value> = logged
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        events.iter().any(|e| e["message"] == "watching"
            && e["level"] == "INFO"
            && e["holder"] == "test-watcher"),
        "{logged}"
    );
    assert!(
        logged.contains("iotcard: watch: 0 notifications delivered"),
        "{logged}"
    );

    let out = watch(&sim, &path)
        .args(["alerts", "--firing", "--output", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let alerts = json_lines(&out.stdout);
    assert!(!alerts.is_empty());
    for alert in &alerts {
        assert_eq!(
            (&alert["rule"], &alert["phase"]),
            (&"quota".into(), &"firing".into())
        );
        assert!(
            body.contains(alert["card"].as_str().unwrap()),
            "{alert} in {body}"
        );
    }
    let shown = format!("{stderr}{}", text(&out.stdout));
    assert!(!shown.contains("SENTINEL"), "{shown}");
}

#[test]
// The 10 s of the stop are the wall clock's: another process is timed.
#[allow(clippy::disallowed_methods)]
fn sigterm_stops_within_10s_and_sighup_reloads_or_refuses() {
    // A slow fleet: a pass takes seconds, so SIGTERM lands in one.
    let sim = Sim::with(builder(120).latency(Duration::from_millis(100), Duration::ZERO));
    let rt = runtime();
    let robot = robot(&rt);
    let db = sqlite_path(&sim);
    let store = format!("sqlite://{}", db.display());
    let path = sim.home.path().join("watch.toml");
    std::fs::write(&path, config(&store, &robot, "1s", "")).unwrap();
    let log = sim.home.path().join("watch.log");
    let mut child = watch(&sim, &path)
        .args([
            "-v",
            "--concurrency",
            "4",
            "watch",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();

    assert!(
        wait_for(Duration::from_secs(60), || !robot.received().is_empty()),
        "the first pass notifies: {}",
        log_text()
    );

    // A broken config: refused, logged with why, the process keeps going.
    std::fs::write(
        &path,
        config(
            &store,
            &robot,
            "1s",
            "\n[[rules]]\nname = \"x\"\nkind = \"quotas\"\n",
        ),
    )
    .unwrap();
    signal(&child, "HUP");
    assert!(
        wait_for(Duration::from_secs(10), || log_text()
            .contains("config reload on SIGHUP refused")),
        "{}",
        log_text()
    );
    let refused = log_text();
    assert!(refused.contains("quotas"), "the log says why: {refused}");
    assert!(child.try_wait().unwrap().is_none(), "still running");

    // A good one: its new rule notifies from the next pass on.
    std::fs::write(
        &path,
        config(
            &store,
            &robot,
            "1s",
            "\n[[rules]]\nname = \"expiring\"\nkind = \"expiry\"\nwithin = \"36500d\"\nnotify = [\"ops\"]\n",
        ),
    )
    .unwrap();
    signal(&child, "HUP");
    assert!(
        wait_for(Duration::from_secs(60), || bodies(&robot)
            .iter()
            .any(|b| b.contains("[FIRING] expiring"))),
        "the new rule is used: {}",
        log_text()
    );
    assert!(log_text().contains("config reloaded on SIGHUP"));

    // SIGTERM in the middle of a pass: stops within 10 s.
    let running = || {
        Connection::open(&db)
            .and_then(|c| {
                c.query_row(
                    "SELECT count(*) FROM sync_runs WHERE outcome = 'running'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
            })
            .unwrap_or(0)
            > 0
    };
    assert!(wait_for(Duration::from_secs(30), running), "{}", log_text());
    let asked = Instant::now();
    signal(&child, "TERM");
    let mut status = None;
    wait_for(Duration::from_secs(10), || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    let Some(status) = status else {
        let _ = child.kill();
        panic!("still running 10 s after SIGTERM: {}", log_text());
    };
    let took = asked.elapsed();
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(status.code(), Some(130), "{}", log_text());
    let db = Connection::open(&db).unwrap();
    let last: String = db
        .query_row(
            "SELECT outcome FROM sync_runs ORDER BY run_id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(last, "interrupted", "{}", log_text());
    assert!(!log_text().contains("SENTINEL"), "{}", log_text());
}

#[test]
fn sigkill_at_random_points_loses_and_repeats_no_notification() {
    const KILLS: usize = 8;
    let sim = Sim::with(builder(80).latency(Duration::from_millis(20), Duration::ZERO));
    let rt = runtime();
    let robot = robot(&rt);
    let db = sqlite_path(&sim);
    let store = format!("sqlite://{}", db.display());
    let path = sim.home.path().join("watch.toml");
    // Four rules: four digests to deliver, at different moments.
    let extra = "
[[rules]]
name = \"expiring\"
kind = \"expiry\"
within = \"36500d\"
notify = [\"ops\"]

[[rules]]
name = \"suspended\"
kind = \"status\"
status = \"suspended\"
notify = [\"ops\"]

[[rules]]
name = \"low\"
kind = \"remaining\"
amount = \"20MB\"
notify = [\"ops\"]
";
    std::fs::write(&path, config(&store, &robot, "1h", extra)).unwrap();
    let mut rng = SmallRng::seed_from_u64(15);
    for _ in 0..KILLS {
        let mut child = watch(&sim, &path)
            .args(["--concurrency", "2", "watch", "--once"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.gen_range(50..1500)));
        let _ = child.kill();
        let _ = child.wait();
        let integrity: String = Connection::open(&db)
            .unwrap()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
    }
    // Runs to the end: everything queued goes out.
    let out = watch(&sim, &path)
        .args(["watch", "--once"])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0)),
        "{}",
        text(&out.stderr)
    );
    let db = Connection::open(&db).unwrap();
    let mut keys = db
        .prepare("SELECT idempotency_key, delivered_at FROM outbox")
        .unwrap();
    let outbox: Vec<(String, Option<i64>)> = keys
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(outbox.len() >= 4, "four rules fired: {outbox:?}");
    assert!(
        outbox.iter().all(|(_, at)| at.is_some()),
        "all delivered: {outbox:?}"
    );
    let mut received: HashMap<String, usize> = HashMap::new();
    for r in robot.received() {
        *received
            .entry(r.idempotency_key().unwrap().to_owned())
            .or_default() += 1;
    }
    for (key, _) in &outbox {
        assert!(
            received.contains_key(key),
            "{key} never arrived: {received:?}"
        );
    }
    assert_eq!(
        received.len(),
        outbox.len(),
        "nothing but the outbox arrived"
    );
    let repeated: Vec<_> = received.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "sent twice: {repeated:?}");
}
