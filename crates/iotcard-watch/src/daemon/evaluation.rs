//! One account's evaluation, a page of cards at a time, in memory bounded
//! by the page whatever the fleet's size.
//!
//! Beside a pass, the pages are the batches the pass commits, each read
//! back and evaluated as soon as it is committed (at the clock's time
//! then), so the rules keep pace with the platform rather than start when
//! it is done; what is left when the pass ends — the account's own rules
//! and the cards the pass did not answer — is evaluated then. Without a
//! pass, the pages are ranges of the account's card ids.
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

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use iotcard_model::Instant;
use iotcard_rules::{resolve_absent, RuleSet, SyncInfo};
use iotcard_store::{AccountId, AlertChanges, CardId, Lease, Store, StoreError, SyncRun};

use crate::daemon::alerts::states_from_rows;
use crate::daemon::card_set::CardSet;
use crate::daemon::digests::{Digests, PageParts};
use crate::daemon::evaluator::{Evaluated, Evaluator};
use crate::daemon::inputs::{sync_info, Needs, PageSource, Pick, Prefetch};
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

/// One account's evaluation under way: what it reads and writes with, the
/// digests so far and what it counted.
pub(crate) struct Evaluation<'a> {
    store: &'a Store,
    rules: &'a RuleSet,
    account: &'a WatchedAccount,
    account_id: AccountId,
    /// Every commit is fenced by it (renewals keep its token).
    lease: Lease,
    page_size: u32,
    /// Where pages are read and evaluated (its evaluator serves the
    /// account's own rules and the unlisted alerts too).
    source: PageSource,
    digests: Digests<'a>,
    /// Whether notices are staged that the last commit must consume.
    staged: bool,
    /// The page commit under way while the rules evaluate the next page
    /// (one at a time: the store applies them in order).
    committing: Option<JoinHandle<Result<(), WatchError>>>,
    report: EvaluationReport,
    /// The cards evaluated beside a pass, and the alerts they hold.
    beside: Counted,
    /// Which they are.
    beside_ids: CardSet,
    /// The card keys a pass told.
    told: u64,
    /// When its first page was committed: the notifications due at once
    /// (not deferred by quiet hours) are grouped under it, so pages
    /// evaluated at different times beside a pass still make one digest
    /// per rule.
    opened: Option<Instant>,
}

/// The pass an evaluation went beside, as it ended.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PassSeen {
    /// Its run.
    pub run: iotcard_store::RunId,
    /// When it began: the cards it wrote were seen since.
    pub began: Instant,
    /// How many cards it answered (each told once committed).
    pub answered: u64,
}

/// Cards evaluated, and the card alerts they hold once evaluated.
#[derive(Clone, Copy, Default)]
struct Counted {
    cards: u64,
    alerts: u64,
}

impl Counted {
    fn add(&mut self, cards: u64, alerts: u64) {
        self.cards += cards;
        self.alerts += alerts;
    }
}

impl<'a> Evaluation<'a> {
    /// Begins `account`'s evaluation: the notices an earlier evaluation
    /// staged and did not queue join its digests.
    pub(crate) async fn begin(
        store: &'a Store,
        rules: &'a RuleSet,
        account: &'a WatchedAccount,
        lease: &Lease,
        page_size: u32,
    ) -> Result<Self, WatchError> {
        let account_id = store
            .account(&account.spec)
            .await
            .map_err(WatchError::store("reading the account"))?;
        let evaluator = Arc::new(Evaluator::new(
            rules,
            account.profile(),
            account.sync.provider(),
        ));
        let source = PageSource {
            store: store.clone(),
            account: account_id,
            profile: account.profile().to_owned(),
            needs: Needs::of(rules),
            evaluator,
        };
        let mut evaluation = Self {
            store,
            rules,
            account,
            account_id,
            lease: lease.clone(),
            page_size,
            source,
            digests: Digests::new(rules),
            staged: false,
            committing: None,
            report: EvaluationReport::default(),
            beside: Counted::default(),
            beside_ids: CardSet::default(),
            told: 0,
            opened: None,
        };
        evaluation.recover().await?;
        Ok(evaluation)
    }

