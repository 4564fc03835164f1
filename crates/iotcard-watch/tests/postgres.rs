//! Several watchers on one PostgreSQL: every account synced, never two
//! passes of one account at once, every notification delivered once, and
//! a watcher killed mid-run has its accounts taken over after the lease
//! lapses. Skipped (with a message) when `IOTCARD_TEST_POSTGRES` is unset:
//! `cargo xtask with-postgres cargo test -p iotcard-watch --test postgres`.

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use iotcard_facade::{Entropy, SystemClock};
use iotcard_model::CardNumber;
use iotcard_store::{AccountSpec, Store};
use iotcard_transport::HttpTransport;
use iotcard_watch::daemon::{AccountSync, BoxFuture, PlatformSync};
use iotcard_watch::{Deliverer, RetryPolicy, WatchPlan, WatchedAccount, Watcher};
use support::*;

async fn database(test: &str) -> Option<String> {
    let Some(base) = std::env::var("IOTCARD_TEST_POSTGRES")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        eprintln!(
            "SKIPPED: IOTCARD_TEST_POSTGRES is not set (`cargo xtask with-postgres cargo test -p \
             iotcard-watch --test postgres` starts a throwaway PostgreSQL)"
        );
        return None;
    };
    let name = format!("iotcard_watch_{test}_{}", std::process::id());
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
    let (prefix, _) = base.rsplit_once('/').expect("a URL with a database");
    Some(format!("{prefix}/{name}"))
}

