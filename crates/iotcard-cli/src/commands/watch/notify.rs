//! `notify test NAME`: a sample digest through one notifier, to see that
//! its URL, token, secret or login work.

use std::time::Duration;

use iotcard_facade::SystemClock;
use iotcard_notify::Digest;
use iotcard_watch::RetryPolicy;

use super::delivery::deliverer;
use crate::config::WatchConfig;
use crate::error::{with_sources, CliError};
use crate::exit::Exit;

/// A test retries a little (a robot busy for a moment), not for the ten
/// minutes the watcher would.
fn retry() -> RetryPolicy {
    RetryPolicy::new(3, Duration::from_secs(1), Duration::from_secs(4))
}

/// Sends `Digest::sample` to `name`; says on stdout that it was delivered,
/// or on stderr why not (the error scrubbed of tokens), exit status 4.
pub async fn test(config: &WatchConfig, name: &str) -> Result<Exit, CliError> {
    let notifier = config
        .notifier(name)
        .ok_or_else(|| CliError::UnknownNotifier {
            name: name.to_owned(),
            known: if config.notifiers.is_empty() {
                format!("{} defines no [notifiers.NAME]", config.path.display())
            } else {
                format!(
                    "{} defines {}",
                    config.path.display(),
                    config
                        .notifiers
                        .iter()
                        .map(|n| n.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        })?;
    let deliverer = deliverer(retry(), None)?;
    let now = iotcard_sync::instant(&SystemClock::default()).map_err(|source| CliError::Sync {
        profile: String::new(),
        source,
    })?;
    let delivery = deliverer.deliver(notifier, &Digest::sample(now)).await;
    let attempts = delivery.attempts.len();
    let tries = if attempts == 1 {
        "1 attempt".to_owned()
    } else {
        format!("{attempts} attempts")
    };
    match delivery.error() {
        None => {
            println!(
                "notify test {name}: delivered to the {} notifier in {tries}",
                notifier.kind().as_str()
            );
            Ok(Exit::Success)
        }
        Some(error) => {
            eprintln!(
                "iotcard: notify test {name}: not delivered after {tries}: {}",
                with_sources(error)
            );
            Ok(Exit::Failed)
        }
    }
}
