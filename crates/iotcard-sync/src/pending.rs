//! The batch being filled: each card's result counted into it, and when
//! it is due to commit.

use std::time::Duration;

use iotcard_facade::{CardProblem, CardReport};
use iotcard_model::{CardSnapshot, Instant};
use iotcard_store::{Batch, Observation, FIRST_ERRORS};
use tokio::time::Instant as Monotonic;

use crate::summary::Summary;

/// What one card's result is, for the counters.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Class {
    /// A snapshot to store.
    Answered,
    NotFound,
    /// Held but without data: stored when the platform sent part of a
    /// snapshot anyway.
    NoData,
    Failed,
}

/// Sorts a card's result into its class, with the snapshot to store and
/// the message of a failure.
pub(crate) fn classify<C: std::fmt::Display>(
    report: CardReport<C, CardSnapshot>,
) -> (Class, Option<CardSnapshot>, Option<String>) {
    match report.result {
        Ok(snapshot) => (Class::Answered, Some(snapshot), None),
        Err(CardProblem::NotFound) => (Class::NotFound, None, None),
        Err(CardProblem::NoData { partial } | CardProblem::UnknownOutcome { partial, .. }) => {
            (Class::NoData, partial, None)
        }
        Err(problem) => {
            let message = format!("card {}: {problem}", report.card);
            (Class::Failed, None, Some(message))
        }
    }
}

/// The batch being filled, and when its first result came.
#[derive(Debug)]
pub(crate) struct Pending {
    batch: Batch,
    cards: usize,
    since: Option<Monotonic>,
    limit: usize,
    age: Duration,
}

impl Pending {
    pub(crate) fn new(limit: usize, age: Duration) -> Self {
        Self {
            batch: Batch::default(),
            cards: 0,
            since: None,
            limit: limit.max(1),
            age,
        }
    }

    /// Counts one card's result, taken at `at`, into the batch and the
    /// summary. The snapshot's card key is the card as asked.
    pub(crate) fn push(
        &mut self,
        summary: &mut Summary,
        card: String,
        (class, snapshot, error): (Class, Option<CardSnapshot>, Option<String>),
        at: Instant,
        now: Monotonic,
    ) {
        self.since.get_or_insert(now);
        self.cards += 1;
        self.batch.asked += 1;
        summary.asked += 1;
        match class {
            Class::Answered => summary.answered += 1,
            Class::NotFound => {
                summary.not_found += 1;
                self.batch.not_found += 1;
            }
            Class::NoData => summary.no_data += 1,
            Class::Failed => {
                summary.failed += 1;
                self.batch.failed += 1;
            }
        }
        if let Some(mut snapshot) = snapshot {
            if class == Class::NoData {
                // Counted as a gap in the summary; the store counts every
                // snapshot it is offered as answered.
                summary.answered += 1;
            }
            snapshot.card = card;
            self.batch.snapshots.push(Observation {
                taken_at: at,
                snapshot,
            });
        }
        if let Some(error) = error {
            self.note_error(summary, error);
        }
    }

    /// Keeps an error message with the batch (and in the summary), while
    /// the run still keeps new ones.
    pub(crate) fn note_error(&mut self, summary: &mut Summary, error: String) {
        if summary.first_errors.len() < FIRST_ERRORS {
            summary.first_errors.push(error.clone());
            self.batch.errors.push(error);
        }
    }

    /// Whether the batch holds enough cards to commit.
    pub(crate) fn full(&self) -> bool {
        self.cards >= self.limit
    }

    /// When the batch is due by age (`None` while it is empty).
    pub(crate) fn due_at(&self) -> Option<Monotonic> {
        self.since.map(|since| since + self.age)
    }

    /// Whether anything is waiting to commit.
    pub(crate) fn is_empty(&self) -> bool {
        self.cards == 0 && self.batch.errors.is_empty()
    }

    /// The batch to commit, leaving an empty one.
    pub(crate) fn take(&mut self) -> Batch {
        self.cards = 0;
        self.since = None;
        std::mem::take(&mut self.batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Instant {
        chrono::DateTime::parse_from_rfc3339("2026-11-30T09:00:00+08:00").unwrap()
    }

    fn snapshot() -> CardSnapshot {
        CardSnapshot {
            card: "ignored".into(),
            ..CardSnapshot::default()
        }
    }

    fn report(
        result: Result<CardSnapshot, CardProblem<CardSnapshot>>,
    ) -> CardReport<String, CardSnapshot> {
        CardReport::new("1064800000001".to_owned(), result)
    }

    #[test]
    fn each_result_lands_in_its_counter() {
        let failure: CardProblem<CardSnapshot> = CardProblem::Unreadable("boom".into());
        let cases = [
            (report(Ok(snapshot())), Class::Answered, true, false),
            (
                report(Err(CardProblem::NotFound)),
                Class::NotFound,
                false,
                false,
            ),
            (
                report(Err(CardProblem::NoData { partial: None })),
                Class::NoData,
                false,
                false,
            ),
            (
                report(Err(CardProblem::NoData {
                    partial: Some(snapshot()),
                })),
                Class::NoData,
                true,
                false,
            ),
            (report(Err(failure)), Class::Failed, false, true),
        ];
        for (report, class, stored, message) in cases {
            let (got, snapshot, error) = classify(report);
            assert_eq!(got, class);
            assert_eq!(snapshot.is_some(), stored, "{class:?}");
            assert_eq!(error.is_some(), message, "{class:?}");
            if let Some(error) = error {
                assert!(error.starts_with("card 1064800000001: "), "{error}");
            }
        }
    }

    #[test]
    fn a_batch_counts_what_the_run_counts_and_commits_when_full_or_old() {
        let mut summary = crate::summary::tests_support::empty();
        let start = Monotonic::now();
        let mut pending = Pending::new(3, Duration::from_millis(500));
        assert!(pending.is_empty() && pending.due_at().is_none());
        let results = [
            classify(report(Ok(snapshot()))),
            classify(report(Err(CardProblem::NotFound))),
            classify(report(Err(CardProblem::NoData {
                partial: Some(snapshot()),
            }))),
        ];
        for (i, result) in results.into_iter().enumerate() {
            assert!(!pending.full());
            let now = start + Duration::from_millis(100 * i as u64);
            pending.push(&mut summary, format!("card{i}"), result, at(), now);
        }
        assert_eq!(pending.due_at(), Some(start + Duration::from_millis(500)));
        assert!(pending.full());
        let batch = pending.take();
        assert!(pending.is_empty() && pending.due_at().is_none());
        assert_eq!((batch.asked, batch.not_found, batch.failed), (3, 1, 0));
        let keys: Vec<&str> = batch
            .snapshots
            .iter()
            .map(|o| o.snapshot.card.as_str())
            .collect();
        assert_eq!(keys, ["card0", "card2"], "the key is the card as asked");
        assert_eq!(
            (
                summary.asked,
                summary.answered,
                summary.not_found,
                summary.no_data
            ),
            (3, 2, 1, 1)
        );
    }

    #[test]
    fn only_the_first_errors_are_kept() {
        let mut summary = crate::summary::tests_support::empty();
        let mut pending = Pending::new(1000, Duration::from_secs(1));
        for i in 0..(FIRST_ERRORS + 5) {
            pending.note_error(&mut summary, format!("e{i}"));
        }
        assert_eq!(summary.first_errors.len(), FIRST_ERRORS);
        assert!(!pending.is_empty(), "errors alone still commit");
        assert_eq!(pending.take().errors.len(), FIRST_ERRORS);
    }
}
