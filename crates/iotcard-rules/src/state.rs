//! Alert state: what the store keeps between evaluations, and the state
//! machine that moves one alert along.

use std::collections::HashMap;
use std::fmt;

use foldhash::fast::FixedState;
use iotcard_model::{Decimal, Instant};
use serde::{Deserialize, Serialize};

use crate::changes::ChangeLog;
use crate::{Figures, Rule, Severity};

/// A map keyed by name, with a fixed-seed hash: the same on every run, and
/// fast on a million cards.
pub(crate) type Map<V> = HashMap<String, V, FixedState>;

/// Which alert: a rule for an account, and a card or the account itself.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
pub struct AlertKey {
    /// The rule's name.
    pub rule: String,
    /// The account's profile.
    pub account: String,
    /// The card's key; `None` for an account-level alert (`sync`).
    pub card: Option<String>,
}

impl fmt::Display for AlertKey {
    /// `rule account/card`, or `rule account` for an account's alert.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.rule, self.account)?;
        if let Some(card) = &self.card {
            write!(f, "/{card}")?;
        }
        Ok(())
    }
}

/// Where an alert is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The condition holds, for less than the rule's `for` so far.
    Pending,
    /// Fired and notified.
    Firing,
}

/// One alert between evaluations. An alert that is neither pending nor
/// firing has no state.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AlertState {
    /// Pending or firing.
    pub phase: Phase,
    /// When the condition began to hold.
    #[serde(deserialize_with = "crate::rfc3339::instant")]
    pub since: Instant,
    /// When it fired.
    #[serde(default, deserialize_with = "crate::rfc3339::optional_instant")]
    pub fired_at: Option<Instant>,
    /// When its last notification went (or, deferred by quiet hours, will
    /// go); re-notification counts from here.
    #[serde(default, deserialize_with = "crate::rfc3339::optional_instant")]
    pub last_notified: Option<Instant>,
    /// The quota step (percent) it is at; `None` for other rules.
    pub step: Option<Decimal>,
    /// The figures of the latest evaluation that saw the condition hold.
    pub figures: Figures,
    /// Touched by the evaluation running now (never serialized; false
    /// between evaluations).
    #[serde(skip)]
    pub(crate) seen: bool,
}

/// Every alert of every rule, as a value the store keeps.
///
/// Serialized as a list of `{key, state}` records sorted by key, so the
/// same alerts always give the same text.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(from = "Vec<AlertRecord>", into = "Vec<AlertRecord>")]
pub struct AlertStates {
    pub(crate) rules: Map<RuleAlerts>,
    /// What changed since tracking began ([`AlertStates::track_changes`]);
    /// not part of the value (never compared or serialized).
    pub(crate) log: Option<ChangeLog>,
}

impl PartialEq for AlertStates {
    fn eq(&self, other: &Self) -> bool {
        self.rules == other.rules
    }
}

/// One rule's alerts, by account.
#[derive(Clone, PartialEq, Debug, Default)]
pub(crate) struct RuleAlerts {
    pub(crate) accounts: Map<AccountAlerts>,
}

/// One rule's alerts of one account.
#[derive(Clone, PartialEq, Debug, Default)]
pub(crate) struct AccountAlerts {
    pub(crate) account: Option<AlertState>,
    pub(crate) cards: Map<AlertState>,
}

impl AccountAlerts {
    pub(crate) fn is_empty(&self) -> bool {
        self.account.is_none() && self.cards.is_empty()
    }
}

/// One alert as the store keeps it: a row.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AlertRecord {
    /// Which alert.
    pub key: AlertKey,
    /// Its state.
    pub state: AlertState,
}

impl AlertStates {
    /// No alerts.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many alerts are pending or firing.
    pub fn len(&self) -> usize {
        self.rules
            .values()
            .flat_map(|r| r.accounts.values())
            .map(|a| a.cards.len() + usize::from(a.account.is_some()))
            .sum()
    }

    /// Whether there is no alert.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One alert's state.
    pub fn get(&self, key: &AlertKey) -> Option<&AlertState> {
        let account = self.rules.get(&key.rule)?.accounts.get(&key.account)?;
        match &key.card {
            Some(card) => account.cards.get(card),
            None => account.account.as_ref(),
        }
    }

    /// Sets one alert's state (as read back from the store).
    pub fn insert(&mut self, key: AlertKey, mut state: AlertState) {
        state.seen = false;
        if self.log.is_some() {
            let before = self.get(&key).cloned();
            if let Some(log) = self.log.as_mut() {
                log.record(key.clone(), || before);
            }
        }
        let account = self
            .rules
            .entry(key.rule)
            .or_default()
            .accounts
            .entry(key.account)
            .or_default();
        match key.card {
            Some(card) => {
                account.cards.insert(card, state);
            }
            None => account.account = Some(state),
        }
    }

