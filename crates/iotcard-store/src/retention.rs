//! How long history is kept.

use std::time::Duration;

/// How long [`crate::Store::prune`] keeps each kind of row.
///
/// A card's latest snapshot, and the state in effect for every kept
/// snapshot, are kept whatever their age: the fleet view and the next
/// daily delta need them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Retention {
    /// Raw snapshots (default 35 days).
    pub snapshots: Duration,
    /// Daily usage rows (default two years, 730 days).
    pub daily: Duration,
    /// Finished and interrupted sync runs (default two years).
    pub runs: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        const DAY: u64 = 86_400;
        Self {
            snapshots: Duration::from_secs(35 * DAY),
            daily: Duration::from_secs(730 * DAY),
            runs: Duration::from_secs(730 * DAY),
        }
    }
}

/// What [`crate::Store::prune`] removed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct PruneReport {
    /// Snapshots deleted.
    pub snapshots: u64,
    /// Card state rows no kept snapshot needed any more.
    pub states: u64,
    /// Daily rows deleted.
    pub daily: u64,
    /// Runs deleted.
    pub runs: u64,
}

/// What a store holds (`iotcard store info`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct StoreStats {
    /// Schema version.
    pub schema_version: i64,
    /// Accounts.
    pub accounts: u64,
    /// Cards.
    pub cards: u64,
    /// Raw snapshots.
    pub snapshots: u64,
    /// Card state rows (one per change of status, plan, expiry or identity).
    pub states: u64,
    /// Daily usage rows.
    pub daily: u64,
    /// Sync runs.
    pub runs: u64,
    /// Bytes the database takes (SQLite: the file, indexes included, WAL
    /// excluded; PostgreSQL: `pg_database_size`).
    pub bytes: u64,
}
