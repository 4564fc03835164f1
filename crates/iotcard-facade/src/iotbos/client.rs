use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, Stream, StreamExt};
use iotbos_proto::{
    login_request, parse_login, AccessToken, BatchPlan, CardAnswers, Endpoint, ExpiryQuery,
    PlanQuery, Query, RemainingQuery, StateQuery, UsageQuery,
};
use iotcard_model::{CardNumber, CardSnapshot, CardStatus, Expiry, Plan, Remaining, Secret, Usage};
use tokio::time::Instant;

use super::ordered::{ordered, Limits};
use super::snapshot::merge_snapshots;
use crate::report::from_iotbos;
use crate::sender::{CallInfo, Sender};
use crate::token::{Lease, TokenCache};
use crate::{CardReport, Error, SharedError};

/// Batches [`IotbosClient::card_stream`] runs at once, per request slot
/// (each batch is five calls).
const RUNNING_PER_SLOT: usize = 4;
/// Batches [`IotbosClient::card_stream`] holds, running or finished and
/// waiting for an earlier one, per request slot, once the head batch has
/// waited [`HEAD_PATIENCE`].
const WINDOW_PER_SLOT: usize = 16;
/// How long the head batch of [`IotbosClient::card_stream`] may wait before
/// later batches may pile up past the running ones: longer than an ordinary
/// batch takes, shorter than any `Retry-After` (whole seconds).
const HEAD_PATIENCE: Duration = Duration::from_millis(200);

/// Every card of a call, each with its value or why it has none.
pub type IotbosReports<T> = Vec<CardReport<CardNumber, T>>;

/// A client for IoTBOS: logs in on first use, keeps the token for its
/// lifetime, splits any number of cards into batches and runs them with
/// bounded concurrency, retries what is retryable, and returns one result per
/// distinct card in the caller's order.
///
/// Cheap to clone: clones share the token, the limits and the connections.
#[derive(Debug, Clone)]
pub struct IotbosClient {
    pub(super) inner: Arc<IotbosInner>,
}

#[derive(Debug)]
pub(super) struct IotbosInner {
    pub endpoint: Endpoint,
    pub account: String,
    pub password: Secret,
    pub batch_size: NonZeroUsize,
    pub concurrency: usize,
    pub token_margin: Duration,
    pub sender: Sender,
    pub tokens: TokenCache<AccessToken, SharedError>,
}

impl IotbosClient {
    /// Starts configuring a client.
    pub fn builder() -> super::IotbosClientBuilder {
        super::IotbosClientBuilder::default()
    }

    /// SMS and data used this month, per card.
    pub async fn usage(&self, cards: impl IntoIterator<Item = CardNumber>) -> IotbosReports<Usage> {
        self.query::<UsageQuery>(cards).await
    }

    /// SMS and data left this month, per card (data may be negative when
    /// overrun).
    pub async fn remaining(
        &self,
        cards: impl IntoIterator<Item = CardNumber>,
    ) -> IotbosReports<Remaining> {
        self.query::<RemainingQuery>(cards).await
    }

    /// Status and expiry date, per card.
    pub async fn expiry(
        &self,
        cards: impl IntoIterator<Item = CardNumber>,
    ) -> IotbosReports<Expiry> {
        self.query::<ExpiryQuery>(cards).await
    }

    /// Current status, per card.
    pub async fn state(
        &self,
        cards: impl IntoIterator<Item = CardNumber>,
    ) -> IotbosReports<CardStatus> {
        self.query::<StateQuery>(cards).await
    }

    /// Tariff: name, fee, included and overage prices, per card.
    pub async fn plan(&self, cards: impl IntoIterator<Item = CardNumber>) -> IotbosReports<Plan> {
        self.query::<PlanQuery>(cards).await
    }

    /// All five calls merged into one snapshot per card.
    pub async fn card(
        &self,
        cards: impl IntoIterator<Item = CardNumber>,
    ) -> IotbosReports<CardSnapshot> {
        let plan = BatchPlan::new(cards, self.inner.batch_size);
        let batches: Vec<Vec<CardNumber>> = plan.batches().map(|b| b.cards().to_vec()).collect();
        // Unordered, then put back: one batch waiting out a Retry-After
        // must not hold the others up.
        let mut done: Vec<(usize, Vec<CardReport<CardNumber, CardSnapshot>>)> =
            stream::iter(batches.into_iter().enumerate())
                .map(|(i, batch)| async move { (i, self.card_batch(batch).await) })
                .buffer_unordered(self.inner.concurrency)
                .collect()
                .await;
        done.sort_by_key(|(i, _)| *i);
        done.into_iter().flat_map(|(_, reports)| reports).collect()
    }

