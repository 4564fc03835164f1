//! `rules replay --since 30d`: the rules run over the stored history, as
//! the watcher would have run them after each sync pass, from no alerts.
//!
//! The history is rebuilt per pass: at the end of each run of an account,
//! each of its cards as its latest snapshot then was, its daily usage up
//! to that day and its status changes so far, and the account's syncs up
//! to then. Every snapshot of the span is read into memory: a replay is
//! for looking back over weeks of a fleet, not for the watcher's loop.

use std::collections::HashMap;

use chrono::NaiveDate;
use iotcard_facade::SystemClock;
use iotcard_model::{china_standard_time, Instant};
use iotcard_rules::{
    AccountInput, CardInput, DayUsage, Inputs, PassOutcome, PeriodKind, StatusChange, SyncInfo,
    Transition,
};
use iotcard_store::{CardDay, CardId, FleetFilter, HistoryEntry, RunOutcome, Store, SyncRun};
use serde::Serialize;

use super::{account_names, chosen_profiles};
use crate::cli::GlobalArgs;
use crate::commands::emit::Out;
use crate::commands::history::{location, records::shown};
use crate::config::{Sources, WatchConfig};
use crate::error::CliError;
use crate::exit::Exit;
use crate::output::Columns;
use crate::watch_args::ReplayArgs;

/// How far before `--since` the history is read: the rules look back a
/// week at most (`forecast`'s and `spike`'s days), plus a day's margin.
const LOOKBACK_DAYS: u64 = 8;
/// The most runs a replay reads (an account synced every minute for a
/// month is 43,200).
const MAX_RUNS: u32 = 200_000;
/// The daily rows each card input carries: what the rules look back over.
const DAYS_KEPT: usize = 15;

/// One transition, as `rules replay` writes it.
#[derive(Debug, Serialize)]
pub struct ReplayRecord<'a> {
    /// The evaluation's time (the end of the pass).
    pub at: String,
    /// `pending`, `firing`, `renotify` or `resolved`.
    pub transition: &'static str,
    /// The rule.
    pub rule: &'a str,
    /// The account's profile.
    pub profile: &'a str,
    /// The card, or nothing for an account's alert (`sync`).
    pub card: Option<&'a str>,
    /// The rule's severity.
    pub severity: &'static str,
    /// When the condition began to hold.
    pub since: String,
    /// When the notification would have gone (after quiet hours), if any.
    pub notify_at: Option<String>,
    /// The figures that made it.
    pub figures: String,
}

/// `rules replay` columns.
pub const REPLAY: Columns = &[
    "at",
    "transition",
    "rule",
    "profile",
    "card",
    "severity",
    "since",
    "notify_at",
    "figures",
];

impl<'a> ReplayRecord<'a> {
    fn of(t: &'a Transition) -> Self {
        ReplayRecord {
            at: shown(t.at),
            transition: t.kind.as_str(),
            rule: &t.key.rule,
            profile: &t.key.account,
            card: t.key.card.as_deref(),
            severity: t.severity.as_str(),
            since: shown(t.since),
            notify_at: t.notify_at.map(shown),
            figures: t.figures.to_string(),
        }
    }
}

pub async fn run(
    global: &GlobalArgs,
    sources: &Sources,
    config: &WatchConfig,
    args: &ReplayArgs,
) -> Result<Exit, CliError> {
    let profiles = account_names(&chosen_profiles(global, config)?);
    let store = location::open(global, sources).await?;
    let now = iotcard_sync::instant(&SystemClock::default()).map_err(|source| CliError::Sync {
        profile: String::new(),
        source,
    })?;
    let since = chrono::Duration::from_std(args.since)
        .ok()
        .and_then(|d| now.checked_sub_signed(d))
        .ok_or_else(|| CliError::InvalidSetting {
            setting: "--since",
            shown: format!("{:?}", args.since),
            origin: "the command line".into(),
            reason: "reaches before any date the store can hold".into(),
        })?;
    let history = History::read(&store, &profiles, since, now).await?;
    let transitions = iotcard_rules::replay(&config.rules, history.passes(since, now));
    let mut out = Out::stdout(global.output, REPLAY);
    for t in &transitions {
        out.write(&ReplayRecord::of(t))?;
    }
    out.finish()?;
    if transitions.is_empty() {
        eprintln!(
            "iotcard: no rule would have fired or resolved over {} pass{} since {}",
            history.passes_in(since, now),
            if history.passes_in(since, now) == 1 {
                ""
            } else {
                "es"
            },
            shown(since)
        );
    }
    Ok(Exit::Success)
}

/// One card's stored past.
struct CardPast {
    key: String,
    entries: Vec<HistoryEntry>,
    days: Vec<CardDay>,
}

/// What the store holds of the accounts replayed.
struct History {
    /// Per profile: its provider and its cards.
    accounts: Vec<(String, String, Vec<CardPast>)>,
    /// Every run, oldest first.
    runs: Vec<SyncRun>,
}

