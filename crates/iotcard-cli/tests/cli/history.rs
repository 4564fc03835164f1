//! The history commands end to end against the simulator: `inventory
//! add`, `sync` (IoTBOS inventory and Tencent listing), then `fleet`,
//! `history`, `usage-report` and `store info`, in a SQLite file and in a
//! fresh PostgreSQL database.

use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

use crate::support::{json_lines, text, Sim};

/// A SQLite file in the simulator's home.
fn sqlite_url(sim: &Sim) -> String {
    format!(
        "sqlite://{}",
        sim.home.path().join("history.sqlite3").display()
    )
}

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

static DATABASES: AtomicU32 = AtomicU32::new(0);

/// A fresh database in the PostgreSQL of `IOTCARD_TEST_POSTGRES` (which
/// `cargo xtask test` starts); `None` outside CI when it is not set.
pub fn postgres_url() -> Option<String> {
    let Some(base) = std::env::var("IOTCARD_TEST_POSTGRES")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        assert!(
            !is_ci(),
            "CI is set but IOTCARD_TEST_POSTGRES is not: run through `cargo xtask test`"
        );
        eprintln!("SKIPPED: IOTCARD_TEST_POSTGRES is not set (`cargo xtask with-postgres …`)");
        return None;
    };
    let name = format!(
        "iotcard_cli_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed)
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
            .await
            .expect("connect to the test PostgreSQL");
        let task = tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create a test database");
        drop(client);
        let _ = task.await;
    });
    let (prefix, _) = base.rsplit_once('/').expect("a URL with a database");
    Some(format!("{prefix}/{name}"))
}

