//! The watcher's checking and reading commands as processes: `rules
//! check`, `notify test` against local DingTalk-shaped robots, `rules
//! replay` and `alerts` over a store a real `sync` wrote, and `sim
//! --robot` receiving what `notify test` sends.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use iotcard_facade::SystemClock;
use iotcard_watch::receivers::Robot;

use crate::support::{json_lines, text, Sim};

const TOKEN: &str = "SENTINELtokenR4";
const SECRET: &str = "SECSENTINELsecretK2";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// The simulator's IoTBOS side only, so the top level is one account
/// (`default`).
fn iotbos_only(sim: &Sim) -> Vec<(&'static str, String)> {
    sim.env()
        .into_iter()
        .filter(|(k, _)| k.starts_with("IOTCARD_IOTBOS") || *k == "IOTCARD_CA_FILE")
        .collect()
}

fn write_config(sim: &Sim, text: &str) -> std::path::PathBuf {
    let path = sim.home.path().join("watch.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn iotcard(sim: &Sim, config: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = sim.bare();
    cmd.envs(iotbos_only(sim)).arg("--config").arg(config);
    cmd
}

const RULES: &str = r#"
[notifiers.ops]
kind = "webhook"
url = "http://127.0.0.1:9/hook"

[[rules]]
name = "quota"
kind = "quota"
thresholds = [80, 90, 100]
notify = ["ops"]
renotify = "24h"
quiet_hours = "22:00-08:00"
timezone = "Asia/Shanghai"

[[rules]]
name = "stale"
kind = "sync"
older_than = "2h"
notify = ["ops"]
"#;

#[test]
fn rules_check_explains_every_rule_and_names_a_bad_one() {
    let sim = Sim::start(1);
    let config = write_config(&sim, RULES);
    let out = iotcard(&sim, &config)
        .args(["rules", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with("quota (quota, warning): data used at 80%, 90%, 100%"),
        "{stdout}"
    );
    assert!(lines[0].contains("22:00-08:00 (Asia/Shanghai)"), "{stdout}");
    assert!(lines[1].starts_with("stale (sync, warning)"), "{stdout}");
    assert!(
        lines[2]
            .contains("2 rules and 1 notifier (ops: webhook) are valid; watching default every 1h"),
        "{stdout}"
    );

    for (bad, wanted) in [
        (
            RULES.replace(
                "notify = [\"ops\"]\nrenotify",
                "notify = [\"opz\"]\nrenotify",
            ),
            "rule \"quota\": notify names \"opz\", which no [notifiers.opz] section defines",
        ),
        (
            RULES.replace("older_than = \"2h\"", "older_than = \"2 hours\""),
            "[[rules]] #2: invalid duration \"2 hours\"",
        ),
        (
            RULES.replace("thresholds =", "threshold ="),
            "[[rules]] #1: unknown field `threshold`",
        ),
        (
            format!("{RULES}\n[watch]\ninterval = \"0s\"\n"),
            "`interval` under [watch] must be at least 1s",
        ),
    ] {
        let config = write_config(&sim, &bad);
        let out = iotcard(&sim, &config)
            .args(["rules", "check"])
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("watch.toml"), "{stderr}");
        assert!(stderr.contains(wanted), "{wanted}: {stderr}");
        assert!(out.stdout.is_empty(), "nothing explained from a bad config");
    }
}

#[test]
fn notify_test_delivers_a_signed_sample_or_says_why_not() {
    let sim = Sim::start(1);
    let rt = runtime();
    let clock = Arc::new(SystemClock::default());
    let robot = rt
        .block_on(Robot::dingtalk(TOKEN, Some(SECRET), clock))
        .unwrap();
    let config = |secret: &str| {
        format!(
            "[notifiers.ops]\nkind = \"dingtalk\"\nurl = \"{}\"\nsecret = \"{secret}\"\n",
            robot.url()
        )
    };
    let good = write_config(&sim, &config(SECRET));
    let out = iotcard(&sim, &good)
        .args(["notify", "test", "ops"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        "notify test ops: delivered to the dingtalk notifier in 1 attempt"
    );
    let received = robot.received();
    assert_eq!(received.len(), 1, "one message, signed (the robot checks)");
    let body = text(&received[0].body);
    assert!(
        body.contains("iotcard-test") && body.contains("89860000000000000001"),
        "{body}"
    );

    let wrong = write_config(&sim, &config("SECSENTINELwrong"));
    let out = iotcard(&sim, &wrong)
        .args(["notify", "test", "ops"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("notify test ops: not delivered after 1 attempt"),
        "{stderr}"
    );
    assert!(stderr.contains("sign"), "{stderr}");
    assert!(
        !stderr.contains("SENTINEL"),
        "no token or secret shown: {stderr}"
    );
    assert_eq!(
        robot.received().len(),
        1,
        "the refused message was not retried"
    );

    let out = iotcard(&sim, &good)
        .args(["notify", "test", "opz"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown notifier \"opz\"") && stderr.contains("defines ops"),
        "{stderr}"
    );

    // A robot that is down: the error says so, without the token.
    drop(robot);
    let out = iotcard(&sim, &good)
        .args(["notify", "test", "ops"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("no answer from"), "{stderr}");
    assert!(!stderr.contains("SENTINEL"), "{stderr}");
}

#[test]
fn replay_and_alerts_read_a_store_a_sync_wrote() {
    let sim = Sim::start(40);
    let store = format!("sqlite://{}", sim.home.path().join("h.sqlite3").display());
    let numbers: Vec<String> = sim
        .fully_known(30)
        .iter()
        .map(|c| c.number().to_string())
        .collect();
    let list = sim.home.path().join("cards.txt");
    std::fs::write(&list, numbers.join("\n")).unwrap();
    // Every card with data is past 0% of its allowance: a one-step quota
    // rule at the lowest step fires for each.
    let config = write_config(
        &sim,
        "[[rules]]\nname = \"any-use\"\nkind = \"quota\"\nthresholds = [0.001]\n\n\
         [[rules]]\nname = \"stale\"\nkind = \"sync\"\nolder_than = \"1h\"\n",
    );
    let run = |args: &[&str]| {
        let out = iotcard(&sim, &config)
            .args(["--store", &store])
            .args(args)
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 3)),
            "{args:?}: {}",
            text(&out.stderr)
        );
        out
    };
    run(&["inventory", "add", list.to_str().unwrap()]);
    run(&["sync"]);
    std::thread::sleep(Duration::from_millis(1100));
    run(&["sync"]);

    let out = run(&["rules", "replay", "--since", "1d", "--output", "jsonl"]);
    let rows = json_lines(&out.stdout);
    let firing: Vec<_> = rows
        .iter()
        .filter(|r| r["rule"] == "any-use" && r["transition"] == "firing")
        .collect();
    assert!(!firing.is_empty(), "{rows:?}");
    assert!(firing.len() <= 30);
    for row in &firing {
        assert_eq!(row["profile"], "default");
        assert!(
            numbers.contains(&row["card"].as_str().unwrap().to_owned()),
            "{row}"
        );
        assert!(
            row["figures"]
                .as_str()
                .unwrap()
                .contains("past the 0.001% step"),
            "{row}"
        );
    }
    // The second pass changes nothing: each card fires once.
    let mut cards: Vec<&str> = firing.iter().map(|r| r["card"].as_str().unwrap()).collect();
    cards.sort_unstable();
    cards.dedup();
    assert_eq!(cards.len(), firing.len(), "no card fired twice: {rows:?}");
    assert!(
        rows.iter().all(|r| r["rule"] != "stale"),
        "fresh syncs are not stale: {rows:?}"
    );
    // Every format the listing commands have.
    let csv = run(&["rules", "replay", "--since", "1d", "--output", "csv"]);
    let csv = text(&csv.stdout);
    assert!(
        csv.starts_with("at,transition,rule,profile,card,severity,since,notify_at,figures\n"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), rows.len() + 1);
    let table = run(&["rules", "replay", "--since", "1d", "--output", "table"]);
    assert!(text(&table.stdout).contains("any-use"));

    // Nothing has evaluated into the store yet: no alerts, in any format.
    let out = run(&["alerts", "--output", "json"]);
    assert_eq!(text(&out.stdout).trim(), "[]");
    let out = run(&["alerts", "--firing", "--output", "csv"]);
    assert!(
        text(&out.stdout).starts_with("rule,profile,card,phase,severity,since"),
        "{}",
        text(&out.stdout)
    );

    let out = iotcard(&sim, &config)
        .args(["--store", &store, "rules", "replay", "--profile", "shop"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown profile \"shop\""),
        "{}",
        text(&out.stderr)
    );
}

#[test]
// The simulator is another process: only the wall clock bounds the wait.
#[allow(clippy::disallowed_methods)]
fn sim_robot_prints_what_notify_test_sends() {
    let home = tempfile::tempdir().unwrap();
    let mut sim = Command::new(assert_cmd::cargo::cargo_bin("iotcard"))
        .env_clear()
        .env("HOME", home.path())
        .args(["sim", "--cards", "5", "--robot"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(sim.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: serde_json::Value = serde_json::from_str(&line).unwrap();
    let url = ready["IOTCARD_SIM_ROBOT_URL"].as_str().unwrap();
    let secret = ready["IOTCARD_SIM_ROBOT_SECRET"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[notifiers.ops]\nkind = \"dingtalk\"\nurl = \"{url}\"\nsecret = \"{secret}\"\n"),
    )
    .unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin("iotcard"))
        .env_clear()
        .env("HOME", home.path())
        .arg("--config")
        .arg(&config)
        .args(["notify", "test", "ops"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // The robot prints the message within its polling interval.
    let stderr = sim.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            seen.push(line);
            if seen.iter().any(|l| l.contains("89860000000000000003")) {
                break;
            }
        }
    }
    let _ = sim.kill();
    let _ = sim.wait();
    let seen = seen.join("\n");
    assert!(
        seen.contains(
            "robot: message received (token and signature checked): [FIRING] iotcard-test"
        ),
        "{seen}"
    );
    assert!(
        seen.contains("89860000000000000003: 100% of 1 GiB used"),
        "{seen}"
    );
}
