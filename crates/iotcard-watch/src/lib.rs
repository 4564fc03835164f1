//! The iotcard watcher's I/O half. For now: [`deliver`], sending the
//! digests `iotcard-notify` prepares — to DingTalk, WeCom and Feishu robots
//! and webhooks through `iotcard-transport`, e-mail over SMTP — each
//! notifier under its rate, transient failures retried with backoff,
//! every attempt recorded for the outbox. The watch daemon will live beside
//! it.
//!
//! With the `test-support` feature, `receivers` has local DingTalk-,
//! WeCom-, Feishu-, webhook- and SMTP-shaped receivers that check what the
//! real services check.
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
mod smtp;
mod time;

pub use daemon::{
    AccountSync, OnceReport, PlatformSync, WatchError, WatchPlan, WatchedAccount, Watcher,
    WatcherBuilder,
};
pub use deliver::{Attempt, Deliverer, DelivererBuilder, Delivery, RetryPolicy};
pub use error::{DeliverError, Scrubbed};
pub use time::{ManualClock, Sleeper, TokioSleeper};
