//! The watch daemon: every account synced on its own schedule under a
//! lease in the store, its rules evaluated over the store a page at a
//! time, the notifications committed with the alert state in one
//! transaction and delivered from the outbox.
//!
//! The pieces, each with one reason to change: [`WatchPlan`] (what to
//! watch), [`AccountSync`] (one pass, object-safe), [`next_pass_in`] (the
//! schedule), the rules' inputs from the store, the mapping from
//! transitions to digests and outbox entries, the outbox worker
//! ([`OutboxPolicy`]), and [`Watcher`], which runs them.

mod account;
mod alerts;
mod inputs;
mod outbox;
mod plan;
mod report;
mod schedule;
mod watcher;

pub use account::{AccountSync, BoxFuture, PlatformSync};
pub use alerts::{alert_for, outbox_entries, row_changes, states_from_rows};
pub use inputs::{card_inputs, sync_info, Needs};
pub use outbox::OutboxPolicy;
pub use plan::{WatchPlan, WatchedAccount, DEFAULT_JITTER};
pub use report::{AccountReport, DeliveryReport, EvaluationReport, OnceReport, PassReport};
pub use schedule::next_pass_in;
pub use watcher::{lease_name, Watcher, WatcherBuilder};
