//! The iotcard watcher's I/O half. For now: [`deliver`], sending the
//! digests `iotcard-notify` prepares — to DingTalk, WeCom and Feishu robots
//! and webhooks through `iotcard-transport`, e-mail over SMTP — each
//! notifier under its rate, transient failures retried with backoff,
//! every attempt recorded for the outbox. The watch daemon will live beside
//! it.
//!
//! With the `test-support` feature, [`receivers`] has local DingTalk-,
//! WeCom-, Feishu-, webhook- and SMTP-shaped receivers that check what the
//! real services check.
//!
//! TODO-DOC-EXAMPLE
#![deny(missing_docs)]

pub mod deliver;
mod error;
#[cfg(feature = "test-support")]
pub mod receivers;
mod smtp;
mod time;

pub use deliver::{Attempt, Deliverer, DelivererBuilder, Delivery, RetryPolicy};
pub use error::{DeliverError, Scrubbed};
pub use time::{ManualClock, Sleeper, TokioSleeper};
