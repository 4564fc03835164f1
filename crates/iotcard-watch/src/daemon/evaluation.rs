//! One account's evaluation, a page of cards at a time, in memory bounded
//! by the page whatever the fleet's size.
//!
//! Each page's alert rows are read with the page, its changes committed
//! with the notices they make (the store stages them in the same
//! transaction), and its notifications folded into bounded digests. The
//! last commit turns the digests into outbox entries and consumes the
//! staged notices, in one transaction: an evaluation that stops between
//! pages (a crash, a lost lease) leaves its notices staged, and the next
//! evaluation of the account — by any watcher — queues them with its own.
//! Every commit is fenced by the account's lease.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::task::JoinHandle;

use iotcard_model::Instant;
use iotcard_rules::{resolve_absent, RuleSet, SyncInfo};
use iotcard_store::{AccountId, AlertChanges, CardId, Lease, Store, StoreError};

use crate::daemon::alerts::states_from_rows;
use crate::daemon::digests::{Digests, PageParts};
use crate::daemon::evaluator::{Evaluated, Evaluator};
use crate::daemon::inputs::{sync_info, Needs, PageSource};
use crate::daemon::plan::WatchedAccount;
use crate::daemon::report::EvaluationReport;
use crate::error::WatchError;

/// Runs recorded in the store that the `sync` rules look back over.
const RUNS_READ: u32 = 20;
/// Ranges read ahead of the one evaluated: one per read-only connection of
/// a SQLite store, and one more whose alert state is decoded (off the
/// connections) while those read.
const READ_AHEAD: usize = 3;

/// An account's card ids, `width` at a time: `(after, upto]` ranges from
/// its least id to its greatest.
struct Ranges {
    next_after: i64,
    last: i64,
    width: i64,
}

impl Ranges {
    fn new(span: Option<(CardId, CardId)>, width: u32) -> Self {
        let (low, high) = span.map_or((1, 0), |(low, high)| (low.0, high.0));
        Self {
            next_after: low.saturating_sub(1),
            last: high,
            width: i64::from(width.max(1)),
        }
    }
}

impl Iterator for Ranges {
    type Item = (CardId, CardId);

    fn next(&mut self) -> Option<Self::Item> {
        if self.next_after >= self.last {
            return None;
        }
        let after = self.next_after;
        let upto = after.saturating_add(self.width).min(self.last);
        self.next_after = upto;
        Some((CardId(after), CardId(upto)))
    }
}

/// What one evaluation reads and writes with.
pub(crate) struct Evaluation<'a> {
    pub store: &'a Store,
    pub rules: &'a RuleSet,
    pub account: &'a WatchedAccount,
    pub lease: &'a Lease,
    pub page_size: u32,
    pub now: Instant,
}

/// An evaluation under way: the digests so far and what it counted.
struct Run<'a> {
    eval: &'a Evaluation<'a>,
    evaluator: Arc<Evaluator>,
    digests: Digests<'a>,
    /// Whether notices are staged that the last commit must consume.
    staged: bool,
    /// The page commit under way while the rules evaluate the next page
    /// (one at a time: the store applies them in order).
    committing: Option<JoinHandle<Result<(), WatchError>>>,
    report: EvaluationReport,
}

