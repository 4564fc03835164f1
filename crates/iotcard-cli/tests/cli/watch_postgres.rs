//! Two and three `iotcard watch` processes on one PostgreSQL store (a
//! fresh database each, in the cluster of `IOTCARD_TEST_POSTGRES`; skipped
//! with a message when it is not set): every account synced, never two
//! passes of one account at once, every notification delivered once; a
//! watcher killed mid-pass has its accounts taken over after the lease's
//! TTL, and restarted under its name it delivers what it had claimed.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::history::postgres_url;
use crate::support::{builder, text, Sim};
use crate::watch_process::{robot, runtime, tencent_only, wait_for, SECRET};

const PROFILES: [&str; 4] = ["p1", "p2", "p3", "p4"];

/// Reads the test database.
struct Pg {
    rt: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
}

impl Pg {
    fn connect(url: &str) -> Self {
        let rt = runtime();
        let client = rt.block_on(async {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client
        });
        Pg { rt, client }
    }

    fn rows(&self, sql: &str) -> Vec<tokio_postgres::Row> {
        // The tables exist once the first watcher opened the store.
        self.rt
            .block_on(self.client.query(sql, &[]))
            .unwrap_or_default()
    }

    /// Lease name → holder, of the leases not expired.
    fn holders(&self) -> BTreeMap<String, String> {
        self.rows(
            "SELECT name, holder FROM leases \
             WHERE expires_at > extract(epoch FROM now())::bigint",
        )
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
    }

    /// Per profile, its runs in order: (started, ended, outcome).
    fn runs(&self) -> BTreeMap<String, Vec<(i64, Option<i64>, String)>> {
        let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for r in self.rows(
            "SELECT a.profile, r.started_at, r.ended_at, r.outcome FROM runs r \
             JOIN accounts a ON a.id = r.account_id ORDER BY r.id",
        ) {
            out.entry(r.get(0))
                .or_default()
                .push((r.get(1), r.get(2), r.get(3)));
        }
        out
    }

    fn finished(&self, profile: &str) -> usize {
        self.runs()
            .get(profile)
            .map_or(0, |runs| runs.iter().filter(|r| r.2 == "finished").count())
    }
}

fn write_config(sim: &Sim, store: &str, robot_url: &str, holder: &str) -> PathBuf {
    let tencent = sim.sim().tencent_url();
    let mut text = format!(
        r#"store = "{store}"

[watch]
interval = "1s"
jitter = 0
lease_ttl = "3s"
holder = "{holder}"

[notifiers.ops]
kind = "dingtalk"
url = "{robot_url}"
secret = "{SECRET}"

[[rules]]
name = "quota"
kind = "quota"
thresholds = [50, 80, 100]
notify = ["ops"]
"#
    );
    for p in PROFILES {
        text.push_str(&format!(
            "\n[profiles.{p}.tencent]\nendpoint = \"{tencent}\"\n"
        ));
    }
    let path = sim.home.path().join(format!("{holder}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn start(sim: &Sim, config: &PathBuf, args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("iotcard"));
    cmd.env_clear()
        .env("HOME", sim.home.path())
        .envs(tencent_only(sim))
        .arg("--config")
        .arg(config)
        .args(["--concurrency", "2"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn terminate(child: Child) -> String {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    text(&out.stderr)
}

fn watchers_share_one_store(count: usize, kill_one: bool) {
    let Some(url) = postgres_url() else { return };
    // A pass of an account takes about a second.
    let sim = Sim::with(builder(40).latency(Duration::from_millis(40), Duration::ZERO));
    let rt = runtime();
    let robot = robot(&rt);
    let holders: Vec<String> = (1..=count).map(|i| format!("w{i}")).collect();
    let configs: Vec<PathBuf> = holders
        .iter()
        .map(|h| write_config(&sim, &url, &robot.url(), h))
        .collect();
    let mut children: Vec<Option<Child>> = configs
        .iter()
        .map(|c| Some(start(&sim, c, &["watch", "--no-listen"]).spawn().unwrap()))
        .collect();
    let pg = Pg::connect(&url);

    if kill_one {
        // SIGKILL w1 while it holds an account (mid-pass).
        assert!(
            wait_for(Duration::from_secs(30), || pg
                .holders()
                .values()
                .any(|h| h == "w1")),
            "w1 never held an account"
        );
        let mut w1 = children[0].take().unwrap();
        let held: Vec<String> = pg
            .holders()
            .into_iter()
            .filter(|(_, h)| h == "w1")
            .map(|(name, _)| name)
            .collect();
        w1.kill().unwrap();
        w1.wait().unwrap();
        assert!(!held.is_empty());
        // Another watcher takes each over once the lease runs out.
        assert!(
            wait_for(Duration::from_secs(30), || {
                let now = pg.holders();
                held.iter()
                    .all(|name| now.get(name).is_some_and(|h| h != "w1"))
            }),
            "{held:?} not taken over: {:?}",
            pg.holders()
        );
    }
    // Every account synced twice, by whichever watcher.
    assert!(
        wait_for(Duration::from_secs(60), || PROFILES
            .iter()
            .all(|p| pg.finished(p) >= 2)),
        "{:?}",
        pg.runs()
    );
    for child in children.iter_mut().filter_map(Option::take) {
        let log = terminate(child);
        assert!(!log.contains("SENTINEL"), "{log}");
    }
    if kill_one {
        // w1 back under its name: its claims are its own again at once.
        let out = start(&sim, &configs[0], &["watch", "--once"])
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0)),
            "{}",
            text(&out.stderr)
        );
    }

    // Never two passes of one account at once: each run began after the
    // one before it ended (a killed run ends when the next finds it).
    for (profile, runs) in pg.runs() {
        for pair in runs.windows(2) {
            let ((_, ended, outcome), (started, _, _)) = (&pair[0], &pair[1]);
            let ended = ended.unwrap_or_else(|| panic!("{profile}: a run left {outcome}"));
            assert!(*started >= ended, "{profile}: overlapping runs {runs:?}");
        }
    }
    // Every notification once.
    let outbox: Vec<(String, Option<i64>)> = pg
        .rows("SELECT idempotency_key, delivered_at FROM outbox")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(
        outbox.len() >= PROFILES.len(),
        "each account's quota digest: {outbox:?}"
    );
    assert!(outbox.iter().all(|(_, at)| at.is_some()), "{outbox:?}");
    let mut received: HashMap<String, usize> = HashMap::new();
    for r in robot.received() {
        *received
            .entry(r.idempotency_key().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(received.len(), outbox.len(), "{received:?} vs {outbox:?}");
    assert!(
        received.values().all(|n| *n == 1),
        "sent twice: {received:?}"
    );
    assert!(robot.refusals().is_empty(), "{:?}", robot.refusals());
}

#[test]
fn two_watchers_share_one_postgres() {
    watchers_share_one_store(2, false);
}

#[test]
fn three_watchers_share_one_postgres_and_survive_a_kill() {
    watchers_share_one_store(3, true);
}
