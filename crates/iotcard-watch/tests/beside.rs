//! The rules evaluated beside the pass: each batch as the pass commits
//! it, the cards the pass did not answer once it ends, and the same alert
//! state as an evaluation of everything afterwards.

mod support;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use iotcard_facade::Clock;
use iotcard_store::{AccountSpec, Batch, Observation, SnapshotParts, Store};
use iotcard_sync::{Committed, Summary, SyncError, SyncOptions};
use iotcard_watch::daemon::{AccountSync, BoxFuture, PlatformSync};
use iotcard_watch::{ManualClock, WatchPlan, WatchedAccount};
use support::*;

/// A pass that tells its batches (or, with `tell` off, tells nothing),
/// the clock a second later for each, and counts the card alerts the
/// store holds when it ends.
#[derive(Debug)]
struct Counting<S> {
    inner: S,
    clock: Arc<ManualClock>,
    tell: AtomicBool,
    alerts_at_end: AtomicU64,
}

impl<S: AccountSync> AccountSync for Counting<S> {
    fn provider(&self) -> &'static str {
        self.inner.provider()
    }

    fn sync<'a>(
        &'a self,
        store: &'a Store,
        spec: &'a AccountSpec,
        clock: &'a dyn Clock,
        options: &'a SyncOptions,
        committed: Option<Committed>,
        cancel: BoxFuture<'a, ()>,
    ) -> BoxFuture<'a, Result<Summary, SyncError>> {
        Box::pin(async move {
            let committed = committed
                .filter(|_| self.tell.load(Ordering::SeqCst))
                .map(|told| {
                    let (relay, mut heard) = tokio::sync::mpsc::channel::<Vec<String>>(1);
                    let clock = self.clock.clone();
                    tokio::spawn(async move {
                        while let Some(keys) = heard.recv().await {
                            clock.advance(Duration::from_secs(1));
                            if told.send(keys).await.is_err() {
                                return;
                            }
                        }
                    });
                    relay
                });
            let summary = self
                .inner
                .sync(store, spec, clock, options, committed, cancel)
                .await;
            let alerts = store.card_alert_count(&spec.profile).await.unwrap();
            self.alerts_at_end.store(alerts, Ordering::SeqCst);
            summary
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_keep_pace_with_the_pass_and_leave_nothing_unevaluated() {
    let sim = sim(300).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("h.sqlite3")).await;
    let clock = clock();
    let (_robot, ops) = dingtalk_robot(clock.clone()).await;
    let spec = AccountSpec::new("acme", "iotbos", "127.0.0.1");
    let id = store.account(&spec).await.unwrap();
    let numbers: Vec<_> = sim.fleet().numbers().take(300).collect();
    store.inventory_add(id, &numbers).await.unwrap();
    let counting = Arc::new(Counting {
        inner: PlatformSync(iotbos(&sim)),
        clock: clock.clone(),
        tell: AtomicBool::new(true),
        alerts_at_end: AtomicU64::new(0),
    });
    let plan = WatchPlan::new(rules(QUOTA), [ops]).account(WatchedAccount::new(
        spec.clone(),
        counting.clone(),
        Duration::from_secs(3600),
    ));
    let watcher = iotcard_watch::Watcher::builder(store.clone(), deliverer(clock.clone()))
        .clock(clock.clone())
        .sleeper(clock.clone())
        .holder("w")
        .sync_options(SyncOptions::default().batch_cards(30))
        .build()
        .unwrap();

    // The first pass: its batches' alerts are in the store before it ends
    // (ten batches; the pass waits while more than a few are unevaluated).
    // Each batch is evaluated a second after the one before, and all make
    // one digest.
    let first = watcher.once(&plan, never()).await.unwrap();
    let acme = first.account("acme").unwrap();
    let answered = acme.pass.summary().expect("the pass ran").answered;
    let evaluation = acme.evaluation.expect("evaluated");
    assert_eq!(evaluation.cards, answered);
    assert!(evaluation.notifying > 10, "{evaluation:?}");
    assert_eq!(evaluation.queued, 1, "one digest for one notifier");
    let stored = store.card_alert_count("acme").await.unwrap();
    assert!(stored > 0, "the quota fires for some cards");
    let at_end = counting.alerts_at_end.load(Ordering::SeqCst);
    assert!(
        at_end > 0 && at_end <= stored,
        "alerts before the pass ended: {at_end} of {stored}"
    );

    // A card the platform stops answering: stored by an earlier run, with
    // a snapshot the quota fires for, but unknown to the simulator now.
    let (cards, _) = store
        .latest_of_keys_with_alerts(id, "acme", &[numbers[0].to_string()], SnapshotParts::ALL)
        .await
        .unwrap();
    let mut gone = cards[0].snapshot.clone();
    gone.card = "10640000000000".into();
    clock.advance(Duration::from_secs(30));
    let then = iotcard_sync::instant(clock.as_ref()).unwrap();
    let run = store.begin_run(id, then).await.unwrap();
    let batch = Batch {
        snapshots: vec![Observation {
            taken_at: then,
            snapshot: gone,
        }],
        asked: 1,
        ..Batch::default()
    };
    store.write_snapshots(run, &batch).await.unwrap();
    store.finish_run(run, then).await.unwrap();
    store
        .inventory_add(id, &["10640000000000".parse().unwrap()])
        .await
        .unwrap();

    // The next pass does not answer it: it is evaluated when the pass ends,
    // and fires.
    clock.advance(Duration::from_secs(30));
    let second = watcher.once(&plan, never()).await.unwrap();
    let acme = second.account("acme").unwrap();
    let summary = acme.pass.summary().unwrap();
    assert_eq!(summary.answered, answered);
    assert!(summary.not_found >= 1);
    let evaluation = acme.evaluation.unwrap();
    assert_eq!(evaluation.cards, answered + 1, "{evaluation:?}");
    assert_eq!(evaluation.transitions, 1, "the unanswered card's alert");
    let rows = store.alert_rows(&["acme".to_owned()]).await.unwrap();
    assert!(
        rows.iter()
            .any(|r| r.card.as_deref() == Some("10640000000000") && r.phase == "firing"),
        "{rows:?}"
    );

    // Evaluating everything afterwards changes nothing: the evaluation
    // beside the pass left the alert state a whole one makes.
    clock.advance(Duration::from_secs(1));
    let whole = watcher.evaluate(&plan, "acme").await.unwrap();
    assert_eq!(whole.cards, answered + 1);
    assert_eq!(whole.transitions, 0, "{whole:?}");
    assert_eq!(store.alert_rows(&["acme".to_owned()]).await.unwrap(), rows);

    // Straight after, within the second the last pass ended (its first
    // batch written in the second this one begins): each card still once.
    let again = watcher.once(&plan, never()).await.unwrap();
    let evaluation = again.account("acme").unwrap().evaluation.unwrap();
    assert_eq!(evaluation.cards, answered + 1, "{evaluation:?}");
    assert_eq!(evaluation.transitions, 0);

    // A pass that tells nothing of its batches: every card is evaluated
    // when it ends, each once.
    counting.tell.store(false, Ordering::SeqCst);
    clock.advance(Duration::from_secs(60));
    let untold = watcher.once(&plan, never()).await.unwrap();
    let evaluation = untold.account("acme").unwrap().evaluation.unwrap();
    assert_eq!(evaluation.cards, answered + 1, "{evaluation:?}");
    assert_eq!(evaluation.transitions, 0);
    assert_eq!(store.alert_rows(&["acme".to_owned()]).await.unwrap(), rows);
    sim.shutdown().await;
}
