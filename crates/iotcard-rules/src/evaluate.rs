//! One evaluation: every rule over every card and account given.

use iotcard_model::Instant;

use crate::changes::ChangeLog;
use crate::rules::{CardCtx, Clock};
use crate::state::{advance, AccountAlerts, Change, Check, Emit, Map, RuleAlerts};
use crate::{
    AccountInput, AlertKey, AlertState, AlertStates, Inputs, Phase, Rule, RuleKind, RuleSet,
    Transition, TransitionKind,
};

/// Evaluates every rule at `now`: a pure function of the inputs, the
/// previous alert state and `now`, giving the transitions and the next
/// state.
///
/// Alerts of accounts not in `inputs` are kept as they are. An alert of a
/// card that is no longer listed for its account (gone, or out of the
/// rule's scope) resolves, unless the account is marked
/// [`AccountInput::partial`]. Alerts of rules no longer in `rules` are
/// dropped without a transition.
///
/// Evaluating again with the same inputs, the state it returned and the
/// same `now` gives no transition.
pub fn evaluate(
    rules: &RuleSet,
    inputs: &Inputs,
    previous: &AlertStates,
    now: Instant,
) -> (Vec<Transition>, AlertStates) {
    let mut state = previous.clone();
    let transitions = evaluate_in_place(rules, inputs, &mut state, now);
    (transitions, state)
}

/// [`evaluate`], changing `state` in place rather than copying it (what a
/// long-running watcher with many alerts wants).
pub fn evaluate_in_place(
    rules: &RuleSet,
    inputs: &Inputs,
    state: &mut AlertStates,
    now: Instant,
) -> Vec<Transition> {
    let mut out = Vec::new();
    let list = rules.rules();
    if let Some(log) = state.log.as_mut() {
        for (name, dropped) in state.rules.iter().filter(|(n, _)| rules.get(n).is_none()) {
            log_dropped(log, name, dropped);
        }
    }
    state.rules.retain(|name, _| rules.get(name).is_some());
    let mut slots: Vec<RuleAlerts> = list
        .iter()
        .map(|r| state.rules.remove(&r.name).unwrap_or_default())
        .collect();
    let clock = Clock::new(now);
    for account in &inputs.accounts {
        let mut alerts: Vec<AccountAlerts> = slots
            .iter_mut()
            .map(|s| s.accounts.remove(&account.profile).unwrap_or_default())
            .collect();
        let in_scope: Vec<bool> = list
            .iter()
            .map(|r| r.scope.matches_account(&account.profile))
            .collect();

        // Account-level rules.
        for (i, rule) in list.iter().enumerate() {
            let RuleKind::Sync(sync) = &rule.kind else {
                continue;
            };
            if !in_scope[i] {
                continue;
            }
            let slot = &mut alerts[i].account;
            let check = sync.check(account, now, slot.as_ref());
            let (change, emit) = advance(rule, slot.as_ref(), check, now);
            if let Some(log) = state.log.as_mut() {
                if !matches!(change, Change::Keep) {
                    log.record(key(rule, account, None), || slot.clone());
                }
            }
            apply_account(slot, change);
            if let Some(emit) = emit {
                out.push(emit.into_transition(key(rule, account, None), rule, now));
            }
        }

        // Card-level rules.
        let card_rules: Vec<usize> = (0..list.len())
            .filter(|&i| in_scope[i] && !list[i].is_account_level())
            .collect();
        if !card_rules.is_empty() {
            for card in &account.cards {
                let ctx = CardCtx::new(&clock, account, card);
                for &i in &card_rules {
                    let rule = &list[i];
                    if rule.scope.has_card_filters() && !rule.scope.matches_card(card) {
                        continue;
                    }
                    let cards = &mut alerts[i].cards;
                    let mut prev = cards.get_mut(card.key.as_str());
                    if let Some(p) = prev.as_deref_mut() {
                        p.seen = true;
                    }
                    let check = check_card(rule, &ctx, prev.as_deref());
                    let (change, emit) = advance(rule, prev.as_deref(), check, now);
                    let before = match change {
                        Change::Keep => None,
                        Change::Remove => Some(cards.remove(card.key.as_str())),
                        Change::Set(next) => Some(match cards.get_mut(card.key.as_str()) {
                            Some(slot) => Some(std::mem::replace(slot, next)),
                            None => cards.insert(card.key.clone(), next),
                        }),
                    };
                    if let (Some(log), Some(before)) = (state.log.as_mut(), before) {
                        log.record(key(rule, account, Some(&card.key)), || before);
                    }
                    if let Some(emit) = emit {
                        out.push(emit.into_transition(
                            key(rule, account, Some(&card.key)),
                            rule,
                            now,
                        ));
                    }
                }
            }
        }

        // Alerts whose card (or whose account) the rule no longer sees.
        for (i, rule) in list.iter().enumerate() {
            let a = &mut alerts[i];
            let mut gone: Vec<(Option<String>, AlertState)> = Vec::new();
            if !in_scope[i] {
                if let Some(state) = a.account.take() {
                    gone.push((None, state));
                }
                gone.extend(a.cards.drain().map(|(k, s)| (Some(k), s)));
            } else if rule.is_account_level() {
                gone.extend(a.cards.drain().map(|(k, s)| (Some(k), s)));
            } else {
                if let Some(state) = a.account.take() {
                    gone.push((None, state));
                }
                if account.partial {
                    a.cards.values_mut().for_each(|s| s.seen = false);
                } else {
                    sweep(&mut a.cards, &mut gone);
                }
            }
            resolve_gone(
                rule,
                &account.profile,
                gone,
                now,
                &mut out,
                state.log.as_mut(),
            );
        }

        for (slot, a) in slots.iter_mut().zip(alerts) {
            if !a.is_empty() {
                slot.accounts.insert(account.profile.clone(), a);
            }
        }
    }
    for (rule, slot) in list.iter().zip(slots) {
        if !slot.accounts.is_empty() {
            state.rules.insert(rule.name.clone(), slot);
        }
    }
    out
}

