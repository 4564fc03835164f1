//! The watcher's part of the config file, checked as a whole: `[watch]`,
//! each profile's `watch_interval`, `requests_per_minute` and
//! `requests_per_second`, `[notifiers.NAME]` and `[[rules]]`.
//!
//! ```toml
//! [watch]
//! profiles = ["acme", "shop"]   # default: every profile that configures a platform
//! interval = "1h"               # between passes of one account
//! jitter = "10%"                # each pass starts up to this share of the interval late
//! requests_per_minute = 600     # per account
//! requests_per_second = 20      # per account
//! lease_ttl = "2m"              # a shared store's account lease, unless renewed
//! holder = "watcher-1"          # this watcher's name in leases and claims
//! per_card_metrics = false      # per-card series on /metrics (default off)
//! per_card_limit = 10000        # at most this many per-card series
//! ```
//!
//! The file's parser has already refused unknown keys; here the values are
//! checked against each other (a rule's `notify` names a notifier, a
//! `[watch]` profile exists), every error naming the file, the table and
//! the key.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use iotcard_notify::Notifier;
use iotcard_rules::{RuleSet, Span};

use super::file::{ConfigFile, Layer, WatchTable};
use crate::error::CliError;

/// The interval between passes when neither `[watch]` nor the profile says.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(3600);
/// The share of the interval a pass may start late, by default.
pub const DEFAULT_JITTER: f64 = iotcard_watch::daemon::DEFAULT_JITTER;
/// The lease of an account in a shared store, by default: long enough for
/// a renewal to be late a few times, short enough for a quick takeover.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(120);
/// The shortest lease accepted: it is renewed every third of it.
pub const MIN_LEASE_TTL: Duration = Duration::from_secs(3);
/// The shortest interval accepted: a pass more often than this only
/// spends the platform's request budget.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// The most per-card series `per_card_limit` may ask for: every series
/// costs Prometheus memory on every scrape, and past this a fleet is
/// better read from the store (its views) than from per-card series.
pub const MAX_PER_CARD_LIMIT: u32 = 100_000;

/// The profile name of the top level of the config file (as `sync` and
/// the store call it).
pub const TOP_LEVEL: &str = "default";

/// One watched profile's schedule and request budget.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Schedule {
    /// Between two passes of each of its accounts.
    pub interval: Duration,
    /// Requests per minute each account may send, if limited.
    pub requests_per_minute: Option<NonZeroU32>,
    /// Requests per second each account may send, if limited.
    pub requests_per_second: Option<f64>,
}

/// Everything the watcher reads from the config file besides the accounts'
/// credentials, checked.
#[derive(Debug)]
pub struct WatchConfig {
    /// The file it was read from.
    pub path: PathBuf,
    /// The profiles watched, each with its schedule, in name order (the
    /// top level as `default`).
    pub profiles: BTreeMap<String, Schedule>,
    /// The share of the interval a pass may start late (0 to 1).
    pub jitter: f64,
    /// An account's lease in a shared store.
    pub lease_ttl: Duration,
    /// This watcher's name in leases and outbox claims (`None`: one of its
    /// own per process).
    pub holder: Option<String>,
    /// The notifiers, by name.
    pub notifiers: Vec<Notifier>,
    /// The rules, in the order written.
    pub rules: RuleSet,
    /// Whether and how many per-card series `/metrics` serves.
    pub per_card: iotcard_observe::PerCardSeries,
}

