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

/// Which parts of a card's latest snapshot a read fills
/// ([`crate::Store::latest_range_with_alerts`]): the figures, status,
/// included amounts and expiry always; each part below only when asked
/// for, else it reads as unknown (`None`) and is not read at all. A
/// watcher reads every card each pass, and its rules look at a few fields:
/// the others were a quarter of the cost of reading a million cards.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SnapshotParts {
    /// The ICCID and MSISDN.
    pub identifiers: bool,
    /// The operator.
    pub operator: bool,
    /// The card's kind and network state.
    pub kind_and_network: bool,
    /// The plan's name.
    pub plan_name: bool,
    /// The plan's monthly fee and overage prices.
    pub prices: bool,
    /// The plan's product and pool ids.
    pub plan_ids: bool,
}

impl SnapshotParts {
    /// Every part: the snapshot exactly as written.
    pub const ALL: Self = Self {
        identifiers: true,
        operator: true,
        kind_and_network: true,
        plan_name: true,
        prices: true,
        plan_ids: true,
    };

    /// None of the parts: the figures, status, included amounts and expiry
    /// only.
    pub const ESSENTIAL: Self = Self {
        identifiers: false,
        operator: false,
        kind_and_network: false,
        plan_name: false,
        prices: false,
        plan_ids: false,
    };

    /// What a read with these parts gives of `snapshot`: the parts not
    /// asked for made unknown.
    pub fn project(&self, snapshot: &mut CardSnapshot) {
        if !self.identifiers {
            snapshot.iccid = None;
            snapshot.msisdn = None;
        }
        if !self.operator {
            snapshot.operator = None;
        }
        if !self.kind_and_network {
            snapshot.kind = None;
            snapshot.network = None;
        }
        if let Some(plan) = snapshot.plan.as_mut() {
            if !self.plan_name {
                plan.name = None;
            }
            if !self.prices {
                plan.monthly_fee = None;
                plan.sms_overage_price = None;
                plan.data_overage_price = None;
            }
            if !self.plan_ids {
                plan.product_id = None;
                plan.pool_id = None;
            }
        }
    }

    /// `columns`, a latest snapshot's select list in the backends' shared
    /// order (four figures, then the state's columns from the ICCID to the
    /// shape), with each column of a part not asked for read as NULL.
    pub(crate) fn select(&self, columns: &str) -> String {
        columns
            .split(',')
            .enumerate()
            .map(|(i, c)| {
                if self.reads_column(i) {
                    c.trim()
                } else {
                    "NULL"
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn reads_column(&self, index: usize) -> bool {
        match index {
            4 | 5 => self.identifiers,
            6 => self.operator,
            7 | 9 => self.kind_and_network,
            10 => self.plan_name,
            11 | 13 | 15 => self.prices,
            16 | 17 => self.plan_ids,
            _ => true,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &str = "sms_used, data_used, sms_left, data_left, iccid, msisdn, operator, \
        kind, status, network, plan_name, monthly_fee, included_sms, sms_overage_price, \
        included_data, data_overage_price, product_id, pool_id, expires_at, expires_offset, shape";

    fn nulled(parts: SnapshotParts) -> Vec<&'static str> {
        let selected = parts.select(COLUMNS);
        COLUMNS
            .split(',')
            .map(str::trim)
            .zip(selected.split(", "))
            .filter(|(_, s)| *s == "NULL")
            .map(|(c, _)| c)
            .collect()
    }

    #[test]
    fn each_part_not_asked_for_reads_its_own_columns_as_null() {
        assert!(nulled(SnapshotParts::ALL).is_empty());
        assert_eq!(SnapshotParts::ALL.select(COLUMNS).split(", ").count(), 21);
        let without = |f: fn(&mut SnapshotParts)| {
            let mut parts = SnapshotParts::ALL;
            f(&mut parts);
            nulled(parts)
        };
        assert_eq!(without(|p| p.identifiers = false), ["iccid", "msisdn"]);
        assert_eq!(without(|p| p.operator = false), ["operator"]);
        assert_eq!(without(|p| p.kind_and_network = false), ["kind", "network"]);
        assert_eq!(without(|p| p.plan_name = false), ["plan_name"]);
        assert_eq!(
            without(|p| p.prices = false),
            ["monthly_fee", "sms_overage_price", "data_overage_price"]
        );
        assert_eq!(without(|p| p.plan_ids = false), ["product_id", "pool_id"]);
        assert_eq!(
            nulled(SnapshotParts::ESSENTIAL),
            [
                "iccid",
                "msisdn",
                "operator",
                "kind",
                "network",
                "plan_name",
                "monthly_fee",
                "sms_overage_price",
                "data_overage_price",
                "product_id",
                "pool_id"
            ]
        );
    }
}
