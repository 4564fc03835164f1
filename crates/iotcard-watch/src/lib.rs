//! The iotcard watcher: the watch daemon ([`daemon`]) and its delivery
//! shell ([`deliver`]).
//!
//! [`Watcher`] syncs every account of a [`WatchPlan`] on its own schedule
//! (each pass under the account's lease in the store, so several watchers
//! can share one PostgreSQL), evaluates the alert rules over the store a
//! page at a time — each batch the pass commits as it goes, the cards it
//! did not answer when it ends — (each page's alert changes committed with
//! the notifications they make, staged in the store; the digests, bounded
//! in size, queued in the outbox by one last transaction), and delivers
//! what is due. [`Deliverer`]
//! sends the digests `iotcard-notify` prepares — to DingTalk, WeCom and
//! Feishu robots and webhooks through `iotcard-transport`, e-mail over
//! SMTP — each notifier under its rate.
//!
//! With the `test-support` feature, `receivers` has local DingTalk-,
//! WeCom-, Feishu-, webhook- and SMTP-shaped receivers that check what the
//! real services check.
//!
//! One `once` against an in-process simulator, its quota alert delivered to
//! a local DingTalk-shaped robot:
//!
//! ```
//! # #[cfg(feature = "test-support")]
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use std::sync::Arc;
//! use std::time::{Duration, SystemTime};
//! use iotcard_facade::IotbosClient;
//! use iotcard_model::Secret;
//! use iotcard_notify::{Channel, DingTalk, Notifier, SecretUrl};
//! use iotcard_rules::{RuleConfig, RuleSet};
//! use iotcard_store::{AccountSpec, Store};
//! use iotcard_transport::HttpTransport;
//! use iotcard_watch::receivers::Robot;
//! use iotcard_watch::{Deliverer, ManualClock, PlatformSync, RetryPolicy, WatchPlan, WatchedAccount, Watcher};
//!
//! let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T12:00:00+08:00")?;
//! let sim = iotcard_sim::Simulator::builder().cards(5).freeze_clock(Some(now)).start().await?;
//! let clock = Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(now.timestamp() as u64)));
//! let dir = tempfile::tempdir()?;
//! let store = Store::open(&format!("sqlite://{}/h.sqlite3", dir.path().display())).await?;
//!
//! // The account: IoTBOS cannot list its cards, so they are in the inventory.
//! let spec = AccountSpec::new("acme", "iotbos", "127.0.0.1");
//! let cards: Vec<_> = sim.fleet().numbers().collect();
//! store.inventory_add(store.account(&spec).await?, &cards).await?;
//! let client = IotbosClient::builder()
//!     .endpoint(sim.iotbos_url())
//!     .account(sim.credentials().iotbos_account.clone())
//!     .password(sim.credentials().iotbos_password.clone())
//!     .build()?;
//!
//! // The rules and the robot they notify.
//! #[derive(serde::Deserialize)]
//! struct Config { rules: Vec<RuleConfig> }
//! let config: Config = toml::from_str(r#"
//!     [[rules]]
//!     name = "quota"
//!     kind = "quota"
//!     thresholds = [1]
//!     notify = ["ops"]
//! "#)?;
//! let robot = Robot::dingtalk("T0KEN", Some("SECtest"), clock.clone()).await?;
//! let ops = Notifier::new("ops", Channel::DingTalk(DingTalk::new(
//!     SecretUrl::parse(robot.url())?,
//!     Some(Secret::new("SECtest")),
//! )));
//! let plan = WatchPlan::new(RuleSet::new(config.rules)?, [ops]).account(WatchedAccount::new(
//!     spec,
//!     Arc::new(PlatformSync(client)),
//!     Duration::from_secs(3600),
//! ));
//!
//! let transport = HttpTransport::builder().secret_names(iotcard_notify::URL_SECRETS).build()?;
//! let deliverer = Deliverer::builder(transport)
//!     .clock(clock.clone())
//!     .sleeper(clock.clone())
//!     .retry(RetryPolicy::once()) // the outbox retries
//!     .build()?;
//! let watcher = Watcher::builder(store, Arc::new(deliverer))
//!     .clock(clock.clone())
//!     .sleeper(clock.clone())
//!     .holder("doc")
//!     .build()?;
//!
//! let report = watcher.once(&plan, std::future::pending()).await?;
//! assert_eq!(report.account("acme").unwrap().pass.summary().unwrap().asked, 5);
//! assert_eq!(report.delivery.delivered, 1);
//! assert_eq!(robot.received().len(), 1); // one digest naming the cards
//! // Again: the alerts are firing already, nobody is told twice.
//! clock.advance(Duration::from_secs(60));
//! assert_eq!(watcher.once(&plan, std::future::pending()).await?.delivery.delivered, 0);
//! assert_eq!(robot.received().len(), 1);
//! sim.shutdown().await;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! Delivering one digest directly:
//!
//! ```
//! # #[cfg(feature = "test-support")]
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use std::sync::Arc;
//! use std::time::{Duration, SystemTime};
//! use iotcard_model::Secret;
//! use iotcard_notify::{Alert, Channel, Digest, DingTalk, Notifier, SecretUrl};
//! use iotcard_transport::HttpTransport;
//! use iotcard_watch::receivers::{Down, Robot};
//! use iotcard_watch::{Deliverer, ManualClock};
//!
//! // A clock that moves when slept on: retries and pacing take no real time.
//! let clock = Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_000_000)));
//! // A local DingTalk-shaped robot checking token and signature, down for two requests.
//! let robot = Robot::dingtalk("T0KEN", Some("SECtest"), clock.clone()).await?;
//! robot.down_for(2, Down::Unavailable);
//!
//! let ops = Notifier::new("ops", Channel::DingTalk(DingTalk::new(
//!     SecretUrl::parse(robot.url())?,
//!     Some(Secret::new("SECtest")),
//! )));
//! let transport = HttpTransport::builder().secret_names(iotcard_notify::URL_SECRETS).build()?;
//! let deliverer = Deliverer::builder(transport)
//!     .clock(clock.clone())
//!     .sleeper(clock.clone())
//!     .build()?;
//!
//! let at = "2026-12-01T09:00:00+08:00".parse()?;
//! let alert = Alert::firing("quota", "acme", at).with_card("89860000000000000001", "91% of 1 GiB used");
//! let digest = &Digest::group([alert], at)[0];
//!
//! let delivery = deliverer.deliver(&ops, digest).await;
//! assert!(delivery.is_delivered());
//! assert_eq!(delivery.attempts.len(), 3); // two 503s, retried with backoff
//! assert_eq!(robot.received().len(), 1); // delivered once
//! assert!(!format!("{delivery:?}").contains("T0KEN"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
#![deny(missing_docs)]

pub mod daemon;
pub mod deliver;
mod error;
#[cfg(feature = "test-support")]
pub mod receivers;
mod scrub;
pub mod serve;
mod smtp;
mod time;

pub use daemon::{
    AccountSync, OnceReport, PlatformSync, WatchPlan, WatchedAccount, Watcher, WatcherBuilder,
};
pub use deliver::{Attempt, Deliverer, DelivererBuilder, Delivery, RetryPolicy};
pub use error::WatchError;
pub use scrub::Scrubbed;
pub use serve::{Server, StatusBoard};
pub use time::{ManualClock, Sleeper, TokioSleeper};
