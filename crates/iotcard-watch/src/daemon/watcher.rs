//! The watcher: one pass of every account ([`Watcher::once`]) or every
//! account on its own schedule ([`Watcher::run`]), each pass under the
//! account's lease, its rules evaluated a page at a time (each page's
//! alert changes committed as it goes, the digests queued in the outbox by
//! one last transaction), what is due delivered.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::{join_all, FutureExt, Shared as SharedFuture};
use iotcard_facade::{Clock, Entropy, SystemClock};
use iotcard_store::{Lease, Store};
use iotcard_sync::SyncOptions;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{mpsc, watch, Notify};
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::daemon::account::BoxFuture;
use crate::daemon::evaluation::{Evaluation, PassSeen};
use crate::daemon::outbox::{deliver_due, OutboxPolicy};
use crate::daemon::plan::{WatchPlan, WatchedAccount};
use crate::daemon::report::{AccountReport, EvaluationReport, OnceReport, PassReport};
use crate::daemon::schedule::next_pass_in;
use crate::deliver::Deliverer;
use crate::error::chain;
use crate::error::WatchError;
use crate::serve::StatusBoard;
use crate::time::{Sleeper, TokioSleeper};

/// A cancellation any number of tasks can wait on.
type Cancel = SharedFuture<BoxFuture<'static, ()>>;

/// The longest the delivery loop sleeps with nothing due: another watcher
/// on the same store may have queued something.
const DELIVERY_IDLE: Duration = Duration::from_secs(60);
/// How long a stopping watcher waits for its passes to commit what they
/// hold; with [`DELIVERY_GRACE`] within the 10 s a stop may take.
const STOP_GRACE: Duration = Duration::from_secs(6);
/// How long a stopping watcher waits for its delivery round.
const DELIVERY_GRACE: Duration = Duration::from_secs(3);
/// Committed batches told ahead of their evaluation, beyond those it
/// reads: more would only hold the pass's keys in memory.
const BATCHES_TOLD: usize = 2;

/// Builds a [`Watcher`].
pub struct WatcherBuilder {
    store: Store,
    deliverer: Arc<Deliverer>,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    entropy: Entropy,
    holder: Option<String>,
    lease_ttl: Duration,
    page_size: u32,
    sync: SyncOptions,
    outbox: OutboxPolicy,
    board: Option<Arc<StatusBoard>>,
}

impl fmt::Debug for WatcherBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatcherBuilder")
            .field("store", &self.store)
            .field("holder", &self.holder)
            .field("lease_ttl", &self.lease_ttl)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl WatcherBuilder {
    /// The wall clock passes, alerts and the outbox are timed with
    /// ([`SystemClock`] by default).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// What waits between passes and between deliveries ([`TokioSleeper`]
    /// by default).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Where the schedule's jitter and the outbox's backoff jitter come
    /// from ([`Entropy::Os`] by default).
    pub fn entropy(mut self, entropy: Entropy) -> Self {
        self.entropy = entropy;
        self
    }

    /// This watcher's name in leases and outbox claims (default
    /// `iotcard-PID-RANDOM`): unique among the watchers of one store.
    pub fn holder(mut self, holder: impl Into<String>) -> Self {
        self.holder = Some(holder.into());
        self
    }

    /// How long an account's lease lasts unless renewed (default 2 min;
    /// renewed every third of it while a pass runs). A watcher that dies
    /// mid-pass holds the account for at most this long.
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self
    }

    /// How many card ids one evaluation step reads (default 2,000; two
    /// steps are read ahead while one is evaluated): the memory an
    /// evaluation needs is a few steps, whatever the fleet's size.
    pub fn page_size(mut self, cards: u32) -> Self {
        self.page_size = cards.max(1);
        self
    }

    /// How passes write ([`SyncOptions::default`]).
    pub fn sync_options(mut self, options: SyncOptions) -> Self {
        self.sync = options;
        self
    }

    /// How the outbox is worked ([`OutboxPolicy::default`]).
    pub fn outbox(mut self, policy: OutboxPolicy) -> Self {
        self.outbox = policy;
        self
    }

    /// The figures to refresh after each pass and count deliveries on,
    /// for the HTTP server ([`crate::serve`]); none by default.
    pub fn status_board(mut self, board: Arc<StatusBoard>) -> Self {
        self.board = Some(board);
        self
    }

    /// The watcher.
    pub fn build(self) -> Result<Watcher, WatchError> {
        if self.lease_ttl < Duration::from_secs(3) {
            return Err(WatchError::InvalidPlan {
                problem: format!(
                    "the lease TTL must be at least 3s (it is renewed every third), not {:?}",
                    self.lease_ttl
                ),
            });
        }
        let mut rng = match self.entropy {
            Entropy::Seed(seed) => StdRng::seed_from_u64(seed),
            // The one place the watcher asks the OS for entropy.
            #[allow(clippy::disallowed_methods)]
            _ => StdRng::from_entropy(),
        };
        let holder = match self.holder {
            Some(h) if h.trim().is_empty() => {
                return Err(WatchError::InvalidPlan {
                    problem: "the watcher's holder name is empty".into(),
                })
            }
            Some(h) => h,
            None => format!("iotcard-{}-{:08x}", std::process::id(), rng.gen::<u32>()),
        };
        Ok(Watcher {
            shared: Arc::new(Shared {
                store: self.store,
                deliverer: self.deliverer,
                clock: self.clock,
                sleeper: self.sleeper,
                rng: Mutex::new(rng),
                holder,
                lease_ttl: self.lease_ttl,
                page_size: self.page_size,
                sync: self.sync,
                outbox: self.outbox,
                board: self.board,
            }),
        })
    }
}

