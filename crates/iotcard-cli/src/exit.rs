//! Exit statuses, and the per-card tally that decides between them.

use std::process::ExitCode;

use iotcard_facade::ProblemKind;

/// What the process's exit status tells a script.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Exit {
    /// Every card answered.
    Success,
    /// The output is complete, but some cards were not found or had no data.
    Incomplete,
    /// Bad usage or configuration, an impossible card number, or a command
    /// the platform does not offer: nothing was sent.
    Usage,
    /// The platform or the network failed.
    Failed,
    /// Stopped by Ctrl-C (or SIGTERM); the records written are complete.
    Interrupted,
}

impl Exit {
    /// The number the process exits with.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Usage => 2,
            Exit::Incomplete => 3,
            Exit::Failed => 4,
            Exit::Interrupted => 130,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

/// How the records of one run turned out.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Tally {
    /// Cards answered with values.
    pub answered: u64,
    /// Cards without values, per kind of gap (indexed by
    /// [`ProblemKind::ALL`]'s order).
    gaps: [u64; ProblemKind::ALL.len()],
    /// A few distinct failure messages, for stderr.
    pub failures: Vec<String>,
    /// Why the output is not the whole fleet although every card in it is
    /// whole (a listing that ended short of the account's count), for
    /// stderr.
    pub short: Option<String>,
}

/// How many distinct failure messages stderr shows.
const FAILURES_SHOWN: usize = 3;

/// How each kind of gap is said in the summary line.
fn said(kind: ProblemKind) -> &'static str {
    match kind {
        ProblemKind::NotFound => "not found",
        ProblemKind::NoData => "without data",
        ProblemKind::UnknownOutcome => "with an unknown answer",
        ProblemKind::Unreadable => "unreadable",
        ProblemKind::Missing => "missing from the answer",
        _ => "failed",
    }
}

impl Tally {
    /// Every record written.
    pub fn total(&self) -> u64 {
        self.answered + self.gaps.iter().sum::<u64>()
    }

    /// Cards without values of `kind`.
    pub fn of(&self, kind: ProblemKind) -> u64 {
        ProblemKind::ALL
            .iter()
            .position(|k| *k == kind)
            .map_or(0, |i| self.gaps[i])
    }

    /// Counts one card without values; a failure's message is kept for
    /// stderr.
    pub fn count(&mut self, kind: ProblemKind, message: &str) {
        if let Some(i) = ProblemKind::ALL.iter().position(|k| *k == kind) {
            self.gaps[i] += 1;
        }
        if kind.is_failure() {
            self.note_failure(message);
        }
    }

    /// Remembers a failure's message, if it is new and there is room.
    pub fn note_failure(&mut self, message: &str) {
        if self.failures.len() < FAILURES_SHOWN && !self.failures.iter().any(|m| m == message) {
            self.failures.push(message.to_owned());
        }
    }

    /// The exit status: 4 when anything failed, 3 when some cards had no
    /// values for a reason the platform gave, 0 when all were answered.
    pub fn exit(&self) -> Exit {
        let failed: u64 = ProblemKind::ALL
            .iter()
            .filter(|k| k.is_failure())
            .map(|k| self.of(*k))
            .sum();
        if failed > 0 {
            Exit::Failed
        } else if self.total() > self.answered || self.short.is_some() {
            Exit::Incomplete
        } else {
            Exit::Success
        }
    }

    /// `4 of 9 cards not answered: 2 not found, …`, when any was not.
    pub fn gaps(&self) -> Option<String> {
        let parts: Vec<String> = ProblemKind::ALL
            .iter()
            .map(|k| (self.of(*k), said(*k)))
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        if parts.is_empty() {
            return None;
        }
        let missing = self.total() - self.answered;
        Some(format!(
            "{missing} of {} cards not answered: {}",
            self.total(),
            parts.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_ones() {
        assert_eq!(
            [
                Exit::Success,
                Exit::Usage,
                Exit::Incomplete,
                Exit::Failed,
                Exit::Interrupted
            ]
            .map(Exit::code),
            [0, 2, 3, 4, 130]
        );
    }

    #[test]
    fn failures_outrank_gaps_outrank_success() {
        let mut t = Tally {
            answered: 5,
            ..Tally::default()
        };
        assert_eq!((t.exit(), t.gaps()), (Exit::Success, None));
        t.count(ProblemKind::NoData, "");
        assert_eq!(t.exit(), Exit::Incomplete);
        t.count(ProblemKind::NotFound, "");
        t.count(ProblemKind::NotFound, "");
        t.count(ProblemKind::Failed, "boom");
        assert_eq!(t.exit(), Exit::Failed);
        assert_eq!(
            t.gaps().unwrap(),
            "4 of 9 cards not answered: 2 not found, 1 without data, 1 failed"
        );
        assert_eq!(t.failures, ["boom"]);
        let mut only_unknown = Tally::default();
        only_unknown.count(ProblemKind::UnknownOutcome, "");
        assert_eq!(only_unknown.exit(), Exit::Incomplete);
    }

    #[test]
    fn unreadable_and_missing_are_failures() {
        for kind in [ProblemKind::Unreadable, ProblemKind::Missing] {
            let mut t = Tally {
                answered: 3,
                ..Tally::default()
            };
            t.count(kind, "why");
            assert_eq!(t.exit(), Exit::Failed, "{kind}");
            assert_eq!(t.of(kind), 1);
            assert_eq!(t.failures, ["why"]);
        }
    }

    #[test]
    fn a_listing_cut_short_is_incomplete_not_failed() {
        let mut t = Tally {
            answered: 40,
            ..Tally::default()
        };
        t.short = Some("the card list ended after 40 cards, but the account reports 45".into());
        assert_eq!(t.exit(), Exit::Incomplete);
    }

    #[test]
    fn cards_not_held_on_either_platform_are_gaps_not_failures() {
        let mut all = Tally::default();
        for _ in 0..3 {
            all.count(ProblemKind::NotFound, "");
        }
        assert_eq!(all.exit(), Exit::Incomplete);
    }

    #[test]
    fn failure_messages_are_kept_distinct_and_few() {
        let mut t = Tally::default();
        for m in ["a", "b", "a", "c", "d"] {
            t.note_failure(m);
        }
        assert_eq!(t.failures, ["a", "b", "c"]);
    }
}