    /// Beside a pass: each batch of card keys told on `batches` (once the
    /// pass committed it) read back and evaluated at `now()` then, until
    /// the pass is done telling.
    pub(crate) async fn batches(
        &mut self,
        mut batches: mpsc::Receiver<Vec<String>>,
        now: impl Fn() -> Result<Instant, WatchError>,
    ) -> Result<(), WatchError> {
        let mut reading: VecDeque<Prefetch> = VecDeque::with_capacity(READ_AHEAD);
        let mut told = true;
        let result = async {
            loop {
                // Every batch already told starts reading, up to READ_AHEAD.
                while told && reading.len() < READ_AHEAD {
                    match batches.try_recv() {
                        Ok(keys) => reading.push_back(self.read_told(keys, now()?)),
                        Err(mpsc::error::TryRecvError::Empty) => break,
                        Err(mpsc::error::TryRecvError::Disconnected) => told = false,
                    }
                }
                match reading.pop_front() {
                    Some(next) => {
                        let page = next.page().await?;
                        for id in &page.ids {
                            self.beside_ids.insert(*id);
                        }
                        if let Some(step) = page.evaluated {
                            self.beside.add(page.cards, step.held);
                            self.commit(step, now()?).await?;
                        }
                    }
                    None if !told => return Ok(()),
                    None => match batches.recv().await {
                        Some(keys) => reading.push_back(self.read_told(keys, now()?)),
                        None => told = false,
                    },
                }
            }
        }
        .await;
        if result.is_err() {
            // A page commit under way lands before the failure is told, so
            // the next evaluation finds all this one staged.
            let _ = self.committed().await;
        }
        result
    }

    /// Starts reading a batch the pass told, counted as told.
    fn read_told(&mut self, keys: Vec<String>, now: Instant) -> Prefetch {
        self.told += keys.len() as u64;
        self.source.prefetch(Pick::Keys(keys), now)
    }

    /// Evaluates what is left at `now` — the account's own rules, and the
    /// cards no batch held — and commits the alert changes and their
    /// outbox entries. `pass`: the pass this evaluation went beside (the
    /// cards last seen before it began are those it did not answer);
    /// `None`, every card.
    pub(crate) async fn finish(
        mut self,
        now: Instant,
        pass: Option<PassSeen>,
    ) -> Result<EvaluationReport, WatchError> {
        if let Err(e) = self.rest(now, pass).await {
            let _ = self.committed().await;
            return Err(e);
        }
        self.queue(now).await
    }

