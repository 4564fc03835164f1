//! The bookkeeping of a run that both backends share.

use crate::error::StoreError;
use crate::run::{RunOutcome, FIRST_ERRORS};

/// What the write path reads of a run.
pub(crate) struct RunTail {
    pub account_id: i64,
    pub provider: String,
    pub outcome: String,
    pub first_errors: String,
}

impl RunTail {
    /// A run that has ended takes no more batches: a process still writing
    /// after the next run found it open and marked it interrupted must stop.
    pub(crate) fn check_open(&self, run: i64) -> Result<(), StoreError> {
        if self.outcome == RunOutcome::Running.as_str() {
            Ok(())
        } else {
            Err(StoreError::Invalid(format!(
                "run {run} is {}: it takes no more snapshots",
                self.outcome
            )))
        }
    }
}

/// The run's first errors, one a line, with this batch's appended until
/// there are [`FIRST_ERRORS`].
pub(crate) fn merge_errors(stored: &str, new: &[String]) -> String {
    let mut lines: Vec<String> = split_errors(stored);
    for error in new {
        if lines.len() >= FIRST_ERRORS {
            break;
        }
        // One line each, so the column reads as a list.
        lines.push(error.replace(['\n', '\r'], " "));
    }
    lines.join("\n")
}

/// The stored errors as a list.
pub(crate) fn split_errors(stored: &str) -> Vec<String> {
    stored
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_errors_one_a_line() {
        let many: Vec<String> = (0..15).map(|i| format!("e{i}\nmore")).collect();
        let merged = merge_errors("", &many[..3]);
        assert_eq!(merged, "e0 more\ne1 more\ne2 more");
        let merged = merge_errors(&merged, &many[3..]);
        assert_eq!(split_errors(&merged).len(), FIRST_ERRORS);
        assert!(merged.ends_with("e9 more"));
    }
}
