//! The report as one value: the store's figures for a period, arranged
//! by section, every amount an exact decimal string. Each output format
//! (JSON, Markdown, CSV, HTML) prints these very strings, so a figure
//! reads the same in all of them.

use std::collections::BTreeMap;

use iotcard_model::{china_standard_time, Decimal, Instant};
use iotcard_store::{ReportFigures, EXPIRY_WINDOWS, SILENT_DAYS, TOP_CARDS};
use serde::{Deserialize, Serialize};

use crate::period::Period;

/// The fleet report. Its JSON form has the top-level keys `period`,
/// `fleet`, `usage`, `attention`, `cost` and `sync`.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// What it covers.
    pub period: PeriodFigures,
    /// Cards by account, operator and status; added and gone.
    pub fleet: Fleet,
    /// Data and SMS used.
    pub usage: Usage,
    /// The cards to look at.
    pub attention: Attention,
    /// What the fleet costs at the plans' prices.
    pub cost: Cost,
    /// Sync health per account.
    pub sync: Vec<AccountSync>,
}

/// The period, as printed.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PeriodFigures {
    /// `2026-11`, or the two instants.
    pub label: String,
    /// The first instant (RFC 3339).
    pub since: String,
    /// The first instant after the period (RFC 3339).
    pub until: String,
    /// The accounts reported on, by profile.
    pub accounts: Vec<String>,
    /// When the report was made (RFC 3339).
    pub generated_at: String,
}

/// Cards by account, operator and status.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Fleet {
    /// Every card with a snapshot before the period's end.
    pub cards: u64,
    /// First seen in the period.
    pub added: u64,
    /// Seen before, but not in its account's last sync of the period.
    pub gone: u64,
    /// Per account.
    pub by_account: Vec<AccountCards>,
    /// Per operator (`unknown` when the platform does not say).
    pub by_operator: Vec<Count>,
    /// Per status (`unknown` when the platform does not say).
    pub by_status: Vec<Count>,
    /// Per account, operator and status.
    pub groups: Vec<Group>,
}

/// One account's cards.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AccountCards {
    /// The profile.
    pub account: String,
    /// `iotbos` or `tencent`.
    pub provider: String,
    /// Cards.
    pub cards: u64,
    /// First seen in the period.
    pub added: u64,
    /// Not in the last sync of the period.
    pub gone: u64,
}

/// A count by name.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Count {
    /// The operator or status.
    pub name: String,
    /// Cards.
    pub cards: u64,
}

/// Cards of one account, operator and status.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Group {
    /// The profile.
    pub account: String,
    /// The operator.
    pub operator: String,
    /// The status.
    pub status: String,
    /// Cards.
    pub cards: u64,
}

/// Data and SMS used in the period. IoTBOS states no unit for its data
/// figures, so they are summed apart from the MB ones, never converted.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Usage {
    /// Data in MB.
    pub data_used_mb: String,
    /// Data in the provider's unstated unit (IoTBOS).
    pub data_used_provider_unit: String,
    /// SMS.
    pub sms_used: i64,
    /// Per account.
    pub by_account: Vec<AccountUsage>,
    /// The fleet per day (China Standard Time), days with data only.
    pub daily: Vec<Day>,
    /// Cards by their use in the period, in decades.
    pub histogram: Vec<Bucket>,
}

/// One account's use.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AccountUsage {
    /// The profile.
    pub account: String,
    /// Data in MB.
    pub data_used_mb: String,
    /// Data in the provider's unit.
    pub data_used_provider_unit: String,
    /// SMS.
    pub sms_used: i64,
}

/// The fleet's use on one day.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Data in MB.
    pub data_used_mb: String,
    /// Data in the provider's unit.
    pub data_used_provider_unit: String,
    /// SMS.
    pub sms_used: i64,
}

/// Cards whose use is in `(lower, upper]`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Bucket {
    /// `none`, `0–1`, `1–10`, … `>100000`.
    pub label: String,
    /// Counted in MB.
    pub cards_mb: u64,
    /// Counted in the provider's unit.
    pub cards_provider_unit: u64,
}

