//! The progress bar of long runs: on stderr when it is a terminal, with
//! rate and ETA; nothing at all otherwise, so logs and pipes stay clean.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

const WITH_TOTAL: &str = "{spinner:.green} {elapsed_precise} [{wide_bar:.cyan/blue}] \
    {human_pos}/{human_len}  {rate}  ETA {eta}";
const WITHOUT_TOTAL: &str = "{spinner:.green} {elapsed_precise} {human_pos} cards  {rate}";

/// Progress through a run of cards.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for `total` cards (or a counter when the total is unknown),
    /// shown only when stderr is a terminal.
    pub fn start(total: Option<u64>) -> Self {
        Self::with_visibility(total, std::io::stderr().is_terminal())
    }

    /// A bar that is never drawn (short runs).
    pub fn hidden() -> Self {
        Self::with_visibility(None, false)
    }

    fn with_visibility(total: Option<u64>, visible: bool) -> Self {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(total, target);
        let template = if total.is_some() {
            WITH_TOTAL
        } else {
            WITHOUT_TOTAL
        };
        // The templates are constants checked by a test; a bad one would
        // fall back to indicatif's plain bar rather than stop an export.
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key("rate", rate)
                .progress_chars("=> "),
        );
        if visible {
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        Progress { bar }
    }

    /// Counts `cards` more as done.
    pub fn advance(&self, cards: u64) {
        self.bar.inc(cards);
    }

    /// Removes the bar from the terminal, and says how many cards it counted
    /// (clearing moves indicatif's own count to the total).
    pub fn finish(&self) -> u64 {
        let done = self.bar.position();
        self.bar.finish_and_clear();
        done
    }
}

/// Cards per second as a whole number: indicatif's own `{per_sec}` shows
/// four decimals, which nobody reads.
fn rate(state: &ProgressState, out: &mut dyn std::fmt::Write) {
    let _ = write!(out, "{:.0} cards/s", state.per_sec());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_valid() {
        for t in [WITH_TOTAL, WITHOUT_TOTAL] {
            assert!(ProgressStyle::with_template(t).is_ok(), "{t}");
        }
    }

    #[test]
    fn hidden_when_not_a_terminal_but_still_counting() {
        let p = Progress::with_visibility(Some(10), false);
        assert!(p.bar.is_hidden());
        p.advance(3);
        p.advance(4);
        assert_eq!(p.finish(), 7);
    }
}
