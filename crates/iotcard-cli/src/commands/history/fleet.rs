//! `fleet`: the latest state of every matching card.

use iotcard_model::{CardStatus, Operator};
use iotcard_store::FleetFilter;

use super::location::failed;
use super::records::{shown, FleetRecord, FLEET};
use super::Opened;
use crate::commands::emit::Out;
use crate::error::CliError;
use crate::exit::Exit;
use crate::history_args::FleetArgs;

/// The store's filter for these flags and `--profile`s.
pub fn filter(args: &FleetArgs, profiles: &[String]) -> FleetFilter {
    FleetFilter {
        profiles: profiles.to_vec(),
        operators: args.operator.iter().copied().map(Operator::from).collect(),
        statuses: args
            .status
            .iter()
            .map(|s| CardStatus::from_name(s.trim()))
            .collect(),
        expiring_within: args.expiring_within,
        used_above: args.used_above,
        silent_for: args.silent_for,
    }
}

pub async fn run(opened: Opened<'_>, args: &FleetArgs) -> Result<Exit, CliError> {
    let Opened { global, store, now } = opened;
    let cards = store
        .fleet(&filter(args, &global.profile), now)
        .await
        .map_err(failed("failed reading the fleet"))?;
    let mut out = Out::stdout(global.output, FLEET);
    for card in &cards {
        out.write(&FleetRecord {
            profile: &card.card.profile,
            taken_at: shown(card.taken_at),
            snapshot: &card.snapshot,
        })?;
    }
    out.finish()?;
    Ok(Exit::Success)
}
