//! Leases: which watcher works on what (an account's syncs, the outbox)
//! when several share one store.

use std::time::Duration;

use iotcard_model::Instant;

use crate::error::{Result, StoreError};

/// A lease as stored: held by `holder` until `expires_at` (exclusive).
///
/// `token` increases every time the lease changes hands (and when its
/// holder takes it again after it expired or was released), so a write
/// fenced by an older token ([`crate::Store::commit_evaluation`]) is
/// refused even if the same watcher holds the lease again. A released
/// lease keeps its last holder and token and expires at the Unix epoch.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Lease {
    /// What it is a lease on (e.g. `sync:acme`).
    pub name: String,
    /// Who holds (or last held) it.
    pub holder: String,
    /// The fencing token.
    pub token: i64,
    /// When it ends unless renewed (kept to the second).
    pub expires_at: Instant,
}

/// Refuses what no lease can be taken with.
pub(crate) fn check(name: &str, holder: &str, ttl: Duration) -> Result<()> {
    if name.is_empty() {
        return Err(StoreError::Invalid("a lease with an empty name".into()));
    }
    if holder.is_empty() {
        return Err(StoreError::Invalid(format!(
            "lease {name:?}: an empty holder"
        )));
    }
    if ttl.is_zero() {
        return Err(StoreError::Invalid(format!(
            "lease {name:?}: a zero time to live would expire as it is taken"
        )));
    }
    Ok(())
}

/// A duration in whole seconds, rounded up (a 500 ms claim still lasts a
/// second: times are kept to the second, and rounding down would make it
/// end as it begins).
pub(crate) fn whole_seconds(d: Duration) -> i64 {
    let up = d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0));
    i64::try_from(up).unwrap_or(i64::MAX)
}
