//! `alerts [--firing]`: the alerts the watcher keeps in the store, pending
//! and firing, with the figures of their latest evaluation.

use iotcard_rules::AlertState;
use iotcard_store::FIRING;
use serde::Serialize;

use super::{account_names, chosen_profiles};
use crate::cli::GlobalArgs;
use crate::commands::emit::Out;
use crate::commands::history::{location, records::shown};
use crate::config::{Sources, WatchConfig};
use crate::error::CliError;
use crate::exit::Exit;
use crate::output::Columns;
use crate::watch_args::AlertsArgs;

/// One alert, as `alerts` writes it.
#[derive(Debug, Serialize)]
pub struct AlertRecord<'a> {
    /// The rule.
    pub rule: &'a str,
    /// The account's profile.
    pub profile: &'a str,
    /// The card, or nothing for an account's alert (`sync`).
    pub card: Option<&'a str>,
    /// `pending` or `firing`.
    pub phase: &'a str,
    /// The rule's severity (empty when the rule is no longer configured).
    pub severity: Option<&'static str>,
    /// When the alert entered its phase.
    pub since: String,
    /// When it fired.
    pub fired_at: Option<String>,
    /// When its last notification went (or, after quiet hours, will go).
    pub last_notified: Option<String>,
    /// The figures of the latest evaluation that saw it hold.
    pub figures: Option<String>,
}

/// `alerts` columns.
pub const ALERTS: Columns = &[
    "rule",
    "profile",
    "card",
    "phase",
    "severity",
    "since",
    "fired_at",
    "last_notified",
    "figures",
];

pub async fn run(
    global: &GlobalArgs,
    sources: &Sources,
    config: &WatchConfig,
    args: &AlertsArgs,
) -> Result<Exit, CliError> {
    let profiles = account_names(&chosen_profiles(global, config)?);
    let store = location::open(global, sources).await?;
    let rows = store
        .alert_rows(&profiles)
        .await
        .map_err(location::failed("failed reading the alerts"))?;
    let mut out = Out::stdout(global.output, ALERTS);
    let mut unreadable = 0usize;
    for row in rows.iter().filter(|r| !args.firing || r.phase == FIRING) {
        // The state is the rules' own; a row another iotcard wrote in a
        // shape this one cannot read still lists, without its figures.
        let state: Option<AlertState> = serde_json::from_str(&row.body).ok();
        unreadable += usize::from(state.is_none());
        out.write(&AlertRecord {
            rule: &row.rule,
            profile: &row.profile,
            card: row.card.as_deref(),
            phase: &row.phase,
            severity: config.rules.get(&row.rule).map(|r| r.severity.as_str()),
            since: shown(row.since),
            fired_at: state.as_ref().and_then(|s| s.fired_at).map(shown),
            last_notified: state.as_ref().and_then(|s| s.last_notified).map(shown),
            figures: state.as_ref().map(|s| s.figures.to_string()),
        })?;
    }
    out.finish()?;
    if unreadable > 0 {
        eprintln!(
            "iotcard: {unreadable} alerts have a state this iotcard cannot read (written by \
             another version?): listed without their figures"
        );
    }
    Ok(Exit::Success)
}
