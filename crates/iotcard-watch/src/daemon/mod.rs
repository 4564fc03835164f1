//! The watch daemon: every account synced on its own schedule under a
//! lease in the store, its rules evaluated over the store a page at a
//! time (each page's alert changes committed with the notices they make),
//! the notifications folded into bounded digests, queued in the outbox in
//! one last transaction and delivered from there.
//!
//! The pieces, each with one reason to change: [`WatchPlan`] (what to
//! watch), [`AccountSync`] (one pass, object-safe), [`next_pass_in`] (the
//! schedule), the rules' inputs from the store, the mapping from
//! transitions to digests and outbox entries, the outbox worker
//! ([`OutboxPolicy`]), and [`Watcher`], which runs them.

mod account;
mod alerts;
mod card_set;
mod digests;
mod evaluation;
mod evaluator;
mod inputs;
mod outbox;
mod plan;
mod report;
mod schedule;
#[cfg(test)]
mod test_rules;
mod watcher;

pub use account::{AccountSync, BoxFuture, PlatformSync};
pub use alerts::{alert_for, outbox_entries, row_changes, states_from_rows};
pub use inputs::{card_inputs, sync_info, Needs};
pub use outbox::OutboxPolicy;
pub use plan::{WatchPlan, WatchedAccount, DEFAULT_JITTER};
pub use report::{AccountReport, DeliveryReport, EvaluationReport, OnceReport, PassReport};
pub use schedule::next_pass_in;
pub use watcher::{lease_name, Watcher, WatcherBuilder};
