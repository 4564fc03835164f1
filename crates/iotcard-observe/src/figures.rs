//! What the watcher serves: the store's aggregates of its latest pass, the
//! in-process counters and what the health verdict measures against.

use std::collections::BTreeMap;
use std::time::Duration;

use iotcard_model::Instant;
use iotcard_store::FleetAggregates;

/// Everything a scrape, a health check or the status page reads. The
/// watcher computes it after each pass and swaps it in whole: rendering
/// never asks the store or a platform.
#[derive(Clone, Debug)]
pub struct Figures {
    /// The watcher's version (`iotcard_build_info{version}`).
    pub version: String,
    /// When the watcher started: an account not synced yet is healthy until
    /// its staleness bound has passed since then.
    pub started_at: Instant,
    /// When these figures were computed.
    pub computed_at: Instant,
    /// The store's figures as of `computed_at`.
    pub aggregates: FleetAggregates,
    /// The accounts this watcher syncs, with their intervals.
    pub watched: Vec<WatchedAccount>,
    /// Each rule's severity (`info`, `warning`, `critical`) by rule name.
    pub severities: BTreeMap<String, String>,
    /// Counters since the watcher started.
    pub counters: Counters,
    /// Whether and how many per-card series to serve.
    pub per_card: PerCardSeries,
}

/// One account the watcher syncs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct WatchedAccount {
    /// Its profile.
    pub profile: String,
    /// How often it is synced.
    pub interval: Duration,
}

impl WatchedAccount {
    /// How old its last successful sync may be before `/healthz` fails:
    /// two intervals (one pass may fail or run long without alarm) plus
    /// [`STALENESS_SLACK`] for the pass itself and the schedule's jitter.
    pub fn staleness_bound(&self) -> Duration {
        self.interval
            .saturating_mul(2)
            .saturating_add(STALENESS_SLACK)
    }
}

/// Added to two intervals in [`WatchedAccount::staleness_bound`].
pub const STALENESS_SLACK: Duration = Duration::from_secs(300);

/// Counters kept in the watcher's memory since it started.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Counters {
    /// Platform requests by account profile and call name.
    pub requests: BTreeMap<(String, String), u64>,
    /// Retried platform requests by account profile.
    pub retries: BTreeMap<String, u64>,
    /// Notifications by notifier and outcome ([`DELIVERED`], [`RETRIED`]).
    pub notifications: BTreeMap<(String, &'static str), u64>,
    /// Per-card series the cap left out, summed over every computation.
    pub card_series_dropped: u64,
}

/// A notification delivered.
pub const DELIVERED: &str = "delivered";
/// A notification that failed and was put back for a later attempt.
pub const RETRIED: &str = "retried";

/// The per-card series: off unless asked for, and capped.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PerCardSeries {
    /// Serve per-card series (`per_card_metrics = true`).
    pub enabled: bool,
    /// At most this many per-card series (`per_card_limit`).
    pub limit: u32,
}

impl Default for PerCardSeries {
    fn default() -> Self {
        Self {
            enabled: false,
            limit: DEFAULT_PER_CARD_LIMIT,
        }
    }
}

/// `per_card_limit`'s default.
pub const DEFAULT_PER_CARD_LIMIT: u32 = 10_000;

impl PerCardSeries {
    /// How many cards the store must read to fill the cap: a card with
    /// any data figure makes at least one series, so `limit` cards fill it
    /// (cards without figures among them leave it short, and the series
    /// past them count as dropped); none when off.
    pub fn rows_to_read(&self) -> u32 {
        if self.enabled {
            self.limit
        } else {
            0
        }
    }

    /// How many per-card series `aggregates` make within the cap: their
    /// cards' figures in order, at most `limit`.
    pub fn served(&self, aggregates: &FleetAggregates) -> u64 {
        if !self.enabled {
            return 0;
        }
        let read: u64 = aggregates
            .per_card
            .iter()
            .map(|c| u64::from(c.data_used.is_some()) + u64::from(c.data_left.is_some()))
            .sum();
        read.min(u64::from(self.limit))
    }

    /// How many per-card series the cap leaves out of `aggregates`: what
    /// [`Counters::card_series_dropped`] grows by when they are computed.
    /// Nothing is dropped while per-card series are off.
    pub fn dropped(&self, aggregates: &FleetAggregates) -> u64 {
        if !self.enabled {
            return 0;
        }
        let all: u64 = aggregates.usage.iter().map(|u| u.figures).sum();
        all.saturating_sub(self.served(aggregates))
    }
}
