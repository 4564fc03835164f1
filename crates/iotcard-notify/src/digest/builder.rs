//! Building a digest from any number of alerts in bounded memory: the first
//! alerts in canonical order are kept whole, the rest only counted.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use iotcard_model::Instant;

use super::omitted::Omitted;
use super::part::DigestPart;
use super::{identity, unix_nanos};
use crate::{Alert, AlertState, Digest, NotifyError, Severity};

/// At most this many alerts are kept whole in a [`Digest`]; the others are
/// counted (cards, lines, accounts, severity, times and an order-free hash
/// of their identities), so a digest of 330,000 alerts is as small as one
/// of a thousand and still says "330,000 firing".
pub const MAX_DIGEST_ALERTS: usize = 1_000;

/// Builds a [`Digest`] from a stream of alerts of one rule, holding at most
/// [`MAX_DIGEST_ALERTS`] of them at any time.
///
/// The alerts kept are the first in the digest's canonical order (state,
/// account, first card, fingerprint, start), whatever the order they are
/// pushed in, so the same alerts always give the same digest and the same
/// [`key`](Digest::key).
///
/// ```
/// use iotcard_notify::{Alert, DigestBuilder};
/// let at: iotcard_model::Instant = "2026-12-01T09:00:00+08:00".parse()?;
/// let mut builder = DigestBuilder::new("quota", at).with_limit(2);
/// for i in (0..5).rev() {
///     builder.push(Alert::firing("quota", "acme", at).with_card(format!("8986{i}"), "91%"))?;
/// }
/// assert_eq!(builder.len(), 5);
/// let digest = builder.finish().expect("five alerts were pushed");
/// assert_eq!(digest.alerts().len(), 2); // 89860 and 89861, kept whole
/// assert_eq!(digest.alerts()[0].cards[0].card, "89860");
/// assert_eq!(digest.alert_count(), 5);
/// assert_eq!(digest.card_count(), 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct DigestBuilder {
    rule: String,
    window_start: Instant,
    limit: usize,
    pushed: usize,
    /// The kept alerts, the greatest on top: the one to evict first.
    kept: BinaryHeap<Kept>,
    omitted: Omitted,
    /// The accounts of every omitted alert; those also on a kept alert are
    /// dropped at the end.
    omitted_accounts: BTreeSet<String>,
}

impl DigestBuilder {
    /// An empty digest of rule `rule` for the window starting at
    /// `window_start` (see [`window_start`](crate::window_start)).
    pub fn new(rule: impl Into<String>, window_start: Instant) -> Self {
        Self {
            rule: rule.into(),
            window_start,
            limit: MAX_DIGEST_ALERTS,
            pushed: 0,
            kept: BinaryHeap::new(),
            omitted: Omitted::default(),
            omitted_accounts: BTreeSet::new(),
        }
    }

