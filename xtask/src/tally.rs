//! Counting what the test runners report, so `cargo xtask test` can close
//! with one plain `tests: N passed, N failed, N skipped` line covering both
//! nextest and the doctests.

use std::fmt;
use std::ops::AddAssign;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
}

impl Tally {
    /// Adds up nextest's `Summary [ 1.2s] 9 tests run: 8 passed, 1 failed, 0 skipped`
    /// lines and libtest's `test result: ok. 8 passed; 1 failed; 2 ignored; …`
    /// lines (ignored doctests count as skipped).
    pub fn from_output(output: &str) -> Self {
        let mut tally = Self::default();
        for line in output.lines().map(str::trim) {
            let counts = if let Some(rest) = line.strip_prefix("Summary [") {
                match rest
                    .split_once("tests run:")
                    .or_else(|| rest.split_once("test run:"))
                {
                    Some((_, counts)) => counts,
                    None => continue,
                }
            } else if let Some(counts) = line.strip_prefix("test result:") {
                counts
            } else {
                continue;
            };
            tally += Self::from_counts(counts);
        }
        tally
    }

    /// `8 passed, 1 failed, 0 skipped` or `ok. 8 passed; 1 failed; 2 ignored; 0 measured`.
    fn from_counts(counts: &str) -> Self {
        let mut tally = Self::default();
        let words: Vec<&str> = counts
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';'))
            .filter(|word| !word.is_empty())
            .collect();
        for pair in words.windows(2) {
            let Ok(count) = pair[0].parse::<u64>() else {
                continue;
            };
            match pair[1] {
                "passed" => tally.passed += count,
                "failed" => tally.failed += count,
                "skipped" | "ignored" => tally.skipped += count,
                _ => {}
            }
        }
        tally
    }
}

impl AddAssign for Tally {
    fn add_assign(&mut self, other: Self) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_nextest_summary_and_every_doctest_result() {
        let output = "\
        PASS [   0.036s] (270/319) tencent-proto error::tests::limit_error_names_value_and_range
────────────
     Summary [  23.026s] 319 tests run: 317 passed, 2 failed, 5 skipped
   Doc-tests iotcard_model
test result: ok. 16 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 5.02s
test result: FAILED. 3 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 4.47s
test passed_thing ... ok
";
        let tally = Tally::from_output(output);
        assert_eq!(
            tally,
            Tally {
                passed: 336,
                failed: 3,
                skipped: 6
            }
        );
        assert_eq!(tally.to_string(), "336 passed, 3 failed, 6 skipped");
    }

    #[test]
    fn a_single_test_run_and_no_summary_at_all() {
        let one = "     Summary [   0.100s] 1 test run: 1 passed, 0 skipped\n";
        assert_eq!(
            Tally::from_output(one),
            Tally {
                passed: 1,
                failed: 0,
                skipped: 0
            }
        );
        assert_eq!(
            Tally::from_output("Compiling foo\nFinished\n"),
            Tally::default()
        );
    }
}
