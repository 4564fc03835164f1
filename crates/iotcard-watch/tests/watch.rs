//! The watcher against the simulator, local receivers and SQLite files,
//! on a manual clock.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use iotcard_sim::Faults;
use iotcard_watch::daemon::PassReport;
use iotcard_watch::receivers::Down;
use iotcard_watch::WatchPlan;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_crossing_notifies_once_and_a_restart_repeats_nothing() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    let store = store_at(&path).await;
    let clock = clock();
    let (robot, ops) = dingtalk_robot(clock.clone()).await;
    let plan = WatchPlan::new(rules(QUOTA), [ops])
        .account(account(&store, &sim, "acme", 20, Duration::from_secs(3600)).await);

    let watcher = watcher(store, clock.clone(), "w1");
    let first = watcher.once(&plan, never()).await.unwrap();
    let acme = first.account("acme").unwrap();
    let summary = acme.pass.summary().expect("the pass ran");
    assert_eq!(summary.asked, 20);
    let evaluation = acme.evaluation.expect("evaluated");
    assert_eq!(evaluation.cards, summary.written);
    assert!(evaluation.notifying >= 1, "{evaluation:?}");
    assert_eq!(evaluation.queued, 1, "one digest for one notifier");
    assert_eq!(first.delivery.delivered, 1);

    let received = robot.received();
    assert_eq!(received.len(), 1, "one message");
    assert!(
        robot.refusals().is_empty(),
        "signed as DingTalk checks: {:?}",
        robot.refusals()
    );
    let body = String::from_utf8(received[0].body.to_vec()).unwrap();
    assert!(body.contains("quota") && body.contains("acme"), "{body}");
    // Names the cards with the figures that made the rule fire.
    let card = sim.fleet().numbers().find(|n| body.contains(n.as_str()));
    assert!(card.is_some(), "a card is named: {body}");
    assert!(body.contains("data used") && body.contains('%'), "{body}");

    // Again a minute later: the alerts are firing already, nobody is told.
    clock.advance(Duration::from_secs(60));
    let second = watcher.once(&plan, never()).await.unwrap();
    let evaluation = second.account("acme").unwrap().evaluation.unwrap();
    assert_eq!((evaluation.notifying, evaluation.queued), (0, 0));
    assert_eq!(robot.received().len(), 1);

    // A new watcher on the same file (a restart) repeats nothing either.
    clock.advance(Duration::from_secs(60));
    let restarted = support::watcher(store_at(&path).await, clock.clone(), "w2");
    let third = restarted.once(&plan, never()).await.unwrap();
    let evaluation = third.account("acme").unwrap().evaluation.unwrap();
    assert_eq!((evaluation.notifying, evaluation.queued), (0, 0));
    assert_eq!(third.delivery.delivered, 0);
    assert_eq!(robot.received().len(), 1);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_for_ten_minutes_gets_everything_once_when_back() {
    let sim = sim(12).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("h.sqlite3")).await;
    let clock = clock();
    let (robot, ops) = dingtalk_robot(clock.clone()).await;
    let (hook, am) = webhook_robot(clock.clone()).await;
    let rules = rules(
        r#"
        [[rules]]
        name = "quota"
        kind = "quota"
        thresholds = [1]
        notify = ["ops", "am"]

        [[rules]]
        name = "expiring"
        kind = "expiry"
        within = "3650d"
        notify = ["ops"]
        "#,
    );
    let plan = WatchPlan::new(rules, [ops, am])
        .account(account(&store, &sim, "acme", 12, Duration::from_secs(60)).await);
    let watcher = watcher(store.clone(), clock.clone(), "w1");

    robot.down(Down::Unavailable);
    let first = watcher.once(&plan, never()).await.unwrap();
    let queued = first.account("acme").unwrap().evaluation.unwrap().queued;
    assert_eq!(queued, 3, "quota to ops and am, expiring to ops");
    assert_eq!(first.delivery.delivered, 1, "the webhook was up");
    assert_eq!(first.delivery.retried, 2);
    // Ten minutes of passes every minute while the robot is down.
    for _ in 0..10 {
        clock.advance(Duration::from_secs(60));
        watcher.once(&plan, never()).await.unwrap();
    }
    assert!(robot.received().is_empty());
    assert!(
        robot.requests() >= 4,
        "retried with backoff: {}",
        robot.requests()
    );
    robot.up();
    clock.advance(Duration::from_secs(300));
    let back = watcher.once(&plan, never()).await.unwrap();
    assert_eq!(back.delivery.delivered, 2);
    clock.advance(Duration::from_secs(600));
    watcher.once(&plan, never()).await.unwrap();

    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    for r in robot.received().iter().chain(hook.received().iter()) {
        *keys
            .entry(r.idempotency_key().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(keys.len(), 3, "every notification delivered");
    assert!(keys.values().all(|n| *n == 1), "each once: {keys:?}");
    let pending = store.outbox(true, 100).await.unwrap();
    assert!(pending.is_empty(), "{pending:?}");
    let all = store.outbox(false, 100).await.unwrap();
    assert!(all.iter().all(|i| i.delivered_at.is_some()));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_down_for_an_hour_gives_one_sync_alert_and_one_resolution() {
    let sim = sim(10).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("h.sqlite3")).await;
    let clock = clock();
    let (robot, ops) = dingtalk_robot(clock.clone()).await;
    let rules = rules(
        r#"
        [[rules]]
        name = "stale"
        kind = "sync"
        older_than = "10m"
        share = 0.5
        notify = ["ops"]
        "#,
    );
    let plan = WatchPlan::new(rules, [ops])
        .account(account(&store, &sim, "acme", 10, Duration::from_secs(60)).await);
    let watcher = watcher(store, clock.clone(), "w1");

    let healthy = watcher.once(&plan, never()).await.unwrap();
    assert_eq!(
        healthy
            .account("acme")
            .unwrap()
            .evaluation
            .unwrap()
            .notifying,
        0
    );
    sim.set_faults(Faults {
        server_error: 1.0,
        ..Faults::default()
    })
    .unwrap();
    for minute in 0..60 {
        clock.advance(Duration::from_secs(60));
        let r = watcher.once(&plan, never()).await.unwrap();
        let summary = r.account("acme").unwrap().pass.summary().cloned().unwrap();
        assert_eq!(
            summary.failed, summary.asked,
            "minute {minute}: the platform is down"
        );
    }
    assert_eq!(robot.received().len(), 1, "one alert for the hour");
    sim.set_faults(Faults::default()).unwrap();
    clock.advance(Duration::from_secs(60));
    watcher.once(&plan, never()).await.unwrap();
    clock.advance(Duration::from_secs(60));
    watcher.once(&plan, never()).await.unwrap();
    let received = robot.received();
    assert_eq!(received.len(), 2, "and one resolution");
    let firing = String::from_utf8(received[0].body.to_vec()).unwrap();
    let resolved = String::from_utf8(received[1].body.to_vec()).unwrap();
    assert!(
        firing.contains("FIRING") && firing.contains("stale"),
        "{firing}"
    );
    assert!(resolved.contains("RESOLVED"), "{resolved}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_cards_crossing_at_once_make_digests_within_the_robots_rate() {
    let sim = sim(10_000).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("h.sqlite3")).await;
    let clock = clock();
    let (robot, ops) = dingtalk_robot(clock.clone()).await;
    let (hook, am) = webhook_robot(clock.clone()).await;
    let rules = rules(
        r#"
        [[rules]]
        name = "quota"
        kind = "quota"
        thresholds = [1]
        notify = ["ops", "am"]

        [[rules]]
        name = "expiring"
        kind = "expiry"
        within = "3650d"
        notify = ["ops"]
        "#,
    );
    let plan = WatchPlan::new(rules, [ops, am])
        .account(account(&store, &sim, "acme", 10_000, Duration::from_secs(3600)).await);
    let watcher = iotcard_watch::Watcher::builder(store, deliverer(clock.clone()))
        .clock(clock.clone())
        .sleeper(clock.clone())
        .holder("w1")
        .build()
        .unwrap();
    let report = watcher.once(&plan, never()).await.unwrap();
    let evaluation = report.account("acme").unwrap().evaluation.unwrap();
    assert!(evaluation.notifying > 5_000, "{evaluation:?}");
    assert_eq!(evaluation.queued, 3, "one digest per rule and notifier");
    let messages = robot.received();
    assert_eq!(messages.len(), 2, "not thousands of messages");
    assert!(robot.refusals().is_empty(), "{:?}", robot.refusals());
    let first = String::from_utf8(messages[0].body.to_vec()).unwrap();
    assert!(
        first.contains("more"),
        "the list is cut to fit: {}",
        first.len()
    );
    assert!(first.len() < 20_000, "within DingTalk's size limit");
    assert_eq!(hook.received().len(), 1);
    let alerts = hook.received()[0].payload().unwrap();
    assert!(!alerts.alerts.is_empty());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_dropped_mid_pass_holds_the_account_until_its_lease_lapses() {
    let sim = iotcard_sim::Simulator::builder()
        .seed(11)
        .cards(120)
        .latency(Duration::from_millis(30), Duration::ZERO)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    let store = store_at(&path).await;
    let clock = clock();
    let (_robot, ops) = dingtalk_robot(clock.clone()).await;
    // One card a request, one request at a time: a pass of 120 cards
    // takes about four seconds, long enough to be killed in.
    let spec = iotcard_store::AccountSpec::new("acme", "iotbos", "127.0.0.1");
    let id = store.account(&spec).await.unwrap();
    let numbers: Vec<iotcard_model::CardNumber> = sim.fleet().numbers().take(120).collect();
    store.inventory_add(id, &numbers).await.unwrap();
    let creds = sim.credentials().clone();
    let slow = iotcard_facade::IotbosClient::builder()
        .endpoint(sim.iotbos_url())
        .account(creds.iotbos_account)
        .password(creds.iotbos_password)
        .batch_size(1)
        .concurrency(1)
        .build()
        .unwrap();
    let acme = iotcard_watch::WatchedAccount::new(
        spec,
        Arc::new(iotcard_watch::PlatformSync(slow)),
        Duration::from_secs(60),
    );
    let plan = Arc::new(WatchPlan::new(rules(QUOTA), [ops]).account(acme));
    let doomed = watcher(store, clock.clone(), "doomed");
    let p = plan.clone();
    let task = tokio::spawn(async move { doomed.once(&p, never()).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());

    let heir = watcher(store_at(&path).await, clock.clone(), "heir");
    let skipped = heir.once(&plan, never()).await.unwrap();
    match &skipped.account("acme").unwrap().pass {
        PassReport::Skipped { holder } => assert_eq!(holder, "doomed"),
        other => panic!("expected a skip, got {other:?}"),
    }
    clock.advance(Duration::from_secs(31));
    let taken = heir.once(&plan, never()).await.unwrap();
    let acme = taken.account("acme").unwrap();
    assert!(acme.pass.summary().is_some(), "{:?}", acme.pass);
    assert!(acme.evaluation.is_some());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_keeps_schedules_reloads_plans_and_stops_on_cancel() {
    let sim = sim(8).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("h.sqlite3")).await;
    let clock = clock();
    let (robot, ops) = dingtalk_robot(clock.clone()).await;
    let acme = account(&store, &sim, "acme", 8, Duration::from_millis(200)).await;
    let shop = account(&store, &sim, "shop", 4, Duration::from_millis(200)).await;
    let plan = WatchPlan::new(rules(QUOTA), [ops.clone()]).account(acme.clone());
    let (tx, rx) = tokio::sync::watch::channel(Arc::new(plan));
    let watcher = iotcard_watch::Watcher::builder(store.clone(), deliverer(clock.clone()))
        .clock(clock.clone())
        .holder("runner")
        .sync_options(iotcard_sync::SyncOptions::default().retention(None))
        .build()
        .unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn({
        let watcher = watcher.clone();
        async move {
            watcher
                .run(rx, async move {
                    let _ = stop_rx.await;
                })
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(900)).await;
    // A bad plan (a rule naming an unknown notifier) is refused, the old kept.
    let bad = WatchPlan::new(rules(QUOTA), []).account(acme.clone());
    tx.send(Arc::new(bad)).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A good one adds an account.
    let both = WatchPlan::new(rules(QUOTA), [ops])
        .account(acme)
        .account(shop);
    tx.send(Arc::new(both)).unwrap();
    tokio::time::sleep(Duration::from_millis(900)).await;
    let stopping = tokio::time::Instant::now();
    stop_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("stopped within 10 s")
        .unwrap()
        .unwrap();
    assert!(stopping.elapsed() < Duration::from_secs(10));

    let runs = store.sync_runs(&[], 200).await.unwrap();
    let count = |p: &str| runs.iter().filter(|r| r.profile == p).count();
    assert!(
        count("acme") >= 3,
        "acme passes on its schedule: {}",
        count("acme")
    );
    assert!(count("shop") >= 1, "the reload started shop");
    assert!(count("acme") < 40, "not a tight loop: {}", count("acme"));
    let keys: std::collections::BTreeSet<String> = robot
        .received()
        .iter()
        .map(|r| r.idempotency_key().unwrap().to_owned())
        .collect();
    assert_eq!(robot.received().len(), 2, "each account's quota digest");
    assert_eq!(keys.len(), 2, "each once");
    let now = iotcard_sync::instant(clock.as_ref()).unwrap();
    let held: Vec<_> = store
        .leases()
        .await
        .unwrap()
        .into_iter()
        .filter(|l| l.expires_at > now)
        .collect();
    assert!(held.is_empty(), "leases released: {held:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_scoped_rule_fires_for_the_tagged_cards_only() {
    const TAGGED: &str = r#"
        [[rules]]
        name = "quota-all"
        kind = "quota"
        thresholds = [1]
        notify = ["ops"]

        [[rules]]
        name = "quota-north"
        kind = "quota"
        thresholds = [1]
        tags = ["north"]
        notify = ["ops"]
    "#;
    // More cards than a page (64): the tags are read page by page.
    let sim = sim(150).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("h.sqlite3")).await;
    let clock = clock();
    let (_robot, ops) = dingtalk_robot(clock.clone()).await;
    let plan = WatchPlan::new(rules(TAGGED), [ops])
        .account(account(&store, &sim, "acme", 150, Duration::from_secs(3600)).await);
    // Every third card is tagged `north`; two of them `pilot` as well.
    let acme = store.account(&plan.accounts[0].spec).await.unwrap();
    let north: Vec<iotcard_model::CardNumber> =
        sim.fleet().numbers().take(150).step_by(3).collect();
    store
        .inventory_add_tagged(acme, &north, &["north".into()])
        .await
        .unwrap();
    store
        .inventory_add_tagged(acme, &north[..2], &["pilot".into()])
        .await
        .unwrap();

    let report = watcher(store.clone(), clock.clone(), "w1")
        .once(&plan, never())
        .await
        .unwrap();
    assert!(report.account("acme").unwrap().evaluation.is_some());
    let rows = store.alert_rows(&[]).await.unwrap();
    let cards_of = |rule: &str| -> std::collections::BTreeSet<String> {
        rows.iter()
            .filter(|r| r.rule == rule)
            .filter_map(|r| r.card.clone())
            .collect()
    };
    let (all, scoped) = (cards_of("quota-all"), cards_of("quota-north"));
    let north: std::collections::BTreeSet<String> =
        north.iter().map(|n| n.as_str().to_owned()).collect();
    assert!(
        all.iter().any(|c| !north.contains(c)),
        "untagged cards fire the unscoped rule: {all:?}"
    );
    assert!(!scoped.is_empty(), "tagged cards fire the scoped rule");
    assert_eq!(
        scoped,
        all.intersection(&north).cloned().collect(),
        "the scoped rule fires for exactly the tagged cards the unscoped one fires for"
    );
    sim.shutdown().await;
}

/// A pass that never ends and ignores its cancellation (a platform or
/// store call hanging): it holds the account, not the process.
#[derive(Debug)]
struct Hanging {
    began: Arc<tokio::sync::Notify>,
}

impl iotcard_watch::AccountSync for Hanging {
    fn provider(&self) -> &'static str {
        "iotbos"
    }

    fn sync<'a>(
        &'a self,
        _store: &'a iotcard_store::Store,
        _spec: &'a iotcard_store::AccountSpec,
        _clock: &'a dyn iotcard_facade::Clock,
        _options: &'a iotcard_sync::SyncOptions,
        _committed: Option<iotcard_sync::Committed>,
        _cancel: iotcard_watch::daemon::BoxFuture<'a, ()>,
    ) -> iotcard_watch::daemon::BoxFuture<'a, Result<iotcard_sync::Summary, iotcard_sync::SyncError>>
    {
        Box::pin(async move {
            self.began.notify_one();
            std::future::pending().await
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_stops_within_ten_seconds_even_when_a_pass_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("h.sqlite3")).await;
    let clock = clock();
    let (_robot, ops) = dingtalk_robot(clock.clone()).await;
    let began = Arc::new(tokio::sync::Notify::new());
    let stuck = iotcard_watch::WatchedAccount::new(
        iotcard_store::AccountSpec::new("stuck", "iotbos", "127.0.0.1"),
        Arc::new(Hanging {
            began: began.clone(),
        }),
        Duration::from_secs(60),
    );
    let plan = WatchPlan::new(rules(QUOTA), [ops]).account(stuck);
    let (_tx, rx) = tokio::sync::watch::channel(Arc::new(plan));
    let watcher = watcher(store.clone(), clock.clone(), "runner");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        watcher
            .run(rx, async move {
                let _ = stop_rx.await;
            })
            .await
    });
    tokio::time::timeout(Duration::from_secs(10), began.notified())
        .await
        .expect("the pass begins");
    let stopping = tokio::time::Instant::now();
    stop_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("stopped within 10 s although the pass never ends")
        .unwrap()
        .unwrap();
    assert!(stopping.elapsed() < Duration::from_secs(10));
}

/// An evaluation stopped at every point in turn (its future dropped after
/// one more poll each time, as a crash would stop it): the pages it
/// committed keep their notices staged, the next evaluation queues them,
/// and in the end every firing card is in exactly one queued digest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evaluation_stopped_between_pages_loses_and_repeats_no_notification() {
    use std::task::Poll;
    let sim = sim(24).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("h.sqlite3")).await;
    let clock = clock();
    let (_robot, ops) = dingtalk_robot(clock.clone()).await;
    let acme = account(&store, &sim, "acme", 24, Duration::from_secs(3600)).await;
    iotcard_sync::sync_account(
        &iotbos(&sim),
        &store,
        &acme.spec,
        clock.as_ref(),
        &iotcard_sync::SyncOptions::default().retention(None),
        &|_| {},
        never(),
    )
    .await
    .unwrap();
    let plan = WatchPlan::new(rules(QUOTA), [ops]).account(acme);
    let watcher = iotcard_watch::Watcher::builder(store.clone(), deliverer(clock.clone()))
        .clock(clock.clone())
        .sleeper(clock.clone())
        .holder("w")
        .page_size(3)
        .build()
        .unwrap();
    let (mut stopped_with_staged, mut polls) = (0, 0);
    let finished = loop {
        polls += 1;
        assert!(polls < 400, "an evaluation never finished");
        let mut evaluation = Box::pin(watcher.evaluate(&plan, "acme"));
        let mut outcome = None;
        for _ in 0..polls {
            match futures::poll!(evaluation.as_mut()) {
                Poll::Ready(r) => {
                    outcome = Some(r.unwrap());
                    break;
                }
                // Lets the store's blocking call in flight complete.
                Poll::Pending => tokio::time::sleep(Duration::from_millis(3)).await,
            }
        }
        drop(evaluation);
        if let Some(report) = outcome {
            break report;
        }
        if store.has_staged_notices("acme").await.unwrap() {
            stopped_with_staged += 1;
        }
    };
    assert!(
        stopped_with_staged > 0,
        "some stop fell between page commits and the final queueing"
    );
    assert!(!store.has_staged_notices("acme").await.unwrap(), "consumed");
    let _ = finished;
    let firing: Vec<String> = store
        .alert_rows(&["acme".to_owned()])
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.phase == "firing")
        .filter_map(|r| r.card)
        .collect();
    assert!(firing.len() > 3, "more than one page fired: {firing:?}");
    let mut named: BTreeMap<String, usize> = BTreeMap::new();
    for entry in store.outbox(false, 1000).await.unwrap() {
        let digest: iotcard_notify::Digest = serde_json::from_str(&entry.payload).unwrap();
        assert_eq!(digest.omitted_alerts(), 0);
        for alert in digest.alerts() {
            for card in &alert.cards {
                *named.entry(card.card.clone()).or_default() += 1;
            }
        }
    }
    for card in &firing {
        assert_eq!(named.get(card), Some(&1), "{card} notified once: {named:?}");
    }
    assert_eq!(named.len(), firing.len(), "{named:?} vs {firing:?}");
    sim.shutdown().await;
}

