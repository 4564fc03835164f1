//! The flags of the fleet history commands: `sync`, `inventory`, `fleet`,
//! `history`, `usage-report` and `store`.

use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use iotcard_model::Decimal;

use crate::cli::OperatorArg;
use crate::quantities::{parse_share, parse_span};

/// Options of `sync`.
#[derive(Debug, Clone, Args)]
pub struct SyncArgs {
    /// Sync every profile of the config file (and the top level, when it
    /// configures a platform)
    #[arg(long)]
    pub all_profiles: bool,
    /// Cards per store transaction
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub commit_every: usize,
    /// Commit at the latest this long after a batch's first answer
    #[arg(long, value_name = "DURATION", value_parser = crate::quantities::parse_duration, default_value = "500ms")]
    pub commit_interval: Duration,
    /// Do not prune history past its retention after the sync
    #[arg(long)]
    pub no_prune: bool,
}

/// `inventory`: the cards a sync asks IoTBOS about.
#[derive(Debug, Clone, Subcommand)]
pub enum InventoryCommand {
    /// Add the card numbers in FILE (or standard input) to the profile's inventory
    Add(InventoryFile),
    /// Take the card numbers in FILE (or standard input) out of it (their history stays)
    Remove(InventoryFile),
    /// Print the profile's inventory, one number a line
    List,
}

/// Where `inventory add` and `remove` read numbers.
#[derive(Debug, Clone, Args)]
pub struct InventoryFile {
    /// File of card numbers, one per line or comma-separated; `-` (the default) for standard input
    #[arg(value_name = "FILE", default_value = "-")]
    pub from: PathBuf,
}

/// Options of `fleet`.
#[derive(Debug, Clone, Args)]
pub struct FleetArgs {
    /// Only cards with this status (active, suspended, …; repeatable)
    #[arg(long, value_name = "STATUS")]
    pub status: Vec<String>,
    /// Only this operator's cards (repeatable)
    #[arg(long, value_enum, value_name = "OPERATOR")]
    pub operator: Vec<OperatorArg>,
    /// Only cards whose service expires within this span (30d, 12h, 2w), expired ones included
    #[arg(long, value_name = "SPAN", value_parser = parse_span)]
    pub expiring_within: Option<Duration>,
    /// Only cards that used more than this share of their data (80% or 0.8)
    #[arg(long, value_name = "SHARE", value_parser = parse_share)]
    pub used_above: Option<Decimal>,
    /// Only cards whose data use has not grown for this span (7d)
    #[arg(long, value_name = "SPAN", value_parser = parse_span)]
    pub silent_for: Option<Duration>,
}

/// Options of `history`.
#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// The card: its number (IoTBOS), ICCID or MSISDN
    #[arg(value_name = "CARD")]
    pub card: String,
    /// From this day on (China Standard Time), e.g. 2026-11-01 [default: everything kept]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub since: Option<NaiveDate>,
    /// One row per day: the data and SMS used that day
    #[arg(long)]
    pub daily: bool,
}

/// What `usage-report` groups by.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum ReportBy {
    /// One row per card
    Card,
    /// One row per account (profile)
    Account,
    /// One row per operator
    Operator,
    /// One row per plan name
    Plan,
}

/// Options of `usage-report`.
#[derive(Debug, Clone, Args)]
pub struct UsageReportArgs {
    /// The month, e.g. 2026-11 (days in China Standard Time)
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub month: NaiveDate,
    /// How rows are grouped
    #[arg(long, value_enum, default_value = "card")]
    pub by: ReportBy,
}

/// `store`: the history store itself.
#[derive(Debug, Clone, Subcommand)]
pub enum StoreCommand {
    /// Where the store is, its schema version, and how much it holds
    Info,
    /// Delete snapshots, daily rows and runs past their retention
    Prune(PruneArgs),
    /// Apply the schema migrations this iotcard knows (opening does the same)
    Migrate,
}

/// Options of `store prune`.
#[derive(Debug, Clone, Args)]
pub struct PruneArgs {
    /// Keep raw snapshots this long
    #[arg(long, value_name = "SPAN", value_parser = parse_span, default_value = "35d")]
    pub keep_snapshots: Duration,
    /// Keep daily usage rows and sync runs this long
    #[arg(long, value_name = "SPAN", value_parser = parse_span, default_value = "730d")]
    pub keep_daily: Duration,
}

/// A day: `2026-11-01`.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date such as 2026-11-01"))
}

/// A month, `2026-11`, as its first day.
pub fn parse_month(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a month such as 2026-11"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_months() {
        assert_eq!(parse_date("2026-11-01").unwrap().to_string(), "2026-11-01");
        assert!(parse_date("2026/11/01").is_err());
        assert_eq!(parse_month("2026-11").unwrap().to_string(), "2026-11-01");
        assert!(parse_month("2026-13").is_err());
        assert!(parse_month("November").is_err());
    }
}
