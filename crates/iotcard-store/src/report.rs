//! The fleet report's figures ([`ReportFigures`]): one pass over every
//! card's latest state before the period's end, tallied here in exact
//! decimals, plus the daily fleet sums and the period's sync runs.
//!
//! Both backends stream rows into the same [`Tally`], so the figures mean
//! the same whatever the store; only aggregates and bounded top lists are
//! kept, never one row per card.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use chrono::NaiveDate;
use iotcard_model::{Decimal, Instant};

use crate::daily::{date, day_of};
use crate::error::{Result, StoreError};
use crate::state::stored_instant;

/// How long each top list is at most (the top cards by data, the fullest
/// allowances, the longest silent, the soonest to expire).
pub const TOP_CARDS: usize = 20;
/// A card active but without data use for this many days is silent.
pub const SILENT_DAYS: i64 = 7;
/// The expiry windows counted, in days from the period's end.
pub const EXPIRY_WINDOWS: [i64; 3] = [30, 60, 90];
/// The histogram's upper bucket edges, in the data's unit: a card with
/// no use, then (0, 1], (1, 10], … (10 000, 100 000], then above.
pub const HISTOGRAM_EDGES: [u32; 6] = [1, 10, 100, 1_000, 10_000, 100_000];

/// What a report covers: `[since, until)` and the accounts (every
/// account when `profiles` is empty).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReportScope {
    /// The period's first instant.
    pub since: Instant,
    /// The first instant after the period.
    pub until: Instant,
    /// The accounts, by profile; empty for all.
    pub profiles: Vec<String>,
}

impl ReportScope {
    pub(crate) fn includes(&self, profile: &str) -> bool {
        self.profiles.is_empty() || self.profiles.iter().any(|p| p == profile)
    }

    /// The period's days (China Standard Time, as the daily table counts
    /// them), first and last inclusive.
    pub(crate) fn days(&self) -> (i64, i64) {
        let until = crate::store::seconds(self.until);
        (
            day_of(crate::store::seconds(self.since)),
            day_of(until.saturating_sub(1)),
        )
    }
}

/// Everything the fleet report shows, as read from the store.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct ReportFigures {
    /// Per account, by profile.
    pub accounts: Vec<AccountFigures>,
    /// Cards by account, operator and status, as of each card's latest
    /// snapshot before the period's end.
    pub cards: Vec<CardGroup>,
    /// The fleet's use per day of the period (days with data only).
    pub daily: Vec<FleetDay>,
    /// The distribution of per-card data use in the period.
    pub histogram: Vec<UsageBucket>,
    /// The top cards by data used in the period, most first.
    pub top_data: Vec<TopCard>,
    /// The cards at 80% of their allowance or more, fullest first.
    pub over_allowance: Vec<AllowanceCard>,
    /// Active cards silent for [`SILENT_DAYS`] or more, longest first.
    pub silent: Vec<SilentCard>,
    /// Cards expiring within the longest window, soonest first.
    pub expiring: Vec<ExpiringCard>,
    /// Sync health per account.
    pub sync: Vec<SyncHealth>,
}

/// One account's figures.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct AccountFigures {
    /// The account's profile.
    pub profile: String,
    /// `iotbos` or `tencent`.
    pub provider: String,
    /// Cards with a snapshot before the period's end.
    pub cards: u64,
    /// Cards first seen in the period.
    pub added: u64,
    /// Cards seen before but not in the account's last finished sync of
    /// the period.
    pub gone: u64,
    /// Data used in the period, in MB.
    pub data_used_mb: Decimal,
    /// Data used in the period, in the provider's unstated unit.
    pub data_used_provider_unit: Decimal,
    /// SMS used in the period.
    pub sms_used: i64,
    /// Cards at 80% of their allowance or more.
    pub over_80: u64,
    /// Cards at 100% of their allowance or more.
    pub over_100: u64,
    /// Active cards silent for [`SILENT_DAYS`] or more.
    pub silent: u64,
    /// Cards expiring within each of [`EXPIRY_WINDOWS`] after the period.
    pub expiring: [u64; 3],
    /// What the cards cost at the plans' prices.
    pub cost: Cost,
}

