//! The figures a scrape, a health check and the status page read: computed
//! from the store after each pass and swapped in whole, so a request only
//! renders (never a store query, never a platform call).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use iotcard_facade::Clock;
use iotcard_model::Instant;
use iotcard_observe::{Counters, Figures, PerCardSeries, WatchedAccount};
use iotcard_store::{FleetAggregates, Store};

use crate::daemon::WatchPlan;
use crate::error::WatchError;

/// The watcher's served figures and the counters behind them. Shared
/// (`Arc`) between the watcher, which refreshes it after each pass, and the
/// HTTP server, which reads [`StatusBoard::figures`].
pub struct StatusBoard {
    store: Store,
    clock: Arc<dyn Clock>,
    per_card: PerCardSeries,
    current: RwLock<Arc<Figures>>,
    /// Serializes refreshes: two accounts' passes ending together read the
    /// store once each, one after the other, and the dropped-series
    /// counter adds up in order.
    refreshing: tokio::sync::Mutex<()>,
    notifications: Mutex<BTreeMap<(String, &'static str), u64>>,
}

impl fmt::Debug for StatusBoard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusBoard")
            .field("store", &self.store)
            .field("per_card", &self.per_card)
            .finish_non_exhaustive()
    }
}

impl StatusBoard {
    /// A board over `store`, timed by `clock` (the watcher's), for a
    /// watcher of `version`, serving per-card series as `per_card` says.
    /// Until the first [`refresh`](Self::refresh) it shows an empty fleet.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        version: impl Into<String>,
        per_card: PerCardSeries,
    ) -> Result<Self, WatchError> {
        let started_at = now(clock.as_ref())?;
        let figures = Figures {
            version: version.into(),
            started_at,
            computed_at: started_at,
            aggregates: FleetAggregates::default(),
            watched: Vec::new(),
            severities: BTreeMap::new(),
            counters: Counters::default(),
            per_card,
        };
        Ok(Self {
            store,
            clock,
            per_card,
            current: RwLock::new(Arc::new(figures)),
            refreshing: tokio::sync::Mutex::new(()),
            notifications: Mutex::new(BTreeMap::new()),
        })
    }

    /// The figures now served.
    pub fn figures(&self) -> Arc<Figures> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The board's clock, as the store keeps time.
    pub fn now(&self) -> Result<Instant, WatchError> {
        now(self.clock.as_ref())
    }

    /// Computes the figures again: the store's aggregates (one read), the
    /// plan's accounts, rules' severities and clients' request counters,
    /// and the notifications counted so far; then swaps them in.
    ///
    /// A reload builds new platform clients, whose request counters start
    /// at zero: Prometheus reads that as a counter reset.
    pub async fn refresh(&self, plan: &WatchPlan) -> Result<(), WatchError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let at = self.now()?;
        let aggregates = self
            .store
            .aggregates(at, self.per_card.rows_to_read())
            .await
            .map_err(WatchError::store("reading the fleet's figures"))?;
        let previous = self.figures();
        let mut counters = Counters {
            card_series_dropped: previous.counters.card_series_dropped
                + self.per_card.dropped(&aggregates),
            notifications: self
                .notifications
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            ..Counters::default()
        };
        for account in &plan.accounts {
            let Some(stats) = account.sync.call_stats() else {
                continue;
            };
            let profile = account.profile();
            for (call, n) in stats.requests() {
                counters
                    .requests
                    .insert((profile.to_owned(), call.to_owned()), n);
            }
            counters.retries.insert(profile.to_owned(), stats.retries());
        }
        let figures = Figures {
            version: previous.version.clone(),
            started_at: previous.started_at,
            computed_at: at,
            aggregates,
            watched: plan
                .accounts
                .iter()
                .map(|a| WatchedAccount {
                    profile: a.profile().to_owned(),
                    interval: a.interval,
                })
                .collect(),
            severities: plan
                .rules
                .rules()
                .iter()
                .map(|r| (r.name.clone(), r.severity.as_str().to_owned()))
                .collect(),
            counters,
            per_card: self.per_card,
        };
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(figures);
        Ok(())
    }

    /// Counts one notification through `notifier`: `outcome` is
    /// [`iotcard_observe::DELIVERED`] or [`iotcard_observe::RETRIED`].
    /// Served from the next refresh on.
    pub fn count_notification(&self, notifier: &str, outcome: &'static str) {
        let mut counts = self
            .notifications
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *counts.entry((notifier.to_owned(), outcome)).or_default() += 1;
    }
}

fn now(clock: &dyn Clock) -> Result<Instant, WatchError> {
    iotcard_sync::instant(clock).map_err(|_| WatchError::Clock)
}
