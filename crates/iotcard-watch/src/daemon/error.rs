//! Why a watcher could not do what it was asked.

use iotcard_store::StoreError;
use thiserror::Error;

/// Why a [`Watcher`](crate::daemon::Watcher) call failed, or why a plan
/// was refused. A failed sync pass or delivery is not an error of the
/// watcher: it is in the report, and the next pass or retry runs.
///
/// `Display` says what went wrong at this level; the cause is
/// [`source`](std::error::Error::source). No variant carries a secret.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WatchError {
    /// The plan cannot work (a profile twice, a zero interval, a rule
    /// notifying an unknown notifier).
    #[error("the watch plan is refused: {problem}")]
    InvalidPlan {
        /// What is wrong.
        problem: String,
    },
    /// The store failed.
    #[error("the store failed {doing}")]
    Store {
        /// What the watcher was doing (`reading alert state`).
        doing: &'static str,
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// Another watcher holds the account's lease now: this one's renewal
    /// lapsed, so its evaluation was not committed (the holder evaluates).
    #[error("the lease `{name}` was lost to another watcher")]
    LeaseLost {
        /// The lease's name.
        name: String,
    },
    /// Another watcher holds the account's lease.
    #[error("the lease `{name}` is held by {holder}")]
    LeaseHeld {
        /// The lease's name.
        name: String,
        /// Who holds it.
        holder: String,
    },
    /// A stored alert state could not be read or written as JSON.
    #[error("alert {key}: its stored state is not readable")]
    AlertRow {
        /// The alert (`rule profile/card`).
        key: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A digest could not be written to, or read from, the outbox.
    #[error("outbox entry {key}: its payload is not a digest")]
    Payload {
        /// The digest's or entry's key.
        key: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The clock reads a time the store cannot keep.
    #[error("the clock reads a time the store cannot keep")]
    Clock,
}

impl WatchError {
    pub(crate) fn store(doing: &'static str) -> impl FnOnce(StoreError) -> Self {
        move |source| WatchError::Store { doing, source }
    }
}