/// An account's cost at the plans' prices, exact (rounded to the cent
/// only in `total`).
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Cost {
    /// The monthly fees.
    pub fees: Decimal,
    /// Data over the allowance at the plan's overage price.
    pub data_overage: Decimal,
    /// SMS over the allowance at the plan's overage price.
    pub sms_overage: Decimal,
    /// Cards whose plan has a monthly fee.
    pub priced_cards: u64,
    /// Cards whose plan states no price.
    pub unpriced_cards: u64,
}

impl Cost {
    /// Fees plus overage, to the cent (half away from zero).
    pub fn total(&self) -> Decimal {
        (self.fees + self.data_overage + self.sms_overage)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    }
}

/// Cards of one account, operator and status.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CardGroup {
    /// The account's profile.
    pub profile: String,
    /// The operator, if known.
    pub operator: Option<String>,
    /// The status, if known.
    pub status: Option<String>,
    /// How many.
    pub cards: u64,
}

/// The fleet's use on one day.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FleetDay {
    /// The day (China Standard Time).
    pub day: NaiveDate,
    /// Data in MB.
    pub data_used_mb: Decimal,
    /// Data in the provider's unit.
    pub data_used_provider_unit: Decimal,
    /// SMS.
    pub sms_used: i64,
}

/// One histogram bucket: cards whose use in the period is in
/// `(lower, upper]` (`upper` `None`: above `lower`; both `None`: no use).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UsageBucket {
    /// The lower edge, exclusive.
    pub lower: Option<u32>,
    /// The upper edge, inclusive.
    pub upper: Option<u32>,
    /// Cards counted in MB.
    pub cards_mb: u64,
    /// Cards counted in the provider's unit.
    pub cards_provider_unit: u64,
}

/// A card in the top list by data used.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TopCard {
    /// The account's profile.
    pub profile: String,
    /// The card's number.
    pub card: String,
    /// Data used in the period.
    pub data_used: Decimal,
    /// Whether in the provider's unit (else MB).
    pub in_provider_unit: bool,
}

/// A card at 80% of its allowance or more.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AllowanceCard {
    /// The account's profile.
    pub profile: String,
    /// The card's number.
    pub card: String,
    /// Used in the current billing period (the platform's counter).
    pub used: Decimal,
    /// The plan's allowance, in the same unit.
    pub included: Decimal,
    /// `used / included × 100`, to one decimal.
    pub percent: Decimal,
}

/// An active card without data use for [`SILENT_DAYS`] or more.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SilentCard {
    /// The account's profile.
    pub profile: String,
    /// The card's number.
    pub card: String,
    /// The last day it used data, if it ever did in the kept history.
    pub last_used: Option<NaiveDate>,
}

/// A card expiring soon after the period.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ExpiringCard {
    /// The account's profile.
    pub profile: String,
    /// The card's number.
    pub card: String,
    /// When it expires.
    pub expires_at: Instant,
}

/// One account's syncs in the period.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SyncHealth {
    /// The account's profile.
    pub profile: String,
    /// Finished syncs.
    pub passes: u64,
    /// Interrupted syncs.
    pub failures: u64,
    /// Cards the finished syncs asked for but got no answer.
    pub cards_failed: u64,
    /// The longest time between two finished syncs' ends, in seconds.
    pub longest_gap_seconds: Option<i64>,
}

/// One card as both backends read it: its latest snapshot and state
/// before the period's end, and its daily rows in the period.
pub(crate) struct CardRow {
    pub account: i64,
    pub card: String,
    pub operator: Option<String>,
    pub status: Option<String>,
    pub first_seen: Option<i64>,
    pub taken_at: i64,
    pub data_used: Option<Decimal>,
    pub used_in_provider_unit: bool,
    pub sms_used: Option<i64>,
    pub included_data: Option<Decimal>,
    pub included_in_provider_unit: bool,
    pub monthly_fee: Option<Decimal>,
    pub data_overage_price: Option<Decimal>,
    pub included_sms: Option<i64>,
    pub sms_overage_price: Option<Decimal>,
    pub expires_at: Option<i64>,
    /// Data used in the period (the daily rows' sum).
    pub period_data: Option<Decimal>,
    pub period_data_in_provider_unit: bool,
    pub period_sms: Option<i64>,
    /// The last day up to the period's end with data use.
    pub last_used_day: Option<i64>,
}

