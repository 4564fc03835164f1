//! A pass against the simulator into a SQLite file: IoTBOS inventory,
//! Tencent listing, cancellation, batching.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use iotcard_facade::{CardNumber, IotbosClient, SystemClock, TencentClient};
use iotcard_sim::{RunningSimulator, Simulator};
use iotcard_store::SnapshotParts;
use iotcard_store::{AccountSpec, RunOutcome, Store};
use iotcard_sync::{sync_account, sync_account_telling, Grade, SyncOptions};

async fn sim(cards: u64) -> RunningSimulator {
    Simulator::builder()
        .seed(3)
        .cards(cards)
        .freeze_clock(Some(
            chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00+08:00").unwrap(),
        ))
        .start()
        .await
        .unwrap()
}

fn iotbos(sim: &RunningSimulator) -> IotbosClient {
    let creds = sim.credentials().clone();
    IotbosClient::builder()
        .endpoint(sim.iotbos_url())
        .account(creds.iotbos_account)
        .password(creds.iotbos_password)
        .build()
        .unwrap()
}

async fn store(dir: &tempfile::TempDir) -> Store {
    Store::open(&format!("sqlite://{}/h.sqlite3", dir.path().display()))
        .await
        .unwrap()
}

fn never() -> std::future::Pending<()> {
    std::future::pending()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iotbos_polls_its_inventory_in_batches_and_counts_every_card() {
    let sim = sim(300).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let spec = AccountSpec::new("default", "iotbos", "127.0.0.1");
    let account = store.account(&spec).await.unwrap();
    let mut cards: Vec<CardNumber> = sim.fleet().numbers().take(250).collect();
    // Not on the simulated account: the platform says so.
    cards.push("10640000000000".parse().unwrap());
    store.inventory_add(account, &cards).await.unwrap();
    let seen = AtomicU64::new(0);
    let options = SyncOptions::default().batch_cards(40).inventory_page(100);
    let summary = sync_account(
        &iotbos(&sim),
        &store,
        &spec,
        &SystemClock::default(),
        &options,
        &|n| {
            seen.fetch_add(n, Ordering::Relaxed);
        },
        never(),
    )
    .await
    .unwrap();
    assert_eq!(summary.asked, 251);
    assert_eq!(seen.load(Ordering::Relaxed), 251, "progress saw every card");
    assert!(summary.not_found >= 1);
    assert_eq!(
        summary.answered + summary.not_found + summary.no_data + summary.failed,
        251
    );
    assert_eq!(summary.failed, 0);
    assert_eq!(summary.grade(), Grade::Incomplete);
    assert!(!summary.interrupted);
    assert_eq!(summary.written + summary.duplicates, summary.answered);
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.snapshots, summary.written);
    let runs = store.sync_runs(&[], 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome, RunOutcome::Finished);
    assert_eq!(runs[0].counts.asked, 251);
    assert_eq!(runs[0].counts.answered, summary.answered);
    assert_eq!(runs[0].counts.not_found, summary.not_found);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_batch_is_told_once_committed() {
    let sim = sim(120).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let spec = AccountSpec::new("default", "iotbos", "127.0.0.1");
    let account = store.account(&spec).await.unwrap();
    let mut cards: Vec<CardNumber> = sim.fleet().numbers().take(100).collect();
    cards.push("10640000000000".parse().unwrap());
    store.inventory_add(account, &cards).await.unwrap();
    let options = SyncOptions::default().batch_cards(30);
    // A channel of one: the pass waits for the listener, which reads each
    // batch back from the store as it is told.
    let (told, mut hear) = tokio::sync::mpsc::channel(1);
    let listener = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut batches = Vec::new();
            while let Some(keys) = hear.recv().await {
                let keys: Vec<String> = keys;
                let (read, _) = store
                    .latest_of_keys_with_alerts(account, "default", &keys, SnapshotParts::ALL)
                    .await
                    .unwrap();
                assert_eq!(read.len(), keys.len(), "every card told is stored");
                batches.push(keys);
            }
            batches
        })
    };
    let summary = sync_account_telling(
        &iotbos(&sim),
        &store,
        &spec,
        &SystemClock::default(),
        &options,
        &|_| {},
        Some(told),
        never(),
    )
    .await
    .unwrap();
    let batches = listener.await.unwrap();
    assert!(batches.len() >= 4, "{} batches", batches.len());
    assert!(batches.iter().all(|b| b.len() <= 30));
    let mut told: Vec<String> = batches.concat();
    assert_eq!(told.len() as u64, summary.answered);
    told.sort();
    told.dedup();
    assert_eq!(told.len() as u64, summary.answered, "each card told once");
    assert!(!told.contains(&"10640000000000".to_owned()), "unanswered");

    // A listener gone does not stop the pass.
    let (told, hear) = tokio::sync::mpsc::channel(1);
    drop(hear);
    let again = sync_account_telling(
        &iotbos(&sim),
        &store,
        &spec,
        &SystemClock::default(),
        &options,
        &|_| {},
        Some(told),
        never(),
    )
    .await
    .unwrap();
    assert_eq!(again.answered, summary.answered);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tencent_lists_its_cards() {
    let sim = sim(45).await;
    let creds = sim.credentials().clone();
    let client = TencentClient::builder()
        .endpoint(sim.tencent_url())
        .sdkappid(creds.tencent_sdkappid)
        .appkey(creds.tencent_appkey)
        .extra_ca_pem(sim.ca_pem())
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let spec = AccountSpec::new("shop2", "tencent", "127.0.0.1");
    let summary = sync_account(
        &client,
        &store,
        &spec,
        &SystemClock::default(),
        &SyncOptions::default(),
        &|_| {},
        never(),
    )
    .await
    .unwrap();
    assert_eq!(summary.asked, 45);
    assert_eq!(summary.answered, 45);
    assert_eq!(summary.grade(), Grade::Complete);
    let fleet = store
        .fleet(&Default::default(), summary.ended_at)
        .await
        .unwrap();
    assert_eq!(fleet.len(), 45);
    assert!(fleet.iter().all(|c| c.snapshot.iccid.is_some()));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_pass_keeps_its_batches_and_is_interrupted() {
    let sim = Simulator::builder()
        .seed(3)
        .cards(400)
        .latency(Duration::from_millis(20), Duration::ZERO)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let spec = AccountSpec::new("default", "iotbos", "127.0.0.1");
    let account = store.account(&spec).await.unwrap();
    let cards: Vec<CardNumber> = sim.fleet().numbers().take(400).collect();
    store.inventory_add(account, &cards).await.unwrap();
    let client = IotbosClient::builder()
        .endpoint(sim.iotbos_url())
        .account(sim.credentials().iotbos_account.clone())
        .password(sim.credentials().iotbos_password.clone())
        .batch_size(10)
        .tuning(iotcard_facade::Tuning::default().concurrency(1))
        .build()
        .unwrap();
    let options = SyncOptions::default()
        .batch_cards(10)
        .batch_age(Duration::from_millis(50));
    let summary = sync_account(
        &client,
        &store,
        &spec,
        &SystemClock::default(),
        &options,
        &|_| {},
        tokio::time::sleep(Duration::from_millis(400)),
    )
    .await
    .unwrap();
    assert!(summary.interrupted);
    assert!(
        summary.asked > 0 && summary.asked < 400,
        "{}",
        summary.asked
    );
    let runs = store.sync_runs(&[], 10).await.unwrap();
    assert_eq!(runs[0].outcome, RunOutcome::Interrupted);
    assert_eq!(
        runs[0].counts.asked, summary.asked,
        "what was in hand was committed"
    );
    assert_eq!(store.stats().await.unwrap().snapshots, summary.written);
    sim.shutdown().await;
}
