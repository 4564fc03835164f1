//! The notifications of one evaluation, folded into digests as they come:
//! one per rule and notification time, each of bounded size whatever the
//! number of alerts (the first ones whole, the rest counted), so an
//! evaluation of a million cards holds a few digests, not a million alerts.

use std::collections::BTreeMap;

use iotcard_model::Instant;
use iotcard_notify::{Alert, DigestBuilder};
use iotcard_rules::{RuleSet, Transition};
use iotcard_store::{AlertNotice, OutboxEntry};

use crate::daemon::alerts::alert_for;
use crate::error::WatchError;

/// The digests of one evaluation, being built.
pub(crate) struct Digests<'a> {
    rules: &'a RuleSet,
    groups: BTreeMap<(String, Instant), DigestBuilder>,
}

impl<'a> Digests<'a> {
    pub(crate) fn new(rules: &'a RuleSet) -> Self {
        Self {
            rules,
            groups: BTreeMap::new(),
        }
    }

    /// Adds `alert`, due at `due_at`, to its rule's digest for that time.
    pub(crate) fn push(&mut self, due_at: Instant, alert: Alert) -> Result<(), WatchError> {
        let key = alert.rule.clone();
        let builder = self
            .groups
            .entry((key, due_at))
            .or_insert_with_key(|(rule, at)| DigestBuilder::new(rule.clone(), *at));
        builder
            .push(alert)
            .map_err(|source| WatchError::Digest { source })
    }

    /// Whether no alert was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// One outbox entry per digest and notifier of its rule, under the
    /// digest's idempotency key for that notifier; the payload is the
    /// digest as JSON, due at its time (quiet hours defer it). Digests of
    /// rules no longer in the rule set are dropped.
    pub(crate) fn outbox(self, now: Instant) -> Result<Vec<OutboxEntry>, WatchError> {
        let mut out = Vec::new();
        for ((rule_name, due_at), builder) in self.groups {
            let (Some(rule), Some(digest)) = (self.rules.get(&rule_name), builder.finish()) else {
                continue;
            };
            let payload = serde_json::to_string(&digest).map_err(|source| WatchError::Payload {
                key: digest.key().to_string(),
                source,
            })?;
            let profile = digest.accounts().join(",");
            for notifier in &rule.notify {
                out.push(OutboxEntry {
                    key: digest.idempotency_key(notifier).as_str().to_owned(),
                    notifier: notifier.clone(),
                    rule: rule_name.clone(),
                    profile: profile.clone(),
                    payload: payload.clone(),
                    created_at: now,
                    due_at,
                });
            }
        }
        Ok(out)
    }
}

/// The notice a transition stages (its alert, due at its notification
/// time), or `None` when it notifies nobody.
pub(crate) fn notice_for(
    rules: &RuleSet,
    provider: &str,
    t: &Transition,
) -> Result<Option<(AlertNotice, Alert)>, WatchError> {
    let (Some(due_at), Some(alert)) = (t.notify_at, alert_for(rules, provider, t)) else {
        return Ok(None);
    };
    let body = serde_json::to_string(&alert).map_err(|source| WatchError::Payload {
        key: t.key.to_string(),
        source,
    })?;
    Ok(Some((
        AlertNotice {
            profile: t.key.account.clone(),
            rule: t.key.rule.clone(),
            notify_at: due_at,
            body,
        },
        alert,
    )))
}

/// The alert a staged notice carries.
pub(crate) fn notice_alert(notice: &AlertNotice) -> Result<Alert, WatchError> {
    serde_json::from_str(&notice.body).map_err(|source| WatchError::AlertRow {
        key: format!("notice of {} {}", notice.rule, notice.profile),
        source,
    })
}