    /// Every step of [`finish`](Self::finish) but the last commit.
    async fn rest(&mut self, now: Instant, pass: Option<PassSeen>) -> Result<(), WatchError> {
        let store = self.store;
        let profile = self.account.profile();
        let profiles = [profile.to_owned()];
        let runs = store
            .sync_runs(&profiles, RUNS_READ)
            .await
            .map_err(WatchError::store("reading sync runs"))?;
        let rows = store
            .account_alert_rows(profile)
            .await
            .map_err(WatchError::store("reading alert state"))?;
        let step = self.source.evaluator.evaluate(
            states_from_rows(rows)?,
            sync_info(&runs),
            Vec::new(),
            now,
        )?;
        self.commit(step, now).await?;

        // The cards, a range of ids at a time: the store reads the next
        // READ_AHEAD ranges (and their cards' alert rows) while the rules
        // evaluate the one before. Beside a pass, only those it did not
        // write: last seen before the second after it began (times are
        // whole seconds: a card seen in that second may be another run's),
        // and not evaluated beside it — unless it told fewer than it
        // answered, or another run may have written cards since it began:
        // then every card, as without a pass.
        let beside = pass.filter(|p| p.answered == self.told && only_ours(&runs, p.run, p.began));
        let seen_before = beside.map(|p| p.began + chrono::Duration::seconds(1));
        let skip = beside.map(|_| Arc::new(std::mem::take(&mut self.beside_ids)));
        tracing::debug!(
            beside = self.beside.cards,
            told = self.told,
            answered = pass.map(|p| p.answered),
            every_card = seen_before.is_none(),
            "evaluating the cards left"
        );
        let mut counted = match seen_before {
            Some(_) => self.beside,
            None => Counted::default(),
        };
        let span = store
            .card_id_span(self.account_id)
            .await
            .map_err(WatchError::store("reading the account's card ids"))?;
        let mut ranges = Ranges::new(span, self.page_size);
        let mut reading = VecDeque::with_capacity(READ_AHEAD);
        let source = self.source.clone();
        let mut refill = |reading: &mut VecDeque<_>| {
            while reading.len() < READ_AHEAD {
                let Some((after, upto)) = ranges.next() else {
                    break;
                };
                let pick = Pick::Range {
                    after,
                    upto,
                    seen_before,
                    skip: skip.clone(),
                };
                reading.push_back(source.prefetch(pick, now));
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
            counted.add(page.cards, step.held);
            self.commit(step, now).await?;
        }
        self.report.cards = counted.cards;

        // The alerts of cards no page listed, if the store holds more card
        // alerts than the pages did (once it holds what the pages changed).
        self.committed().await?;
        let stored = store
            .card_alert_count(profile)
            .await
            .map_err(WatchError::store("counting alerts"))?;
        if stored != counted.alerts {
            tracing::debug!(
                stored,
                listed = counted.alerts,
                "looking for the alerts of unlisted cards"
            );
            self.resolve_unlisted(now).await?;
        }
        Ok(())
    }

    /// The alerts of cards no page listed (gone from the account, or never
    /// answered since), a page of rows at a time: they resolve, and those
    /// of rules no longer configured go.
    async fn resolve_unlisted(&mut self, now: Instant) -> Result<(), WatchError> {
        let profile = self.account.profile();
        let mut after: Option<(String, String)> = None;
        loop {
            let rows = self
                .store
                .unlisted_alert_rows(
                    profile,
                    self.account_id,
                    after.as_ref().map(|(c, r)| (c.as_str(), r.as_str())),
                    self.page_size,
                )
                .await
                .map_err(WatchError::store("reading the alerts of unlisted cards"))?;
            let Some(last) = rows.last() else {
                return Ok(());
            };
            after = Some((last.card.clone().unwrap_or_default(), last.rule.clone()));
            let (mut state, mut transitions) = self.source.evaluator.run(
                states_from_rows(rows)?,
                SyncInfo::default(),
                Vec::new(),
                now,
            );
            transitions.extend(resolve_absent(
                self.rules,
                &mut state,
                profile,
                |_| false,
                now,
            ));
            let step = self.source.evaluator.settle(state, transitions)?;
            self.commit(step, now).await?;
        }
    }

    /// Notices an earlier evaluation staged and did not queue (it stopped
    /// between pages): they join this evaluation's digests.
    async fn recover(&mut self) -> Result<(), WatchError> {
        let profile = self.account.profile();
        let mut after = 0;
        loop {
            let staged = self
                .store
                .staged_notices(profile, after, self.page_size)
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
    async fn commit(&mut self, step: Evaluated, now: Instant) -> Result<(), WatchError> {
        // Folded into the digests now, staged with the page: should the
        // commit fail, the evaluation ends and its digests go unqueued.
        let mut page = PageParts::default();
        let opened = *self.opened.get_or_insert(now);
        for (due_at, alert) in step.alerts {
            let due_at = if due_at <= now { opened } else { due_at };
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
        let (store, lease) = (self.store.clone(), self.lease.clone());
        let profile = self.account.profile().to_owned();
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
    async fn queue(mut self, now: Instant) -> Result<EvaluationReport, WatchError> {
        self.committed().await?;
        let mut report = self.report;
        if self.staged || !self.digests.is_empty() {
            let outbox = self.digests.outbox(now)?;
            let committed = self
                .store
                .queue_notices(self.account.profile(), &outbox, Some(&self.lease), now)
                .await
                .map_err(|e| fenced(e, &self.lease, "queueing notifications"))?;
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

/// Whether `ours`, which began at `began`, is the only run of the account
/// that may have written cards after `began`: every other run ended by
/// then. (Else a card last seen since may have been written by another
/// run, not told to this evaluation.)
fn only_ours(runs: &[SyncRun], ours: iotcard_store::RunId, began: Instant) -> bool {
    // An older run than those read ended before them, or was marked
    // interrupted when a newer began.
    runs.iter()
        .filter(|r| r.id != ours)
        .all(|r| r.ended_at.is_some_and(|ended| ended <= began))
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