    /// Keeping at most `limit` alerts whole instead of
    /// [`MAX_DIGEST_ALERTS`] (for tests of what is left out). A digest keeps
    /// at least one alert, so 0 is taken as 1. Alerts already pushed past
    /// the new limit are counted as omitted.
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit.max(1);
        while self.kept.len() > self.limit {
            if let Some(greatest) = self.kept.pop() {
                self.omit(greatest);
            }
        }
        self
    }

    /// Adds `alert`. Refused when it is another rule's.
    pub fn push(&mut self, alert: Alert) -> Result<(), NotifyError> {
        self.check_rule(&alert.rule, "an alert")?;
        self.keep(alert);
        Ok(())
    }

    /// Adds `alert`, as [`push`](Self::push) does, and records it in
    /// `part`: whole when this builder keeps it, counted when it does not.
    /// Refused when either is another rule's.
    pub fn push_into(&mut self, alert: Alert, part: &mut DigestPart) -> Result<(), NotifyError> {
        self.check_rule(&alert.rule, "an alert")?;
        self.check_rule(part.rule(), "a part")?;
        let entry = Kept::new(alert);
        if self.would_keep(&entry) {
            part.keep(entry.alert.clone());
            self.keep_entry(entry);
        } else {
            // Left out here as in the part: its identity hashed once for both.
            let id = identity(&entry.alert, &entry.fingerprint);
            part.count(&entry.alert, id);
            self.pushed += 1;
            self.omit_with(entry.alert, id);
        }
        Ok(())
    }

    /// Adds the alerts `part` records (of this rule's digest, from
    /// [`push_into`](Self::push_into) on this builder or another with the
    /// same limit): its whole alerts pushed, its counted ones summed.
    pub fn absorb(&mut self, part: DigestPart) -> Result<(), NotifyError> {
        self.check_rule(part.rule(), "a part")?;
        let (alerts, omitted) = part.into_parts();
        // All checked before any is added: a part refused adds nothing.
        for alert in &alerts {
            self.check_rule(&alert.rule, "an alert")?;
        }
        for alert in alerts {
            self.keep(alert);
        }
        self.pushed = self.pushed.saturating_add(omitted.alerts);
        self.omitted_accounts
            .extend(omitted.accounts.iter().cloned());
        self.omitted.merge(&omitted);
        Ok(())
    }

    fn check_rule(&self, rule: &str, what: &str) -> Result<(), NotifyError> {
        if rule == self.rule {
            return Ok(());
        }
        Err(NotifyError::Digest {
            reason: format!(
                "{what} of rule {rule:?} in the digest of rule {:?}",
                self.rule
            ),
        })
    }

    /// The rule's name.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// How many alerts were pushed, kept or not.
    pub fn len(&self) -> usize {
        self.pushed
    }

    /// Whether no alert was pushed.
    pub fn is_empty(&self) -> bool {
        self.pushed == 0
    }

    /// The digest, or `None` when no alert was pushed.
    pub fn finish(self) -> Option<Digest> {
        if self.pushed == 0 {
            return None;
        }
        let alerts: Vec<Alert> = self
            .kept
            .into_sorted_vec()
            .into_iter()
            .map(|k| k.alert)
            .collect();
        let kept_accounts: BTreeSet<&str> = alerts.iter().map(|a| a.account.as_str()).collect();
        let mut omitted = self.omitted;
        omitted.accounts = self
            .omitted_accounts
            .into_iter()
            .filter(|a| !kept_accounts.contains(a.as_str()))
            .collect();
        Some(Digest {
            rule: self.rule,
            window_start: self.window_start,
            alerts,
            omitted,
        })
    }

    /// Adds `alert`, known to be of this rule: kept if it is among the
    /// first `limit` so far, and whatever that pushes out is counted.
    pub(super) fn keep(&mut self, alert: Alert) {
        self.keep_entry(Kept::new(alert));
    }

    fn keep_entry(&mut self, entry: Kept) {
        self.pushed += 1;
        if self.kept.len() < self.limit {
            self.kept.push(entry);
            return;
        }
        let out = match self.kept.peek_mut() {
            // Swapping in place re-sorts the heap when `greatest` drops.
            Some(mut greatest) if entry < *greatest => std::mem::replace(&mut *greatest, entry),
            _ => entry,
        };
        self.omit(out);
    }

    /// Whether [`keep_entry`](Self::keep_entry) would keep `entry`: it is
    /// among the first `limit` of those kept and it.
    fn would_keep(&self, entry: &Kept) -> bool {
        self.kept.len() < self.limit || self.kept.peek().is_some_and(|greatest| entry < greatest)
    }

    fn omit(&mut self, entry: Kept) {
        let id = identity(&entry.alert, &entry.fingerprint);
        self.omit_with(entry.alert, id);
    }

    fn omit_with(&mut self, alert: Alert, identity: u128) {
        self.omitted.add(&alert, identity);
        if !self.omitted_accounts.contains(&alert.account) {
            self.omitted_accounts.insert(alert.account);
        }
    }
}

/// A kept alert with its fingerprint (a SHA-256, worth computing once).
#[derive(Debug)]
struct Kept {
    fingerprint: String,
    alert: Alert,
}

impl Kept {
    fn new(alert: Alert) -> Self {
        Self {
            fingerprint: alert.fingerprint(),
            alert,
        }
    }
}

impl Ord for Kept {
    /// The canonical order (state, account, first card, fingerprint,
    /// start), then every other field, so that which of two alerts is kept
    /// never depends on which came first. The identity (the cards) breaks
    /// ties before the texts do, so rewording an alert does not change
    /// which alerts are kept.
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.alert, &other.alert);
        canonical(self)
            .cmp(&canonical(other))
            .then_with(|| {
                a.cards
                    .iter()
                    .map(|c| &c.card)
                    .cmp(b.cards.iter().map(|c| &c.card))
            })
            .then_with(|| {
                a.cards
                    .iter()
                    .map(|c| &c.figure)
                    .cmp(b.cards.iter().map(|c| &c.figure))
            })
            .then_with(|| rest(a).cmp(&rest(b)))
    }
}

