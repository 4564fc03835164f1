//! The watch plan of a config: each watched profile's accounts, each with
//! a client under the profile's request budget and its interval, and the
//! rules and notifiers. Built at start and again on every SIGHUP.

use std::sync::Arc;

use iotcard_watch::{AccountSync, PlatformSync, WatchPlan, WatchedAccount};

use crate::cli::GlobalArgs;
use crate::commands::clients::{Budget, Client};
use crate::commands::history::configured_all;
use crate::config::{Env, Sources, WatchConfig};
use crate::error::CliError;

use super::{chosen_profiles, TOP_LEVEL};

/// What a plan was built from, for the reports.
#[derive(Debug)]
pub struct Built {
    /// The plan.
    pub plan: WatchPlan,
    /// The checked config it came from.
    pub config: WatchConfig,
    /// The sources (for the store's location).
    pub sources: Sources,
}

/// Reads the config afresh and builds the plan for `--profile`s (every
/// watched profile when none); nothing is sent.
pub fn build(global: &GlobalArgs, env: &Env) -> Result<Built, CliError> {
    let sources = Sources::load(global.config.as_deref(), None, env.clone())?;
    let config = sources.watch_config()?;
    let profiles = chosen_profiles(global, &config)?;
    if profiles.is_empty() {
        return Err(CliError::NoProvider(format!(
            "nothing to watch: no profile of {} configures a platform (and neither does the \
             environment)",
            config.path.display()
        )));
    }
    let rules = config.rules.clone();
    let mut plan = WatchPlan::new(rules, config.notifiers.iter().cloned()).jitter(config.jitter);
    for name in &profiles {
        let schedule = config.profiles[name];
        let profile = (name != TOP_LEVEL).then_some(name.as_str());
        for account in configured_all(global, env, profile)? {
            let budget = Budget {
                per_second: schedule.requests_per_second,
                per_minute: schedule.requests_per_minute.map(|n| n.get()),
            };
            let sync: Arc<dyn AccountSync> =
                match Client::build_with(&account.settings, global, budget)? {
                    Client::Iotbos(c) => Arc::new(PlatformSync(c)),
                    Client::Tencent(c) => Arc::new(PlatformSync(c)),
                };
            plan = plan.account(WatchedAccount::new(account.spec, sync, schedule.interval));
        }
    }
    plan.validate().map_err(CliError::Watch)?;
    Ok(Built {
        plan,
        config,
        sources,
    })
}