    /// Removes one alert, giving its state back.
    pub fn remove(&mut self, key: &AlertKey) -> Option<AlertState> {
        let rule = self.rules.get_mut(&key.rule)?;
        let account = rule.accounts.get_mut(&key.account)?;
        let removed = match &key.card {
            Some(card) => account.cards.remove(card),
            None => account.account.take(),
        };
        if account.is_empty() {
            rule.accounts.remove(&key.account);
        }
        if rule.accounts.is_empty() {
            self.rules.remove(&key.rule);
        }
        if let (Some(log), Some(state)) = (self.log.as_mut(), &removed) {
            log.record(key.clone(), || Some(state.clone()));
        }
        removed
    }

    /// Every alert, sorted by key.
    pub fn records(&self) -> Vec<AlertRecord> {
        let mut out = Vec::with_capacity(self.len());
        for (rule, alerts) in &self.rules {
            for (account, a) in &alerts.accounts {
                let key = |card: Option<&String>| AlertKey {
                    rule: rule.clone(),
                    account: account.clone(),
                    card: card.cloned(),
                };
                if let Some(state) = &a.account {
                    out.push(AlertRecord {
                        key: key(None),
                        state: state.clone(),
                    });
                }
                for (card, state) in &a.cards {
                    out.push(AlertRecord {
                        key: key(Some(card)),
                        state: state.clone(),
                    });
                }
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out
    }

    /// The alerts that are firing, sorted by key (`iotcard alerts --firing`).
    pub fn firing(&self) -> Vec<AlertRecord> {
        let mut all = self.records();
        all.retain(|r| r.state.phase == Phase::Firing);
        all
    }
}

/// What changed between two alert states: the rows a store writes.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct StateChanges {
    /// Alerts new or changed (phase, times, step or figures), sorted by key.
    pub upserts: Vec<AlertRecord>,
    /// Alerts gone, sorted.
    pub removals: Vec<AlertKey>,
}

impl StateChanges {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.upserts.is_empty() && self.removals.is_empty()
    }
}

impl AlertStates {
    /// What changed from `before` to `self`, so a store writes only those
    /// rows rather than every alert after each evaluation.
    pub fn changes_since(&self, before: &AlertStates) -> StateChanges {
        let mut changes = StateChanges::default();
        for record in self.records() {
            if before.get(&record.key) != Some(&record.state) {
                changes.upserts.push(record);
            }
        }
        for record in before.records() {
            if self.get(&record.key).is_none() {
                changes.removals.push(record.key);
            }
        }
        changes
    }
}

impl From<Vec<AlertRecord>> for AlertStates {
    fn from(records: Vec<AlertRecord>) -> Self {
        let mut states = AlertStates::new();
        for r in records {
            states.insert(r.key, r.state);
        }
        states
    }
}

impl From<AlertStates> for Vec<AlertRecord> {
    fn from(states: AlertStates) -> Self {
        states.records()
    }
}

/// What happened to an alert.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    /// The condition began to hold; the rule's `for` has not passed yet
    /// (no notification).
    Pending,
    /// The alert fired, or a quota alert went up a step (a notification).
    Firing,
    /// Still firing after the rule's `renotify` (a notification).
    Renotify,
    /// The condition no longer holds (a notification unless the rule says
    /// `send_resolved = false`).
    Resolved,
}

impl TransitionKind {
    /// `pending`, `firing`, `renotify` or `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransitionKind::Pending => "pending",
            TransitionKind::Firing => "firing",
            TransitionKind::Renotify => "renotify",
            TransitionKind::Resolved => "resolved",
        }
    }
}

impl fmt::Display for TransitionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One alert's change in one evaluation.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Transition {
    /// Which alert.
    pub key: AlertKey,
    /// What happened.
    pub kind: TransitionKind,
    /// The evaluation's `now`.
    pub at: Instant,
    /// When to notify: `at`, or the end of the rule's quiet hours when
    /// `at` falls in them; `None` when this transition notifies nobody.
    pub notify_at: Option<Instant>,
    /// The rule's severity.
    pub severity: Severity,
    /// When the condition began to hold.
    pub since: Instant,
    /// The figures that made it fire (for `Resolved`, the figures now, or
    /// the last seen when the card left the rule's scope).
    pub figures: Figures,
}

impl Transition {
    /// Whether it notifies.
    pub fn notifies(&self) -> bool {
        self.notify_at.is_some()
    }

    /// A key that names this notification and no other, the same whichever
    /// watcher evaluates it: for an outbox's idempotency.
    pub fn idempotency_key(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.key.rule,
            self.key.account,
            self.key.card.as_deref().unwrap_or(""),
            self.kind,
            self.at.timestamp()
        )
    }
}

impl fmt::Display for Transition {
    /// `2026-02-01T08:00:00+08:00 firing quota acme/1064…: data used …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}: {}",
            self.at, self.kind, self.key, self.figures
        )?;
        if let Some(at) = self.notify_at.filter(|n| *n != self.at) {
            write!(f, " (notify at {at})")?;
        }
        Ok(())
    }
}

