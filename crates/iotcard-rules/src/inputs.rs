//! What the rules look at: provider-neutral, as the store can give it.

use chrono::NaiveDate;
use iotcard_model::{CardSnapshot, CardStatus, DataAmount, Instant, SmsCount};
use serde::{Deserialize, Serialize};

/// Everything one evaluation looks at: some accounts, each with its cards.
///
/// An evaluation changes the alerts of the accounts listed only; alerts of
/// other accounts are kept as they are.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Inputs {
    /// The accounts, each profile once.
    pub accounts: Vec<AccountInput>,
}

/// How a provider's usage period runs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PeriodKind {
    /// The calendar month in China Standard Time (IoTBOS "当月"): a
    /// snapshot taken in an earlier month describes a finished period, so
    /// the current one has used nothing yet.
    #[default]
    CalendarMonth,
    /// The platform reports the period's figures (Tencent
    /// `data_used_in_period`); a new period shows as usage dropping.
    /// Forecasts take the calendar month's end in China Standard Time as
    /// the period's end.
    Reported,
}

impl PeriodKind {
    /// The period of a provider by its name: `iotbos` runs by calendar
    /// month, anything else reports its own.
    pub fn for_provider(provider: &str) -> Self {
        if provider.eq_ignore_ascii_case("iotbos") {
            PeriodKind::CalendarMonth
        } else {
            PeriodKind::Reported
        }
    }
}

/// One account (one configuration profile) and its cards.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountInput {
    /// The configuration profile's name; alerts are keyed by it.
    pub profile: String,
    /// `iotbos`, `tencent`, …
    pub provider: String,
    /// How the provider's usage period runs.
    pub period: PeriodKind,
    /// The account's syncs.
    pub sync: SyncInfo,
    /// The cards, each key once (a key listed twice would be evaluated
    /// twice, its second entry seeing what the first left).
    pub cards: Vec<CardInput>,
    /// `true` when `cards` is only some of the account's cards (an
    /// evaluation in chunks): alerts of cards not listed are then kept, and
    /// [`crate::resolve_absent`] resolves those of cards gone once every
    /// chunk is through.
    /// When `false`, an alert of a card not listed (gone, or out of a
    /// rule's scope) resolves.
    pub partial: bool,
}

/// What the store knows of an account's syncs.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncInfo {
    /// When the last successful pass ended.
    pub last_success: Option<Instant>,
    /// The last pass, successful or not.
    pub last_pass: Option<PassOutcome>,
}

/// How one sync pass went.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PassOutcome {
    /// When it ended.
    pub ended_at: Instant,
    /// Cards asked.
    pub asked: u64,
    /// Cards answered.
    pub answered: u64,
    /// Cards whose call failed.
    pub failed: u64,
}

/// One card: its latest snapshot and what the history adds.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CardInput {
    /// The provider's key for the card (the number it is asked by);
    /// alerts are keyed by it.
    pub key: String,
    /// Inventory tags.
    pub tags: Vec<String>,
    /// When the latest snapshot was taken; `None` when the card has none
    /// (every card rule then leaves its alerts as they are).
    pub taken_at: Option<Instant>,
    /// The latest snapshot (status, usage, remaining, plan, expiry).
    pub snapshot: CardSnapshot,
    /// Recent daily usage, oldest first, one entry a day at most (days in
    /// China Standard Time). `forecast` reads its rate here, `silent` and
    /// `spike` their days.
    pub days: Vec<DayUsage>,
    /// Recent status changes, oldest first; `status` rules with `from` or
    /// `to` read the latest.
    pub status_changes: Vec<StatusChange>,
}

/// What a card used on one day (China Standard Time), as the store's
/// `CardDay` gives it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct DayUsage {
    /// The day, in China Standard Time.
    pub day: NaiveDate,
    /// Data used that day; `None` when not known.
    #[serde(default)]
    pub data_used: Option<DataAmount>,
    /// Text messages used that day.
    #[serde(default)]
    pub sms_used: Option<SmsCount>,
    /// A usage period restarted within the day's figures.
    #[serde(default)]
    pub period_reset: bool,
}

/// A card's status changed.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct StatusChange {
    /// When the change was first seen.
    pub at: Instant,
    /// The status before (`None` when it was not known).
    pub from: Option<CardStatus>,
    /// The status after.
    pub to: Option<CardStatus>,
}