/// What every task of one watcher shares.
pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) deliverer: Arc<Deliverer>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    rng: Mutex<StdRng>,
    pub(crate) holder: String,
    lease_ttl: Duration,
    page_size: u32,
    sync: SyncOptions,
    pub(crate) outbox: OutboxPolicy,
    pub(crate) board: Option<Arc<StatusBoard>>,
}

impl Shared {
    /// The clock, as the store keeps time.
    pub(crate) fn now(&self) -> Result<iotcard_model::Instant, WatchError> {
        iotcard_sync::instant(self.clock.as_ref()).map_err(|_| WatchError::Clock)
    }

    /// Refreshes the status board, if any, after a pass: a failure is
    /// logged and the figures of the pass before stay served.
    pub(crate) async fn refresh_board(&self, plan: &WatchPlan) {
        if let Some(board) = &self.board {
            if let Err(e) = board.refresh(plan).await {
                tracing::warn!(error = %chain(&e), "the served figures could not be refreshed");
            }
        }
    }

    /// A draw in `[0, 1]` for jitter.
    pub(crate) fn draw(&self) -> f64 {
        self.rng
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .gen_range(0.0..=1.0)
    }
}

/// Syncs accounts, evaluates their rules and delivers notifications; see
/// [`once`](Self::once) and [`run`](Self::run). Cheap to clone (the clones
/// are one watcher).
#[derive(Clone)]
pub struct Watcher {
    shared: Arc<Shared>,
}

impl fmt::Debug for Watcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watcher")
            .field("holder", &self.shared.holder)
            .field("store", &self.shared.store)
            .finish_non_exhaustive()
    }
}

impl Watcher {
    /// A builder over `store`, delivering through `deliverer` (build it
    /// with [`RetryPolicy::once`](crate::RetryPolicy::once): the outbox
    /// retries, so one stuck receiver holds no other entry up).
    pub fn builder(store: Store, deliverer: Arc<Deliverer>) -> WatcherBuilder {
        WatcherBuilder {
            store,
            deliverer,
            clock: Arc::new(SystemClock::default()),
            sleeper: Arc::new(TokioSleeper),
            entropy: Entropy::default(),
            holder: None,
            lease_ttl: Duration::from_secs(120),
            page_size: 2_000,
            sync: SyncOptions::default(),
            outbox: OutboxPolicy::default(),
            board: None,
        }
    }

    /// This watcher's name in leases and claims.
    pub fn holder(&self) -> &str {
        &self.shared.holder
    }

