use std::future::Future;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::assembled::{append, reports, Answered};
use super::snapshot::merge_snapshots;
use super::tokens::Tokens;
use crate::drive::{on_workers, Driven};
use crate::ordered::{ordered, Limits};
use crate::sender::{CallInfo, Sender};
use crate::{CardReport, CardStream, Error};
use futures::future::BoxFuture;
use futures::stream::{self, Stream, StreamExt};
use iotbos_proto::{
    lazy_batches, parse_login, Api, Batch, BatchLimit, BatchPlan, CardAnswers, ExpiryQuery, Lease,
    Login, PlanQuery, Query, Refusal, Refusals, RemainingQuery, Split, StateQuery, UsageQuery,
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

/// One call's per-card results, in its batch's order.
/// How one request for a batch ended.
enum Asked<T> {
    Answered(CardAnswers<T>),
    /// Refused with a fresh token, and again with a newer fresh one: not
    /// about the token (about the batch's size, or a card in it).
    NotAboutToken(Error),
    Failed(Error),
}

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
    /// What the server's answers taught about its batch limit, for the
    /// rest of the client's life.
    pub limit: Mutex<BatchLimit>,
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
        let plan = BatchPlan::new(cards, self.planned_size());
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
        let batches = lazy_batches(cards.into_iter(), self.planned_size());
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

    /// The requests (by call) and retries this client has sent since it
    /// was built, over every clone of it.
    pub fn call_stats(&self) -> &crate::CallStats {
        self.inner.sender.stats()
    }

    /// Cards per call, as configured.
    pub fn batch_size(&self) -> NonZeroUsize {
        self.inner.batch_size
    }

    /// The most cards per call the server was found to take, once it has
    /// refused a larger batch (see
    /// [`IotbosClientBuilder::batch_size`](super::IotbosClientBuilder::batch_size));
    /// `None` while no batch was refused for its size.
    pub fn discovered_batch_limit(&self) -> Option<NonZeroUsize> {
        self.batch_limit().discovered()
    }

    fn batch_limit(&self) -> std::sync::MutexGuard<'_, BatchLimit> {
        self.inner.limit.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The size batches are planned and sent at now: the configured one,
    /// or the server's limit once learned.
    fn planned_size(&self) -> NonZeroUsize {
        self.batch_limit().limit()
    }

    /// Every report of `Q` for `cards`, repeats across the call asked once.
    async fn all<Q: Query + 'static>(
        &self,
        cards: impl IntoIterator<Item = CardNumber>,
    ) -> IotbosReports<Q::Payload>
    where
        Q::Payload: Send + 'static,
    {
        let plan = BatchPlan::new(cards, self.planned_size());
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
        let batches = lazy_batches(cards.into_iter(), self.planned_size());
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

    /// One call kind for one batch, matched back to its cards in the
    /// batch's order. A batch planned larger than the server's limit (learned
    /// since) goes in pieces of the limit; see [`ask_piece`](Self::ask_piece).
    async fn ask<Q: Query>(&self, batch: &Batch) -> Answered<Q::Payload> {
        let size = self.planned_size();
        if batch.len() <= size.get() {
            return self.ask_piece::<Q>(batch, Refusals::default()).await;
        }
        let mut answered = Answered::default();
        for piece in batch.pieces(size) {
            append(
                &mut answered,
                self.ask_piece::<Q>(&piece, Refusals::default()).await,
            );
        }
        answered
    }

    /// One piece of a batch: asked (again, in a fresh round, if it spent
    /// every attempt). Refused with a fresh token, so not about the token,
    /// it is asked again in smaller pieces (halves, or the size known to
    /// pass), each keeping the refusals so far, down to single cards; a
    /// single card still refused fails alone, with the provider's words.
    /// A piece answered is never asked again, so no card is asked twice.
    fn ask_piece<'a, Q: Query>(
        &'a self,
        piece: &'a Batch,
        mut history: Refusals,
    ) -> BoxFuture<'a, Answered<Q::Payload>> {
        Box::pin(async move {
            let asked = self.ask_rounds::<Q>(piece, &mut history).await;
            let answer = match asked {
                Asked::Answered(answers) => {
                    if let Some(limit) = self.batch_limit().on_accepted(piece.len()) {
                        tracing::info!(
                            limit,
                            planned = self.inner.batch_size.get(),
                            "the server refuses larger batches: sending at most {limit} cards per call from now on"
                        );
                    }
                    Ok(answers)
                }
                Asked::NotAboutToken(error) => {
                    let split = self.batch_limit().on_refused_fresh(piece.len());
                    match split {
                        Split::Pieces(size) => {
                            tracing::debug!(call = Q::CALL.name(), batch = piece.index(), cards = piece.len(), pieces = size, error = %error, "refused, not for the token: asking in smaller pieces");
                            let mut answered = Answered::default();
                            for smaller in piece.pieces(size) {
                                append(&mut answered, self.ask_piece::<Q>(&smaller, history).await);
                            }
                            return answered;
                        }
                        Split::Alone => Err(error),
                    }
                }
                Asked::Failed(error) => Err(error),
            };
            let assembled = piece.assemble(answer.map_err(Arc::new));
            for stray in &assembled.strays {
                tracing::warn!(call = Q::CALL.name(), batch = piece.index(), "{stray}");
            }
            assembled
        })
    }

    /// One piece, asked again in a fresh round while it spends every
    /// attempt, up to the configured rounds.
    async fn ask_rounds<Q: Query>(
        &self,
        piece: &Batch,
        history: &mut Refusals,
    ) -> Asked<Q::Payload> {
        let mut asked = self.ask_once::<Q>(piece, history).await;
        let mut round = 1;
        while round < self.inner.sender.retry().batch_rounds {
            match &asked {
                Asked::Failed(e) if e.attempts_exhausted() => {
                    round += 1;
                    tracing::debug!(call = Q::CALL.name(), batch = piece.index(), round, error = %e, "asking the batch again");
                    asked = self.ask_once::<Q>(piece, history).await;
                }
                _ => break,
            }
        }
        asked
    }

    /// One piece of one call, with the session's token. The token is taken
    /// when the request gets its slot, not before: one that ran out while
    /// the call waited is not sent (the call polls the session again). A
    /// refusal (`status` 0) goes to the session, which says whether it may
    /// be about the token (ask again with a fresh one) or is not; see
    /// [`iotbos_proto::session`].
    async fn ask_once<Q: Query>(&self, piece: &Batch, history: &mut Refusals) -> Asked<Q::Payload> {
        let inner = &self.inner;
        let info = CallInfo {
            call: Q::CALL.name(),
            batch_size: piece.len(),
        };
        loop {
            // A token now (logging in, or waiting for the login in flight);
            // the request takes whichever is current when it is sent.
            if let Err(e) = inner.tokens.lease(|| self.login()).await {
                return Asked::Failed(e);
            }
            let mut sent_with: Option<Lease> = None;
            let answer = inner
                .sender
                .execute_unless(
                    info,
                    || {
                        let Some(lease) = inner.tokens.current() else {
                            return Ok(None);
                        };
                        let request = piece.request(Q::CALL, &inner.api, lease.token())?;
                        sent_with = Some(lease);
                        Ok(Some(request))
                    },
                    |r| Ok(Q::parse(r)?),
                )
                .await;
            match (answer, sent_with) {
                (Ok(Some(answers)), _) => return Asked::Answered(answers),
                (Ok(None), _) => {
                    tracing::debug!(
                        call = Q::CALL.name(),
                        "the token ran out while waiting for a slot"
                    );
                }
                (Err(e), Some(lease)) if e.is_refused() => {
                    match inner.tokens.refused(&lease, e.provider_message(), history) {
                        Refusal::Retry => tracing::debug!(
                            call = Q::CALL.name(),
                            token = lease.generation(),
                            "refused; asking again with a fresh token"
                        ),
                        Refusal::NotAboutToken => return Asked::NotAboutToken(e),
                    }
                }
                (Err(e), _) => return Asked::Failed(e),
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
