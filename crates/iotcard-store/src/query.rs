//! What the reads take and give back.

use std::time::Duration;

use chrono::NaiveDate;
use iotcard_model::{CardSnapshot, CardStatus, DataAmount, Decimal, Instant, Operator, SmsCount};

use crate::account::AccountId;

/// A card's id in the store (`cards.id`): stable for the life of the store.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct CardId(pub i64);

/// Which cards [`crate::Store::fleet`] returns. Every filter given must
/// match; an empty list means "any".
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct FleetFilter {
    /// Only these accounts' profiles.
    pub profiles: Vec<String>,
    /// Only these operators.
    pub operators: Vec<Operator>,
    /// Only these statuses (an unknown status matches its raw value).
    pub statuses: Vec<CardStatus>,
    /// Only cards whose service expires no later than `now` plus this
    /// (cards already expired included).
    pub expiring_within: Option<Duration>,
    /// Only cards that used more than this share of their quota: data used
    /// over the plan's included data, or over used plus left when the plan
    /// gives no figure. `0.8` is 80 %.
    pub used_above: Option<Decimal>,
    /// Only cards whose data used has not grown for this long (by their
    /// daily usage), that the store has known at least that long.
    pub silent_for: Option<Duration>,
}

/// A card, as the store knows it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CardInfo {
    /// Its id.
    pub id: CardId,
    /// Its account.
    pub account: AccountId,
    /// The account's profile.
    pub profile: String,
    /// The provider's key for it (the number it is asked by).
    pub key: String,
    /// Added by `iotcard inventory add` (IoTBOS, which cannot list cards).
    pub inventory: bool,
    /// Its first snapshot's time (UTC), if any.
    pub first_seen: Option<Instant>,
    /// Its latest snapshot's time (UTC), if any.
    pub last_seen: Option<Instant>,
}

/// One card's latest snapshot.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FleetCard {
    /// The card.
    pub card: CardInfo,
    /// When the snapshot was taken (UTC).
    pub taken_at: Instant,
    /// The snapshot, rebuilt exactly as written.
    pub snapshot: CardSnapshot,
}

/// One snapshot in a card's history.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HistoryEntry {
    /// When it was taken (UTC).
    pub taken_at: Instant,
    /// The snapshot, rebuilt exactly as written.
    pub snapshot: CardSnapshot,
}

/// What one card used on one day (China Standard Time).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CardDay {
    /// The card.
    pub card: CardId,
    /// The day, in China Standard Time.
    pub day: NaiveDate,
    /// Data used since the card's previous snapshot, summed over the day's
    /// snapshots; `None` until a card has two snapshots with data.
    pub data_used: Option<DataAmount>,
    /// Text messages used, the same way.
    pub sms_used: Option<SmsCount>,
    /// Snapshots taken that day.
    pub snapshots: u32,
    /// The earliest snapshot the day's figures count from (UTC): the
    /// previous day's last snapshot normally, earlier when days were
    /// missed, so a reader sees when one day's figure covers several.
    pub covers_from: Option<Instant>,
    /// A usage period restarted within the figures (a counter dropped, or
    /// an IoTBOS month ended).
    pub period_reset: bool,
}

/// What one account's cards used on one day, per data unit.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AccountDay {
    /// The account.
    pub account: AccountId,
    /// The account's profile.
    pub profile: String,
    /// The day, in China Standard Time.
    pub day: NaiveDate,
    /// Data used, summed exactly over the cards that reported it in this unit.
    pub data_used: Option<DataAmount>,
    /// Text messages used.
    pub sms_used: SmsCount,
    /// Cards with a figure that day.
    pub cards: u64,
}

/// A card's status changing, as its snapshots show it (see
/// [`crate::Store::status_changes`]).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StatusChangeRow {
    /// The card.
    pub card: CardId,
    /// The time of the first snapshot with the new status (UTC).
    pub at: Instant,
    /// The status before: the last one the card's snapshots reported.
    pub from: Option<CardStatus>,
    /// The new status.
    pub to: Option<CardStatus>,
}
