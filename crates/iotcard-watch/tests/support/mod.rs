//! What the watcher tests share: a simulator, a store on a temp file, an
//! IoTBOS account over it, a plan, a watcher on a manual clock.
#![allow(dead_code)] // each test file uses part of it

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use iotcard_facade::{Clock, Entropy, IotbosClient, RetryConfig};
use iotcard_model::{CardNumber, Secret};
use iotcard_notify::{Channel, DingTalk, Notifier, SecretUrl, Webhook};
use iotcard_rules::{RuleConfig, RuleSet};
use iotcard_sim::{RunningSimulator, Simulator};
use iotcard_store::{AccountSpec, Store};
use iotcard_sync::{Summary, SyncError, SyncOptions};
use iotcard_transport::HttpTransport;
use iotcard_watch::daemon::{AccountSync, BoxFuture, PlatformSync};
use iotcard_watch::receivers::Robot;
use iotcard_watch::{Deliverer, ManualClock, RetryPolicy, WatchedAccount, Watcher};

/// A quota rule that fires for every card that used data (1 % of its
/// allowance), told to the notifier `ops`.
pub const QUOTA: &str = r#"
    [[rules]]
    name = "quota"
    kind = "quota"
    thresholds = [1]
    notify = ["ops"]
"#;

/// 2026-11-20 12:00 CST: mid-month, every active card has used some data.
pub const MID_MONTH: &str = "2026-11-20T12:00:00+08:00";

pub fn at(text: &str) -> SystemTime {
    let t = chrono::DateTime::parse_from_rfc3339(text).unwrap();
    SystemTime::UNIX_EPOCH + Duration::from_secs(t.timestamp() as u64)
}

pub async fn sim(cards: u64) -> RunningSimulator {
    Simulator::builder()
        .seed(11)
        .cards(cards)
        .freeze_clock(Some(
            chrono::DateTime::parse_from_rfc3339(MID_MONTH).unwrap(),
        ))
        .start()
        .await
        .unwrap()
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(at(MID_MONTH)))
}

pub async fn store_at(path: &std::path::Path) -> Store {
    Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

/// An IoTBOS client of the simulator that does not retry (the watcher's
/// next pass is the retry) and reads time from `clock`.
pub fn iotbos(sim: &RunningSimulator) -> IotbosClient {
    let creds = sim.credentials().clone();
    IotbosClient::builder()
        .endpoint(sim.iotbos_url())
        .account(creds.iotbos_account)
        .password(creds.iotbos_password)
        .retry(RetryConfig::default().max_attempts(1))
        .build()
        .unwrap()
}

/// The account `profile` over the simulator, its first `cards` in its
/// inventory.
pub async fn account(
    store: &Store,
    sim: &RunningSimulator,
    profile: &str,
    cards: usize,
    interval: Duration,
) -> WatchedAccount {
    let spec = AccountSpec::new(profile, "iotbos", "127.0.0.1");
    let id = store.account(&spec).await.unwrap();
    let numbers: Vec<CardNumber> = sim.fleet().numbers().take(cards).collect();
    store.inventory_add(id, &numbers).await.unwrap();
    let sync = Probe::new(PlatformSync(iotbos(sim)));
    WatchedAccount::new(spec, Arc::new(sync), interval)
}

pub fn rules(toml_text: &str) -> RuleSet {
    #[derive(serde::Deserialize)]
    struct Config {
        rules: Vec<RuleConfig>,
    }
    let config: Config = toml::from_str(toml_text).unwrap();
    RuleSet::new(config.rules).unwrap()
}

pub async fn dingtalk_robot(clock: Arc<dyn Clock>) -> (Robot, Notifier) {
    let robot = Robot::dingtalk("T0KEN", Some("SECtest"), clock)
        .await
        .unwrap();
    let notifier = Notifier::new(
        "ops",
        Channel::DingTalk(DingTalk::new(
            SecretUrl::parse(robot.url()).unwrap(),
            Some(Secret::new("SECtest")),
        )),
    );
    (robot, notifier)
}

pub async fn webhook_robot(clock: Arc<dyn Clock>) -> (Robot, Notifier) {
    let robot = Robot::webhook(clock).await.unwrap();
    let notifier = Notifier::new(
        "am",
        Channel::Webhook(Webhook::new(
            SecretUrl::parse(robot.url()).unwrap(),
            "am",
            String::new(),
            0,
        )),
    );
    (robot, notifier)
}

pub fn deliverer(clock: Arc<ManualClock>) -> Arc<Deliverer> {
    let transport = HttpTransport::builder()
        .secret_names(iotcard_notify::URL_SECRETS)
        .request_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    Arc::new(
        Deliverer::builder(transport)
            .clock(clock.clone())
            .sleeper(clock)
            .entropy(Entropy::Seed(5))
            .retry(RetryPolicy::once())
            .build()
            .unwrap(),
    )
}

pub fn watcher(store: Store, clock: Arc<ManualClock>, holder: &str) -> Watcher {
    Watcher::builder(store, deliverer(clock.clone()))
        .clock(clock.clone())
        .sleeper(clock)
        .entropy(Entropy::Seed(9))
        .holder(holder)
        .lease_ttl(Duration::from_secs(30))
        .page_size(64)
        .sync_options(SyncOptions::default().retention(None))
        .build()
        .unwrap()
}

pub fn never() -> std::future::Pending<()> {
    std::future::pending()
}

/// Counts passes of one account running at once, across every watcher
/// that shares it: the most seen must stay 1.
#[derive(Debug)]
pub struct Probe<S> {
    inner: S,
    running: Arc<AtomicUsize>,
    pub most: Arc<AtomicUsize>,
    pub passes: Arc<AtomicUsize>,
}

impl<S> Probe<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            running: Arc::default(),
            most: Arc::default(),
            passes: Arc::default(),
        }
    }

    /// The same counters over another client (another watcher's).
    pub fn sharing<T>(&self, inner: T) -> Probe<T> {
        Probe {
            inner,
            running: self.running.clone(),
            most: self.most.clone(),
            passes: self.passes.clone(),
        }
    }
}

impl<S: AccountSync> AccountSync for Probe<S> {
    fn provider(&self) -> &'static str {
        self.inner.provider()
    }

    fn sync<'a>(
        &'a self,
        store: &'a Store,
        spec: &'a AccountSpec,
        clock: &'a dyn Clock,
        options: &'a SyncOptions,
        committed: Option<iotcard_sync::Committed>,
        cancel: BoxFuture<'a, ()>,
    ) -> BoxFuture<'a, Result<Summary, SyncError>> {
        Box::pin(async move {
            let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
            self.most.fetch_max(now, Ordering::SeqCst);
            self.passes.fetch_add(1, Ordering::SeqCst);
            // Counted out when the pass ends or is dropped (a killed watcher).
            let _running = Running(&self.running);
            self.inner
                .sync(store, spec, clock, options, committed, cancel)
                .await
        })
    }

    fn call_stats(&self) -> Option<&iotcard_facade::CallStats> {
        self.inner.call_stats()
    }
}

struct Running<'a>(&'a AtomicUsize);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
