//! Fleet-wide figures for an exporter: what `iotcard watch` serves on
//! `/metrics` and its status page, read with one `GROUP BY` per family
//! after each pass (never per scrape, never per card on the caller's side).
//!
//! Each figure counts what [`crate::Store::fleet`] returns (the latest
//! snapshot and state of every card that has one), so the two always agree.

use iotcard_model::Instant;

use crate::account::AccountId;
use crate::error::{Result, StoreError};
use crate::run::{RunCounts, RunId, RunOutcome, SyncRun};
use crate::runs::split_errors;
use crate::state::stored_instant;

/// Every figure [`crate::Store::aggregates`] reads, as of one `now`.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct FleetAggregates {
    /// Cards by account, provider, operator and status.
    pub cards: Vec<CardCount>,
    /// This period's usage summed per account.
    pub usage: Vec<AccountUsage>,
    /// Cards expiring within 7 and 30 days, per account.
    pub expiring: Vec<ExpiringCount>,
    /// Firing alerts, per account and rule.
    pub alerts: Vec<FiringAlerts>,
    /// Every account with its sync history's latest figures, by profile.
    pub syncs: Vec<AccountSync>,
    /// Notifications queued and not delivered yet.
    pub outbox_pending: u64,
    /// The first cards by profile and key, with their usage: at most the
    /// limit asked for.
    pub per_card: Vec<CardUsage>,
    /// How many cards there are in all (`per_card` holds the first of
    /// them): the difference is what a per-card cap dropped.
    pub per_card_total: u64,
}

/// How many cards share an account, operator and status.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CardCount {
    /// The account's profile.
    pub profile: String,
    /// Its provider (`iotbos`, `tencent`).
    pub provider: String,
    /// The operator's name, if known.
    pub operator: Option<String>,
    /// The status's name ([`iotcard_model::CardStatus::as_str`]), if known.
    pub status: Option<String>,
    /// How many cards.
    pub cards: u64,
}

/// This period's usage of one account's cards, summed. Amounts in
/// megabytes and in the provider's unstated unit are kept apart (see
/// [`iotcard_model::DataUnit`]); SQLite sums them as binary floating
/// point (the exact decimals are in [`crate::Store::fleet`]).
#[derive(Clone, PartialEq, Debug)]
pub struct AccountUsage {
    /// The account's profile.
    pub profile: String,
    /// Data used, in MB.
    pub data_used_mb: f64,
    /// Data left, in MB (an overrun is negative).
    pub data_left_mb: f64,
    /// Data used, in the provider's unit.
    pub data_used_provider_unit: f64,
    /// Data left, in the provider's unit.
    pub data_left_provider_unit: f64,
    /// SMS used.
    pub sms_used: i64,
    /// How many data figures (used, left) its cards report: the per-card
    /// series they would make.
    pub figures: u64,
}

/// Cards of one account whose expiry is at or before `now` + 7 days and
/// + 30 days (an expired card counts, as in `iotcard fleet --expiring-within`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ExpiringCount {
    /// The account's profile.
    pub profile: String,
    /// Within 7 days.
    pub within_7d: u64,
    /// Within 30 days.
    pub within_30d: u64,
}

/// The firing alerts of one rule on one account.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FiringAlerts {
    /// The account's profile.
    pub profile: String,
    /// The rule's name.
    pub rule: String,
    /// How many alerts (cards, plus one for an account-level alert).
    pub alerts: u64,
    /// How many of them are about a card.
    pub cards: u64,
    /// When the earliest of them fired.
    pub since: Instant,
}

/// One account and its syncs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AccountSync {
    /// The account.
    pub account: AccountId,
    /// Its profile.
    pub profile: String,
    /// Its provider.
    pub provider: String,
    /// Its endpoint's host (never a credential).
    pub endpoint_host: String,
    /// When its latest finished run ended.
    pub last_success: Option<Instant>,
    /// Its latest ended run (finished or interrupted).
    pub last_run: Option<SyncRun>,
}

/// One card's usage this period.
#[derive(Clone, PartialEq, Debug)]
pub struct CardUsage {
    /// The account's profile.
    pub profile: String,
    /// The card's key.
    pub card: String,
    /// Data used, if reported.
    pub data_used: Option<f64>,
    /// Whether `data_used` is in the provider's unit rather than MB.
    pub used_in_provider_unit: bool,
    /// Data left, if reported.
    pub data_left: Option<f64>,
    /// Whether `data_left` is in the provider's unit rather than MB.
    pub left_in_provider_unit: bool,
}

/// A run as both backends read it, before its times are checked.
pub(crate) struct StoredRun {
    pub id: i64,
    pub account: i64,
    pub profile: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub outcome: String,
    pub counts: [i64; 4],
    pub first_errors: String,
}

impl StoredRun {
    pub(crate) fn into_run(self) -> Result<SyncRun> {
        let count = |n: i64| n.max(0) as u64;
        let outcome = RunOutcome::from_name(&self.outcome)
            .ok_or_else(|| StoreError::Corrupt(format!("run outcome {:?}", self.outcome)))?;
        Ok(SyncRun {
            id: RunId(self.id),
            account: AccountId(self.account),
            profile: self.profile,
            started_at: stored_instant(self.started_at, "runs.started_at")?,
            ended_at: self
                .ended_at
                .map(|s| stored_instant(s, "runs.ended_at"))
                .transpose()?,
            outcome,
            counts: RunCounts {
                asked: count(self.counts[0]),
                answered: count(self.counts[1]),
                not_found: count(self.counts[2]),
                failed: count(self.counts[3]),
            },
            first_errors: split_errors(&self.first_errors),
        })
    }
}

/// A count read from SQL, which has no unsigned type.
pub(crate) fn count(n: i64) -> u64 {
    n.max(0) as u64
}

/// The expiry windows, in seconds after `now`.
pub(crate) const WITHIN_7D: i64 = 7 * 86_400;
/// See [`WITHIN_7D`].
pub(crate) const WITHIN_30D: i64 = 30 * 86_400;