impl WatchConfig {
    /// Checks the watcher's tables of `file`. `top_level_configured` says
    /// whether the top level of the file (or the environment) configures a
    /// platform, which makes `default` a profile.
    pub fn from_file(file: &ConfigFile, top_level_configured: bool) -> Result<Self, CliError> {
        let table = file.watch.clone().unwrap_or_default();
        let path = file.path.as_path();
        let known = known_profiles(file, top_level_configured);
        let names = match &table.profiles {
            Some(listed) => {
                if listed.is_empty() {
                    return Err(invalid(
                        path,
                        "watch",
                        "profiles",
                        "is empty (leave it out to watch every profile)".into(),
                    ));
                }
                let mut names = Vec::new();
                for name in listed {
                    if !known.contains(name) {
                        return Err(invalid(
                            path,
                            "watch",
                            "profiles",
                            format!("names {name:?}, which is not a profile that configures a platform ({})", listed_or_none(&known)),
                        ));
                    }
                    if !names.contains(name) {
                        names.push(name.clone());
                    }
                }
                names
            }
            None => known.clone(),
        };
        let base = base_schedule(path, &table)?;
        let mut profiles = BTreeMap::new();
        for name in names {
            let layer = file.profiles.get(&name);
            let schedule = profile_schedule(path, &name, layer, base)?;
            profiles.insert(name, schedule);
        }
        let jitter = match table.jitter {
            Some(share) if share.0 >= iotcard_model::Decimal::ONE => {
                return Err(invalid(
                    path,
                    "watch",
                    "jitter",
                    "must be less than 100% of the interval".into(),
                ))
            }
            Some(share) => decimal_to_f64(share.0),
            None => DEFAULT_JITTER,
        };
        let lease_ttl = match table.lease_ttl {
            Some(span) if span.is_zero() => {
                return Err(invalid(
                    path,
                    "watch",
                    "lease_ttl",
                    "must be longer than 0s".into(),
                ))
            }
            Some(span) => Duration::from_secs(span.as_secs()),
            None => DEFAULT_LEASE_TTL,
        };
        if lease_ttl < MIN_LEASE_TTL {
            return Err(invalid(
                path,
                "watch",
                "lease_ttl",
                "must be at least 3s (the lease is renewed every third of it)".into(),
            ));
        }
        let holder = match &table.holder {
            Some(h) if h.trim().is_empty() || h.trim() != h || h.chars().any(char::is_control) => {
                return Err(invalid(
                    path,
                    "watch",
                    "holder",
                    "must be a name without spaces at its ends or control characters".into(),
                ))
            }
            other => other.clone(),
        };
        let per_card = per_card_series(path, &table)?;
        let notifiers =
            iotcard_notify::notifiers(&file.notifiers).map_err(|problems| CliError::Notifiers {
                path: path.to_owned(),
                problems,
            })?;
        let mut configs = file.rules.clone();
        for rule in &mut configs {
            if let Some(unknown) = rule
                .profiles
                .iter()
                .find(|p| !known.iter().any(|k| k == profile_of(p)))
            {
                return Err(CliError::InvalidWatch {
                    path: path.to_owned(),
                    place: format!("`profiles` of the rule {:?} under [[rules]]", rule.name),
                    reason: format!(
                        "names {unknown:?}, which is not a profile that configures a platform ({})",
                        listed_or_none(&known)
                    ),
                });
            }
            rule.profiles = with_accounts(&rule.profiles);
        }
        let rules = RuleSet::new(configs).map_err(|source| CliError::Rules {
            path: path.to_owned(),
            source,
        })?;
        let names: Vec<&str> = notifiers.iter().map(Notifier::name).collect();
        rules
            .check_notifiers(&names)
            .map_err(|source| CliError::Rules {
                path: path.to_owned(),
                source,
            })?;
        Ok(WatchConfig {
            path: path.to_owned(),
            profiles,
            jitter,
            lease_ttl,
            holder,
            notifiers,
            rules,
            per_card,
        })
    }

    /// The notifier called `name`.
    pub fn notifier(&self, name: &str) -> Option<&Notifier> {
        self.notifiers.iter().find(|n| n.name() == name)
    }
}

/// `per_card_metrics` and `per_card_limit`: off unless asked for, the
/// limit between 1 and [`MAX_PER_CARD_LIMIT`], and only with the series on.
fn per_card_series(
    path: &Path,
    table: &WatchTable,
) -> Result<iotcard_observe::PerCardSeries, CliError> {
    let enabled = table.per_card_metrics.unwrap_or(false);
    let limit = match table.per_card_limit {
        Some(_) if !enabled => {
            return Err(invalid(
                path,
                "watch",
                "per_card_limit",
                "is set but per_card_metrics is not true (per-card series are off by default)"
                    .into(),
            ))
        }
        Some(0) => {
            return Err(invalid(
                path,
                "watch",
                "per_card_limit",
                "must be at least 1 (set per_card_metrics = false to serve none)".into(),
            ))
        }
        Some(n) if n > MAX_PER_CARD_LIMIT => {
            return Err(invalid(
                path,
                "watch",
                "per_card_limit",
                format!(
                    "is {n}, more than {MAX_PER_CARD_LIMIT} series (read a fleet that size from the store's views)"
                ),
            ))
        }
        Some(n) => n,
        None => iotcard_observe::DEFAULT_PER_CARD_LIMIT,
    };
    Ok(iotcard_observe::PerCardSeries { enabled, limit })
}