/// The cards to look at.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Attention {
    /// How long the top lists are at most.
    pub top_limit: usize,
    /// The top cards by data used in the period.
    pub top_data: Vec<TopCard>,
    /// Cards at 80% of their allowance or more.
    pub over_80: u64,
    /// Cards at 100% or more.
    pub over_100: u64,
    /// The fullest of them.
    pub over_allowance: Vec<AllowanceCard>,
    /// Days without data use after which an active card is silent.
    pub silent_days: i64,
    /// Active cards silent that long.
    pub silent: u64,
    /// The longest silent.
    pub silent_cards: Vec<SilentCard>,
    /// Cards expiring within 30, 60 and 90 days after the period.
    pub expiring: Vec<Expiring>,
    /// The soonest to expire.
    pub expiring_cards: Vec<ExpiringCard>,
    /// Per account.
    pub by_account: Vec<AccountAttention>,
}

/// A card by data used.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct TopCard {
    /// The profile.
    pub account: String,
    /// The card.
    pub card: String,
    /// Used in the period.
    pub data_used: String,
    /// `MB` or `provider unit`.
    pub unit: String,
}

/// A card near or over its allowance.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AllowanceCard {
    /// The profile.
    pub account: String,
    /// The card.
    pub card: String,
    /// Used in the billing period (the platform's counter).
    pub used: String,
    /// The allowance.
    pub included: String,
    /// Percent of the allowance used.
    pub percent: String,
}

/// A silent card.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SilentCard {
    /// The profile.
    pub account: String,
    /// The card.
    pub card: String,
    /// The last day with data use, or `never` in the kept history.
    pub last_used: String,
}

/// Cards expiring within a window.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Expiring {
    /// The window, in days after the period's end.
    pub within_days: i64,
    /// Cards.
    pub cards: u64,
}

/// A card expiring soon.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ExpiringCard {
    /// The profile.
    pub account: String,
    /// The card.
    pub card: String,
    /// When, in China Standard Time (`YYYY-MM-DD HH:MM`).
    pub expires_at: String,
}

/// One account's attention counts.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AccountAttention {
    /// The profile.
    pub account: String,
    /// At 80% of the allowance or more.
    pub over_80: u64,
    /// At 100% or more.
    pub over_100: u64,
    /// Silent.
    pub silent: u64,
    /// Expiring within 30 / 60 / 90 days.
    pub expiring_30: u64,
    /// Within 60 days.
    pub expiring_60: u64,
    /// Within 90 days.
    pub expiring_90: u64,
}

/// The cost at the plans' prices, in yuan.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Cost {
    /// `CNY`.
    pub currency: String,
    /// The priced accounts' totals, summed (each already to the cent).
    pub total: String,
    /// Per account.
    pub by_account: Vec<AccountCost>,
}

/// One account's cost.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AccountCost {
    /// The profile.
    pub account: String,
    /// `iotbos` or `tencent`.
    pub provider: String,
    /// Whether any of its cards has a price.
    pub priced: bool,
    /// Monthly fees, exact.
    pub fees: String,
    /// Data overage, exact.
    pub data_overage: String,
    /// SMS overage, exact.
    pub sms_overage: String,
    /// The sum, to the cent.
    pub total: String,
    /// Cards with a price.
    pub priced_cards: u64,
    /// Cards without.
    pub unpriced_cards: u64,
    /// Why a figure is missing, in plain words; empty when none is.
    pub note: String,
}

/// One account's syncs in the period.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AccountSync {
    /// The profile.
    pub account: String,
    /// Finished syncs.
    pub passes: u64,
    /// Interrupted syncs.
    pub failures: u64,
    /// Cards the finished syncs got no answer for.
    pub cards_failed: u64,
    /// The longest time between two finished syncs, in seconds.
    pub longest_gap_seconds: Option<i64>,
    /// The same, for people (`5 h 30 min`); `–` with fewer than two syncs.
    pub longest_gap: String,
}

