//! `/healthz`: healthy while every watched account synced recently enough.

use std::time::Duration;

use iotcard_model::Instant;

use crate::figures::Figures;

/// The verdict on the watcher's health at one moment.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Health {
    /// Why it is not healthy, one line per account (empty when healthy).
    pub problems: Vec<String>,
}

impl Health {
    /// Whether every watched account is current.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// The HTTP status code `/healthz` answers with: 200 or 503.
    pub fn status_code(&self) -> u16 {
        if self.is_ok() {
            200
        } else {
            503
        }
    }

    /// The `/healthz` body: `ok`, or the problems one a line.
    pub fn body(&self) -> String {
        if self.is_ok() {
            "ok\n".to_owned()
        } else {
            let mut body = self.problems.join("\n");
            body.push('\n');
            body
        }
    }
}

/// The verdict at `now`: each watched account's latest successful sync (or,
/// before its first, the watcher's start) must be within its staleness
/// bound ([`crate::WatchedAccount::staleness_bound`]).
pub fn health(figures: &Figures, now: Instant) -> Health {
    let mut problems = Vec::new();
    for watched in &figures.watched {
        let bound = watched.staleness_bound();
        let sync = figures
            .aggregates
            .syncs
            .iter()
            .find(|s| s.profile == watched.profile);
        let last = sync.and_then(|s| s.last_success);
        let since = last.unwrap_or(figures.started_at);
        let age = (now - since).to_std().unwrap_or(Duration::ZERO);
        if age <= bound {
            continue;
        }
        let outcome = sync
            .and_then(|s| s.last_run.as_ref())
            .map(|r| format!("; its latest pass was {}", r.outcome.as_str()))
            .unwrap_or_default();
        problems.push(match last {
            Some(at) => format!(
                "account {:?}: last successful sync {} ({} ago) is older than its bound of {}{outcome}",
                watched.profile,
                at.to_utc().format("%Y-%m-%dT%H:%M:%SZ"),
                human(age),
                human(bound),
            ),
            None => format!(
                "account {:?}: no successful sync in the {} since the watcher started (bound {}){outcome}",
                watched.profile,
                human(age),
                human(bound),
            ),
        });
    }
    Health { problems }
}

/// A duration to the minute (seconds below one), for people.
pub(crate) fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}
