use std::future::Future;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use super::assembled::{reports, Answered};
use super::snapshot::merge_snapshots;
use super::tokens::Tokens;
use crate::drive::{on_workers, Driven};
use crate::ordered::{ordered, Limits};
use crate::sender::{CallInfo, Sender};
use crate::{CardReport, CardStream, Error};
use futures::stream::{self, Stream, StreamExt};
use iotbos_proto::{
    lazy_batches, parse_login, Api, Batch, BatchPlan, CardAnswers, ExpiryQuery, Login, PlanQuery,
    Query, Refusal, Refusals, RemainingQuery, StateQuery, UsageQuery,
};
use iotcard_model::{CardNumber, CardSnapshot, CardStatus, Expiry, Plan, Remaining, Usage};

/// Batches one call runs at once, per request slot, when each batch is one
/// request: a second one waits for a slot, so a slot never idles while a
/// finished batch waits for an earlier one to leave.
const RUNNING_PER_SLOT: usize = 2;
/// The same for snapshots, whose batches are five requests each.
const SNAPSHOT_RUNNING_PER_SLOT: usize = 4;
/// Batches held, running or finished and waiting for an earlier one, per
/// request slot, once the head batch has waited [`HEAD_PATIENCE`].
const WINDOW_PER_SLOT: usize = 16;
/// How long the head batch may wait before later batches may pile up past
/// the running ones: longer than an ordinary batch takes, shorter than any
/// `Retry-After` (whole seconds).
const HEAD_PATIENCE: Duration = Duration::from_millis(200);

/// Every card of a call, each with its value or why it has none.
pub type IotbosReports<T> = Vec<CardReport<CardNumber, T>>;

/// A client for IoTBOS: logs in on first use, keeps the token for its
/// lifetime, splits any number of cards into batches and runs them with
/// bounded concurrency, retries what is transient, and answers one report
/// per distinct card in the caller's order.
///
/// Every query comes in two forms: `usage(cards)` collects every report
/// (repeats across the whole call are asked once), `usage_stream(cards)`
/// reads the cards lazily and yields reports as they are in order, with
/// memory bounded by batch size × concurrency whatever the number of cards
/// (so repeats are dropped within a batch only). Both run the same
/// pipeline: each card is planned once, asked once per call kind, and
/// matched back within its batch.
///
/// Cheap to clone: clones share the token, the limits and the connections.
#[derive(Debug, Clone)]
pub struct IotbosClient {
    pub(super) inner: Arc<IotbosInner>,
}

#[derive(Debug)]
pub(super) struct IotbosInner {
    pub api: Api,
    pub batch_size: NonZeroUsize,
    pub concurrency: usize,
    pub sender: Sender,
    pub tokens: Tokens,
}

impl IotbosClient {
    /// Starts configuring a client.
    pub fn builder() -> super::IotbosClientBuilder {
        super::IotbosClientBuilder::default()
    }

    /// SMS and data used this month, per card.
    pub async fn usage(&self, cards: impl IntoIterator<Item = CardNumber>) -> IotbosReports<Usage> {
        self.all::<UsageQuery>(cards).await
    }

    /// [`IotbosClient::usage`] as a stream.
    pub fn usage_stream<I>(&self, cards: I) -> CardStream<CardNumber, Usage>
    where
        I: IntoIterator<Item = CardNumber>,
        I::IntoIter: Send + 'static,
    {
        self.lazy::<UsageQuery, _>(cards)
    }

    /// SMS and data left this month, per card (data may be negative when
    /// overrun).
    pub async fn remaining(
        &self,
        cards: impl IntoIterator<Item = CardNumber>,
    ) -> IotbosReports<Remaining> {
        self.all::<RemainingQuery>(cards).await
    }

    /// [`IotbosClient::remaining`] as a stream.
    pub fn remaining_stream<I>(&self, cards: I) -> CardStream<CardNumber, Remaining>
    where
        I: IntoIterator<Item = CardNumber>,
        I::IntoIter: Send + 'static,
    {
        self.lazy::<RemainingQuery, _>(cards)
    }

    /// Status and expiry date, per card.
    pub async fn expiry(
        &self,
        cards: impl IntoIterator<Item = CardNumber>,
    ) -> IotbosReports<Expiry> {
        self.all::<ExpiryQuery>(cards).await
    }

    /// [`IotbosClient::expiry`] as a stream.
    pub fn expiry_stream<I>(&self, cards: I) -> CardStream<CardNumber, Expiry>
    where
        I: IntoIterator<Item = CardNumber>,
        I::IntoIter: Send + 'static,
    {
        self.lazy::<ExpiryQuery, _>(cards)
    }