/// An alert whose card the store no longer lists for the account (its
/// history gone) resolves, with its resolution notified, and its row goes;
/// the listed cards' alerts stay as they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alerts_of_cards_no_page_lists_resolve() {
    let sim = sim(12).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("h.sqlite3")).await;
    let clock = clock();
    let (robot, ops) = dingtalk_robot(clock.clone()).await;
    let plan = WatchPlan::new(rules(QUOTA), [ops])
        .account(account(&store, &sim, "acme", 12, Duration::from_secs(3600)).await);
    let watcher = iotcard_watch::Watcher::builder(store.clone(), deliverer(clock.clone()))
        .clock(clock.clone())
        .sleeper(clock.clone())
        .holder("w")
        .page_size(2)
        .build()
        .unwrap();
    watcher.once(&plan, never()).await.unwrap();
    let rows = store.alert_rows(&["acme".to_owned()]).await.unwrap();
    let firing = rows.iter().filter(|r| r.phase == "firing").count();
    assert!(firing >= 2, "{rows:?}");
    // Two alerts of cards the account does not have (before the first key
    // and after the last, so no page's range holds them).
    let mut ghosts = Vec::new();
    for key in ["0000000000000", "9999999999999"] {
        let mut ghost = rows.iter().find(|r| r.phase == "firing").unwrap().clone();
        ghost.card = Some(key.to_owned());
        ghosts.push(ghost);
    }
    let changes = iotcard_store::AlertChanges {
        upserts: ghosts,
        ..Default::default()
    };
    let now = iotcard_sync::instant(clock.as_ref()).unwrap();
    store.commit_page(&changes, None, now).await.unwrap();

    clock.advance(Duration::from_secs(60));
    let report = watcher.once(&plan, never()).await.unwrap();
    let evaluation = report.account("acme").unwrap().evaluation.unwrap();
    assert_eq!(evaluation.notifying, 2, "{evaluation:?}");
    let after = store.alert_rows(&["acme".to_owned()]).await.unwrap();
    assert_eq!(after.len(), rows.len(), "the ghosts' rows are gone");
    assert!(after
        .iter()
        .all(|r| !r.card.as_deref().unwrap_or("").starts_with("0000")
            && !r.card.as_deref().unwrap_or("").starts_with("9999")));
    let last = robot.received().pop().unwrap();
    let body = String::from_utf8(last.body.to_vec()).unwrap();
    assert!(
        body.contains("RESOLVED")
            && body.contains("0000000000000")
            && body.contains("9999999999999"),
        "{body}"
    );
    sim.shutdown().await;
}