    /// [`IotbosClient::card`] as a stream, for fleets too large to hold: the
    /// input is read lazily, batches run with bounded concurrency, and
    /// results come out in input order. Memory stays bounded by batch size ×
    /// concurrency, so repeats are dropped within a batch only.
    pub fn card_stream<I>(
        &self,
        cards: I,
    ) -> impl Stream<Item = CardReport<CardNumber, CardSnapshot>> + Send + 'static
    where
        I: IntoIterator<Item = CardNumber>,
        I::IntoIter: Send + 'static,
    {
        let client = self.clone();
        let size = self.inner.batch_size.get();
        // Results leave in input order. At most `running` batches run;
        // while the head batch is young, finished ones waiting for it count
        // against that too, so memory stays `running` × batch. A head stuck
        // behind a Retry-After (a second or more) or a retry's backoff must
        // not stop the rest: once it has waited `patience`, up to `window`
        // batches are held (export memory: see BENCHMARKS.md).
        let limits = Limits {
            running: self.inner.concurrency.saturating_mul(RUNNING_PER_SLOT),
            window: self.inner.concurrency.saturating_mul(WINDOW_PER_SLOT),
            patience: HEAD_PATIENCE,
        };
        let mut input = cards.into_iter();
        let chunks = std::iter::from_fn(move || {
            let chunk: Vec<CardNumber> = input.by_ref().take(size).collect();
            (!chunk.is_empty()).then_some(chunk)
        });
        ordered(chunks, limits, move |chunk| {
            let client = client.clone();
            async move { client.card_batch(chunk).await }
        })
        .flat_map(stream::iter)
    }

    /// How many times this client has logged in.
    pub fn logins(&self) -> u64 {
        self.inner.tokens.logins()
    }

    /// Tokens left in the retry budget.
    pub fn retry_budget_available(&self) -> u32 {
        self.inner.sender.budget().available()
    }

    async fn query<Q: Query>(
        &self,
        cards: impl IntoIterator<Item = CardNumber>,
    ) -> IotbosReports<Q::Payload> {
        // Each batch is planned and matched back on its own as its answer
        // arrives. One plan for the whole call kept two tables as large as
        // the call (200,000 cards: megabytes of hash lookups missing the
        // cache) and cost more CPU than parsing the answers did.
        let batches = distinct_batches(cards, self.inner.batch_size);
        let mut done: Vec<(usize, IotbosReports<Q::Payload>)> = stream::iter(
            batches.into_iter().enumerate(),
        )
        .map(|(index, batch)| async move { (index, self.query_one::<Q>(index, batch).await) })
        .buffer_unordered(self.inner.concurrency)
        .collect()
        .await;
        done.sort_unstable_by_key(|(index, _)| *index);
        // Sized up front: growing a vector of every card's report by
        // doubling copies it and faults its pages in twice.
        let mut reports = Vec::with_capacity(done.iter().map(|(_, r)| r.len()).sum());
        for (_, batch) in done {
            reports.extend(batch);
        }
        reports
    }

    /// One batch of distinct cards (batch `index` of its call): asked, and
    /// the answer matched back to them by number.
    async fn query_one<Q: Query>(
        &self,
        index: usize,
        cards: Vec<CardNumber>,
    ) -> IotbosReports<Q::Payload> {
        let plan = BatchPlan::new(cards, self.inner.batch_size);
        let mut answer = self.query_batch::<Q>(plan.cards()).await;
        let mut round = 1;
        while round < self.inner.sender.retry().batch_rounds {
            match &answer {
                Err(e) if e.attempts_exhausted() => {
                    round += 1;
                    tracing::debug!(call = Q::CALL.name(), batch = index, round, error = %e, "asking the batch again");
                    answer = self.query_batch::<Q>(plan.cards()).await;
                }
                _ => break,
            }
        }
        let mut assembler = plan.assembler::<Q::Payload, SharedError>();
        if let Some(batch) = plan.batch(0) {
            match answer {
                Ok(a) => assembler.record(batch, a),
                Err(e) => assembler.fail(batch, Arc::new(e)),
            }
        }
        let (results, strays) = assembler.finish_results();
        for stray in &strays {
            tracing::warn!(call = Q::CALL.name(), batch = index, "{stray}");
        }
        plan.into_cards()
            .into_iter()
            .zip(results)
            .map(|(card, result)| CardReport {
                card,
                result: from_iotbos(result),
            })
            .collect()
    }