/// One account, as both backends read it.
pub(crate) struct AccountRow {
    pub id: i64,
    pub profile: String,
    pub provider: String,
    /// The start of the account's last finished sync in the period.
    pub last_pass_started: Option<i64>,
}

/// One sync run in the period.
pub(crate) struct RunRow {
    pub account: i64,
    pub ended_at: Option<i64>,
    pub finished: bool,
    pub failed: i64,
}

/// A bounded list of the `TOP_CARDS` greatest by `K`.
struct Top<K: Ord, T> {
    heap: BinaryHeap<Reverse<(K, Ordered<T>)>>,
}

/// Rows compare by key only (ties keep any order; the list is sorted by
/// key and card at the end).
struct Ordered<T>(T);
impl<T> PartialEq for Ordered<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<T> Eq for Ordered<T> {}
impl<T> PartialOrd for Ordered<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Ordered<T> {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl<K: Ord + Clone, T> Top<K, T> {
    fn new() -> Self {
        Top {
            heap: BinaryHeap::with_capacity(TOP_CARDS + 1),
        }
    }

    fn offer(&mut self, key: K, item: impl FnOnce() -> T) {
        if self.heap.len() == TOP_CARDS {
            match self.heap.peek() {
                Some(Reverse((least, _))) if *least >= key => return,
                _ => {}
            }
        }
        self.heap.push(Reverse((key, Ordered(item()))));
        if self.heap.len() > TOP_CARDS {
            self.heap.pop();
        }
    }

    /// Greatest first.
    fn into_sorted(self) -> Vec<T> {
        let mut rows: Vec<_> = self.heap.into_iter().map(|Reverse(r)| r).collect();
        rows.sort_by(|a, b| b.0.cmp(&a.0));
        rows.into_iter().map(|(_, Ordered(t))| t).collect()
    }
}

/// The running tally of one report read.
pub(crate) struct Tally {
    scope: ReportScope,
    until: i64,
    until_day: i64,
    accounts: BTreeMap<i64, (AccountRow, AccountFigures)>,
    groups: BTreeMap<(i64, Option<String>, Option<String>), u64>,
    histogram: Vec<UsageBucket>,
    top_data: Top<(Decimal, Reverse<String>), TopCard>,
    over: Top<(Decimal, Reverse<String>), AllowanceCard>,
    silent: Top<(Reverse<i64>, Reverse<String>), SilentCard>,
    expiring: Top<(Reverse<i64>, Reverse<String>), ExpiringCard>,
}

impl Tally {
    pub(crate) fn new(scope: &ReportScope, accounts: Vec<AccountRow>) -> Self {
        let mut histogram = vec![UsageBucket {
            lower: None,
            upper: None,
            cards_mb: 0,
            cards_provider_unit: 0,
        }];
        let mut lower = 0;
        for edge in HISTOGRAM_EDGES {
            histogram.push(UsageBucket {
                lower: Some(lower),
                upper: Some(edge),
                cards_mb: 0,
                cards_provider_unit: 0,
            });
            lower = edge;
        }
        histogram.push(UsageBucket {
            lower: Some(lower),
            upper: None,
            cards_mb: 0,
            cards_provider_unit: 0,
        });
        let accounts = accounts
            .into_iter()
            .filter(|a| scope.includes(&a.profile))
            .map(|a| {
                let figures = AccountFigures {
                    profile: a.profile.clone(),
                    provider: a.provider.clone(),
                    cards: 0,
                    added: 0,
                    gone: 0,
                    data_used_mb: Decimal::ZERO,
                    data_used_provider_unit: Decimal::ZERO,
                    sms_used: 0,
                    over_80: 0,
                    over_100: 0,
                    silent: 0,
                    expiring: [0; 3],
                    cost: Cost::default(),
                };
                (a.id, (a, figures))
            })
            .collect();
        let until = crate::store::seconds(scope.until);
        Tally {
            scope: scope.clone(),
            until,
            until_day: scope.days().1,
            accounts,
            groups: BTreeMap::new(),
            histogram,
            top_data: Top::new(),
            over: Top::new(),
            silent: Top::new(),
            expiring: Top::new(),
        }
    }

    /// Whether the tally counts this account's cards (the scope's).
    pub(crate) fn wants(&self, account: i64) -> bool {
        self.accounts.contains_key(&account)
    }

