//! `store info|prune|migrate`.

use iotcard_store::{Backend, Retention, SCHEMA_VERSION};

use super::location::failed;
use super::records::{PruneRecord, StoreInfoRecord, PRUNE, STORE_INFO};
use super::Opened;
use crate::commands::emit::Out;
use crate::error::CliError;
use crate::exit::Exit;
use crate::history_args::StoreCommand;

pub async fn run(opened: Opened<'_>, command: &StoreCommand) -> Result<Exit, CliError> {
    let Opened { global, store, now } = opened;
    match command {
        StoreCommand::Info => {
            let stats = store
                .stats()
                .await
                .map_err(failed("failed counting rows"))?;
            let last_run = store
                .sync_runs(&global.profile, 1)
                .await
                .map_err(failed("failed reading runs"))?
                .into_iter()
                .next()
                .map(|r| {
                    format!(
                        "{} {} at {}: {} asked, {} answered, {} not found, {} failed",
                        r.profile,
                        r.outcome.as_str(),
                        super::records::shown(r.started_at),
                        r.counts.asked,
                        r.counts.answered,
                        r.counts.not_found,
                        r.counts.failed
                    )
                });
            let mut out = Out::stdout(global.output, STORE_INFO);
            out.write(&StoreInfoRecord {
                url: store.url().to_string(),
                backend: match store.backend() {
                    Backend::Sqlite => "sqlite",
                    _ => "postgres",
                },
                schema_version: stats.schema_version,
                supported_schema_version: SCHEMA_VERSION,
                accounts: stats.accounts,
                cards: stats.cards,
                snapshots: stats.snapshots,
                states: stats.states,
                daily: stats.daily,
                runs: stats.runs,
                bytes: stats.bytes,
                last_run,
            })?;
            out.finish()?;
        }
        StoreCommand::Prune(args) => {
            let keep = Retention {
                snapshots: args.keep_snapshots,
                daily: args.keep_daily,
                runs: args.keep_daily,
            };
            let report = store
                .prune(now, &keep)
                .await
                .map_err(failed("failed pruning"))?;
            let mut out = Out::stdout(global.output, PRUNE);
            out.write(&PruneRecord {
                snapshots: report.snapshots,
                states: report.states,
                daily: report.daily,
                runs: report.runs,
            })?;
            out.finish()?;
        }
        StoreCommand::Migrate => {
            // Opening applied whatever the store lacked.
            let version = store
                .schema_version()
                .await
                .map_err(failed("failed reading the schema version"))?;
            eprintln!(
                "iotcard: {} is at schema version {version} (this iotcard supports {SCHEMA_VERSION})",
                store.url()
            );
        }
    }
    Ok(Exit::Success)
}
