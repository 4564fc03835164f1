//! `/`: the status page, server-rendered from the figures with
//! auto-escaping templates and one embedded stylesheet; no script, no
//! external asset.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use iotcard_model::Instant;
use minijinja::Environment;
use serde::Serialize;

use crate::error::{ObserveError, Result};
use crate::figures::Figures;
use crate::health::{health, human};

/// The stylesheet every iotcard HTML page embeds (the status page, the
/// HTML report): plain CSS, no external font or image. A page puts it in a
/// `<style>` element, or extends the `base.html` template of [`templates`].
pub const STYLESHEET: &str = include_str!("../assets/iotcard.css");

/// The templates, by name: `base.html` (the document, its header and the
/// stylesheet; blocks `title` and `content`) and `status.html`.
pub fn templates() -> [(&'static str, &'static str); 2] {
    [
        ("base.html", include_str!("../templates/base.html")),
        ("status.html", include_str!("../templates/status.html")),
    ]
}

fn environment() -> Result<&'static Environment<'static>> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    if let Some(env) = ENV.get() {
        return Ok(env);
    }
    let mut env = Environment::new();
    for (name, source) in templates() {
        env.add_template(name, source)
            .map_err(ObserveError::Template)?;
    }
    env.add_global(
        "stylesheet",
        minijinja::Value::from_safe_string(STYLESHEET.into()),
    );
    // Two first renders at once build it twice; one is kept.
    Ok(ENV.get_or_init(|| env))
}

#[derive(Serialize)]
struct Page<'a> {
    version: &'a str,
    computed_at: String,
    computed_ago: String,
    healthy: bool,
    problems: &'a [String],
    accounts: Vec<AccountRow<'a>>,
    alerts: Vec<AlertRow<'a>>,
    statuses: Vec<(String, u64)>,
    total_cards: u64,
    outbox_pending: u64,
}

#[derive(Serialize)]
struct AccountRow<'a> {
    profile: &'a str,
    provider: &'a str,
    watched: bool,
    last_success: Option<String>,
    last_success_ago: Option<String>,
    outcome: Option<&'static str>,
    duration: Option<String>,
    answered: Option<u64>,
    not_found: Option<u64>,
    failed: Option<u64>,
    cards: u64,
}

#[derive(Serialize)]
struct AlertRow<'a> {
    rule: &'a str,
    severity: &'a str,
    account: &'a str,
    cards: u64,
    account_level: bool,
    since: String,
    since_ago: String,
}

fn utc(at: Instant) -> String {
    at.to_utc().format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn ago(now: Instant, at: Instant) -> String {
    human((now - at).to_std().unwrap_or(Duration::ZERO))
}

/// The status page at `now`: accounts (last sync, outcome, duration),
/// firing alerts and the fleet by status, plus the health verdict.
pub fn render_status_page(figures: &Figures, now: Instant) -> Result<String> {
    let a = &figures.aggregates;
    let verdict = health(figures, now);
    let mut cards_by_account: BTreeMap<&str, u64> = BTreeMap::new();
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    for c in &a.cards {
        *cards_by_account.entry(c.profile.as_str()).or_default() += c.cards;
        *statuses
            .entry(c.status.clone().unwrap_or_else(|| "unknown".into()))
            .or_default() += c.cards;
    }
    let accounts = a
        .syncs
        .iter()
        .map(|s| {
            let run = s.last_run.as_ref();
            AccountRow {
                profile: &s.profile,
                provider: &s.provider,
                watched: figures.watched.iter().any(|w| w.profile == s.profile),
                last_success: s.last_success.map(utc),
                last_success_ago: s.last_success.map(|at| ago(now, at)),
                outcome: run.map(|r| r.outcome.as_str()),
                duration: run.and_then(|r| {
                    let ended = r.ended_at?;
                    Some(format!(
                        "{:.1}s",
                        (ended - r.started_at).num_milliseconds().max(0) as f64 / 1000.0
                    ))
                }),
                answered: run.map(|r| r.counts.answered),
                not_found: run.map(|r| r.counts.not_found),
                failed: run.map(|r| r.counts.failed),
                cards: cards_by_account
                    .get(s.profile.as_str())
                    .copied()
                    .unwrap_or(0),
            }
        })
        .collect();
    let alerts = a
        .alerts
        .iter()
        .map(|x| AlertRow {
            rule: &x.rule,
            severity: figures
                .severities
                .get(&x.rule)
                .map_or("unknown", String::as_str),
            account: &x.profile,
            cards: x.cards,
            account_level: x.alerts > x.cards,
            since: utc(x.since),
            since_ago: ago(now, x.since),
        })
        .collect();
    let page = Page {
        version: &figures.version,
        computed_at: utc(figures.computed_at),
        computed_ago: ago(now, figures.computed_at),
        healthy: verdict.is_ok(),
        problems: &verdict.problems,
        accounts,
        alerts,
        total_cards: statuses.values().sum(),
        statuses: statuses.into_iter().collect(),
        outbox_pending: a.outbox_pending,
    };
    environment()?
        .get_template("status.html")
        .and_then(|t| t.render(minijinja::value::Serde(&page)))
        .map_err(ObserveError::Template)
}
