//! Exit statuses, and the per-card tally that decides between them.

use std::process::ExitCode;

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
    /// Cards the platform does not know.
    pub not_found: u64,
    /// Cards the platform knows but has no data of this kind for.
    pub no_data: u64,
    /// Cards answered with an outcome code the platform documents nowhere.
    pub unknown: u64,
    /// Cards the platform refused with one of its (undocumented) codes.
    pub refused: u64,
    /// Cards whose request failed (network, server, refused credentials).
    pub failed: u64,
    /// The first few distinct failure messages, for stderr.
    pub failures: Vec<String>,
}

/// Distinct failure messages kept for the summary: enough to show a
/// pattern, few enough to read.
const FAILURES_SHOWN: usize = 3;

impl Tally {
    /// Records written so far.
    pub fn total(&self) -> u64 {
        self.answered + self.not_found + self.no_data + self.unknown + self.refused + self.failed
    }

    /// Remembers why a card failed, if this reason is new.
    pub fn note_failure(&mut self, message: &str) {
        if self.failures.len() < FAILURES_SHOWN && !self.failures.iter().any(|m| m == message) {
            self.failures.push(message.to_owned());
        }
    }

    /// The exit status: failures outrank gaps, gaps outrank success.
    ///
    /// A card refused with a platform code (Tencent documents none; its
    /// `getcardinfo` refuses an ICCID it does not hold) is a gap when the
    /// platform answered other cards of the run, and a failure when it
    /// refused every card: then the credentials or the request are at fault.
    pub fn exit(&self) -> Exit {
        let refused_all = self.refused > 0 && self.refused == self.total();
        if self.failed > 0 || refused_all {
            Exit::Failed
        } else if self.not_found + self.no_data + self.unknown + self.refused > 0 {
            Exit::Incomplete
        } else {
            Exit::Success
        }
    }

    /// One line for stderr when not every card was answered, e.g.
    /// `3 of 10 cards not answered: 2 not found, 1 failed`.
    pub fn gaps(&self) -> Option<String> {
        let parts: Vec<String> = [
            (self.not_found, "not found"),
            (self.no_data, "without data"),
            (self.unknown, "with an unknown answer"),
            (self.refused, "refused"),
            (self.failed, "failed"),
        ]
        .iter()
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
        t.no_data = 1;
        assert_eq!(t.exit(), Exit::Incomplete);
        t.not_found = 2;
        t.failed = 1;
        assert_eq!(t.exit(), Exit::Failed);
        assert_eq!(
            t.gaps().unwrap(),
            "4 of 9 cards not answered: 2 not found, 1 without data, 1 failed"
        );
        let only_unknown = Tally {
            unknown: 1,
            ..Tally::default()
        };
        assert_eq!(only_unknown.exit(), Exit::Incomplete);
    }

    #[test]
    fn refusals_are_gaps_unless_every_card_was_refused() {
        let some = Tally {
            answered: 2,
            refused: 1,
            ..Tally::default()
        };
        assert_eq!(some.exit(), Exit::Incomplete);
        let all = Tally {
            refused: 3,
            ..Tally::default()
        };
        assert_eq!(all.exit(), Exit::Failed);
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