/// Resolves the card alerts of one account whose card is no longer
/// `present`, for every card rule: the last step of an evaluation in chunks
/// ([`AccountInput::partial`]), once every chunk has been evaluated. Gives
/// the resolutions (in key order); an alert that was only pending goes
/// away silently.
pub fn resolve_absent(
    rules: &RuleSet,
    state: &mut AlertStates,
    profile: &str,
    present: impl Fn(&str) -> bool,
    now: Instant,
) -> Vec<Transition> {
    let mut out = Vec::new();
    for rule in rules.rules().iter().filter(|r| !r.is_account_level()) {
        let Some(slot) = state.rules.get_mut(&rule.name) else {
            continue;
        };
        let Some(alerts) = slot.accounts.get_mut(profile) else {
            continue;
        };
        let absent: Vec<String> = alerts
            .cards
            .keys()
            .filter(|k| !present(k))
            .cloned()
            .collect();
        let gone: Vec<(Option<String>, AlertState)> = absent
            .into_iter()
            .filter_map(|k| alerts.cards.remove(&k).map(|s| (Some(k), s)))
            .collect();
        if alerts.is_empty() {
            slot.accounts.remove(profile);
        }
        if slot.accounts.is_empty() {
            state.rules.remove(&rule.name);
        }
        resolve_gone(rule, profile, gone, now, &mut out, state.log.as_mut());
    }
    out
}

/// The resolutions of alerts taken out of the state, in key order (each
/// recorded in `log` as removed).
fn resolve_gone(
    rule: &Rule,
    profile: &str,
    mut gone: Vec<(Option<String>, AlertState)>,
    now: Instant,
    out: &mut Vec<Transition>,
    mut log: Option<&mut ChangeLog>,
) {
    gone.sort_by(|x, y| x.0.cmp(&y.0));
    for (card, state) in gone {
        let key = AlertKey {
            rule: rule.name.clone(),
            account: profile.to_owned(),
            card,
        };
        let firing = state.phase == Phase::Firing;
        let emit = firing.then(|| Emit {
            kind: TransitionKind::Resolved,
            notify_at: rule.send_resolved.then(|| rule.release(now)),
            since: state.since,
            figures: state.figures.clone(),
        });
        match (emit, log.as_deref_mut()) {
            (Some(emit), Some(log)) => {
                log.record(key.clone(), || Some(state));
                out.push(emit.into_transition(key, rule, now));
            }
            (Some(emit), None) => out.push(emit.into_transition(key, rule, now)),
            (None, Some(log)) => log.record(key, || Some(state)),
            (None, None) => {}
        }
    }
}

/// Records every alert of a rule no longer configured as removed.
fn log_dropped(log: &mut ChangeLog, rule: &str, dropped: &RuleAlerts) {
    for (profile, a) in &dropped.accounts {
        let key = |card: Option<&String>| AlertKey {
            rule: rule.to_owned(),
            account: profile.clone(),
            card: card.cloned(),
        };
        if let Some(state) = &a.account {
            log.record(key(None), || Some(state.clone()));
        }
        for (card, state) in &a.cards {
            log.record(key(Some(card)), || Some(state.clone()));
        }
    }
}

/// Takes the alerts the evaluation did not touch out of `cards`, and
/// clears the mark on the others.
fn sweep(cards: &mut Map<AlertState>, gone: &mut Vec<(Option<String>, AlertState)>) {
    if cards.values().all(|s| s.seen) {
        cards.values_mut().for_each(|s| s.seen = false);
        return;
    }
    let untouched: Vec<String> = cards
        .iter()
        .filter(|(_, s)| !s.seen)
        .map(|(k, _)| k.clone())
        .collect();
    for k in untouched {
        if let Some(state) = cards.remove(&k) {
            gone.push((Some(k), state));
        }
    }
    cards.values_mut().for_each(|s| s.seen = false);
}

fn apply_account(slot: &mut Option<AlertState>, change: Change) {
    match change {
        Change::Keep => {}
        Change::Remove => *slot = None,
        Change::Set(mut state) => {
            state.seen = false;
            *slot = Some(state);
        }
    }
    if let Some(s) = slot.as_mut() {
        s.seen = false;
    }
}

fn check_card(rule: &Rule, ctx: &CardCtx<'_>, prev: Option<&AlertState>) -> Check {
    match &rule.kind {
        RuleKind::Quota(r) => r.check(ctx, prev),
        RuleKind::Forecast(r) => r.check(ctx, prev),
        RuleKind::Remaining(r) => r.check(ctx, prev),
        RuleKind::Expiry(r) => r.check(ctx, prev),
        RuleKind::Status(r) => r.check(ctx, prev),
        RuleKind::Silent(r) => r.check(ctx, prev),
        RuleKind::Spike(r) => r.check(ctx, prev),
        // Account-level: never asked per card.
        RuleKind::Sync(_) => Check::Unknown,
    }
}

fn key(rule: &Rule, account: &AccountInput, card: Option<&String>) -> AlertKey {
    AlertKey {
        rule: rule.name.clone(),
        account: account.profile.clone(),
        card: card.cloned(),
    }
}