    /// One batch of one call: asks with the cached token; a refusal
    /// (`status` 0, perhaps an expired token) logs in again once and asks
    /// once more before the refusal is reported.
    async fn query_batch<Q: Query>(
        &self,
        cards: &[CardNumber],
    ) -> Result<CardAnswers<Q::Payload>, Error> {
        let inner = &self.inner;
        let mut fresh_login = false;
        loop {
            let lease = self.token().await?;
            let info = CallInfo {
                call: Q::CALL.name(),
                batch_size: cards.len(),
            };
            let answer = inner
                .sender
                .execute(
                    info,
                    || Ok(Q::CALL.request(&inner.endpoint, cards, &lease.value)?),
                    |r| Ok(Q::parse(r.status, &r.body)?),
                )
                .await;
            match answer {
                Err(e) if e.is_refused() && !fresh_login => {
                    tracing::debug!(call = Q::CALL.name(), "refused; logging in again once");
                    inner.tokens.invalidate(lease.generation);
                    fresh_login = true;
                }
                other => return other,
            }
        }
    }

    /// The five calls for one batch, merged per card.
    async fn card_batch(
        &self,
        batch: Vec<CardNumber>,
    ) -> Vec<CardReport<CardNumber, CardSnapshot>> {
        let (usage, remaining, expiry, state, plan) = tokio::join!(
            self.query::<UsageQuery>(batch.iter().cloned()),
            self.query::<RemainingQuery>(batch.iter().cloned()),
            self.query::<ExpiryQuery>(batch.iter().cloned()),
            self.query::<StateQuery>(batch.iter().cloned()),
            self.query::<PlanQuery>(batch.iter().cloned()),
        );
        merge_snapshots(usage, remaining, expiry, state, plan)
    }

    async fn token(&self) -> Result<Lease<AccessToken>, Error> {
        self.inner
            .tokens
            .get(|| self.login())
            .await
            .map_err(Error::Login)
    }

    async fn login(&self) -> Result<(AccessToken, Instant), SharedError> {
        let inner = &self.inner;
        let login = inner
            .sender
            .execute(
                CallInfo {
                    call: "login",
                    batch_size: 0,
                },
                || {
                    Ok(login_request(
                        &inner.endpoint,
                        &inner.account,
                        &inner.password,
                    )?)
                },
                |r| Ok(parse_login(r.status, &r.body)?),
            )
            .await
            .map_err(Arc::new)?;
        let until = login.usable_until(Instant::now(), inner.token_margin);
        tracing::debug!(lifetime = ?login.lifetime(), "logged in");
        Ok((login.into_token(), until))
    }
}

/// The distinct cards of `cards` (a repeat is dropped, the first keeps its
/// place: a number asked twice is asked once), in batches of at most `size`.
fn distinct_batches(
    cards: impl IntoIterator<Item = CardNumber>,
    size: NonZeroUsize,
) -> Vec<Vec<CardNumber>> {
    // The plan drops repeats across the whole call; each batch is then
    // planned and matched on its own (see `query`).
    let mut distinct = BatchPlan::new(cards, size).into_cards().into_iter();
    let mut batches = Vec::new();
    loop {
        let batch: Vec<CardNumber> = distinct.by_ref().take(size.get()).collect();
        if batch.is_empty() {
            return batches;
        }
        batches.push(batch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(texts: &[&str]) -> Vec<CardNumber> {
        texts.iter().map(|t| t.parse().unwrap()).collect()
    }

    #[test]
    fn batches_hold_each_card_once_in_first_seen_order() {
        let cards = numbers(&[
            "1064000000005",
            "1064000000001",
            "1064000000005",
            "1064000000002",
            "1064000000003",
            "1064000000001",
            "1064000000004",
        ]);
        let size = NonZeroUsize::new(2).unwrap();
        let batches = distinct_batches(cards, size);
        let expected = numbers(&[
            "1064000000005",
            "1064000000001",
            "1064000000002",
            "1064000000003",
            "1064000000004",
        ]);
        assert_eq!(batches.concat(), expected);
        assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
        assert!(distinct_batches(Vec::new(), size).is_empty());
    }
}