    pub(crate) fn add(&mut self, row: CardRow) -> Result<()> {
        let Some((account, figures)) = self.accounts.get_mut(&row.account) else {
            return Ok(());
        };
        let since = crate::store::seconds(self.scope.since);
        figures.cards += 1;
        if row.first_seen.is_some_and(|s| s >= since && s < self.until) {
            figures.added += 1;
        }
        if account.last_pass_started.is_some_and(|p| row.taken_at < p) {
            figures.gone += 1;
        }
        *self
            .groups
            .entry((row.account, row.operator.clone(), row.status.clone()))
            .or_default() += 1;

        // Use in the period: the daily rows' sum, in their unit (a card
        // without one is counted in its latest snapshot's).
        let period = row.period_data.unwrap_or(Decimal::ZERO);
        let in_provider_unit = if row.period_data.is_some() {
            row.period_data_in_provider_unit
        } else {
            row.used_in_provider_unit
        };
        if in_provider_unit {
            figures.data_used_provider_unit += period;
        } else {
            figures.data_used_mb += period;
        }
        figures.sms_used += row.period_sms.unwrap_or(0);
        let bucket = bucket_of(period);
        if in_provider_unit {
            self.histogram[bucket].cards_provider_unit += 1;
        } else {
            self.histogram[bucket].cards_mb += 1;
        }
        if period > Decimal::ZERO {
            let profile = &account.profile;
            let card = &row.card;
            self.top_data
                .offer((period, Reverse(card.clone())), || TopCard {
                    profile: profile.clone(),
                    card: card.clone(),
                    data_used: period,
                    in_provider_unit,
                });
        }

        // The allowance, on the platform's own counter and in its unit.
        if let (Some(used), Some(included)) = (row.data_used, row.included_data) {
            if included > Decimal::ZERO
                && row.used_in_provider_unit == row.included_in_provider_unit
            {
                let ratio = used / included;
                if ratio >= Decimal::new(8, 1) {
                    figures.over_80 += 1;
                    if ratio >= Decimal::ONE {
                        figures.over_100 += 1;
                    }
                    let percent = (ratio * Decimal::ONE_HUNDRED).round_dp_with_strategy(
                        1,
                        rust_decimal::RoundingStrategy::MidpointAwayFromZero,
                    );
                    let profile = &account.profile;
                    let card = &row.card;
                    self.over
                        .offer((ratio, Reverse(card.clone())), || AllowanceCard {
                            profile: profile.clone(),
                            card: card.clone(),
                            used,
                            included,
                            percent,
                        });
                }
            }
        }

        if row.status.as_deref() == Some("active")
            && row
                .last_used_day
                .is_none_or(|d| self.until_day - d >= SILENT_DAYS)
        {
            figures.silent += 1;
            let profile = &account.profile;
            let card = &row.card;
            let last = row.last_used_day;
            self.silent.offer(
                (Reverse(last.unwrap_or(i64::MIN)), Reverse(card.clone())),
                || SilentCard {
                    profile: profile.clone(),
                    card: card.clone(),
                    last_used: last.and_then(date),
                },
            );
        }

        if let Some(expires) = row.expires_at.filter(|e| *e >= self.until) {
            let left = expires - self.until;
            for (count, days) in figures.expiring.iter_mut().zip(EXPIRY_WINDOWS) {
                if left <= days * 86_400 {
                    *count += 1;
                }
            }
            if left <= EXPIRY_WINDOWS[2] * 86_400 {
                let expires_at = stored_instant(expires, "card_state.expires_at")?;
                let profile = &account.profile;
                let card = &row.card;
                self.expiring
                    .offer((Reverse(expires), Reverse(card.clone())), || ExpiringCard {
                        profile: profile.clone(),
                        card: card.clone(),
                        expires_at,
                    });
            }
        }

        // Cost: the monthly fee, plus overage at the plan's prices.
        match row.monthly_fee {
            Some(fee) => {
                let cost = &mut figures.cost;
                cost.priced_cards += 1;
                cost.fees += fee;
                if let (Some(used), Some(included), Some(price)) =
                    (row.data_used, row.included_data, row.data_overage_price)
                {
                    if used > included && row.used_in_provider_unit == row.included_in_provider_unit
                    {
                        cost.data_overage += (used - included) * price;
                    }
                }
                if let (Some(used), Some(included), Some(price)) =
                    (row.sms_used, row.included_sms, row.sms_overage_price)
                {
                    if used > included {
                        cost.sms_overage += Decimal::from(used - included) * price;
                    }
                }
            }
            None => figures.cost.unpriced_cards += 1,
        }
        Ok(())
    }