/// A decimal as the CLI prints amounts: exact, no exponent, trailing
/// zeros kept as the figure had them.
fn text(d: Decimal) -> String {
    d.to_string()
}

fn unknown(name: &Option<String>) -> String {
    name.clone().unwrap_or_else(|| "unknown".into())
}

fn gap(seconds: i64) -> String {
    let minutes = seconds / 60;
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes} min"),
        (0, _) => format!("{hours} h {minutes} min"),
        _ => format!("{days} d {hours} h"),
    }
}

impl Report {
    /// The report of `figures` (from [`iotcard_store::Store::report`]) over
    /// `period`, made at `generated_at`.
    pub fn new(period: &Period, figures: &ReportFigures, generated_at: Instant) -> Self {
        let cst = china_standard_time();
        let accounts = &figures.accounts;
        let sum = |f: &dyn Fn(&iotcard_store::AccountFigures) -> u64| accounts.iter().map(f).sum();
        let mut by_operator: BTreeMap<String, u64> = BTreeMap::new();
        let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
        for g in &figures.cards {
            *by_operator.entry(unknown(&g.operator)).or_default() += g.cards;
            *by_status.entry(unknown(&g.status)).or_default() += g.cards;
        }
        let counts = |m: BTreeMap<String, u64>| {
            let mut v: Vec<Count> = m
                .into_iter()
                .map(|(name, cards)| Count { name, cards })
                .collect();
            v.sort_by(|a, b| b.cards.cmp(&a.cards).then_with(|| a.name.cmp(&b.name)));
            v
        };
        let fleet = Fleet {
            cards: sum(&|a| a.cards),
            added: sum(&|a| a.added),
            gone: sum(&|a| a.gone),
            by_account: accounts
                .iter()
                .map(|a| AccountCards {
                    account: a.profile.clone(),
                    provider: a.provider.clone(),
                    cards: a.cards,
                    added: a.added,
                    gone: a.gone,
                })
                .collect(),
            by_operator: counts(by_operator),
            by_status: counts(by_status),
            groups: figures
                .cards
                .iter()
                .map(|g| Group {
                    account: g.profile.clone(),
                    operator: unknown(&g.operator),
                    status: unknown(&g.status),
                    cards: g.cards,
                })
                .collect(),
        };
        let usage = Usage {
            data_used_mb: text(accounts.iter().map(|a| a.data_used_mb).sum()),
            data_used_provider_unit: text(accounts.iter().map(|a| a.data_used_provider_unit).sum()),
            sms_used: accounts.iter().map(|a| a.sms_used).sum(),
            by_account: accounts
                .iter()
                .map(|a| AccountUsage {
                    account: a.profile.clone(),
                    data_used_mb: text(a.data_used_mb),
                    data_used_provider_unit: text(a.data_used_provider_unit),
                    sms_used: a.sms_used,
                })
                .collect(),
            daily: figures
                .daily
                .iter()
                .map(|d| Day {
                    day: d.day.to_string(),
                    data_used_mb: text(d.data_used_mb),
                    data_used_provider_unit: text(d.data_used_provider_unit),
                    sms_used: d.sms_used,
                })
                .collect(),
            histogram: figures
                .histogram
                .iter()
                .map(|b| Bucket {
                    label: match (b.lower, b.upper) {
                        (None, _) => "none".into(),
                        (Some(l), Some(u)) => format!("{l}–{u}"),
                        (Some(l), None) => format!(">{l}"),
                    },
                    cards_mb: b.cards_mb,
                    cards_provider_unit: b.cards_provider_unit,
                })
                .collect(),
        };
        let attention = Attention {
            top_limit: TOP_CARDS,
            top_data: figures
                .top_data
                .iter()
                .map(|c| TopCard {
                    account: c.profile.clone(),
                    card: c.card.clone(),
                    data_used: text(c.data_used),
                    unit: if c.in_provider_unit {
                        "provider unit"
                    } else {
                        "MB"
                    }
                    .into(),
                })
                .collect(),
            over_80: sum(&|a| a.over_80),
            over_100: sum(&|a| a.over_100),
            over_allowance: figures
                .over_allowance
                .iter()
                .map(|c| AllowanceCard {
                    account: c.profile.clone(),
                    card: c.card.clone(),
                    used: text(c.used),
                    included: text(c.included),
                    percent: text(c.percent),
                })
                .collect(),
            silent_days: SILENT_DAYS,
            silent: sum(&|a| a.silent),
            silent_cards: figures
                .silent
                .iter()
                .map(|c| SilentCard {
                    account: c.profile.clone(),
                    card: c.card.clone(),
                    last_used: c
                        .last_used
                        .map_or_else(|| "never".into(), |d| d.to_string()),
                })
                .collect(),
            expiring: EXPIRY_WINDOWS
                .iter()
                .enumerate()
                .map(|(i, days)| Expiring {
                    within_days: *days,
                    cards: accounts.iter().map(|a| a.expiring[i]).sum(),
                })
                .collect(),
            expiring_cards: figures
                .expiring
                .iter()
                .map(|c| ExpiringCard {
                    account: c.profile.clone(),
                    card: c.card.clone(),
                    expires_at: c
                        .expires_at
                        .with_timezone(&cst)
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                })
                .collect(),
            by_account: accounts
                .iter()
                .map(|a| AccountAttention {
                    account: a.profile.clone(),
                    over_80: a.over_80,
                    over_100: a.over_100,
                    silent: a.silent,
                    expiring_30: a.expiring[0],
                    expiring_60: a.expiring[1],
                    expiring_90: a.expiring[2],
                })
                .collect(),
        };
        let by_account: Vec<AccountCost> = accounts
            .iter()
            .map(|a| {
                let c = &a.cost;
                let priced = c.priced_cards > 0;
                let note = match (priced, a.provider.as_str(), c.unpriced_cards) {
                    (false, "tencent", _) => "Tencent's platform gives no prices".to_string(),
                    (false, _, _) => "no card's plan states a price".to_string(),
                    (true, _, 0) => String::new(),
                    (true, _, n) => format!("{n} cards' plans state no price: not counted"),
                };
                AccountCost {
                    account: a.profile.clone(),
                    provider: a.provider.clone(),
                    priced,
                    fees: text(c.fees),
                    data_overage: text(c.data_overage),
                    sms_overage: text(c.sms_overage),
                    total: text(c.total()),
                    priced_cards: c.priced_cards,
                    unpriced_cards: c.unpriced_cards,
                    note,
                }
            })
            .collect();
        let cost = Cost {
            currency: "CNY".into(),
            total: text(
                accounts
                    .iter()
                    .map(|a| a.cost.total())
                    .sum::<Decimal>()
                    .round_dp(2),
            ),
            by_account,
        };
        let sync = figures
            .sync
            .iter()
            .map(|s| AccountSync {
                account: s.profile.clone(),
                passes: s.passes,
                failures: s.failures,
                cards_failed: s.cards_failed,
                longest_gap_seconds: s.longest_gap_seconds,
                longest_gap: s.longest_gap_seconds.map_or_else(|| "–".into(), gap),
            })
            .collect();
        Report {
            period: PeriodFigures {
                label: period.label.clone(),
                since: period.since.to_rfc3339(),
                until: period.until.to_rfc3339(),
                accounts: accounts.iter().map(|a| a.profile.clone()).collect(),
                generated_at: generated_at.to_rfc3339(),
            },
            fleet,
            usage,
            attention,
            cost,
            sync,
        }
    }

    /// The report as one JSON object, pretty-printed.
    pub fn to_json(&self) -> crate::Result<String> {
        serde_json::to_string_pretty(self).map_err(crate::ReportError::Json)
    }
}

#[cfg(test)]
mod tests {
    use super::gap;

    #[test]
    fn gaps_read_as_time() {
        assert_eq!(gap(59), "0 min");
        assert_eq!(gap(5 * 3600 + 30 * 60), "5 h 30 min");
        assert_eq!(gap(2 * 86_400 + 3 * 3600), "2 d 3 h");
    }
}
