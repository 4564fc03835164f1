//! One pass over one account.

use std::future::Future;
use std::pin::{pin, Pin};
use std::time::{SystemTime, UNIX_EPOCH};

use futures::{FutureExt, Stream, StreamExt};
use iotcard_facade::{CardPlatform, CardReport, Clock, Error as PlatformError};
use iotcard_model::{china_standard_time, CardSnapshot, Instant};
use iotcard_store::{AccountSpec, RunId, Store};
use tokio::time::Instant as Monotonic;

use crate::error::SyncError;
use crate::options::SyncOptions;
use crate::pending::{classify, Pending};
use crate::summary::Summary;
use crate::writer::{Committed, Writer};

/// How often an always-ready stream (a fast local platform) still looks
/// at the cancellation future and the batch's age.
const CHECK_EVERY: u32 = 256;

/// Reads `clock` as the store keeps time: to the second, in China Standard
/// Time (the providers' zone, so a row reads as the operator's day).
pub fn instant(clock: &dyn Clock) -> Result<Instant, SyncError> {
    at(clock.now())
}

fn at(time: SystemTime) -> Result<Instant, SyncError> {
    let since = time
        .duration_since(UNIX_EPOCH)
        .map_err(|_| SyncError::Clock)?;
    let seconds = i64::try_from(since.as_secs()).map_err(|_| SyncError::Clock)?;
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|utc| utc.with_timezone(&china_standard_time()))
        .ok_or(SyncError::Clock)
}

/// Where a pass is, between two cards.
struct Pass<'a> {
    store: &'a Store,
    clock: &'a dyn Clock,
    progress: &'a (dyn Fn(u64) + Sync),
    pending: Pending,
    summary: Summary,
    writer: Option<Writer>,
}

/// Whether the pass goes on after a stream ended.
#[derive(PartialEq, Eq)]
enum Flow {
    Go,
    Cancelled,
}

/// Syncs one account: Tencent lists its cards with their details; IoTBOS,
/// which cannot list, is asked about its inventory in the store (read a
/// page at a time). Results are written in batched transactions as they
/// come (see [`SyncOptions`]), each with its counters, so whatever was
/// committed when the process dies is whole and counted.
///
/// `cancel` resolving stops the pass: the batch in hand is committed and
/// the run is recorded as interrupted. `progress` is called with each
/// card's result as it is counted (with 1). The clock gives every time
/// the run and its snapshots record.
///
/// `Err` only when the store fails; the run is then marked interrupted if
/// the store still answers. Card-level problems are counts in the summary.
pub async fn sync_account<P, F>(
    platform: &P,
    store: &Store,
    spec: &AccountSpec,
    clock: &dyn Clock,
    options: &SyncOptions,
    progress: &(dyn Fn(u64) + Sync),
    cancel: F,
) -> Result<Summary, SyncError>
where
    P: CardPlatform,
    F: Future<Output = ()>,
{
    sync_account_telling(
        platform, store, spec, clock, options, progress, None, cancel,
    )
    .await
}

/// [`sync_account`], telling `committed` the keys of the cards each batch
/// answered once the batch is committed (so a listener can read them back
/// from the store while the pass goes on). The pass waits while the
/// listener is a few batches behind; a listener that went away is not
/// told any more, and the pass goes on.
#[allow(clippy::too_many_arguments)]
pub async fn sync_account_telling<P, F>(
    platform: &P,
    store: &Store,
    spec: &AccountSpec,
    clock: &dyn Clock,
    options: &SyncOptions,
    progress: &(dyn Fn(u64) + Sync),
    committed: Option<Committed>,
    cancel: F,
) -> Result<Summary, SyncError>
where
    P: CardPlatform,
    F: Future<Output = ()>,
{
    let account = store
        .account(spec)
        .await
        .map_err(SyncError::store("recording the account"))?;
    let started_at = instant(clock)?;
    let run = store
        .begin_run(account, started_at)
        .await
        .map_err(SyncError::store("beginning the run"))?;
    let mut pass = Pass {
        store,
        clock,
        progress,
        pending: Pending::new(options.batch_cards, options.batch_age),
        summary: Summary {
            profile: spec.profile.clone(),
            provider: platform.capabilities().provider,
            account,
            run,
            started_at,
            ended_at: started_at,
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
        },
        writer: Some(Writer::spawn(store.clone(), run, committed)),
    };
    let mut cancel = pin!(cancel);
    let flow = match pass.cards(platform, options, cancel.as_mut()).await {
        Ok(flow) => flow,
        Err(error) => {
            pass.abandon(run).await;
            return Err(error);
        }
    };
    pass.end(run, flow == Flow::Cancelled, options).await
}