fn info(sim: &Sim, store: &str) -> Value {
    let out = sim
        .cmd()
        .args(["--store", store, "store", "info", "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    rows[0].clone()
}

fn records(sim: &Sim, store: &str, args: &[&str]) -> Vec<Value> {
    let out = sim
        .cmd()
        .args(["--store", store, "--output", "jsonl"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        text(&out.stderr)
    );
    json_lines(&out.stdout)
}

/// The whole walk: inventory, two syncs of each platform, every reading
/// command, on `store`.
fn walk(sim: &Sim, store: &str) {
    let known = sim.fully_known(40);
    let list = sim.home.path().join("inventory.txt");
    let mut numbers: Vec<String> = known.iter().map(|c| c.number().to_string()).collect();
    numbers.push("10640000000000".into()); // not on the account
    std::fs::write(&list, numbers.join("\n")).unwrap();

    // A bad number: nothing is stored, as the per-card commands refuse it.
    let bad = sim.home.path().join("bad.txt");
    std::fs::write(&bad, "1064804085884\n10648x\n").unwrap();
    let out = sim
        .iotbos(&["--store", store, "inventory", "add"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("line 2"),
        "{}",
        text(&out.stderr)
    );

    let out = sim
        .iotbos(&["--store", store, "inventory", "add"])
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listed = records(sim, store, &["inventory", "list"]);
    assert_eq!(listed.len(), 41);

    for round in 0..2 {
        let out = sim.iotbos(&["--store", store, "sync"]).output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "one card not found: {stderr}");
        assert!(
            stderr.contains("40 answered, 1 not found, 0 failed"),
            "round {round}: {stderr}"
        );
        let out = sim.tencent(&["--store", store, "sync"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        // Distinct snapshot times for the second round.
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    let cards = sim.sim().fleet().numbers().count() as u64;
    let stats = info(sim, store);
    assert_eq!(stats["snapshots"], 2 * (40 + cards), "{stats}");
    assert_eq!(stats["runs"], 4);
    assert_eq!(stats["accounts"], 2);
    for secret in [crate::support::PASSWORD, crate::support::APPKEY] {
        assert!(!stats.to_string().contains(secret));
    }

    let fleet = records(sim, store, &["fleet", "--profile", "default/iotbos"]);
    assert_eq!(fleet.len(), 40);
    let tencent = records(sim, store, &["fleet", "--profile", "default/tencent"]);
    assert_eq!(tencent.len() as u64, cards);
    assert!(tencent.iter().all(|r| r["iccid"].is_string()));
    // Every filter narrows, never widens.
    for args in [
        &["fleet", "--expiring-within", "30d"][..],
        &["fleet", "--status", "active"],
        &["fleet", "--used-above", "80%"],
        &["fleet", "--operator", "mobile"],
    ] {
        let some = records(sim, store, args);
        assert!(some.len() as u64 <= 40 + cards, "{args:?}");
    }
    let active = records(sim, store, &["fleet", "--status", "active"]);
    assert!(active.iter().all(|r| r["status"] == "active"));

    let card = &numbers[0];
    let history = records(
        sim,
        store,
        &["history", card, "--profile", "default/iotbos"],
    );
    assert_eq!(history.len(), 2);
    assert!(history[0]["taken_at"].as_str() < history[1]["taken_at"].as_str());
    let daily = records(
        sim,
        store,
        &["history", card, "--profile", "default/iotbos", "--daily"],
    );
    assert!(!daily.is_empty());
    let month = &history[0]["taken_at"].as_str().unwrap()[..7];
    let report = records(
        sim,
        store,
        &["usage-report", "--month", month, "--by", "card"],
    );
    let iotbos_rows: Vec<&Value> = report
        .iter()
        .filter(|r| r["profile"] == "default/iotbos")
        .collect();
    assert_eq!(iotbos_rows.len(), 40);
    // IoTBOS gives prices: each card costs at least its fee, exactly.
    let row = iotbos_rows[0];
    let fee: f64 = row["monthly_fee"].as_str().unwrap().parse().unwrap();
    let total: f64 = row["total_cost"].as_str().unwrap().parse().unwrap();
    assert!(total >= fee, "{row}");
    let by_account = records(
        sim,
        store,
        &["usage-report", "--month", month, "--by", "account"],
    );
    assert!(by_account.iter().any(|r| r["profile"] == "default/iotbos"));
    for format in ["table", "csv", "json"] {
        let out = sim
            .cmd()
            .args(["--store", store, "--output", format, "fleet"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert!(text(&out.stdout).contains(card.as_str()), "{format}");
    }
    let out = sim
        .cmd()
        .args(["--store", store, "history", "10649999999999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not in the store"));
}

#[test]
fn sync_then_read_back_in_sqlite() {
    let sim = Sim::start(60);
    let store = sqlite_url(&sim);
    walk(&sim, &store);
    // Not a byte of a credential in the file (or its WAL).
    for name in ["history.sqlite3", "history.sqlite3-wal"] {
        let Ok(bytes) = std::fs::read(sim.home.path().join(name)) else {
            continue;
        };
        for secret in [crate::support::PASSWORD, crate::support::APPKEY] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in {name}"
            );
        }
    }
    let out = sim
        .cmd()
        .args([
            "--store",
            &store,
            "store",
            "prune",
            "--keep-snapshots",
            "1d",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = sim
        .cmd()
        .args(["--store", &store, "store", "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let version = format!("schema version {}", iotcard_store::SCHEMA_VERSION);
    assert!(
        text(&out.stderr).contains(&version),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn sync_then_read_back_in_postgres() {
    let Some(url) = postgres_url() else { return };
    let sim = Sim::start(60);
    walk(&sim, &url);
}

#[test]
fn the_store_is_found_by_flag_env_or_config() {
    let sim = Sim::start(5);
    let from_env = sim.home.path().join("env.sqlite3");
    let from_file = sim.home.path().join("file.sqlite3");
    let config = sim.home.path().join("config.toml");
    std::fs::write(
        &config,
        format!("store = \"sqlite://{}\"\n", from_file.display()),
    )
    .unwrap();
    let out = sim
        .tencent(&["--config", config.to_str().unwrap(), "sync"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(from_file.exists());
    let out = sim
        .tencent(&["--config", config.to_str().unwrap(), "sync"])
        .env("IOTCARD_STORE", format!("sqlite://{}", from_env.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(from_env.exists(), "the environment wins over the file");
    // Nothing given: the XDG data directory.
    let out = sim.tencent(&["sync"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(sim
        .home
        .path()
        .join(".local/share/iotcard/history.sqlite3")
        .exists());
    let out = sim
        .cmd()
        .args(["--store", "mysql://x/y", "fleet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