impl History {
    async fn read(
        store: &Store,
        profiles: &[String],
        since: Instant,
        now: Instant,
    ) -> Result<Self, CliError> {
        let failed = location::failed;
        let from = since - chrono::Duration::days(LOOKBACK_DAYS as i64);
        let first_day = day_of(from);
        let today = day_of(now);
        let providers: HashMap<String, String> = store
            .accounts()
            .await
            .map_err(failed("failed reading the accounts"))?
            .into_iter()
            .map(|a| (a.spec.profile.clone(), a.spec.provider.clone()))
            .collect();
        let filter = FleetFilter {
            profiles: profiles.to_vec(),
            ..FleetFilter::default()
        };
        let cards = store
            .fleet(&filter, now)
            .await
            .map_err(failed("failed reading the fleet"))?;
        let mut days: HashMap<CardId, Vec<CardDay>> = HashMap::new();
        for day in store
            .daily_by_cards(profiles, first_day, today)
            .await
            .map_err(failed("failed reading daily usage"))?
        {
            days.entry(day.card).or_default().push(day);
        }
        let mut accounts: Vec<(String, String, Vec<CardPast>)> = profiles
            .iter()
            .filter_map(|p| Some((p.clone(), providers.get(p)?.clone(), Vec::new())))
            .collect();
        // Up to the next second: a snapshot taken this second is included.
        let to = now + chrono::Duration::seconds(1);
        for card in cards {
            let entries = store
                .history(card.card.id, from, to)
                .await
                .map_err(failed("failed reading the history"))?;
            let mut card_days = days.remove(&card.card.id).unwrap_or_default();
            card_days.sort_by_key(|d| d.day);
            if let Some((_, _, list)) = accounts.iter_mut().find(|a| a.0 == card.card.profile) {
                list.push(CardPast {
                    key: card.card.key,
                    entries,
                    days: card_days,
                });
            }
        }
        let mut runs = store
            .sync_runs(profiles, MAX_RUNS)
            .await
            .map_err(failed("failed reading the sync runs"))?;
        runs.retain(|r| r.ended_at.is_some());
        runs.sort_by_key(|r| r.ended_at);
        Ok(History { accounts, runs })
    }

    fn passes_in(&self, since: Instant, now: Instant) -> usize {
        self.runs
            .iter()
            .filter(|r| r.ended_at.is_some_and(|e| e >= since && e <= now))
            .count()
    }

    /// The inputs at the end of each pass in `since..=now`, oldest first;
    /// each lists the account that was synced only.
    fn passes(&self, since: Instant, now: Instant) -> Vec<(Instant, Inputs)> {
        let mut out = Vec::new();
        for run in &self.runs {
            let Some(ended) = run.ended_at.filter(|e| *e >= since && *e <= now) else {
                continue;
            };
            let Some((profile, provider, cards)) =
                self.accounts.iter().find(|a| a.0 == run.profile)
            else {
                continue;
            };
            let account = AccountInput {
                profile: profile.clone(),
                provider: provider.clone(),
                period: PeriodKind::for_provider(provider),
                sync: self.sync_info(profile, ended),
                cards: cards.iter().map(|c| card_at(c, ended)).collect(),
                partial: false,
            };
            out.push((
                ended,
                Inputs {
                    accounts: vec![account],
                },
            ));
        }
        out
    }

    /// The account's syncs as they stood at `at`.
    fn sync_info(&self, profile: &str, at: Instant) -> SyncInfo {
        let ended_by = |r: &&SyncRun| r.profile == profile && r.ended_at.is_some_and(|e| e <= at);
        let last_pass = self.runs.iter().rfind(ended_by);
        let last_success = self
            .runs
            .iter()
            .rfind(|r| ended_by(r) && succeeded(r))
            .and_then(|r| r.ended_at);
        SyncInfo {
            last_success,
            last_pass: last_pass.and_then(|r| {
                Some(PassOutcome {
                    ended_at: r.ended_at?,
                    asked: r.counts.asked,
                    answered: r.counts.answered,
                    failed: r.counts.failed,
                })
            }),
        }
    }
}

/// A run that finished and heard from the platform (an answer, or a
/// "not found"), or had nothing to ask.
fn succeeded(run: &SyncRun) -> bool {
    run.outcome == RunOutcome::Finished
        && (run.counts.asked == 0 || run.counts.answered + run.counts.not_found > 0)
}

/// One card as it stood at `at`.
fn card_at(card: &CardPast, at: Instant) -> CardInput {
    let seen: Vec<&HistoryEntry> = card.entries.iter().filter(|e| e.taken_at <= at).collect();
    let mut status_changes = Vec::new();
    for pair in seen.windows(2) {
        let (before, after) = (&pair[0].snapshot.status, &pair[1].snapshot.status);
        if before != after {
            status_changes.push(StatusChange {
                at: pair[1].taken_at,
                from: before.clone(),
                to: after.clone(),
            });
        }
    }
    let today = day_of(at);
    let mut days: Vec<DayUsage> = card
        .days
        .iter()
        .filter(|d| d.day <= today)
        .map(|d| DayUsage {
            day: d.day,
            data_used: d.data_used,
            sms_used: d.sms_used,
            period_reset: d.period_reset,
        })
        .collect();
    if days.len() > DAYS_KEPT {
        days.drain(..days.len() - DAYS_KEPT);
    }
    let latest = seen.last();
    CardInput {
        key: card.key.clone(),
        tags: Vec::new(),
        taken_at: latest.map(|e| e.taken_at),
        snapshot: latest.map(|e| e.snapshot.clone()).unwrap_or_default(),
        days,
        status_changes,
    }
}

/// The day of `at` in China Standard Time.
fn day_of(at: Instant) -> NaiveDate {
    at.with_timezone(&china_standard_time()).date_naive()
}