    /// One pass of every account of `plan` (at once, each under its
    /// lease), its rules evaluated and their digests queued, then
    /// delivery of everything due. `cancel` resolving stops the passes
    /// (each commits the batch in hand) and skips what has not started.
    pub async fn once(
        &self,
        plan: &WatchPlan,
        cancel: impl Future<Output = ()> + Send + 'static,
    ) -> Result<OnceReport, WatchError> {
        plan.validate()?;
        let cancel = shared_cancel(cancel);
        let passes = plan
            .accounts
            .iter()
            .map(|account| self.account_pass(plan, account, cancel.clone()));
        let accounts = join_all(passes).await;
        let mut report = OnceReport {
            accounts,
            ..OnceReport::default()
        };
        if !is_cancelled(&cancel) {
            let stop = || is_cancelled(&cancel);
            report.delivery = deliver_due(&self.shared, plan, &stop).await?;
        }
        self.shared.refresh_board(plan).await;
        Ok(report)
    }

    /// Every account of the latest plan on its own schedule until `cancel`
    /// resolves: a pass, then a wait of its interval ± the plan's jitter
    /// (a failed pass simply waits for the next); never two passes of one
    /// account at once (one task per account here, its lease across
    /// watchers). A delivery loop sends what is due, woken by each
    /// evaluation and sleeping until the next entry is due.
    ///
    /// A new plan on `plans` (a reload) is checked first: refused, it is
    /// logged and the old one kept; accepted, new accounts start, removed
    /// ones stop after the pass in hand, and the others take their new
    /// settings from their next pass. On `cancel` every pass in flight
    /// commits what it holds, leases are released, and `run` returns.
    pub async fn run(
        &self,
        mut plans: watch::Receiver<Arc<WatchPlan>>,
        cancel: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), WatchError> {
        let first = plans.borrow_and_update().clone();
        first.validate()?;
        let cancel = shared_cancel(cancel);
        let (current, _) = watch::channel(first);
        let current = Arc::new(current);
        let wake = Arc::new(Notify::new());
        let mut accounts: JoinSet<String> = JoinSet::new();
        let mut running: BTreeSet<String> = BTreeSet::new();
        let delivery = tokio::spawn(self.clone().delivery_loop(
            current.subscribe(),
            wake.clone(),
            cancel.clone(),
        ));
        let mut reloads = true;
        loop {
            let plan = current.borrow().clone();
            for account in &plan.accounts {
                if running.insert(account.profile().to_owned()) {
                    accounts.spawn(self.clone().account_loop(
                        account.profile().to_owned(),
                        current.subscribe(),
                        wake.clone(),
                        cancel.clone(),
                    ));
                }
            }
            tokio::select! {
                () = cancel.clone() => break,
                changed = plans.changed(), if reloads => {
                    if changed.is_err() {
                        // The sender is gone: no more reloads, the plan stays.
                        reloads = false;
                        continue;
                    }
                    let next = plans.borrow_and_update().clone();
                    match next.validate() {
                        Ok(()) => {
                            tracing::info!(accounts = next.accounts.len(), "a new plan is in force");
                            current.send_replace(next);
                        }
                        Err(e) => tracing::error!(
                            error = %chain(&e),
                            "the new plan is refused; the old one stays in force"
                        ),
                    }
                }
                Some(done) = accounts.join_next() => {
                    match done {
                        Ok(profile) => { running.remove(&profile); }
                        Err(e) => {
                            tracing::error!(error = %e, "an account's task ended abnormally");
                            // Which one is not known: rebuild the set from
                            // what still runs on the next round.
                            running.clear();
                            accounts.abort_all();
                            while accounts.join_next().await.is_some() {}
                        }
                    }
                }
            }
        }
        // Every account task sees the cancellation, finishes the pass in
        // hand (which commits and releases its lease) and returns. One that
        // does not within the grace (a store or platform call hanging) is
        // dropped: its batch in hand is lost to the next pass, its lease
        // lapses, and the process still stops when asked.
        let joined = tokio::time::timeout(STOP_GRACE, async {
            while accounts.join_next().await.is_some() {}
        })
        .await;
        if joined.is_err() {
            tracing::warn!(
                still_running = accounts.len(),
                "passes did not stop in time; they are dropped and their leases lapse"
            );
            accounts.abort_all();
            while accounts.join_next().await.is_some() {}
        }
        match tokio::time::timeout(DELIVERY_GRACE, delivery).await {
            Ok(_) => {}
            Err(_) => {
                tracing::warn!("the delivery round did not stop in time; its claims will lapse")
            }
        }
        Ok(())
    }

