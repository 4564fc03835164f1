//! The records the history commands write, and their columns for CSV and
//! tables (the records' JSON names, nested objects as `parent_child`).

use iotcard_model::{china_standard_time, CardSnapshot, DataAmount, Instant, Money, SmsCount};
use serde::Serialize;

use crate::output::Columns;

/// An instant as the records show it: RFC 3339 in China Standard Time,
/// the providers' zone.
pub fn shown(at: Instant) -> String {
    at.with_timezone(&china_standard_time()).to_rfc3339()
}

/// One card's latest state (`fleet`).
#[derive(Debug, Serialize)]
pub struct FleetRecord<'a> {
    /// The account's profile.
    pub profile: &'a str,
    /// When the snapshot was taken.
    pub taken_at: String,
    /// The snapshot (`card` first).
    #[serde(flatten)]
    pub snapshot: &'a CardSnapshot,
}

/// One snapshot of one card (`history`).
#[derive(Debug, Serialize)]
pub struct HistoryRecord<'a> {
    /// When it was taken.
    pub taken_at: String,
    /// The snapshot.
    #[serde(flatten)]
    pub snapshot: &'a CardSnapshot,
}

/// One card's day (`history --daily`).
#[derive(Debug, Serialize)]
pub struct DayRecord<'a> {
    /// The card.
    pub card: &'a str,
    /// The day, China Standard Time.
    pub day: String,
    /// Data used that day.
    pub data_used: Option<DataAmount>,
    /// Text messages used that day.
    pub sms_used: Option<SmsCount>,
    /// Snapshots taken that day.
    pub snapshots: u32,
    /// The earliest snapshot the figures count from.
    pub covers_from: Option<String>,
    /// A usage period restarted within the figures.
    pub period_reset: bool,
}

/// One row of `usage-report`.
#[derive(Debug, Default, Serialize)]
pub struct ReportRecord {
    /// The profile (by card and by account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The card (by card).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
    /// The operator (by card and by operator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// The plan's name (by card and by plan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Cards in the row.
    pub cards: u64,
    /// Data used in the month.
    pub data_used: Option<DataAmount>,
    /// Text messages used in the month.
    pub sms_used: Option<SmsCount>,
    /// Monthly fees.
    pub monthly_fee: Option<Money>,
    /// Text messages beyond the allowance, at the overage price.
    pub sms_overage_cost: Option<Money>,
    /// Data beyond the allowance, at the overage price.
    pub data_overage_cost: Option<Money>,
    /// Fee plus overage.
    pub total_cost: Option<Money>,
}

/// `fleet`.
pub const FLEET: Columns = &[
    "profile",
    "card",
    "taken_at",
    "iccid",
    "msisdn",
    "operator",
    "kind",
    "status",
    "network",
    "usage_sms_used",
    "usage_data_used_amount",
    "usage_data_used_unit",
    "remaining_sms_left",
    "remaining_data_left_amount",
    "remaining_data_left_unit",
    "plan_name",
    "plan_monthly_fee",
    "plan_included_sms",
    "plan_sms_overage_price",
    "plan_included_data_amount",
    "plan_included_data_unit",
    "plan_data_overage_price",
    "plan_product_id",
    "plan_pool_id",
    "expires_at",
];

/// `history`: a fleet row without the profile.
pub const HISTORY: Columns = &[
    "taken_at",
    "card",
    "iccid",
    "msisdn",
    "operator",
    "kind",
    "status",
    "network",
    "usage_sms_used",
    "usage_data_used_amount",
    "usage_data_used_unit",
    "remaining_sms_left",
    "remaining_data_left_amount",
    "remaining_data_left_unit",
    "plan_name",
    "plan_monthly_fee",
    "plan_included_sms",
    "plan_sms_overage_price",
    "plan_included_data_amount",
    "plan_included_data_unit",
    "plan_data_overage_price",
    "plan_product_id",
    "plan_pool_id",
    "expires_at",
];

/// `history --daily`.
pub const DAILY: Columns = &[
    "card",
    "day",
    "data_used_amount",
    "data_used_unit",
    "sms_used",
    "snapshots",
    "covers_from",
    "period_reset",
];

macro_rules! report_columns {
    ($($key:literal),*) => {
        &[$($key,)* "cards", "data_used_amount", "data_used_unit", "sms_used", "monthly_fee",
          "sms_overage_cost", "data_overage_cost", "total_cost"]
    };
}

/// `usage-report --by card`.
pub const REPORT_BY_CARD: Columns = report_columns!("profile", "card", "operator", "plan");
/// `usage-report --by account`.
pub const REPORT_BY_ACCOUNT: Columns = report_columns!("profile");
/// `usage-report --by operator`.
pub const REPORT_BY_OPERATOR: Columns = report_columns!("operator");
/// `usage-report --by plan`.
pub const REPORT_BY_PLAN: Columns = report_columns!("plan");

/// `inventory list`.
pub const INVENTORY: Columns = &["card"];

/// One inventory card.
#[derive(Debug, Serialize)]
pub struct InventoryRecord<'a> {
    /// The card number.
    pub card: &'a str,
}

