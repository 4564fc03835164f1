//! What a pass did: counts, first errors, how it ended.

use iotcard_facade::Provider;
use iotcard_model::Instant;
use iotcard_store::{AccountId, RunId};

/// How a pass ended, the way the per-card commands grade their runs.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[non_exhaustive]
pub enum Grade {
    /// Every card asked answered.
    Complete,
    /// Some cards were not found or had no data, or the listing ended
    /// short of the account's count; nothing failed.
    Incomplete,
    /// A request or the listing failed for some cards.
    Failed,
}

/// What one pass over one account did.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct Summary {
    /// The account's profile.
    pub profile: String,
    /// Its platform.
    pub provider: Provider,
    /// The account in the store.
    pub account: AccountId,
    /// The run in the store.
    pub run: RunId,
    /// When the pass began (the clock's time).
    pub started_at: Instant,
    /// When it ended.
    pub ended_at: Instant,
    /// Cards asked (every card with a result: answered or not).
    pub asked: u64,
    /// Cards whose snapshot was offered to the store: every card that
    /// answered, and a card without data whose platform sent part of a
    /// snapshot anyway (counted in `no_data` too). The run's
    /// `cards_answered` is the same figure.
    pub answered: u64,
    /// Cards the platform said it does not hold.
    pub not_found: u64,
    /// Cards the platform holds but had no data for (IoTBOS `State` 2, an
    /// undocumented outcome).
    pub no_data: u64,
    /// Cards whose request failed, after retries; a failed listing counts
    /// one.
    pub failed: u64,
    /// Snapshots the store wrote.
    pub written: u64,
    /// Snapshots the store already had (same card, same second).
    pub duplicates: u64,
    /// Why the listing ended short of the account's count, if it did.
    pub short: Option<String>,
    /// The first error messages, as the run keeps them.
    pub first_errors: Vec<String>,
    /// The pass was cancelled: what it had committed stays, and the run is
    /// recorded as interrupted.
    pub interrupted: bool,
}

impl Summary {
    /// Failures outrank gaps, which outrank a complete pass.
    pub fn grade(&self) -> Grade {
        if self.failed > 0 {
            Grade::Failed
        } else if self.not_found > 0 || self.no_data > 0 || self.short.is_some() {
            Grade::Incomplete
        } else {
            Grade::Complete
        }
    }

    /// How long the pass took, by the clock.
    pub fn elapsed(&self) -> std::time::Duration {
        (self.ended_at - self.started_at)
            .to_std()
            .unwrap_or_default()
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A summary of nothing yet, for the unit tests.
    pub(crate) fn empty() -> Summary {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-30T09:00:00+08:00").unwrap();
        Summary {
            profile: "default".into(),
            provider: Provider::Iotbos,
            account: AccountId(1),
            run: RunId(1),
            started_at: at,
            ended_at: at + chrono::Duration::seconds(3),
            asked: 0,
            answered: 0,
            not_found: 0,
            no_data: 0,
            failed: 0,
            written: 0,
            duplicates: 0,
            short: None,
            first_errors: Vec::new(),
            interrupted: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::empty;
    use super::*;

    #[test]
    fn failures_outrank_gaps_outrank_complete() {
        let mut s = empty();
        s.asked = 3;
        s.answered = 3;
        assert_eq!(s.grade(), Grade::Complete);
        assert_eq!(s.elapsed().as_secs(), 3);
        s.short = Some("ended after 3 of 4".into());
        assert_eq!(s.grade(), Grade::Incomplete);
        s.short = None;
        s.no_data = 1;
        assert_eq!(s.grade(), Grade::Incomplete);
        s.failed = 1;
        assert_eq!(s.grade(), Grade::Failed);
    }
}