/// The digest's canonical order.
fn canonical(k: &Kept) -> (AlertState, &str, Option<&str>, &str, i128) {
    (
        k.alert.state,
        k.alert.account.as_str(),
        k.alert.cards.first().map(|c| c.card.as_str()),
        k.fingerprint.as_str(),
        unix_nanos(&k.alert.starts_at),
    )
}

/// Every field the canonical order and the cards leave out.
#[allow(clippy::type_complexity)]
fn rest(
    x: &Alert,
) -> (
    Severity,
    Option<Instant>,
    &str,
    &str,
    &BTreeMap<String, String>,
    &str,
    &str,
    i32,
    Option<i32>,
) {
    (
        x.severity,
        x.ends_at,
        x.summary.as_str(),
        x.description.as_str(),
        &x.labels,
        x.generator_url.as_str(),
        x.rule.as_str(),
        x.starts_at.offset().local_minus_utc(),
        x.ends_at.map(|e| e.offset().local_minus_utc()),
    )
}

impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Kept {}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::digest::{count, markdown, Layout};
    use crate::webhook::Webhook;
    use crate::{DingTalk, SecretUrl};

    fn at(s: &str) -> Instant {
        s.parse().unwrap()
    }

    fn t0() -> Instant {
        at("2026-12-01T09:00:00+08:00")
    }

    fn card_alert(i: usize) -> Alert {
        Alert::firing("quota", "acme", t0())
            .with_card(
                format!("{i:020}"),
                format!("{}% of 1 GiB used", 80 + i % 20),
            )
            .with_summary("data used ≥ 80% of the allowance")
    }

    fn build(limit: usize, alerts: impl IntoIterator<Item = Alert>) -> Digest {
        let mut builder = DigestBuilder::new("quota", t0()).with_limit(limit);
        for alert in alerts {
            builder.push(alert).unwrap();
        }
        builder.finish().unwrap()
    }

    /// Alerts drawn from few accounts, cards and times, so that ties in
    /// the canonical order and repeated accounts are common.
    fn alerts() -> impl Strategy<Value = Vec<Alert>> {
        let alert = (
            0..3usize,
            prop::collection::vec((0..6u8, "[a-c]{0,2}"), 0..3),
            0..3i64,
            any::<bool>(),
            prop_oneof![
                Just(Severity::Info),
                Just(Severity::Warning),
                Just(Severity::Critical)
            ],
            "[xy]{0,1}",
        )
            .prop_map(|(account, cards, minutes, resolved, severity, summary)| {
                let start = t0() + chrono::Duration::minutes(minutes);
                let mut a = Alert::firing("quota", format!("acct-{account}"), start)
                    .with_severity(severity)
                    .with_summary(summary);
                for (card, figure) in cards {
                    a = a.with_card(format!("8986{card}"), figure);
                }
                if resolved {
                    a = a.resolved(start + chrono::Duration::minutes(30 - minutes));
                }
                a
            });
        prop::collection::vec(alert, 1..40)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn pushing_in_any_order_gives_the_same_digest_and_key(
            (alerts, shuffled) in alerts().prop_flat_map(|a| (Just(a.clone()), Just(a).prop_shuffle())),
            limit in 1..12usize,
        ) {
            let bounded = build(limit, alerts.clone());
            let reordered = build(limit, shuffled);
            prop_assert_eq!(&bounded, &reordered);
            prop_assert_eq!(bounded.key(), reordered.key());

            // What is kept is the head of the whole digest, and every
            // figure a message shows is the whole digest's.
            let whole = build(usize::MAX, alerts.clone());
            prop_assert_eq!(whole.omitted_alerts(), 0);
            let kept = alerts.len().min(limit);
            prop_assert_eq!(bounded.alerts(), &whole.alerts()[..kept]);
            prop_assert_eq!(bounded.omitted_alerts(), alerts.len() - kept);
            prop_assert_eq!(bounded.alert_count(), alerts.len());
            prop_assert_eq!(bounded.card_count(), whole.card_count());
            prop_assert_eq!(bounded.line_count(), whole.line_count());
            prop_assert_eq!(bounded.accounts(), whole.accounts());
            prop_assert_eq!(bounded.severity(), whole.severity());
            prop_assert_eq!(bounded.status(), whole.status());
            let facts = |d: &Digest| {
                let view = d.view(Layout { shown: 0, cap: 500 });
                (view.title, view.facts, view.more)
            };
            prop_assert_eq!(facts(&bounded), facts(&whole));
            if bounded.omitted_alerts() == 0 {
                prop_assert_eq!(bounded.key(), whole.key());
            }
            // The webhook says the same of all the alerts, listed or not.
            let hook = Webhook::new(SecretUrl::parse("http://127.0.0.1/h").unwrap(), "am", "", 0);
            let (part, all) = (hook.payload(&bounded), hook.payload(&whole));
            prop_assert_eq!(part.common_labels, all.common_labels);
            prop_assert_eq!(part.common_annotations, all.common_annotations);
            prop_assert_eq!(part.status, all.status);
            prop_assert_eq!(
                part.alerts.len() as u64 + part.truncated_alerts,
                all.alerts.len() as u64
            );

            // The JSON (what the outbox holds) reads back the same.
            let json = serde_json::to_string(&bounded).unwrap();
            prop_assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), bounded);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// A watcher stages a part per page; one that stopped absorbs the
        /// parts staged so far and pushes the rest: the digest is the one
        /// every alert pushed once gives.
        #[test]
        fn parts_absorbed_give_the_digest_of_every_alert(
            (alerts, cuts) in alerts().prop_flat_map(|a| {
                let n = a.len();
                (Just(a), prop::collection::vec(0..=n, 0..5))
            }),
            limit in 1..12usize,
            stopped_after in 0..6usize,
        ) {
            let whole = build(limit, alerts.clone());
            let mut cuts = cuts;
            cuts.push(0);
            cuts.push(alerts.len());
            cuts.sort_unstable();
            let steps: Vec<&[Alert]> = cuts.windows(2).map(|w| &alerts[w[0]..w[1]]).collect();

            let mut running = DigestBuilder::new("quota", t0()).with_limit(limit);
            let mut staged = Vec::new();
            for step in &steps {
                let mut part = DigestPart::new("quota");
                for alert in step.iter() {
                    running.push_into(alert.clone(), &mut part).unwrap();
                }
                prop_assert_eq!(part.len(), step.len());
                staged.push(serde_json::to_string(&part).unwrap());
            }
            prop_assert_eq!(running.finish().unwrap(), whole.clone());

            // Every part, read back, absorbed in reverse.
            let mut again = DigestBuilder::new("quota", t0()).with_limit(limit);
            for json in staged.iter().rev() {
                again.absorb(serde_json::from_str(json).unwrap()).unwrap();
            }
            let again = again.finish().unwrap();
            prop_assert_eq!(again.key(), whole.key());
            prop_assert_eq!(&again, &whole);

            // Stopped after some steps: their parts, then the rest pushed.
            let done = stopped_after.min(steps.len());
            let mut resumed = DigestBuilder::new("quota", t0()).with_limit(limit);
            for json in &staged[..done] {
                resumed.absorb(serde_json::from_str(json).unwrap()).unwrap();
            }
            for step in &steps[done..] {
                for alert in step.iter() {
                    resumed.push(alert.clone()).unwrap();
                }
            }
            prop_assert_eq!(resumed.finish().unwrap(), whole);
        }
    }

    #[test]
    fn a_part_of_another_rule_is_refused() {
        let mut builder = DigestBuilder::new("quota", t0());
        let mut part = DigestPart::new("expiring");
        let err = builder.push_into(card_alert(1), &mut part).unwrap_err();
        assert!(err.to_string().contains("\"expiring\""), "{err}");
        assert!(part.is_empty());
        assert!(builder.absorb(part).is_err());
        let mut part = DigestPart::new("quota");
        let other = Alert::firing("expiring", "acme", t0());
        assert!(builder.push_into(other.clone(), &mut part).is_err());
        assert!(builder.is_empty());
        // A part read back that carries another rule's alert adds nothing,
        // not even its alerts of this rule.
        let json = serde_json::json!({
            "rule": "quota",
            "alerts": [card_alert(1), other],
        });
        let part: DigestPart = serde_json::from_value(json).unwrap();
        assert!(builder.absorb(part).is_err());
        assert!(builder.is_empty());
    }

    #[test]
    fn a_digest_past_the_limit_keeps_the_limit_and_counts_the_rest() {
        let firing: Vec<Alert> = (0..12).map(card_alert).collect();
        let resolved: Vec<Alert> = (0..3)
            .map(|i| {
                Alert::firing("quota", "acme", t0())
                    .with_card(format!("7{i:019}"), "79%")
                    .with_card(format!("8{i:019}"), "79%")
                    .resolved(at("2026-12-01T10:00:00+08:00"))
            })
            .collect();
        let all: Vec<Alert> = firing.iter().chain(&resolved).cloned().collect();
        // Pushed backwards: the first five firing cards are kept anyway.
        let d = build(5, all.iter().rev().cloned());
        assert_eq!(d.alerts(), &firing[..5]);
        assert_eq!(d.omitted_alerts(), 10);
        assert_eq!(d.alert_count(), 15);
        assert_eq!(d.card_count(), 18);
        assert_eq!(d.line_count(), 18);

        let body = String::from_utf8(DingTalk::body(&d).unwrap()).unwrap();
        assert!(body.contains("**Cards:** 12 firing, 6 resolved"), "{body}");
        assert!(
            body.contains(&format!("- {:020}: 80% of 1 GiB used", 0)),
            "{body}"
        );
        assert!(
            body.contains(&format!("- {:020}: 84% of 1 GiB used", 4)),
            "{body}"
        );
        assert!(!body.contains(&format!("{:020}", 5)), "{body}");
        // 18 lines, 5 listed.
        assert!(body.contains("- and 13 more"), "{body}");

        let url = || SecretUrl::parse("http://127.0.0.1/hook").unwrap();
        let payload = Webhook::new(url(), "am", "", 0).payload(&d);
        assert_eq!(payload.alerts.len(), 5);
        assert_eq!(payload.truncated_alerts, 13);
        assert_eq!(payload.version, "4");
        assert_eq!(payload.status, AlertState::Firing);
        let cut = Webhook::new(url(), "am", "", 2).payload(&d);
        assert_eq!(cut.alerts.len(), 2);
        assert_eq!(cut.truncated_alerts, 16);

        // Leaving out different alerts gives a different key.
        let head = Digest::new("quota", t0(), firing[..5].to_vec()).unwrap();
        assert_ne!(d.key(), head.key());
        let fewer = build(5, all.iter().take(14).cloned());
        assert_eq!(fewer.alerts(), d.alerts());
        assert_ne!(d.key(), fewer.key());
        let mut moved = all.clone();
        moved[11] = card_alert(99);
        assert_ne!(d.key(), build(5, moved).key());
    }

    #[test]
    fn omitted_alerts_count_in_severity_accounts_and_times() {
        let early = at("2026-12-01T08:00:00+08:00");
        let d = build(
            1,
            [
                card_alert(1),
                // Sorts after `acme`, so left out: still named and counted.
                Alert::firing("quota", "zeta", early)
                    .with_severity(Severity::Critical)
                    .with_card("2", "99%"),
            ],
        );
        assert_eq!(d.alerts().len(), 1);
        assert_eq!(d.accounts(), ["acme", "zeta"]);
        assert_eq!(d.severity(), Severity::Critical);
        let text = markdown(&d.view(Layout { shown: 5, cap: 500 }));
        assert!(
            text.starts_with("### [FIRING] quota · 2 accounts"),
            "{text}"
        );
        assert!(text.contains("**Severity:** critical"), "{text}");
        assert!(text.contains("**Accounts:** acme, zeta"), "{text}");
        assert!(
            text.contains("**Since:** 2026-12-01 08:00 +08:00"),
            "{text}"
        );
        assert!(text.contains("- and 1 more"), "{text}");
    }

    #[test]
    fn the_webhooks_common_labels_hold_for_the_omitted_alerts_too() {
        let hook = |max| {
            Webhook::new(
                SecretUrl::parse("http://127.0.0.1/h").unwrap(),
                "am",
                "",
                max,
            )
        };
        let beta = Alert::firing("quota", "beta", t0())
            .with_card("9", "99%")
            .with_summary("data used ≥ 80% of the allowance");
        // Kept: acme only; left out: beta.
        let d = build(2, [card_alert(0), card_alert(1), beta]);
        assert_eq!(d.accounts(), ["acme", "beta"]);
        let p = hook(0).payload(&d);
        assert!(p.alerts.iter().all(|a| a.labels["account"] == "acme"));
        assert!(!p.common_labels.contains_key("account"), "{p:?}");
        assert_eq!(p.common_labels["alertname"], "quota");
        assert_eq!(
            p.common_annotations["summary"],
            "data used ≥ 80% of the allowance"
        );
        // What max_alerts cuts counts too, as in Alertmanager.
        let whole = build(10, [card_alert(0), card_alert(1), card_alert(2)]);
        let cut = hook(1).payload(&whole);
        assert_eq!(cut.alerts.len(), 1);
        assert!(!cut.common_annotations.contains_key("figure"), "{cut:?}");
        let one = hook(0).payload(&build(10, [card_alert(0)]));
        assert_eq!(one.common_annotations["figure"], "80% of 1 GiB used");
    }

    #[test]
    fn a_digest_of_100000_alerts_stays_under_a_megabyte() {
        let d = Digest::group((0..100_000).map(card_alert), t0()).remove(0);
        assert_eq!(d.alerts().len(), MAX_DIGEST_ALERTS);
        assert_eq!(d.alert_count(), 100_000);
        assert_eq!(d.card_count(), 100_000);
        let json = serde_json::to_vec(&d).unwrap();
        assert!(json.len() < 1_000_000, "{} bytes", json.len());
        assert_eq!(serde_json::from_slice::<Digest>(&json).unwrap(), d);
        let text = markdown(&d.view(Layout {
            shown: 20,
            cap: 500,
        }));
        assert!(text.contains("**Cards:** 100,000 firing"), "{text}");
        assert!(text.contains("- and 99,980 more"), "{text}");
    }

    #[test]
    fn old_payloads_without_the_new_fields_still_read() {
        // A digest as the outbox held it before digests were bounded.
        let old = r#"{"rule":"quota","window_start":"2026-12-01T09:00:00+08:00","alerts":[{"rule":"quota","severity":"warning","account":"acme","state":"firing","starts_at":"2026-12-01T09:00:00+08:00","ends_at":null,"cards":[{"card":"8986001","figure":"91%"}],"summary":"","description":"","labels":{},"generator_url":""}]}"#;
        let d: Digest = serde_json::from_str(old).unwrap();
        assert_eq!(d.omitted_alerts(), 0);
        assert_eq!(d.card_count(), 1);
        let again = Digest::new(
            "quota",
            t0(),
            vec![Alert::firing("quota", "acme", t0()).with_card("8986001", "91%")],
        )
        .unwrap();
        assert_eq!(d, again);
        assert_eq!(d.key(), again.key());
        // And a whole digest is still written as before.
        assert_eq!(serde_json::to_string(&again).unwrap(), old);
    }

    #[test]
    fn a_bad_identity_sum_is_refused_by_name() {
        let mut json = serde_json::to_value(build(1, (0..3).map(card_alert))).unwrap();
        json["omitted"]["identity_sum"] = "not hex".into();
        let e = serde_json::from_value::<Digest>(json).unwrap_err();
        assert!(e.to_string().contains("identity_sum"), "{e}");
    }

    #[test]
    fn huge_counts_read_from_an_outbox_do_not_panic() {
        let mut json = serde_json::to_value(build(1, (0..3).map(card_alert))).unwrap();
        json["omitted"]["firing_lines"] = usize::MAX.into();
        json["omitted"]["firing_cards"] = usize::MAX.into();
        json["omitted"]["alerts"] = usize::MAX.into();
        let d: Digest = serde_json::from_value(json).unwrap();
        assert_eq!(d.card_count(), usize::MAX);
        assert_eq!(d.alert_count(), usize::MAX);
        let body = String::from_utf8(DingTalk::body(&d).unwrap()).unwrap();
        assert!(body.contains(&count(usize::MAX - 1)), "{body}");
        let url = SecretUrl::parse("http://127.0.0.1/h").unwrap();
        let payload = Webhook::new(url, "am", "", 0).payload(&d);
        assert_eq!(payload.truncated_alerts, usize::MAX as u64);
    }

    #[test]
    fn the_builder_refuses_other_rules_and_counts_pushes() {
        let mut builder = DigestBuilder::new("quota", t0());
        assert!(builder.is_empty());
        let e = builder
            .push(Alert::firing("other", "acme", t0()))
            .unwrap_err();
        let from_new =
            Digest::new("quota", t0(), vec![Alert::firing("other", "acme", t0())]).unwrap_err();
        assert_eq!(e.to_string(), from_new.to_string());
        assert!(builder.is_empty());
        assert!(DigestBuilder::new("quota", t0()).finish().is_none());

        for i in 0..4 {
            builder.push(card_alert(i)).unwrap();
        }
        assert_eq!(builder.len(), 4);
        // Lowering the limit afterwards leaves out the greatest.
        let d = builder.with_limit(0).finish().unwrap();
        assert_eq!(d.alerts(), [card_alert(0)]);
        assert_eq!(d.omitted_alerts(), 3);
        assert_eq!(d, build(1, (0..4).rev().map(card_alert)));
    }
}
