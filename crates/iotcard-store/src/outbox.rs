//! The notification outbox: what the rule layer decided to send, kept until
//! a watcher delivered it, so nothing is lost or sent twice across restarts
//! and across watchers sharing a store.

use iotcard_model::Instant;

use crate::error::{Result, StoreError};

/// A notification to queue (see [`crate::Store::commit_evaluation`]).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OutboxEntry {
    /// The idempotency key: an entry whose key is already in the outbox,
    /// delivered or not, is never queued again.
    pub key: String,
    /// The notifier's name in the config.
    pub notifier: String,
    /// The rule it is about.
    pub rule: String,
    /// The account it is about.
    pub profile: String,
    /// What to send, as JSON; the store keeps it as given and never reads it.
    pub payload: String,
    /// When it was queued (kept to the second, as every outbox time).
    pub created_at: Instant,
    /// When it may be sent first (quiet hours, a channel's rate).
    pub due_at: Instant,
}

/// An entry as stored, with its delivery record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OutboxItem {
    /// Its id in the store (`outbox.id`): increases in the order entries were queued.
    pub id: i64,
    /// The idempotency key.
    pub key: String,
    /// The notifier's name.
    pub notifier: String,
    /// The rule it is about.
    pub rule: String,
    /// The account it is about.
    pub profile: String,
    /// What to send, as JSON.
    pub payload: String,
    /// When it was queued.
    pub created_at: Instant,
    /// When it is (or was last) due.
    pub due_at: Instant,
    /// Delivery attempts recorded so far.
    pub attempts: u32,
    /// The last failed attempt's error, as the caller gave it.
    pub last_error: Option<String>,
    /// When it was delivered; `None` while it is pending.
    pub delivered_at: Option<Instant>,
}

/// Refuses entries without a key or a notifier (a key is what makes an
/// entry sent once; an entry for no notifier could never be delivered).
pub(crate) fn validate(entries: &[OutboxEntry]) -> Result<()> {
    for entry in entries {
        if entry.key.is_empty() {
            return Err(StoreError::Invalid(format!(
                "an outbox entry for notifier {:?} without an idempotency key",
                entry.notifier
            )));
        }
        if entry.notifier.is_empty() {
            return Err(StoreError::Invalid(format!(
                "outbox entry {:?} names no notifier",
                entry.key
            )));
        }
    }
    Ok(())
}

/// Refuses an empty claim holder: a claim must say whose it is.
pub(crate) fn check_holder(holder: &str) -> Result<()> {
    if holder.is_empty() {
        return Err(StoreError::Invalid("an empty outbox claim holder".into()));
    }
    Ok(())
}