/// What a rule found for one card or account.
#[derive(Debug)]
pub(crate) enum Check {
    /// Not enough known to say: the alert stays as it is.
    Unknown,
    /// The condition does not hold; the figures are given when an alert
    /// exists (for its resolution).
    Clear(Option<Box<Figures>>),
    /// The condition holds.
    Active {
        /// The quota step.
        step: Option<Decimal>,
        /// The figures (boxed: the check of a card with nothing to say
        /// stays small).
        figures: Box<Figures>,
    },
}

impl Check {
    pub(crate) fn active(step: Option<Decimal>, figures: Figures) -> Self {
        Check::Active {
            step,
            figures: Box::new(figures),
        }
    }

    pub(crate) fn clear(figures: Option<Figures>) -> Self {
        Check::Clear(figures.map(Box::new))
    }
}

/// What to do with an alert's slot.
pub(crate) enum Change {
    /// Nothing changed (the slot is left as it is, empty or not).
    Keep,
    /// The alert ends.
    Remove,
    /// The alert begins, or its state changed: the slot takes this one.
    Set(AlertState),
}

/// A transition without its key (the caller builds the key only when one
/// happens).
pub(crate) struct Emit {
    pub kind: TransitionKind,
    pub notify_at: Option<Instant>,
    pub since: Instant,
    pub figures: Figures,
}

impl Emit {
    pub(crate) fn into_transition(self, key: AlertKey, rule: &Rule, at: Instant) -> Transition {
        Transition {
            key,
            kind: self.kind,
            at,
            notify_at: self.notify_at,
            severity: rule.severity,
            since: self.since,
            figures: self.figures,
        }
    }
}

/// Moves one alert along: the state machine of every rule. The state is
/// not changed here: a changed one comes back as [`Change::Set`], so the
/// caller knows which alerts an evaluation changed without comparing them
/// all afterwards.
pub(crate) fn advance(
    rule: &Rule,
    prev: Option<&AlertState>,
    check: Check,
    now: Instant,
) -> (Change, Option<Emit>) {
    let notify_at = || rule.release(now);
    match (prev, check) {
        (_, Check::Unknown) | (None, Check::Clear(_)) => (Change::Keep, None),
        (None, Check::Active { step, figures }) => {
            let firing = rule.for_.is_zero();
            let n = firing.then(notify_at);
            let state = AlertState {
                phase: if firing {
                    Phase::Firing
                } else {
                    Phase::Pending
                },
                since: now,
                fired_at: firing.then_some(now),
                last_notified: n,
                step,
                figures: (*figures).clone(),
                seen: true,
            };
            let emit = Emit {
                kind: if firing {
                    TransitionKind::Firing
                } else {
                    TransitionKind::Pending
                },
                notify_at: n,
                since: now,
                figures: *figures,
            };
            (Change::Set(state), Some(emit))
        }
        (Some(state), Check::Clear(figures)) => {
            let emit = (state.phase == Phase::Firing).then(|| Emit {
                kind: TransitionKind::Resolved,
                notify_at: rule.send_resolved.then(notify_at),
                since: state.since,
                figures: figures.map_or_else(|| state.figures.clone(), |f| *f),
            });
            (Change::Remove, emit)
        }
        (Some(state), Check::Active { step, figures }) => {
            let mut next = AlertState {
                phase: state.phase,
                since: state.since,
                fired_at: state.fired_at,
                last_notified: state.last_notified,
                step,
                figures: *figures,
                seen: true,
            };
            let emit = match state.phase {
                Phase::Pending => {
                    if now >= state.since + rule.for_.as_delta() {
                        next.phase = Phase::Firing;
                        next.fired_at = Some(now);
                        Some(TransitionKind::Firing)
                    } else {
                        None
                    }
                }
                Phase::Firing => {
                    let up = match (step, state.step) {
                        (Some(new), Some(old)) => new > old,
                        (Some(_), None) => true,
                        _ => false,
                    };
                    let renotify_due = rule.renotify.is_some_and(|every| {
                        state
                            .last_notified
                            .is_none_or(|last| now >= last + every.as_delta())
                    });
                    if up {
                        Some(TransitionKind::Firing)
                    } else if renotify_due {
                        Some(TransitionKind::Renotify)
                    } else {
                        None
                    }
                }
            };
            let emit = emit.map(|kind| {
                let n = notify_at();
                next.last_notified = Some(n);
                Emit {
                    kind,
                    notify_at: Some(n),
                    since: next.since,
                    figures: next.figures.clone(),
                }
            });
            // Most alerts stay as they were from one evaluation to the next.
            let change = if next.same_as(state) {
                Change::Keep
            } else {
                Change::Set(next)
            };
            (change, emit)
        }
    }
}

impl AlertState {
    /// Equal, the evaluation's mark aside.
    pub(crate) fn same_as(&self, other: &AlertState) -> bool {
        self.phase == other.phase
            && self.since == other.since
            && self.fired_at == other.fired_at
            && self.last_notified == other.last_notified
            && self.step == other.step
            && self.figures == other.figures
    }
}
