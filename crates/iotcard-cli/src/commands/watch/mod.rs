//! The watcher's commands: `watch` runs it; `rules check`, `rules replay`,
//! `alerts` and `notify test` check and show what it works with. All read
//! the config file's `[watch]`, `[notifiers.*]` and `[[rules]]`
//! ([`WatchConfig`]), checked as a whole before anything else is done.

mod alerts;
mod check;
mod delivery;
mod notify;
mod plan;
mod replay;
mod run;

use crate::cli::GlobalArgs;
use crate::config::watch::TOP_LEVEL;
use crate::config::{Env, Sources, WatchConfig};
use crate::error::CliError;
use crate::exit::Exit;
use crate::watch_args::{AlertsArgs, NotifyCommand, RulesCommand, WatchArgs};

/// `rules check` and `rules replay`.
pub async fn rules(
    global: &GlobalArgs,
    env: Env,
    command: &RulesCommand,
) -> Result<Exit, CliError> {
    let (sources, config) = load(global, env)?;
    match command {
        RulesCommand::Check => check::run(&config),
        RulesCommand::Replay(args) => replay::run(global, &sources, &config, args).await,
    }
}

/// `alerts [--firing]`.
pub async fn alerts(global: &GlobalArgs, env: Env, args: &AlertsArgs) -> Result<Exit, CliError> {
    let (sources, config) = load(global, env)?;
    alerts::run(global, &sources, &config, args).await
}

/// `notify test NAME`.
pub async fn notify(
    global: &GlobalArgs,
    env: Env,
    command: &NotifyCommand,
) -> Result<Exit, CliError> {
    let (_, config) = load(global, env)?;
    match command {
        NotifyCommand::Test { name } => notify::test(&config, name).await,
    }
}

/// `watch [--once]`.
pub async fn watch(global: &GlobalArgs, env: Env, args: &WatchArgs) -> Result<Exit, CliError> {
    run::run(global, env, args).await
}

/// The config file's sources and its watcher tables, checked.
fn load(global: &GlobalArgs, env: Env) -> Result<(Sources, WatchConfig), CliError> {
    let sources = Sources::load(global.config.as_deref(), None, env)?;
    let config = sources.watch_config()?;
    Ok((sources, config))
}

/// The profiles a reading command shows: `--profile`s, checked against the
/// watched ones, or every watched profile.
fn chosen_profiles(global: &GlobalArgs, config: &WatchConfig) -> Result<Vec<String>, CliError> {
    if global.profile.is_empty() {
        return Ok(config.profiles.keys().cloned().collect());
    }
    for name in &global.profile {
        if !config.profiles.contains_key(name) {
            return Err(CliError::UnknownProfile {
                name: name.clone(),
                known: format!(
                    "the watched profiles of {} are {}",
                    config.path.display(),
                    watched(config)
                ),
            });
        }
    }
    Ok(global.profile.clone())
}

/// The store's account names of `profiles`: a profile that configures
/// both platforms keeps two accounts, `NAME/iotbos` and `NAME/tencent`.
fn account_names(profiles: &[String]) -> Vec<String> {
    profiles
        .iter()
        .flat_map(|p| {
            [
                crate::provider::Provider::Iotbos,
                crate::provider::Provider::Tencent,
            ]
            .map(|provider| crate::commands::history::account_name(p, provider, true))
            .into_iter()
            .chain(std::iter::once(p.clone()))
        })
        .collect()
}

/// The watched profiles, for messages.
fn watched(config: &WatchConfig) -> String {
    if config.profiles.is_empty() {
        "none".to_owned()
    } else {
        config
            .profiles
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
