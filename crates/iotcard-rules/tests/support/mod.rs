//! Builders for the tests: rules from TOML, cards, accounts, and a run of
//! evaluations with an injected clock.
#![allow(dead_code)]

use chrono::{NaiveDate, TimeDelta};
use iotcard_model::{
    CardSnapshot, CardStatus, DataAmount, Decimal, Instant, Plan, Remaining, Usage,
};
use iotcard_rules::{
    evaluate, AccountInput, AlertStates, CardInput, DayUsage, Inputs, PassOutcome, PeriodKind,
    RuleConfig, RuleSet, SyncInfo, Transition, TransitionKind,
};

#[derive(serde::Deserialize)]
struct Config {
    rules: Vec<RuleConfig>,
}

/// Rules from `[[rules]]` TOML.
pub fn rules(text: &str) -> RuleSet {
    try_rules(text).unwrap()
}

/// Rules from TOML, or the error's text.
pub fn try_rules(text: &str) -> Result<RuleSet, String> {
    let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
    RuleSet::new(config.rules).map_err(|e| e.to_string())
}

/// An instant from RFC 3339.
pub fn at(s: &str) -> Instant {
    s.parse().unwrap()
}

pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn mb(n: i64) -> DataAmount {
    DataAmount::mb(Decimal::from(n))
}

/// An active card with `used` of `allowance` MB, taken at `taken_at`.
pub fn card(key: &str, used: i64, allowance: i64, taken_at: Instant) -> CardInput {
    CardInput {
        key: key.into(),
        taken_at: Some(taken_at),
        snapshot: CardSnapshot {
            card: key.into(),
            status: Some(CardStatus::Active),
            usage: Some(Usage {
                data_used: Some(mb(used)),
                sms_used: None,
            }),
            remaining: Some(Remaining {
                data_left: Some(mb(allowance - used)),
                sms_left: None,
            }),
            plan: Some(Plan {
                included_data: Some(mb(allowance)),
                ..Plan::default()
            }),
            ..CardSnapshot::default()
        },
        ..CardInput::default()
    }
}

/// Daily usage ending on `last`, oldest first.
pub fn days(last: NaiveDate, used: &[i64]) -> Vec<DayUsage> {
    let n = used.len() as i64;
    used.iter()
        .enumerate()
        .map(|(i, u)| DayUsage {
            day: last - TimeDelta::days(n - 1 - i as i64),
            data_used: Some(mb(*u)),
            sms_used: None,
            period_reset: false,
        })
        .collect()
}

pub fn account(profile: &str, provider: &str, cards: Vec<CardInput>) -> AccountInput {
    AccountInput {
        profile: profile.into(),
        provider: provider.into(),
        period: PeriodKind::for_provider(provider),
        cards,
        ..AccountInput::default()
    }
}

pub fn one(account: AccountInput) -> Inputs {
    Inputs {
        accounts: vec![account],
    }
}

/// A sync history: last success, and the last pass's counts.
pub fn sync(last_success: Option<Instant>, pass_at: Instant, asked: u64, failed: u64) -> SyncInfo {
    SyncInfo {
        last_success,
        last_pass: Some(PassOutcome {
            ended_at: pass_at,
            asked,
            answered: asked - failed,
            failed,
        }),
    }
}

/// Evaluations one after another, keeping the state (as the store would,
/// through its serialized form) and every transition.
pub struct Run {
    pub rules: RuleSet,
    pub state: AlertStates,
    pub log: Vec<Transition>,
}

impl Run {
    pub fn new(rules: RuleSet) -> Self {
        Self {
            rules,
            state: AlertStates::new(),
            log: Vec::new(),
        }
    }

    /// One evaluation; the state goes through JSON, as through the store.
    pub fn at(&mut self, now: Instant, inputs: &Inputs) -> Vec<Transition> {
        let (t, state) = evaluate(&self.rules, inputs, &self.state, now);
        let json = serde_json::to_string(&state).unwrap();
        self.state = serde_json::from_str(&json).unwrap();
        assert_eq!(self.state, state, "the state survives the store");
        self.log.extend(t.iter().cloned());
        t
    }

    /// The kinds of the transitions logged so far.
    pub fn kinds(&self) -> Vec<TransitionKind> {
        self.log.iter().map(|t| t.kind).collect()
    }

    /// The transitions that notify.
    pub fn notifications(&self) -> Vec<&Transition> {
        self.log.iter().filter(|t| t.notifies()).collect()
    }
}

pub fn kinds(t: &[Transition]) -> Vec<TransitionKind> {
    t.iter().map(|t| t.kind).collect()
}
