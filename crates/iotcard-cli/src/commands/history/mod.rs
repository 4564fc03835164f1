//! The fleet history commands: `sync` writes the store; `inventory`
//! keeps IoTBOS's card list in it; `fleet`, `history`, `usage-report` and
//! `store` read it. The store is found by [`location`].

mod accounts;
pub use accounts::{account_name, configured_all};
mod card_history;
mod fleet;
mod inventory;
pub(crate) mod location;
pub(crate) mod records;
mod report;
mod store_cmd;
mod sync;

use iotcard_facade::SystemClock;
use iotcard_model::Instant;
use iotcard_store::Store;

use crate::cli::GlobalArgs;
use crate::config::{Env, Sources};
use crate::error::CliError;
use crate::exit::Exit;
use crate::history_args::{
    FleetArgs, HistoryArgs, InventoryCommand, StoreCommand, SyncArgs, UsageReportArgs,
};

/// A reading command's store, and the time it reads "now" at.
pub struct Opened<'a> {
    global: &'a GlobalArgs,
    store: Store,
    now: Instant,
}

/// `sync`.
pub async fn sync(global: &GlobalArgs, env: Env, args: &SyncArgs) -> Result<Exit, CliError> {
    sync::run(global, env, args).await
}

/// `inventory add|remove|list`.
pub async fn inventory(
    global: &GlobalArgs,
    env: Env,
    command: &InventoryCommand,
) -> Result<Exit, CliError> {
    inventory::run(global, env, command).await
}

/// `fleet`.
pub async fn fleet(global: &GlobalArgs, env: Env, args: &FleetArgs) -> Result<Exit, CliError> {
    fleet::run(open(global, env).await?, args).await
}

/// `history CARD`.
pub async fn card_history(
    global: &GlobalArgs,
    env: Env,
    args: &HistoryArgs,
) -> Result<Exit, CliError> {
    card_history::run(open(global, env).await?, args).await
}

/// `usage-report`.
pub async fn usage_report(
    global: &GlobalArgs,
    env: Env,
    args: &UsageReportArgs,
) -> Result<Exit, CliError> {
    report::run(open(global, env).await?, args).await
}

/// `store info|prune|migrate`.
pub async fn store(
    global: &GlobalArgs,
    env: Env,
    command: &StoreCommand,
) -> Result<Exit, CliError> {
    store_cmd::run(open(global, env).await?, command).await
}

/// The store, opened for reading (no platform settings are needed: the
/// `--profile`s only filter).
async fn open(global: &GlobalArgs, env: Env) -> Result<Opened<'_>, CliError> {
    let sources = Sources::load(global.config.as_deref(), None, env)?;
    let store = location::open(global, &sources).await?;
    let now = iotcard_sync::instant(&SystemClock::default()).map_err(|source| CliError::Sync {
        profile: String::new(),
        source,
    })?;
    Ok(Opened { global, store, now })
}
