//! Sync runs and the batches written during them.

use iotcard_model::{CardSnapshot, Instant};

use crate::account::AccountId;

/// A sync run's id in the store (`runs.id`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct RunId(pub i64);

/// One card's answer at one moment.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Observation {
    /// When the answer was taken; kept to the second.
    pub taken_at: Instant,
    /// The answer; `snapshot.card` is the provider's key for the card (the
    /// number the card was asked by).
    pub snapshot: CardSnapshot,
}

/// What one transaction writes: snapshots and the run's counters that go
/// with them, so a crash never leaves counters ahead of (or behind) the
/// snapshots they count.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Batch {
    /// The cards that answered.
    pub snapshots: Vec<Observation>,
    /// Cards asked in this batch (answered or not).
    pub asked: u64,
    /// Cards the provider said it does not know.
    pub not_found: u64,
    /// Cards whose call failed.
    pub failed: u64,
    /// Error messages; the run keeps the first [`FIRST_ERRORS`] of them.
    pub errors: Vec<String>,
}

/// How many error messages a run keeps.
pub const FIRST_ERRORS: usize = 10;

/// What a [`Batch`] changed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct WriteReport {
    /// Snapshots stored.
    pub written: u64,
    /// Snapshots skipped because the same card and time was already stored
    /// (or repeated within the batch).
    pub duplicates: u64,
}

/// A run's counters.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct RunCounts {
    /// Cards asked.
    pub asked: u64,
    /// Cards answered (snapshots offered, duplicates included).
    pub answered: u64,
    /// Cards not found.
    pub not_found: u64,
    /// Cards whose call failed.
    pub failed: u64,
}

/// How a run ended.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum RunOutcome {
    /// Still going (or its process died and no run has begun since).
    Running,
    /// Finished normally.
    Finished,
    /// Stopped before the end: a signal, a crash found by the next run.
    Interrupted,
}

impl RunOutcome {
    /// `running`, `finished` or `interrupted`, as in the `sync_runs` view.
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Running => "running",
            RunOutcome::Finished => "finished",
            RunOutcome::Interrupted => "interrupted",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "running" => Some(RunOutcome::Running),
            "finished" => Some(RunOutcome::Finished),
            "interrupted" => Some(RunOutcome::Interrupted),
            _ => None,
        }
    }
}

/// A run as stored.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SyncRun {
    /// Its id.
    pub id: RunId,
    /// The account synced.
    pub account: AccountId,
    /// The account's profile.
    pub profile: String,
    /// When it began (UTC).
    pub started_at: Instant,
    /// When it finished or was found interrupted (UTC).
    pub ended_at: Option<Instant>,
    /// How it ended.
    pub outcome: RunOutcome,
    /// Its counters.
    pub counts: RunCounts,
    /// The first error messages.
    pub first_errors: Vec<String>,
}