impl Pass<'_> {
    /// Every card of the account, from the listing or the inventory.
    async fn cards<P: CardPlatform>(
        &mut self,
        platform: &P,
        options: &SyncOptions,
        mut cancel: Pin<&mut impl Future<Output = ()>>,
    ) -> Result<Flow, SyncError> {
        if let Some(listed) = platform.listed_snapshots() {
            return self.drain(listed, cancel).await;
        }
        let account = self.summary.account;
        let mut after = String::new();
        loop {
            let page = self
                .store
                .inventory_page(account, &after, options.inventory_page)
                .await
                .map_err(SyncError::store("reading the inventory"))?;
            let Some(last) = page.last() else {
                return Ok(Flow::Go);
            };
            after = last.as_str().to_owned();
            let mut cards = Vec::with_capacity(page.len());
            for number in &page {
                match platform.parse_card(number.as_str()) {
                    Ok(card) => cards.push(card),
                    // Numbers were checked when added; one this platform
                    // refuses is a failure of that card, not of the pass.
                    Err(e) => self.count_failure(format!("card {number}: {e}")).await?,
                }
            }
            drop(page);
            let reports = platform.snapshot_stream(cards).map(Ok);
            if self.drain(reports, cancel.as_mut()).await? == Flow::Cancelled {
                return Ok(Flow::Cancelled);
            }
        }
    }

    /// Counts results from `reports` until it ends or `cancel` resolves,
    /// committing each batch when it is full or old.
    async fn drain<S, C>(
        &mut self,
        mut reports: S,
        mut cancel: Pin<&mut impl Future<Output = ()>>,
    ) -> Result<Flow, SyncError>
    where
        S: Stream<Item = Result<CardReport<C, CardSnapshot>, PlatformError>> + Unpin,
        C: std::fmt::Display,
    {
        let mut since_check = 0u32;
        loop {
            since_check += 1;
            if since_check == CHECK_EVERY {
                since_check = 0;
                if cancel.as_mut().now_or_never().is_some() {
                    return Ok(Flow::Cancelled);
                }
                self.commit_if_old().await?;
            }
            let item = match reports.next().now_or_never() {
                Some(item) => item,
                None => {
                    let due = self.pending.due_at();
                    tokio::select! {
                        biased;
                        () = cancel.as_mut() => return Ok(Flow::Cancelled),
                        () = sleep_until(due) => {
                            self.commit().await?;
                            continue;
                        }
                        item = reports.next() => item,
                    }
                }
            };
            let Some(item) = item else {
                return Ok(Flow::Go);
            };
            match item {
                Ok(report) => self.count(report).await?,
                Err(e) if e.is_incomplete_listing() => self.summary.short = Some(e.to_string()),
                Err(e) => self.count_failure(format!("the card list: {e}")).await?,
            }
        }
    }

    async fn count<C: std::fmt::Display>(
        &mut self,
        report: CardReport<C, CardSnapshot>,
    ) -> Result<(), SyncError> {
        let card = report.card.to_string();
        let at = instant(self.clock)?;
        self.pending.push(
            &mut self.summary,
            card,
            classify(report),
            at,
            Monotonic::now(),
        );
        (self.progress)(1);
        if self.pending.full() {
            self.commit().await?;
        }
        Ok(())
    }

    /// A failure that is not one card's answer (a listing page, a number
    /// the platform refuses).
    async fn count_failure(&mut self, message: String) -> Result<(), SyncError> {
        self.summary.failed += 1;
        self.pending.note_error(&mut self.summary, message);
        if self.pending.full() {
            self.commit().await?;
        }
        Ok(())
    }

    async fn commit_if_old(&mut self) -> Result<(), SyncError> {
        match self.pending.due_at() {
            Some(due) if due <= Monotonic::now() => self.commit().await,
            _ => Ok(()),
        }
    }

    /// Hands the batch in hand to the writer.
    async fn commit(&mut self) -> Result<(), SyncError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = self.pending.take();
        // The writer is gone only after `end` or `abandon`, which commit
        // nothing more.
        let writer = self.writer.take().ok_or(SyncError::Store {
            doing: "writing a batch",
            source: iotcard_store::StoreError::Invalid("the store writer has stopped".into()),
        })?;
        self.writer = Some(writer.send(batch).await?);
        Ok(())
    }

    /// Commits what is in hand, waits for the writer, and records how the
    /// run ended.
    async fn end(
        mut self,
        run: RunId,
        cancelled: bool,
        options: &SyncOptions,
    ) -> Result<Summary, SyncError> {
        if let Err(error) = self.commit().await {
            self.abandon(run).await;
            return Err(error);
        }
        let written = match self.writer.take() {
            Some(writer) => match writer.finish().await {
                Ok(written) => written,
                Err(error) => {
                    self.abandon(run).await;
                    return Err(error);
                }
            },
            None => Default::default(),
        };
        self.summary.written = written.written;
        self.summary.duplicates = written.duplicates;
        self.summary.ended_at = instant(self.clock)?;
        self.summary.interrupted = cancelled;
        let ended = self.summary.ended_at;
        if cancelled {
            self.store
                .mark_interrupted(run, ended)
                .await
                .map_err(SyncError::store("recording the run as interrupted"))?;
        } else {
            self.store
                .finish_run(run, ended)
                .await
                .map_err(SyncError::store("finishing the run"))?;
            if let Some(keep) = &options.retention {
                self.store
                    .prune(ended, keep)
                    .await
                    .map_err(SyncError::store("pruning old history"))?;
            }
        }
        Ok(self.summary)
    }

    /// After a store failure: stop the writer and mark the run interrupted
    /// if the store still answers (else the next run will).
    async fn abandon(&mut self, run: RunId) {
        if let Some(writer) = self.writer.take() {
            let _ = writer.finish().await;
        }
        if let Ok(now) = instant(self.clock) {
            let _ = self.store.mark_interrupted(run, now).await;
        }
    }
}

/// Sleeps until `due`, or for ever when there is nothing to commit.
async fn sleep_until(due: Option<Monotonic>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times_are_whole_seconds_in_china_standard_time() {
        let t = UNIX_EPOCH + Duration::from_millis(1_796_000_000_999);
        let got = at(t).unwrap();
        assert_eq!(got.to_rfc3339(), "2026-11-30T08:53:20+08:00");
        assert!(matches!(
            at(UNIX_EPOCH - Duration::from_secs(1)),
            Err(SyncError::Clock)
        ));
    }
}
