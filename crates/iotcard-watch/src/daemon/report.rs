//! What one `once` did: per account, and for delivery.

use iotcard_sync::Summary;

/// What one [`Watcher::once`](crate::daemon::Watcher::once) did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct OnceReport {
    /// Per account, in the plan's order.
    pub accounts: Vec<AccountReport>,
    /// What was delivered afterwards.
    pub delivery: DeliveryReport,
}

impl OnceReport {
    /// The report of `profile`.
    pub fn account(&self, profile: &str) -> Option<&AccountReport> {
        self.accounts.iter().find(|a| a.profile == profile)
    }
}

/// What happened to one account.
#[derive(Debug)]
#[non_exhaustive]
pub struct AccountReport {
    /// The account's profile.
    pub profile: String,
    /// How its pass went.
    pub pass: PassReport,
    /// Its evaluation, unless it was skipped or failed.
    pub evaluation: Option<EvaluationReport>,
    /// Why the evaluation failed, when it did (the error's chain).
    pub evaluation_error: Option<String>,
}

/// How one account's pass went.
#[derive(Debug)]
#[non_exhaustive]
pub enum PassReport {
    /// The pass ran (its summary counts the cards that failed).
    Synced(Summary),
    /// The pass stopped on a store failure (the error's chain); the rules
    /// were still evaluated.
    Failed(String),
    /// Not run: another watcher holds the account's lease.
    Skipped {
        /// Who holds it.
        holder: String,
    },
}

impl PassReport {
    /// The summary, when the pass ran.
    pub fn summary(&self) -> Option<&Summary> {
        match self {
            PassReport::Synced(s) => Some(s),
            _ => None,
        }
    }

    /// Whether another watcher had the account.
    pub fn is_skipped(&self) -> bool {
        matches!(self, PassReport::Skipped { .. })
    }
}

/// One evaluation of an account's rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EvaluationReport {
    /// Cards evaluated.
    pub cards: u64,
    /// Transitions (pending, firing, re-notifying, resolved).
    pub transitions: u64,
    /// Transitions that notify.
    pub notifying: u64,
    /// Outbox entries queued (a digest per rule and time, per notifier).
    pub queued: u64,
    /// Entries the outbox already held (the same digest from an earlier
    /// commit).
    pub already_queued: u64,
}

/// What one round of delivery did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// Digests delivered (to one notifier each).
    pub delivered: u64,
    /// Digests not delivered, left for a retry with backoff.
    pub retried: u64,
    /// Digests whose claim another watcher had taken over by the time
    /// their outcome was recorded.
    pub claims_lost: u64,
}