    /// Current status, per card (IoTBOS's `TerminalState` call).
    pub async fn status(
        &self,
        cards: impl IntoIterator<Item = CardNumber>,
    ) -> IotbosReports<CardStatus> {
        self.all::<StateQuery>(cards).await
    }

    /// [`IotbosClient::status`] as a stream.
    pub fn status_stream<I>(&self, cards: I) -> CardStream<CardNumber, CardStatus>
    where
        I: IntoIterator<Item = CardNumber>,
        I::IntoIter: Send + 'static,
    {
        self.lazy::<StateQuery, _>(cards)
    }

    /// Tariff: name, fee, included and overage prices, per card.
    pub async fn plan(&self, cards: impl IntoIterator<Item = CardNumber>) -> IotbosReports<Plan> {
        self.all::<PlanQuery>(cards).await
    }

    /// [`IotbosClient::plan`] as a stream.
    pub fn plan_stream<I>(&self, cards: I) -> CardStream<CardNumber, Plan>
    where
        I: IntoIterator<Item = CardNumber>,
        I::IntoIter: Send + 'static,
    {
        self.lazy::<PlanQuery, _>(cards)
    }

    /// All five calls merged into one snapshot per card.
    pub async fn snapshots(
        &self,
        cards: impl IntoIterator<Item = CardNumber>,
    ) -> IotbosReports<CardSnapshot> {
        let plan = BatchPlan::new(cards, self.inner.batch_size);
        let cards = plan.len();
        let batches =
            self.batch_reports(plan.into_batches(), SNAPSHOT_RUNNING_PER_SLOT, snapshot_job);
        collect_on_workers(batches, cards).await
    }

    /// [`IotbosClient::snapshots`] as a stream, for fleets too large to
    /// hold (the `export` path).
    pub fn snapshot_stream<I>(&self, cards: I) -> CardStream<CardNumber, CardSnapshot>
    where
        I: IntoIterator<Item = CardNumber>,
        I::IntoIter: Send + 'static,
    {
        let batches = lazy_batches(cards.into_iter(), self.inner.batch_size);
        self.pipeline(batches, SNAPSHOT_RUNNING_PER_SLOT, snapshot_job)
    }

    /// How many times this client has logged in.
    pub fn logins(&self) -> u64 {
        self.inner.tokens.logins()
    }

    /// Tokens left in the retry budget.
    pub fn retry_budget_available(&self) -> u32 {
        self.inner.sender.budget().available()
    }

    /// Cards per call.
    pub fn batch_size(&self) -> NonZeroUsize {
        self.inner.batch_size
    }

