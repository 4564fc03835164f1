//! From what the rules found to what the outbox sends: notifying
//! transitions become alerts, grouped into one digest per rule per
//! evaluation (per notification time), one outbox entry per digest and
//! notifier; and the alert state as the store keeps it, row by row.

use std::collections::BTreeMap;

use iotcard_model::Instant;
use iotcard_notify::{Alert, Severity};
use iotcard_rules::{
    AlertKey, AlertRecord, AlertState, AlertStates, Phase, RuleSet, StateChanges, Transition,
    TransitionKind,
};
use iotcard_store::{AlertChanges, AlertKeyRef, AlertRow, OutboxEntry};

use crate::daemon::digests::Digests;
use crate::error::WatchError;

/// The notification a transition makes, or `None` when it makes none
/// (pending, or a resolution the rule keeps quiet about).
///
/// Firing and re-notifying alerts are firing; a resolution is resolved,
/// ending at the evaluation's time. A card's figures are its line of the
/// message; an account's are the alert's description. The labels name the
/// rule's kind and the provider: stable, so an alert keeps its fingerprint
/// from firing to resolved.
pub fn alert_for(rules: &RuleSet, provider: &str, t: &Transition) -> Option<Alert> {
    t.notify_at?;
    let rule = rules.get(&t.key.rule)?;
    alert_with(rule.explain(), rule.kind.name().as_str(), provider, t)
}

/// [`alert_for`] over many transitions: each rule's explanation, the
/// alerts' summary, worked out once rather than once an alert. It holds
/// what it needs of the rules, so the pages evaluated beside each other
/// share one.
pub(crate) struct AlertMaker {
    /// By rule name: the summary and the kind's name.
    rules: BTreeMap<String, (String, &'static str)>,
}

impl AlertMaker {
    pub(crate) fn new(rules: &RuleSet) -> Self {
        let rules = rules
            .rules()
            .iter()
            .map(|r| (r.name.clone(), (r.explain(), r.kind.name().as_str())))
            .collect();
        Self { rules }
    }