    /// One account on its schedule, until it leaves the plan or `cancel`.
    async fn account_loop(
        self,
        profile: String,
        mut plan: watch::Receiver<Arc<WatchPlan>>,
        wake: Arc<Notify>,
        cancel: Cancel,
    ) -> String {
        loop {
            let current = plan.borrow_and_update().clone();
            let Some(account) = current.find(&profile) else {
                tracing::info!(profile, "the account left the plan");
                return profile;
            };
            let report = self.account_pass(&current, account, cancel.clone()).await;
            self.shared.refresh_board(&current).await;
            if report.evaluation.is_some_and(|e| e.queued > 0) {
                wake.notify_one();
            }
            if is_cancelled(&cancel) {
                return profile;
            }
            let wait = next_pass_in(account.interval, current.jitter, self.shared.draw());
            tracing::debug!(profile, wait_s = wait.as_secs_f64(), "next pass scheduled");
            let sleeper = self.shared.sleeper.clone();
            let sleeping = sleeper.sleep(wait);
            tokio::pin!(sleeping);
            loop {
                tokio::select! {
                    () = &mut sleeping => break,
                    () = cancel.clone() => return profile,
                    changed = plan.changed() => {
                        let gone = changed.is_err()
                            || plan.borrow_and_update().find(&profile).is_none();
                        if gone {
                            tracing::info!(profile, "the account left the plan");
                            return profile;
                        }
                    }
                }
            }
        }
    }

    /// Delivers what is due whenever something may be, until `cancel`.
    async fn delivery_loop(
        self,
        plan: watch::Receiver<Arc<WatchPlan>>,
        wake: Arc<Notify>,
        cancel: Cancel,
    ) {
        loop {
            let current = plan.borrow().clone();
            let stop = || is_cancelled(&cancel);
            match deliver_due(&self.shared, &current, &stop).await {
                Ok(r) if r.delivered + r.retried > 0 => {
                    tracing::info!(
                        delivered = r.delivered,
                        retried = r.retried,
                        "delivery round"
                    );
                    // The outbox and the notification counters changed.
                    self.shared.refresh_board(&current).await;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %chain(&e), "delivery round failed"),
            }
            if is_cancelled(&cancel) {
                return;
            }
            let wait = self.next_due_in().await;
            let sleeper = self.shared.sleeper.clone();
            tokio::select! {
                () = sleeper.sleep(wait) => {}
                () = wake.notified() => {}
                () = cancel.clone() => return,
            }
        }
    }