    /// Every report of `Q` for `cards`, repeats across the call asked once.
    async fn all<Q: Query + 'static>(
        &self,
        cards: impl IntoIterator<Item = CardNumber>,
    ) -> IotbosReports<Q::Payload>
    where
        Q::Payload: Send + 'static,
    {
        let plan = BatchPlan::new(cards, self.inner.batch_size);
        let cards = plan.len();
        let batches = self.batch_reports(plan.into_batches(), RUNNING_PER_SLOT, query_job::<Q>);
        collect_on_workers(batches, cards).await
    }

    /// The reports of `Q` for `cards`, read lazily.
    fn lazy<Q: Query + 'static, I>(&self, cards: I) -> CardStream<CardNumber, Q::Payload>
    where
        I: IntoIterator<Item = CardNumber>,
        I::IntoIter: Send + 'static,
        Q::Payload: Send + 'static,
    {
        let batches = lazy_batches(cards.into_iter(), self.inner.batch_size);
        self.pipeline(batches, RUNNING_PER_SLOT, query_job::<Q>)
    }

    /// The one pipeline as a stream of reports: run on the runtime's
    /// workers (see [`Driven`]), at most `concurrency` batches of reports
    /// ahead of the reader.
    fn pipeline<B, J, Fut, T>(
        &self,
        batches: B,
        per_slot: usize,
        job: J,
    ) -> CardStream<CardNumber, T>
    where
        B: Iterator<Item = Batch> + Send + 'static,
        J: Fn(IotbosClient, Batch) -> Fut + Send + 'static,
        Fut: Future<Output = IotbosReports<T>> + Send + 'static,
        T: Send + 'static,
    {
        let batches = self.batch_reports(batches, per_slot, job);
        CardStream::new(Driven::new(batches, self.inner.concurrency))
    }

    /// The one pipeline: batches through the ordered window, each asked by
    /// `job`, each batch's reports out in input order.
    fn batch_reports<B, J, Fut, T>(
        &self,
        batches: B,
        per_slot: usize,
        job: J,
    ) -> impl Stream<Item = IotbosReports<T>> + Send + 'static
    where
        B: Iterator<Item = Batch> + Send + 'static,
        J: Fn(IotbosClient, Batch) -> Fut + Send + 'static,
        Fut: Future<Output = IotbosReports<T>> + Send + 'static,
        T: Send + 'static,
    {
        let client = self.clone();
        // Results leave in input order. At most `running` batches run;
        // while the head batch is young, finished ones waiting for it count
        // against that too, so memory stays `running` × batch. A head stuck
        // behind a Retry-After or a retry's backoff must not stop the rest:
        // once it has waited `patience`, up to `window` batches are held
        // (export memory: see BENCHMARKS.md).
        let limits = Limits {
            running: self.inner.concurrency.saturating_mul(per_slot),
            window: self.inner.concurrency.saturating_mul(WINDOW_PER_SLOT),
            patience: HEAD_PATIENCE,
        };
        ordered(stream::iter(batches), limits, move |batch| {
            job(client.clone(), batch)
        })
    }

    /// One call kind for one batch: asked (again, in a fresh round, if it
    /// spent every attempt), and the answer matched back to its cards.
    async fn ask<Q: Query>(&self, batch: &Batch) -> Answered<Q::Payload> {
        let mut answer = self.ask_once::<Q>(batch).await;
        let mut round = 1;
        while round < self.inner.sender.retry().batch_rounds {
            match &answer {
                Err(e) if e.attempts_exhausted() => {
                    round += 1;
                    tracing::debug!(call = Q::CALL.name(), batch = batch.index(), round, error = %e, "asking the batch again");
                    answer = self.ask_once::<Q>(batch).await;
                }
                _ => break,
            }
        }
        let assembled = batch.assemble(answer.map_err(Arc::new));
        for stray in &assembled.strays {
            tracing::warn!(call = Q::CALL.name(), batch = batch.index(), "{stray}");
        }
        assembled
    }

    /// One batch of one call, with the session's token. A refusal
    /// (`status` 0) goes to the session, which says whether it may be about
    /// the token (ask again with a fresh one) or is about the call (report
    /// it); see [`iotbos_proto::session`].
    async fn ask_once<Q: Query>(&self, batch: &Batch) -> Result<CardAnswers<Q::Payload>, Error> {
        let inner = &self.inner;
        let mut history = Refusals::default();
        loop {
            let lease = inner.tokens.lease(|| self.login()).await?;
            let info = CallInfo {
                call: Q::CALL.name(),
                batch_size: batch.len(),
            };
            let answer = inner
                .sender
                .execute(
                    info,
                    || Ok(batch.request(Q::CALL, &inner.api, lease.token())?),
                    |r| Ok(Q::parse(r)?),
                )
                .await;
            match answer {
                Err(e) if e.is_refused() => match inner.tokens.refused(&lease, &mut history) {
                    Refusal::Retry => {
                        tracing::debug!(
                            call = Q::CALL.name(),
                            token = lease.generation(),
                            "refused; asking again with a fresh token"
                        );
                    }
                    Refusal::NotAboutToken => return Err(e),
                },
                other => return other,
            }
        }
    }

    async fn login(&self) -> Result<Login, Error> {
        let inner = &self.inner;
        inner
            .sender
            .execute(
                CallInfo {
                    call: "login",
                    batch_size: 0,
                },
                || Ok(inner.api.login()?),
                |r| Ok(parse_login(r)?),
            )
            .await
    }
}

/// Every report of `batches` (`cards` in all), collected by a task of the
/// runtime (see [`on_workers`]).
async fn collect_on_workers<T: Send + 'static>(
    batches: impl Stream<Item = IotbosReports<T>> + Send + 'static,
    cards: usize,
) -> IotbosReports<T> {
    on_workers(async move {
        let mut batches = std::pin::pin!(batches);
        let mut reports = Vec::with_capacity(cards);
        while let Some(batch) = batches.next().await {
            reports.extend(batch);
        }
        reports
    })
    .await
}

/// One call kind for one batch, as reports.
async fn query_job<Q: Query>(client: IotbosClient, batch: Batch) -> IotbosReports<Q::Payload> {
    let answered = client.ask::<Q>(&batch).await;
    reports(batch.into_cards(), answered)
}

/// The five calls for one batch (planned once, asked by all five), merged
/// per card.
async fn snapshot_job(client: IotbosClient, batch: Batch) -> IotbosReports<CardSnapshot> {
    let (usage, remaining, expiry, status, plan) = tokio::join!(
        client.ask::<UsageQuery>(&batch),
        client.ask::<RemainingQuery>(&batch),
        client.ask::<ExpiryQuery>(&batch),
        client.ask::<StateQuery>(&batch),
        client.ask::<PlanQuery>(&batch),
    );
    merge_snapshots(batch.into_cards(), usage, remaining, expiry, status, plan)
}