    /// What [`alert_for`] gives.
    pub(crate) fn alert(&self, provider: &str, t: &Transition) -> Option<Alert> {
        t.notify_at?;
        let (summary, kind) = self.rules.get(t.key.rule.as_str())?;
        alert_with(summary.clone(), kind, provider, t)
    }
}

fn alert_with(summary: String, kind: &str, provider: &str, t: &Transition) -> Option<Alert> {
    let mut alert = Alert::firing(&t.key.rule, &t.key.account, t.since)
        .with_severity(severity(t.severity))
        .with_summary(summary)
        .with_label("kind", kind)
        .with_label("provider", provider);
    let figures = t.figures.to_string();
    alert = match &t.key.card {
        Some(card) => alert.with_card(card, figures),
        None => alert.with_description(figures),
    };
    match t.kind {
        TransitionKind::Firing | TransitionKind::Renotify => Some(alert),
        TransitionKind::Resolved => Some(alert.resolved(t.at)),
        TransitionKind::Pending => None,
    }
}

fn severity(s: iotcard_rules::Severity) -> Severity {
    match s {
        iotcard_rules::Severity::Info => Severity::Info,
        iotcard_rules::Severity::Warning => Severity::Warning,
        iotcard_rules::Severity::Critical => Severity::Critical,
    }
}

/// One outbox entry per digest and notifier of its rule: the transitions
/// of one rule due at one time make one digest (its window starts at that
/// time), sent to each notifier the rule names under the digest's
/// idempotency key for it. The payload is the digest as JSON; `due_at` is
/// the notification time (quiet hours defer it).
pub fn outbox_entries(
    rules: &RuleSet,
    provider: &str,
    transitions: &[Transition],
    now: Instant,
) -> Result<Vec<OutboxEntry>, WatchError> {
    let mut digests = Digests::new(rules);
    let alerts = AlertMaker::new(rules);
    for t in transitions {
        if let (Some(at), Some(alert)) = (t.notify_at, alerts.alert(provider, t)) {
            digests.push(at, alert)?;
        }
    }
    digests.outbox(now)
}

/// The alert state of the rows the store keeps.
pub fn states_from_rows(rows: Vec<AlertRow>) -> Result<AlertStates, WatchError> {
    let mut states = AlertStates::new();
    for row in rows {
        let state: AlertState =
            serde_json::from_str(&row.body).map_err(|source| WatchError::AlertRow {
                key: key_text(&row.rule, &row.profile, row.card.as_deref()),
                source,
            })?;
        states.insert(
            AlertKey {
                rule: row.rule,
                account: row.profile,
                card: row.card,
            },
            state,
        );
    }
    Ok(states)
}

/// What the store must change, as rows.
pub fn row_changes(changes: StateChanges) -> Result<AlertChanges, WatchError> {
    let upserts = changes
        .upserts
        .into_iter()
        .map(row)
        .collect::<Result<Vec<_>, _>>()?;
    let removals = changes
        .removals
        .into_iter()
        .map(|k| AlertKeyRef {
            rule: k.rule,
            profile: k.account,
            card: k.card,
        })
        .collect();
    Ok(AlertChanges {
        upserts,
        removals,
        notices: Vec::new(),
    })
}

fn row(record: AlertRecord) -> Result<AlertRow, WatchError> {
    let body = serde_json::to_string(&record.state).map_err(|source| WatchError::AlertRow {
        key: record.key.to_string(),
        source,
    })?;
    Ok(AlertRow {
        phase: match record.state.phase {
            Phase::Pending => "pending",
            Phase::Firing => "firing",
        }
        .to_owned(),
        since: record.state.since,
        rule: record.key.rule,
        profile: record.key.account,
        card: record.key.card,
        body,
    })
}

fn key_text(rule: &str, profile: &str, card: Option<&str>) -> String {
    match card {
        Some(card) => format!("{rule} {profile}/{card}"),
        None => format!("{rule} {profile}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotcard_model::{CardSnapshot, DataAmount, Plan, Usage};
    use iotcard_notify::Digest;
    use iotcard_rules::{evaluate, AccountInput, CardInput, Inputs};

    fn rules(extra: &str) -> RuleSet {
        crate::daemon::test_rules::rules(&format!(
            "[[rules]]\nname = \"quota\"\nkind = \"quota\"\nthresholds = [80, 90]\nnotify = [\"ops\", \"am\"]\n{extra}"
        ))
    }

    fn inputs(used_mb: i64) -> Inputs {
        let card = CardInput {
            key: "1064804085884".into(),
            taken_at: Some("2026-03-10T11:00:00+08:00".parse().unwrap()),
            snapshot: CardSnapshot {
                usage: Some(Usage {
                    data_used: Some(DataAmount::mb(used_mb.into())),
                    ..Usage::default()
                }),
                plan: Some(Plan {
                    included_data: Some(DataAmount::mb(1000.into())),
                    ..Plan::default()
                }),
                ..CardSnapshot::default()
            },
            ..CardInput::default()
        };
        Inputs {
            accounts: vec![AccountInput {
                profile: "acme".into(),
                provider: "iotbos".into(),
                cards: vec![card],
                ..AccountInput::default()
            }],
        }
    }

    #[test]
    fn the_alert_maker_makes_the_alerts_alert_for_makes() {
        let rules = rules("");
        let now: Instant = "2026-03-10T12:00:00+08:00".parse().unwrap();
        let (transitions, _) = evaluate(&rules, &inputs(910), &AlertStates::new(), now);
        assert!(!transitions.is_empty());
        let maker = AlertMaker::new(&rules);
        for t in &transitions {
            let alert = maker.alert("iotbos", t);
            assert_eq!(alert, alert_for(&rules, "iotbos", t));
            assert_eq!(
                alert.unwrap().summary,
                rules.get("quota").unwrap().explain()
            );
        }
    }

    #[test]
    fn a_firing_card_makes_one_digest_per_notifier_naming_it_with_its_figures() {
        let rules = rules("");
        let now: Instant = "2026-03-10T12:00:00+08:00".parse().unwrap();
        let (transitions, state) = evaluate(&rules, &inputs(910), &AlertStates::new(), now);
        let entries = outbox_entries(&rules, "iotbos", &transitions, now).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].notifier, "ops");
        assert_eq!(entries[1].notifier, "am");
        assert_ne!(entries[0].key, entries[1].key);
        assert!(entries
            .iter()
            .all(|e| e.due_at == now && e.profile == "acme"));
        let digest: Digest = serde_json::from_str(&entries[0].payload).unwrap();
        assert_eq!(entries[0].key, digest.idempotency_key("ops").as_str());
        let alert = &digest.alerts()[0];
        assert_eq!(alert.cards[0].card, "1064804085884");
        assert_eq!(
            alert.cards[0].figure,
            "data used 910 MB of 1000 MB (91.00%), past the 90% step"
        );
        assert_eq!(alert.labels["kind"], "quota");

        // Resolved: the same alert (same fingerprint), resolved at now.
        let later = now + chrono::Duration::hours(1);
        let (resolved, _) = evaluate(&rules, &inputs(100), &state, later);
        let alert_r = alert_for(&rules, "iotbos", &resolved[0]).unwrap();
        assert_eq!(alert_r.state, iotcard_notify::AlertState::Resolved);
        assert_eq!(alert_r.ends_at, Some(later));
        assert_eq!(alert_r.fingerprint(), alert.fingerprint());
    }

    #[test]
    fn quiet_hours_defer_the_entry_and_pending_notifies_nobody() {
        let quiet = rules("quiet_hours = \"11:00-13:00\"\ntimezone = \"Asia/Shanghai\"");
        let now: Instant = "2026-03-10T12:00:00+08:00".parse().unwrap();
        let (transitions, _) = evaluate(&quiet, &inputs(910), &AlertStates::new(), now);
        let entries = outbox_entries(&quiet, "iotbos", &transitions, now).unwrap();
        let end: Instant = "2026-03-10T13:00:00+08:00".parse().unwrap();
        assert!(entries
            .iter()
            .all(|e| e.due_at == end && e.created_at == now));

        let waiting = rules("for = \"1h\"");
        let (transitions, _) = evaluate(&waiting, &inputs(910), &AlertStates::new(), now);
        assert_eq!(transitions.len(), 1, "pending");
        assert!(alert_for(&waiting, "iotbos", &transitions[0]).is_none());
        assert!(outbox_entries(&waiting, "iotbos", &transitions, now)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn alert_state_survives_the_rows() {
        let rules = rules("for = \"1h\"");
        let now: Instant = "2026-03-10T12:00:00+08:00".parse().unwrap();
        let (_, state) = evaluate(&rules, &inputs(910), &AlertStates::new(), now);
        let changes = row_changes(state.changes_since(&AlertStates::new())).unwrap();
        assert_eq!(changes.upserts.len(), 1);
        assert_eq!(changes.upserts[0].phase, "pending");
        assert_eq!(changes.upserts[0].card.as_deref(), Some("1064804085884"));
        assert_eq!(states_from_rows(changes.upserts).unwrap(), state);
        let broken = AlertRow {
            rule: "quota".into(),
            profile: "acme".into(),
            card: None,
            phase: "firing".into(),
            since: now,
            body: "{not json".into(),
        };
        let e = states_from_rows(vec![broken]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "alert quota acme: its stored state is not readable"
        );
    }
}