impl Evaluation<'_> {
    /// Evaluates the account's rules over what the store holds and commits
    /// the alert changes and their outbox entries.
    pub(crate) async fn run(&self) -> Result<EvaluationReport, WatchError> {
        let mut run = Run {
            eval: self,
            evaluator: Arc::new(Evaluator::new(
                self.rules,
                self.account.profile(),
                self.account.sync.provider(),
                self.now,
            )),
            digests: Digests::new(self.rules),
            staged: false,
            committing: None,
            report: EvaluationReport::default(),
        };
        if let Err(e) = self.evaluate(&mut run).await {
            // A page commit under way lands before the failure is told, so
            // the next evaluation finds all this one staged.
            let _ = run.committed().await;
            return Err(e);
        }
        run.finish().await
    }

    /// Every step of the evaluation but the last commit.
    async fn evaluate(&self, run: &mut Run<'_>) -> Result<(), WatchError> {
        let store = self.store;
        let profile = self.account.profile();
        run.recover().await?;

        // Account-level rules first, once; the pages below carry no sync
        // information and no account-level alert, so they leave those be.
        let profiles = [profile.to_owned()];
        let runs = store
            .sync_runs(&profiles, RUNS_READ)
            .await
            .map_err(WatchError::store("reading sync runs"))?;
        let rows = store
            .account_alert_rows(profile)
            .await
            .map_err(WatchError::store("reading alert state"))?;
        let step = run
            .evaluator
            .evaluate(states_from_rows(rows)?, sync_info(&runs), Vec::new())?;
        run.commit(step).await?;

        // The cards, a range of ids at a time: the store reads the next
        // READ_AHEAD ranges (and their cards' alert rows) while the rules
        // evaluate the one before.
        let account_id = store
            .account(&self.account.spec)
            .await
            .map_err(WatchError::store("reading the account"))?;
        let source = PageSource {
            store: store.clone(),
            account: account_id,
            profile: profile.to_owned(),
            needs: Needs::of(self.rules),
            now: self.now,
            evaluator: Arc::clone(&run.evaluator),
        };
        let span = store
            .card_id_span(account_id)
            .await
            .map_err(WatchError::store("reading the account's card ids"))?;
        let mut ranges = Ranges::new(span, self.page_size);
        let mut reading = VecDeque::with_capacity(READ_AHEAD);
        // The card alerts the pages hold once evaluated: when the store has
        // no more, no card alert is left unlisted and that search is spared.
        let mut listed_alerts = 0u64;
        let mut refill = |reading: &mut VecDeque<_>| {
            while reading.len() < READ_AHEAD {
                let Some((after, upto)) = ranges.next() else {
                    break;
                };
                reading.push_back(source.prefetch(after, upto));
            }
        };
        refill(&mut reading);
        while let Some(next) = reading.pop_front() {
            // The next range starts reading before this one is awaited, so
            // both readers stay busy while the rules evaluate it.
            refill(&mut reading);
            let page = next.page().await?;
            let Some(step) = page.evaluated else {
                continue;
            };
            run.report.cards += page.cards;
            listed_alerts += step.held;
            run.commit(step).await?;
        }

        // The alerts of cards no page listed, if the store holds more card
        // alerts than the pages did (once it holds what the pages changed).
        run.committed().await?;
        let stored = store
            .card_alert_count(profile)
            .await
            .map_err(WatchError::store("counting alerts"))?;
        if stored != listed_alerts {
            run.resolve_unlisted(account_id).await?;
        }
        Ok(())
    }
}