    /// How long until the earliest pending entry is due (at most
    /// [`DELIVERY_IDLE`], at least a second).
    async fn next_due_in(&self) -> Duration {
        // Pending entries come earliest due first: the first is the next.
        let (Ok(now), Ok(pending)) = (self.shared.now(), self.shared.store.outbox(true, 1).await)
        else {
            return DELIVERY_IDLE;
        };
        pending
            .first()
            .map(|item| (item.due_at - now).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(DELIVERY_IDLE)
            .clamp(Duration::from_secs(1), DELIVERY_IDLE)
    }

    /// One account: its lease, its pass (the lease renewed meanwhile), its
    /// evaluation, the lease released.
    async fn account_pass(
        &self,
        plan: &WatchPlan,
        account: &WatchedAccount,
        cancel: Cancel,
    ) -> AccountReport {
        let profile = account.profile().to_owned();
        let span = tracing::info_span!("pass", profile = %profile);
        async {
            let mut report = AccountReport {
                profile: profile.clone(),
                pass: PassReport::Failed(String::new()),
                evaluation: None,
                evaluation_error: None,
            };
            if is_cancelled(&cancel) {
                report.pass = PassReport::Failed("cancelled before it began".into());
                return report;
            }
            let name = lease_name(&profile);
            let lease = match self.acquire(&name).await {
                Ok(Ok(lease)) => lease,
                Ok(Err(holder)) => {
                    tracing::info!(holder, "another watcher holds the account; skipped");
                    report.pass = PassReport::Skipped { holder };
                    return report;
                }
                Err(e) => {
                    report.pass = PassReport::Failed(chain(&e));
                    return report;
                }
            };
            // The rules evaluate each batch the pass commits as it goes.
            let shared = &self.shared;
            let evaluation =
                Evaluation::begin(&shared.store, &plan.rules, account, &lease, shared.page_size)
                    .await;
            let (pass, lease, evaluation) = self
                .pass_under_lease(account, lease, evaluation, cancel.clone())
                .await;
            let seen = match &pass {
                PassReport::Synced(s) => Some(PassSeen {
                    run: s.run,
                    began: s.started_at,
                    answered: s.answered,
                }),
                _ => None,
            };
            report.pass = pass;
            match lease {
                // Stopping: the batch in hand is committed; the next start
                // evaluates what was not (the rules read the store), so
                // shutdown stays quick whatever the fleet's size.
                Some(lease) if is_cancelled(&cancel) => {
                    report.evaluation_error = Some("cancelled: evaluated at the next start".into());
                    if let Err(e) = self.shared.store.release_lease(&lease).await {
                        tracing::warn!(error = %chain(&e), "could not release the lease; it lapses");
                    }
                }
                Some(lease) => {
                    let finished = match (evaluation, self.shared.now()) {
                        (Ok(evaluation), Ok(now)) => evaluation.finish(now, seen).await,
                        (Err(e), _) | (_, Err(e)) => Err(e),
                    };
                    match finished {
                        Ok(e) => report.evaluation = Some(e),
                        Err(e) => {
                            tracing::warn!(error = %chain(&e), "evaluation failed");
                            report.evaluation_error = Some(chain(&e));
                        }
                    }
                    if let Err(e) = self.shared.store.release_lease(&lease).await {
                        tracing::warn!(error = %chain(&e), "could not release the lease; it lapses");
                    }
                }
                None => {
                    let e = WatchError::LeaseLost { name };
                    tracing::warn!(error = %e, "not evaluated");
                    report.evaluation_error = Some(chain(&e));
                }
            }
            report
        }
        .instrument(span)
        .await
    }

    /// The lease `name`, or who holds it.
    async fn acquire(&self, name: &str) -> Result<Result<Lease, String>, WatchError> {
        let store = &self.shared.store;
        let now = self.shared.now()?;
        if let Some(lease) = store
            .acquire_lease(name, &self.shared.holder, now, self.shared.lease_ttl)
            .await
            .map_err(WatchError::store("taking the account's lease"))?
        {
            return Ok(Ok(lease));
        }
        let holder = store
            .leases()
            .await
            .map_err(WatchError::store("reading leases"))?
            .into_iter()
            .find(|l| l.name == name)
            .map_or_else(|| "another watcher".to_owned(), |l| l.holder);
        Ok(Err(holder))
    }

    /// Runs the pass, renewing `lease` every third of its TTL; a renewal
    /// that fails cancels the pass. Gives the lease still held, if any.
    async fn pass_under_lease<'e>(
        &self,
        account: &WatchedAccount,
        lease: Lease,
        evaluation: Result<Evaluation<'e>, WatchError>,
        cancel: Cancel,
    ) -> (
        PassReport,
        Option<Lease>,
        Result<Evaluation<'e>, WatchError>,
    ) {
        let held = Mutex::new(Some(lease));
        let lost = Notify::new();
        let lost_signal = async {
            lost.notified().await;
        };
        let stop: BoxFuture<'_, ()> = Box::pin(async move {
            tokio::select! {
                () = cancel => {}
                () = lost_signal => {}
            }
        });
        let shared = &self.shared;
        // The renewal is dropped with the pass, before anything below touches
        // the store: a renewal left waiting for the store's connection, and
        // never polled again, would hold it and stall every later call.
        let (outcome, evaluation) = {
            let (told, batches) = mpsc::channel(BATCHES_TOLD);
            let pass = account.sync.sync(
                &shared.store,
                &account.spec,
                shared.clock.as_ref(),
                &shared.sync,
                evaluation.is_ok().then_some(told),
                stop,
            );
            // Ends once the pass is done telling (its writer gone) and the
            // batches told are evaluated, or at its first failure (the pass
            // then goes on untold).
            let beside = async move {
                let mut evaluation = evaluation?;
                evaluation.batches(batches, || shared.now()).await?;
                Ok(evaluation)
            };
            let renewing = async {
                // Renewals run on tokio's timer: a lease is about real elapsed
                // time, whatever the injected sleeper does to the clock.
                let every = shared.lease_ttl / 3;
                loop {
                    tokio::time::sleep(every).await;
                    let current = held.lock().unwrap_or_else(|p| p.into_inner()).clone();
                    let Some(current) = current else { return };
                    let renewed = match shared.now() {
                        Ok(now) => {
                            shared
                                .store
                                .renew_lease(&current, now, shared.lease_ttl)
                                .await
                        }
                        Err(_) => Ok(None),
                    };
                    let next = match renewed {
                        Ok(next) => next,
                        Err(e) => {
                            tracing::warn!(error = %chain(&e), "could not renew the lease");
                            None
                        }
                    };
                    let stop = next.is_none();
                    *held.lock().unwrap_or_else(|p| p.into_inner()) = next;
                    if stop {
                        tracing::warn!("the account's lease was lost; stopping the pass");
                        lost.notify_one();
                        return;
                    }
                }
            };
            tokio::pin!(pass);
            tokio::pin!(renewing);
            tokio::pin!(beside);
            let mut renewals = true;
            let mut evaluated = None;
            let outcome = loop {
                tokio::select! {
                    r = &mut pass => break r,
                    e = &mut beside, if evaluated.is_none() => evaluated = Some(e),
                    () = &mut renewing, if renewals => renewals = false,
                }
            };
            // The pass told its last batch: those still to evaluate are, the
            // lease renewed meanwhile.
            let evaluation = match evaluated {
                Some(e) => e,
                None => loop {
                    tokio::select! {
                        e = &mut beside => break e,
                        () = &mut renewing, if renewals => renewals = false,
                    }
                },
            };
            (outcome, evaluation)
        };
        let lease = held.lock().unwrap_or_else(|p| p.into_inner()).take();
        // A whole TTL for the evaluation that follows (its commit is fenced:
        // a lease lost meanwhile commits nothing).
        let lease = match (lease, shared.now()) {
            (Some(lease), Ok(now)) => shared
                .store
                .renew_lease(&lease, now, shared.lease_ttl)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %chain(&e), "could not renew the lease");
                    None
                }),
            _ => None,
        };
        let report = match outcome {
            Ok(summary) => {
                tracing::info!(
                    asked = summary.asked,
                    answered = summary.answered,
                    failed = summary.failed,
                    interrupted = summary.interrupted,
                    "pass ended"
                );
                PassReport::Synced(summary)
            }
            Err(e) => {
                tracing::warn!(error = %chain(&e), "pass failed");
                PassReport::Failed(chain(&e))
            }
        };
        (report, lease, evaluation)
    }

    /// Evaluates the rules of `profile`'s account over what the store holds
    /// now, without a pass, under the account's lease (refused while
    /// another watcher holds it): the alert changes committed page by page,
    /// the digests queued in the outbox. Nothing is delivered.
    pub async fn evaluate(
        &self,
        plan: &WatchPlan,
        profile: &str,
    ) -> Result<EvaluationReport, WatchError> {
        plan.validate()?;
        let account = plan.find(profile).ok_or_else(|| WatchError::InvalidPlan {
            problem: format!("no account `{profile}` in the plan"),
        })?;
        let name = lease_name(profile);
        let lease = match self.acquire(&name).await? {
            Ok(lease) => lease,
            Err(holder) => return Err(WatchError::LeaseHeld { name, holder }),
        };
        let result = self.evaluate_under(plan, account, &lease).await;
        if let Err(e) = self.shared.store.release_lease(&lease).await {
            tracing::warn!(error = %chain(&e), "could not release the lease; it lapses");
        }
        result
    }

    /// Evaluates `account`'s rules over the store a page at a time,
    /// committing as it goes, fenced by `lease` (see [`Evaluation`]).
    async fn evaluate_under(
        &self,
        plan: &WatchPlan,
        account: &WatchedAccount,
        lease: &Lease,
    ) -> Result<EvaluationReport, WatchError> {
        let shared = &self.shared;
        Evaluation::begin(&shared.store, &plan.rules, account, lease, shared.page_size)
            .await?
            .finish(shared.now()?, None)
            .await
    }
}

/// The name of `profile`'s lease.
pub fn lease_name(profile: &str) -> String {
    format!("account:{profile}")
}

fn shared_cancel(cancel: impl Future<Output = ()> + Send + 'static) -> Cancel {
    let boxed: BoxFuture<'static, ()> = Box::pin(cancel);
    boxed.shared()
}

fn is_cancelled(cancel: &Cancel) -> bool {
    cancel.peek().is_some() || cancel.clone().now_or_never().is_some()
}