fn deliverer() -> Arc<Deliverer> {
    let transport = HttpTransport::builder()
        .secret_names(iotcard_notify::URL_SECRETS)
        .request_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    Arc::new(
        Deliverer::builder(transport)
            .retry(RetryPolicy::once())
            .build()
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_watchers_share_one_store_and_take_over_a_killed_one() {
    let Some(url) = database("three").await else {
        return;
    };
    let sim = iotcard_sim::Simulator::builder()
        .seed(11)
        .cards(60)
        .latency(Duration::from_millis(5), Duration::ZERO)
        .freeze_clock(Some(
            chrono::DateTime::parse_from_rfc3339(MID_MONTH).unwrap(),
        ))
        .start()
        .await
        .unwrap();
    let setup = Store::open(&url).await.unwrap();
    let profiles = ["a", "b", "c", "d", "e"];
    let numbers: Vec<CardNumber> = sim.fleet().numbers().take(60).collect();
    for (i, p) in profiles.iter().enumerate() {
        let id = setup
            .account(&AccountSpec::new(*p, "iotbos", "127.0.0.1"))
            .await
            .unwrap();
        setup
            .inventory_add(id, &numbers[i * 12..(i + 1) * 12])
            .await
            .unwrap();
    }
    let clock = Arc::new(SystemClock::default());
    let (robot, ops) = dingtalk_robot(clock.clone()).await;
    // One probe per account, shared by the three watchers' clients.
    let probes: Vec<_> = profiles
        .iter()
        .map(|_| Probe::new(PlatformSync(iotbos(&sim))))
        .collect();
    let plan_for = || {
        let mut plan = WatchPlan::new(rules(QUOTA), [ops.clone()]);
        for (p, probe) in profiles.iter().zip(&probes) {
            plan = plan.account(WatchedAccount::new(
                AccountSpec::new(*p, "iotbos", "127.0.0.1"),
                Arc::new(probe.sharing(PlatformSync(iotbos(&sim)))),
                Duration::from_millis(300),
            ));
        }
        Arc::new(plan)
    };
    let mut stops = Vec::new();
    let mut tasks = Vec::new();
    for w in 0..3 {
        let watcher = Watcher::builder(Store::open(&url).await.unwrap(), deliverer())
            .holder(format!("watcher-{w}"))
            .entropy(Entropy::Seed(w))
            .lease_ttl(Duration::from_secs(3))
            .build()
            .unwrap();
        let (_tx, rx) = tokio::sync::watch::channel(plan_for());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        stops.push(stop);
        tasks.push(tokio::spawn(async move {
            let _keep = _tx;
            watcher
                .run(rx, async move {
                    let _ = stopped.await;
                })
                .await
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Kill the first watcher without letting it finish anything.
    tasks[0].abort();
    let killed_at = tokio::time::Instant::now();
    let before: Vec<usize> = probes
        .iter()
        .map(|p| p.passes.load(Ordering::SeqCst))
        .collect();
    tokio::time::sleep(Duration::from_secs(6)).await;
    for stop in stops.drain(1..) {
        let _ = stop.send(());
    }
    for task in tasks.drain(1..) {
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("stopped within 10 s")
            .unwrap()
            .unwrap();
    }
    assert!(killed_at.elapsed() < Duration::from_secs(20));

    for (p, probe) in profiles.iter().zip(&probes) {
        assert_eq!(
            probe.most.load(Ordering::SeqCst),
            1,
            "{p}: never two passes at once"
        );
    }
    for (i, (p, probe)) in profiles.iter().zip(&probes).enumerate() {
        let after = probe.passes.load(Ordering::SeqCst) - before[i];
        assert!(after >= 1, "{p} is synced after the kill (taken over)");
    }
    let runs = setup.sync_runs(&[], 1000).await.unwrap();
    for p in profiles {
        assert!(runs.iter().any(|r| r.profile == p), "{p} synced");
    }
    // Every notification once: each account's quota digest.
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    for r in robot.received() {
        *keys
            .entry(r.idempotency_key().unwrap().to_owned())
            .or_default() += 1;
    }
    let outbox = setup.outbox(false, 1000).await.unwrap();
    assert_eq!(
        outbox.len(),
        profiles.len(),
        "one digest per account: {outbox:?}"
    );
    assert!(keys.values().all(|n| *n == 1), "{keys:?}");
    let delivered: Vec<_> = outbox.iter().filter(|i| i.delivered_at.is_some()).collect();
    assert_eq!(keys.len(), delivered.len());
    // The killed watcher may have claimed one before dying; it lapses and
    // another delivers it, so at the end nothing waits.
    assert!(delivered.len() >= profiles.len() - 1, "{outbox:?}");
    sim.shutdown().await;
}

/// Signals when its pass begins, then outlasts the first lease renewal.
#[derive(Debug)]
struct Outlasting<S> {
    inner: S,
    began: Arc<tokio::sync::Notify>,
    lasts: Duration,
}

impl<S: AccountSync> AccountSync for Outlasting<S> {
    fn provider(&self) -> &'static str {
        self.inner.provider()
    }

    fn sync<'a>(
        &'a self,
        store: &'a Store,
        spec: &'a AccountSpec,
        clock: &'a dyn iotcard_facade::Clock,
        options: &'a iotcard_sync::SyncOptions,
        committed: Option<iotcard_sync::Committed>,
        cancel: BoxFuture<'a, ()>,
    ) -> BoxFuture<'a, Result<iotcard_sync::Summary, iotcard_sync::SyncError>> {
        Box::pin(async move {
            let began = tokio::time::Instant::now();
            self.began.notify_one();
            let summary = self
                .inner
                .sync(store, spec, clock, options, committed, cancel)
                .await;
            tokio::time::sleep_until(began + self.lasts).await;
            summary
        })
    }
}

/// The hang found in CI: a renewal waiting on the database (here: the
/// lease row locked by another session) when the pass ends was kept alive
/// but never polled again, holding the store's connection, so the renewal
/// after the pass waited for it forever and the watcher stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewal_blocked_when_the_pass_ends_does_not_stall_the_watcher() {
    let Some(url) = database("renewal").await else {
        return;
    };
    let sim = support::sim(8).await;
    let store = Store::open(&url).await.unwrap();
    let spec = AccountSpec::new("a", "iotbos", "127.0.0.1");
    let id = store.account(&spec).await.unwrap();
    let numbers: Vec<CardNumber> = sim.fleet().numbers().take(8).collect();
    store.inventory_add(id, &numbers).await.unwrap();
    let began = Arc::new(tokio::sync::Notify::new());
    let (robot, ops) = dingtalk_robot(Arc::new(SystemClock::default())).await;
    let plan = WatchPlan::new(rules(QUOTA), [ops]).account(WatchedAccount::new(
        spec,
        Arc::new(Outlasting {
            inner: PlatformSync(iotbos(&sim)),
            began: began.clone(),
            // The renewal is due at 1 s (a third of the TTL).
            lasts: Duration::from_millis(1_600),
        }),
        Duration::from_secs(60),
    ));
    let watcher = Watcher::builder(store.clone(), deliverer())
        .holder("watcher")
        .lease_ttl(Duration::from_secs(3))
        .build()
        .unwrap();
    let locker = async {
        began.notified().await;
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        let task = tokio::spawn(connection);
        client.batch_execute("BEGIN").await.unwrap();
        client
            .query(
                "SELECT * FROM leases WHERE name = 'account:a' FOR UPDATE",
                &[],
            )
            .await
            .unwrap();
        // Held past the pass's end (1.6 s): the renewal at 1 s waits on it.
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        client.batch_execute("ROLLBACK").await.unwrap();
        drop(client);
        let _ = task.await;
    };
    let once = async {
        let report = watcher.once(&plan, never()).await;
        // A plan refused up front never begins the pass the locker waits for.
        began.notify_one();
        report
    };
    let (report, ()) =
        tokio::time::timeout(Duration::from_secs(20), futures::future::join(once, locker))
            .await
            .expect("the pass and its evaluation end once the row lock is gone");
    let report = report.unwrap();
    let account = &report.accounts[0];
    assert!(
        matches!(account.pass, iotcard_watch::daemon::PassReport::Synced(_)),
        "{account:?}"
    );
    assert!(account.evaluation.is_some(), "{account:?}");
    assert_eq!(robot.received().len(), 1, "the quota digest is delivered");
    sim.shutdown().await;
}