impl Run<'_> {
    /// The alerts of cards no page listed (gone from the account, or never
    /// answered since), a page of rows at a time: they resolve, and those
    /// of rules no longer configured go.
    async fn resolve_unlisted(&mut self, account: AccountId) -> Result<(), WatchError> {
        let eval = self.eval;
        let profile = eval.account.profile();
        let mut after: Option<(String, String)> = None;
        loop {
            let rows = eval
                .store
                .unlisted_alert_rows(
                    profile,
                    account,
                    after.as_ref().map(|(c, r)| (c.as_str(), r.as_str())),
                    eval.page_size,
                )
                .await
                .map_err(WatchError::store("reading the alerts of unlisted cards"))?;
            let Some(last) = rows.last() else {
                return Ok(());
            };
            after = Some((last.card.clone().unwrap_or_default(), last.rule.clone()));
            let (mut state, mut transitions) =
                self.evaluator
                    .run(states_from_rows(rows)?, SyncInfo::default(), Vec::new());
            transitions.extend(resolve_absent(
                eval.rules,
                &mut state,
                profile,
                |_| false,
                eval.now,
            ));
            let step = self.evaluator.settle(state, transitions)?;
            self.commit(step).await?;
        }
    }

    /// Notices an earlier evaluation staged and did not queue (it stopped
    /// between pages): they join this evaluation's digests.
    async fn recover(&mut self) -> Result<(), WatchError> {
        let store = self.eval.store;
        let profile = self.eval.account.profile();
        let mut after = 0;
        loop {
            let staged = store
                .staged_notices(profile, after, self.eval.page_size)
                .await
                .map_err(WatchError::store("reading staged notices"))?;
            let Some(last) = staged.last() else { break };
            after = last.id;
            self.staged = true;
            for s in &staged {
                self.digests.absorb(&s.notice)?;
            }
        }
        if self.staged {
            tracing::info!("notices of an unfinished evaluation are queued with this one");
        }
        Ok(())
    }

    /// Commits one step's alert changes with the notices its
    /// notifications make, once folded into the digests.
    async fn commit(&mut self, step: Evaluated) -> Result<(), WatchError> {
        let eval = self.eval;
        // Folded into the digests now, staged with the page: should the
        // commit fail, the evaluation ends and its digests go unqueued.
        let mut page = PageParts::default();
        for (due_at, alert) in step.alerts {
            self.digests.push_into(due_at, alert, &mut page)?;
        }
        self.report.transitions += step.transitions;
        self.report.notifying += page.alerts() as u64;
        let rows = step.rows;
        let notifies = page.alerts() > 0;
        if rows.upserts.is_empty() && rows.removals.is_empty() && !notifies {
            return Ok(());
        }
        self.staged |= notifies;
        // The store writes this page while the rules evaluate the next; its
        // notices are made there too, off the evaluation's thread.
        self.committed().await?;
        let (store, lease, now) = (eval.store.clone(), eval.lease.clone(), eval.now);
        let profile = eval.account.profile().to_owned();
        self.committing = Some(tokio::spawn(async move {
            let changes = AlertChanges {
                notices: page.notices(&profile)?,
                ..rows
            };
            store
                .commit_page(&changes, Some(&lease), now)
                .await
                .map(drop)
                .map_err(|e| fenced(e, &lease, "committing alert changes"))
        }));
        Ok(())
    }

    /// Waits for the page commit under way, if any.
    async fn committed(&mut self) -> Result<(), WatchError> {
        let Some(task) = self.committing.take() else {
            return Ok(());
        };
        match task.await {
            Ok(committed) => committed,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(WatchError::Store {
                doing: "committing alert changes",
                source: StoreError::Worker(e),
            }),
        }
    }

    /// Queues the digests and consumes the staged notices, in one
    /// transaction.
    async fn finish(mut self) -> Result<EvaluationReport, WatchError> {
        self.committed().await?;
        let eval = self.eval;
        let mut report = self.report;
        if self.staged || !self.digests.is_empty() {
            let outbox = self.digests.outbox(eval.now)?;
            let committed = eval
                .store
                .queue_notices(eval.account.profile(), &outbox, Some(eval.lease), eval.now)
                .await
                .map_err(|e| fenced(e, eval.lease, "queueing notifications"))?;
            report.queued = committed.queued;
            report.already_queued = committed.already_queued;
        }
        tracing::info!(
            cards = report.cards,
            transitions = report.transitions,
            notifying = report.notifying,
            queued = report.queued,
            "rules evaluated"
        );
        Ok(report)
    }
}

/// A store error of a fenced commit, a lost lease told apart.
fn fenced(e: StoreError, lease: &Lease, doing: &'static str) -> WatchError {
    match e {
        StoreError::LeaseLost { .. } => WatchError::LeaseLost {
            name: lease.name.clone(),
        },
        source => WatchError::Store { doing, source },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(span: Option<(i64, i64)>, width: u32) -> Vec<(i64, i64)> {
        Ranges::new(span.map(|(a, b)| (CardId(a), CardId(b))), width)
            .map(|(a, b)| (a.0, b.0))
            .collect()
    }

    #[test]
    fn ranges_cover_the_span_once_each_width_at_most() {
        assert_eq!(ranges(Some((1, 10)), 4), [(0, 4), (4, 8), (8, 10)]);
        assert_eq!(ranges(Some((7, 7)), 5_000), [(6, 7)]);
        assert_eq!(
            ranges(Some((3, 8)), 0),
            [(2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8)]
        );
        assert!(ranges(None, 5_000).is_empty());
        // Ids at the edge of i64 neither overflow nor loop.
        let edge = ranges(Some((i64::MAX - 2, i64::MAX)), 5_000);
        assert_eq!(edge, [(i64::MAX - 3, i64::MAX)]);
    }
}
