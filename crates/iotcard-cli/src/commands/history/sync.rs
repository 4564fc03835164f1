//! `sync`: one pass over each account into the store, with a progress bar
//! and one summary line per account.

use std::io::IsTerminal;

use iotcard_facade::{CardPlatform, SystemClock};
use iotcard_store::{AccountSpec, Retention, Store};
use iotcard_sync::{Grade, Summary, SyncOptions};

use super::accounts::{self, Configured};
use super::location;
use crate::cli::GlobalArgs;
use crate::commands::clients::{Client, PlatformJob};
use crate::commands::listing::expected_cards;
use crate::config::{Env, Sources};
use crate::error::CliError;
use crate::exit::Exit;
use crate::history_args::SyncArgs;
use crate::input::CardId;
use crate::progress::Progress;
use crate::signals;

/// The SQLite page cache of a sync (KiB).
const SYNC_CACHE_KIB: u32 = 8 * 1024;

/// How many of a run's first errors stderr shows.
const ERRORS_SHOWN: usize = 3;

pub async fn run(global: &GlobalArgs, env: Env, args: &SyncArgs) -> Result<Exit, CliError> {
    // Every account's settings are checked before anything is sent.
    let profiles = accounts::profiles(global, &env, args.all_profiles)?;
    let mut configured: Vec<Configured> = Vec::new();
    for profile in &profiles {
        configured.extend(accounts::configured_all(global, &env, profile.as_deref())?);
    }
    let sources = Sources::load(global.config.as_deref(), None, env)?;
    let store = location::open(global, &sources).await?;
    // A sync touches each page about once: a small cache bounds its memory
    // whatever the fleet's size, at no cost in speed.
    store
        .set_sqlite_cache_kib(SYNC_CACHE_KIB)
        .await
        .map_err(location::failed("cannot be set up"))?;
    let options = SyncOptions::default()
        .batch_cards(args.commit_every)
        .batch_age(args.commit_interval)
        .retention((!args.no_prune).then(Retention::default));
    let mut worst = Exit::Success;
    for account in configured {
        let client = Client::build(&account.settings, global)?;
        let total = match &client {
            Client::Tencent(c) => expected_cards(c, None, std::io::stderr().is_terminal()).await,
            Client::Iotbos(_) => None,
        };
        let progress = Progress::start(total);
        let began = tokio::time::Instant::now();
        let job = Pass {
            store: &store,
            spec: &account.spec,
            options: &options,
            progress: &progress,
        };
        let summary = client.run(job).await;
        progress.finish();
        let summary = summary.map_err(|source| CliError::Sync {
            profile: account.spec.profile.clone(),
            source,
        })?;
        report(&summary, began.elapsed(), &store);
        if summary.interrupted {
            return Ok(Exit::Interrupted);
        }
        worst = worst.max(match summary.grade() {
            Grade::Complete => Exit::Success,
            Grade::Incomplete => Exit::Incomplete,
            _ => Exit::Failed,
        });
    }
    Ok(worst)
}

/// One account's pass, on whichever platform it is.
struct Pass<'a> {
    store: &'a Store,
    spec: &'a AccountSpec,
    options: &'a SyncOptions,
    progress: &'a Progress,
}

impl PlatformJob for Pass<'_> {
    type Output = Result<Summary, iotcard_sync::SyncError>;

    async fn run<P>(self, platform: &P) -> Self::Output
    where
        P: CardPlatform,
        P::Card: CardId,
    {
        let progress = self.progress;
        iotcard_sync::sync_account(
            platform,
            self.store,
            self.spec,
            &SystemClock::default(),
            self.options,
            &|cards| progress.advance(cards),
            signals::interrupted(),
        )
        .await
    }
}

/// The summary line (and the first errors) on stderr.
fn report(summary: &Summary, took: std::time::Duration, store: &Store) {
    for error in summary.first_errors.iter().take(ERRORS_SHOWN) {
        eprintln!("iotcard: {error}");
    }
    if let Some(short) = &summary.short {
        eprintln!("iotcard: incomplete: {short}");
    }
    eprintln!("iotcard: {}", line(summary, took, &store.url().to_string()));
}

/// `sync default (IoTBOS): 250 answered, 1 not found, 0 failed in 1.2 s;
/// 250 snapshots stored in sqlite:///…`
pub fn line(s: &Summary, took: std::time::Duration, store: &str) -> String {
    let no_data = if s.no_data > 0 {
        format!(", {} without data", s.no_data)
    } else {
        String::new()
    };
    let how = if s.interrupted {
        "interrupted after"
    } else {
        "in"
    };
    format!(
        "sync {} ({}): {} answered, {} not found{no_data}, {} failed {how} {:.1} s; \
         {} snapshots stored in {store}{}",
        s.profile,
        s.provider.title(),
        s.answered,
        s.not_found,
        s.failed,
        took.as_secs_f64(),
        s.written,
        if s.interrupted {
            " (the run is recorded as interrupted; the next sync simply runs)"
        } else {
            ""
        }
    )
}