/// `store info`.
#[derive(Debug, Serialize)]
pub struct StoreInfoRecord {
    /// Where the store is (a password shown as `***`).
    pub url: String,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// The store's schema version.
    pub schema_version: i64,
    /// The newest this iotcard knows.
    pub supported_schema_version: i64,
    /// Accounts.
    pub accounts: u64,
    /// Cards.
    pub cards: u64,
    /// Raw snapshots.
    pub snapshots: u64,
    /// Card state rows.
    pub states: u64,
    /// Daily usage rows.
    pub daily: u64,
    /// Sync runs.
    pub runs: u64,
    /// Bytes the database takes.
    pub bytes: u64,
    /// The newest run: its profile, outcome and counts, one line.
    pub last_run: Option<String>,
}

/// `store info` columns.
pub const STORE_INFO: Columns = &[
    "url",
    "backend",
    "schema_version",
    "supported_schema_version",
    "accounts",
    "cards",
    "snapshots",
    "states",
    "daily",
    "runs",
    "bytes",
    "last_run",
];

/// `store prune`: what was deleted.
#[derive(Debug, Serialize)]
pub struct PruneRecord {
    /// Snapshots deleted.
    pub snapshots: u64,
    /// State rows deleted.
    pub states: u64,
    /// Daily rows deleted.
    pub daily: u64,
    /// Runs deleted.
    pub runs: u64,
}

/// `store prune` columns.
pub const PRUNE: Columns = &["snapshots", "states", "daily", "runs"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::flatten::flatten;

    fn keys<T: Serialize>(record: &T) -> Vec<String> {
        let mut keys: Vec<String> = flatten(&serde_json::to_value(record).unwrap())
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        keys.sort();
        keys
    }

    fn sorted(columns: Columns) -> Vec<String> {
        let mut c: Vec<String> = columns.iter().map(|s| (*s).to_owned()).collect();
        c.sort();
        c
    }

    fn full_snapshot(at: Instant) -> CardSnapshot {
        use iotcard_model::{
            CardKind, CardStatus, Iccid, Msisdn, NetworkStatus, Operator, Plan, Remaining, Usage,
        };
        let data = || Some(DataAmount::mb("1.5".parse().unwrap()));
        let money = || Some(Money::from_yuan("1.00".parse().unwrap()));
        CardSnapshot {
            card: "898602B7091701054333".into(),
            iccid: Some(Iccid::parse("898602B7091701054333").unwrap()),
            msisdn: Some(Msisdn::parse("1064878384333").unwrap()),
            operator: Some(Operator::ChinaMobile),
            kind: Some(CardKind::Single),
            status: Some(CardStatus::Active),
            network: Some(NetworkStatus::On),
            usage: Some(Usage {
                sms_used: Some(SmsCount(1)),
                data_used: data(),
            }),
            remaining: Some(Remaining {
                sms_left: Some(SmsCount(1)),
                data_left: data(),
            }),
            plan: Some(Plan {
                name: Some("月包".into()),
                monthly_fee: money(),
                included_sms: Some(SmsCount(10)),
                sms_overage_price: money(),
                included_data: data(),
                data_overage_price: money(),
                product_id: Some("p".into()),
                pool_id: Some("q".into()),
            }),
            expires_at: Some(at),
        }
    }

    #[test]
    fn columns_match_their_records() {
        let at = Instant::parse_from_rfc3339("2026-11-30T09:00:00+08:00").unwrap();
        let snapshot = full_snapshot(at);
        let fleet = FleetRecord {
            profile: "default",
            taken_at: shown(at),
            snapshot: &snapshot,
        };
        assert_eq!(keys(&fleet), sorted(FLEET));
        let history = HistoryRecord {
            taken_at: shown(at),
            snapshot: &snapshot,
        };
        assert_eq!(keys(&history), sorted(HISTORY));
        let day = DayRecord {
            card: "1",
            day: "2026-11-30".into(),
            data_used: Some(DataAmount::mb("1.5".parse().unwrap())),
            sms_used: Some(SmsCount(1)),
            snapshots: 2,
            covers_from: Some(shown(at)),
            period_reset: false,
        };
        assert_eq!(keys(&day), sorted(DAILY));
        let money = || Some(Money::from_yuan("1.00".parse().unwrap()));
        let full = ReportRecord {
            profile: Some("p".into()),
            card: Some("c".into()),
            operator: Some("china_mobile".into()),
            plan: Some("月包".into()),
            cards: 1,
            data_used: Some(DataAmount::mb("1".parse().unwrap())),
            sms_used: Some(SmsCount(1)),
            monthly_fee: money(),
            sms_overage_cost: money(),
            data_overage_cost: money(),
            total_cost: money(),
        };
        assert_eq!(keys(&full), sorted(REPORT_BY_CARD));
        assert_eq!(REPORT_BY_PLAN[0], "plan");
    }

    #[test]
    fn times_show_in_china_standard_time() {
        let at = Instant::parse_from_rfc3339("2026-11-30T01:00:00Z").unwrap();
        assert_eq!(shown(at), "2026-11-30T09:00:00+08:00");
    }
}