/// The profiles that configure a platform: the top level as `default`
/// when it does, then every `[profiles.NAME]` with a platform table.
fn known_profiles(file: &ConfigFile, top_level_configured: bool) -> Vec<String> {
    let mut known = Vec::new();
    if top_level_configured {
        known.push(TOP_LEVEL.to_owned());
    }
    // A profile without tables of its own inherits the top level's.
    let top_has_tables = top_level_configured;
    for (name, layer) in &file.profiles {
        let own = layer.iotbos.is_some() || layer.tencent.is_some();
        if own || top_has_tables {
            known.push(name.clone());
        }
    }
    known
}

/// The profile of a store account name: `acme/iotbos` is profile `acme`'s
/// IoTBOS account (a profile that configures both platforms has two).
fn profile_of(account: &str) -> &str {
    match account.rsplit_once('/') {
        Some((profile, "iotbos" | "tencent")) => profile,
        _ => account,
    }
}

/// A rule scoped to profile `acme` covers its accounts whatever they are
/// called in the store: `acme`, or `acme/iotbos` and `acme/tencent` when
/// it configures both platforms.
fn with_accounts(profiles: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for p in profiles {
        out.push(p.clone());
        if profile_of(p) == p {
            out.push(format!("{p}/iotbos"));
            out.push(format!("{p}/tencent"));
        }
    }
    out
}

fn listed_or_none(known: &[String]) -> String {
    if known.is_empty() {
        "the file configures none".to_owned()
    } else {
        format!("expected one of {}", known.join(", "))
    }
}

fn base_schedule(path: &Path, table: &WatchTable) -> Result<Schedule, CliError> {
    Ok(Schedule {
        interval: interval(path, "watch", "interval", table.interval)?.unwrap_or(DEFAULT_INTERVAL),
        requests_per_minute: per_minute(path, "watch", table.requests_per_minute)?,
        requests_per_second: per_second(path, "watch", table.requests_per_second)?,
    })
}

fn profile_schedule(
    path: &Path,
    name: &str,
    layer: Option<&Layer>,
    base: Schedule,
) -> Result<Schedule, CliError> {
    let Some(layer) = layer else {
        return Ok(base);
    };
    let table = format!("profiles.{name}");
    Ok(Schedule {
        interval: interval(path, &table, "watch_interval", layer.watch_interval)?
            .unwrap_or(base.interval),
        requests_per_minute: per_minute(path, &table, layer.requests_per_minute)?
            .or(base.requests_per_minute),
        requests_per_second: per_second(path, &table, layer.requests_per_second)?
            .or(base.requests_per_second),
    })
}

fn interval(
    path: &Path,
    table: &str,
    key: &str,
    span: Option<Span>,
) -> Result<Option<Duration>, CliError> {
    match span {
        None => Ok(None),
        Some(span) => {
            let d = Duration::from_secs(span.as_secs());
            if d < MIN_INTERVAL {
                Err(invalid(path, table, key, "must be at least 1s".into()))
            } else {
                Ok(Some(d))
            }
        }
    }
}

fn per_minute(path: &Path, table: &str, n: Option<u32>) -> Result<Option<NonZeroU32>, CliError> {
    match n {
        None => Ok(None),
        Some(n) => NonZeroU32::new(n).map(Some).ok_or_else(|| {
            invalid(
                path,
                table,
                "requests_per_minute",
                "must be at least 1 (leave it out for no per-minute budget)".into(),
            )
        }),
    }
}

fn per_second(path: &Path, table: &str, n: Option<f64>) -> Result<Option<f64>, CliError> {
    match n {
        None => Ok(None),
        Some(n) if n.is_finite() && n > 0.0 => Ok(Some(n)),
        Some(_) => Err(invalid(
            path,
            table,
            "requests_per_second",
            "must be a positive number (e.g. 20 or 0.5)".into(),
        )),
    }
}

fn invalid(path: &Path, table: &str, key: &str, reason: String) -> CliError {
    CliError::InvalidWatch {
        path: path.to_owned(),
        place: format!("`{key}` under [{table}]"),
        reason,
    }
}

fn decimal_to_f64(d: iotcard_model::Decimal) -> f64 {
    // A share between 0 and 1 written in a config file: exact enough.
    d.to_string().parse().unwrap_or(DEFAULT_JITTER)
}

#[cfg(test)]
mod tests;