    pub(crate) fn finish(self, daily: Vec<FleetDay>, runs: Vec<RunRow>) -> ReportFigures {
        let profile_of = |id: i64| self.accounts.get(&id).map(|(a, _)| a.profile.clone());
        let cards = self
            .groups
            .iter()
            .filter_map(|((account, operator, status), cards)| {
                Some(CardGroup {
                    profile: profile_of(*account)?,
                    operator: operator.clone(),
                    status: status.clone(),
                    cards: *cards,
                })
            })
            .collect();
        let mut sync: BTreeMap<i64, (SyncHealth, Option<i64>)> = self
            .accounts
            .iter()
            .map(|(id, (a, _))| {
                (
                    *id,
                    (
                        SyncHealth {
                            profile: a.profile.clone(),
                            passes: 0,
                            failures: 0,
                            cards_failed: 0,
                            longest_gap_seconds: None,
                        },
                        None,
                    ),
                )
            })
            .collect();
        // Runs come in start order per account.
        for run in runs {
            let Some((health, last_end)) = sync.get_mut(&run.account) else {
                continue;
            };
            if !run.finished {
                health.failures += 1;
                continue;
            }
            health.passes += 1;
            health.cards_failed += run.failed.max(0) as u64;
            if let Some(end) = run.ended_at {
                if let Some(previous) = *last_end {
                    let gap = end - previous;
                    health.longest_gap_seconds =
                        Some(health.longest_gap_seconds.map_or(gap, |g: i64| g.max(gap)));
                }
                *last_end = Some(end);
            }
        }
        let mut accounts: Vec<AccountFigures> =
            self.accounts.into_values().map(|(_, f)| f).collect();
        accounts.sort_by(|a, b| a.profile.cmp(&b.profile));
        let mut sync: Vec<SyncHealth> = sync.into_values().map(|(h, _)| h).collect();
        sync.sort_by(|a, b| a.profile.cmp(&b.profile));
        let mut cards: Vec<CardGroup> = cards;
        cards.sort_by(|a, b| {
            (&a.profile, &a.operator, &a.status).cmp(&(&b.profile, &b.operator, &b.status))
        });
        ReportFigures {
            accounts,
            cards,
            daily,
            histogram: self.histogram,
            top_data: self.top_data.into_sorted(),
            over_allowance: self.over.into_sorted(),
            silent: self.silent.into_sorted(),
            expiring: self.expiring.into_sorted(),
            sync,
        }
    }
}

/// The histogram bucket of a use: 0 for none, then by [`HISTOGRAM_EDGES`].
fn bucket_of(used: Decimal) -> usize {
    if used <= Decimal::ZERO {
        return 0;
    }
    1 + HISTOGRAM_EDGES
        .iter()
        .position(|edge| used <= Decimal::from(*edge))
        .unwrap_or(HISTOGRAM_EDGES.len())
}

/// Sums of decimals read as integers of millionths (SQLite has no exact
/// decimal sum): back to the exact decimal.
pub(crate) fn from_millionths(millionths: i64) -> Decimal {
    Decimal::new(millionths, 6).normalize()
}

/// A day number from the store as a date.
pub(crate) fn stored_date(day: i64) -> Result<NaiveDate> {
    date(day).ok_or_else(|| StoreError::Corrupt(format!("daily.day {day} is not a date")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_edges() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(bucket_of(d("0")), 0);
        assert_eq!(bucket_of(d("0.001")), 1);
        assert_eq!(bucket_of(d("1")), 1);
        assert_eq!(bucket_of(d("1.5")), 2);
        assert_eq!(bucket_of(d("100000")), 6);
        assert_eq!(bucket_of(d("100000.01")), 7);
    }

    #[test]
    fn a_top_list_keeps_the_greatest() {
        let mut top = Top::new();
        for n in 0..100i64 {
            top.offer(n % 37, || n);
        }
        let kept = top.into_sorted();
        assert_eq!(kept.len(), TOP_CARDS);
        assert_eq!(kept[0] % 37, 36);
        assert!(kept.windows(2).all(|w| w[0] % 37 >= w[1] % 37));
    }
}
