//! The notifications of one evaluation, folded into digests as they come:
//! one per rule and notification time, each of bounded size whatever the
//! number of alerts (the first ones whole, the rest counted), so an
//! evaluation of a million cards holds a few digests, not a million alerts.
//!
//! What each page adds to them is staged with the page's commit as one
//! notice per digest it touched (a [`DigestPart`]: the alerts the digest
//! kept, whole, and the others' sums), not one per alert: an evaluation
//! that stops between pages loses none, and the next rebuilds the same
//! digests from the parts.

use std::collections::BTreeMap;

use iotcard_model::Instant;
use iotcard_notify::{Alert, DigestBuilder, DigestPart};
use iotcard_rules::RuleSet;
use iotcard_store::{AlertNotice, OutboxEntry};

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

    fn builder(&mut self, rule: &str, due_at: Instant) -> &mut DigestBuilder {
        self.groups
            .entry((rule.to_owned(), due_at))
            .or_insert_with_key(|(rule, at)| DigestBuilder::new(rule.clone(), *at))
    }

    /// Adds `alert`, due at `due_at`, to its rule's digest for that time.
    pub(crate) fn push(&mut self, due_at: Instant, alert: Alert) -> Result<(), WatchError> {
        self.builder(&alert.rule, due_at)
            .push(alert)
            .map_err(|source| WatchError::Digest { source })
    }

    /// Adds `alert` as [`push`](Self::push) does, and records it in
    /// `page`'s part of its digest.
    pub(crate) fn push_into(
        &mut self,
        due_at: Instant,
        alert: Alert,
        page: &mut PageParts,
    ) -> Result<(), WatchError> {
        let key = (alert.rule.clone(), due_at);
        let part = page
            .parts
            .entry(key)
            .or_insert_with_key(|(rule, _)| DigestPart::new(rule.clone()));
        self.builder(&alert.rule, due_at)
            .push_into(alert, part)
            .map_err(|source| WatchError::Digest { source })
    }

    /// Adds what a staged notice recorded: the part of a digest an earlier
    /// page staged (or, staged before parts, one alert).
    pub(crate) fn absorb(&mut self, notice: &AlertNotice) -> Result<(), WatchError> {
        let builder = self.builder(&notice.rule, notice.notify_at);
        let added = match serde_json::from_str::<DigestPart>(&notice.body) {
            Ok(part) => builder.absorb(part),
            Err(part_error) => match serde_json::from_str::<Alert>(&notice.body) {
                Ok(alert) => builder.push(alert),
                // Neither: the part's error says more of what is wrong.
                Err(_) => {
                    return Err(WatchError::AlertRow {
                        key: format!("notice of {} {}", notice.rule, notice.profile),
                        source: part_error,
                    })
                }
            },
        };
        added.map_err(|source| WatchError::Digest { source })
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

/// What one page adds to the evaluation's digests, by rule and
/// notification time.
#[derive(Default)]
pub(crate) struct PageParts {
    parts: BTreeMap<(String, Instant), DigestPart>,
}

impl PageParts {
    /// How many alerts the page notifies.
    pub(crate) fn alerts(&self) -> usize {
        self.parts.values().map(DigestPart::len).sum()
    }

    /// The notices to stage with the page: one per part, under `profile`.
    pub(crate) fn notices(self, profile: &str) -> Result<Vec<AlertNotice>, WatchError> {
        self.parts
            .into_iter()
            .map(|((rule, notify_at), part)| {
                let body = serde_json::to_string(&part).map_err(|source| WatchError::Payload {
                    key: format!("{rule} {profile}"),
                    source,
                })?;
                Ok(AlertNotice {
                    profile: profile.to_owned(),
                    rule,
                    notify_at,
                    body,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use iotcard_notify::Digest;

    use super::*;

    fn rules() -> RuleSet {
        crate::daemon::test_rules::rules(
            "[[rules]]\nname = \"quota\"\nkind = \"quota\"\nthresholds = [80]\nnotify = [\"am\"]\n",
        )
    }

    fn at() -> Instant {
        "2026-12-01T09:00:00+08:00".parse().unwrap()
    }

    fn alert(i: u32) -> Alert {
        Alert::firing("quota", "acme", at()).with_card(format!("8986{i:04}"), "91%")
    }

    fn digest_of(digests: Digests<'_>) -> Digest {
        let entries = digests.outbox(at()).unwrap();
        assert_eq!(entries.len(), 1, "one digest, one notifier");
        serde_json::from_str(&entries[0].payload).unwrap()
    }

    #[test]
    fn a_page_stages_one_notice_per_digest_and_they_rebuild_it() {
        let rules = rules();
        let mut live = Digests::new(&rules);
        let mut staged = Vec::new();
        for page in 0..3 {
            let mut parts = PageParts::default();
            for i in 0..4 {
                live.push_into(at(), alert(page * 4 + i), &mut parts)
                    .unwrap();
            }
            assert_eq!(parts.alerts(), 4);
            let notices = parts.notices("acme").unwrap();
            assert_eq!(notices.len(), 1, "four alerts of one digest: one notice");
            assert_eq!(
                (notices[0].profile.as_str(), notices[0].rule.as_str()),
                ("acme", "quota")
            );
            staged.extend(notices);
        }
        let mut again = Digests::new(&rules);
        for notice in &staged {
            again.absorb(notice).unwrap();
        }
        let (live, again) = (digest_of(live), digest_of(again));
        assert_eq!(live.alert_count(), 12);
        assert_eq!(again, live);
        assert_eq!(again.key(), live.key());
    }

    #[test]
    fn a_notice_staged_as_one_alert_still_joins_its_digest() {
        let rules = rules();
        let mut digests = Digests::new(&rules);
        let notice = |body: String| AlertNotice {
            profile: "acme".into(),
            rule: "quota".into(),
            notify_at: at(),
            body,
        };
        digests
            .absorb(&notice(serde_json::to_string(&alert(1)).unwrap()))
            .unwrap();
        let err = digests.absorb(&notice("{\"rule\": 3}".into())).unwrap_err();
        assert!(err.to_string().contains("quota acme"), "{err}");
        let digest = digest_of(digests);
        assert_eq!(digest.alerts(), &[alert(1)]);
    }
}
