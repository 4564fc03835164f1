//! Building a digest from any number of alerts in bounded memory: the first
//! alerts in canonical order are kept whole, the rest only counted.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use iotcard_model::Instant;

use super::omitted::Omitted;
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
        if alert.rule != self.rule {
            return Err(NotifyError::Digest {
                reason: format!(
                    "an alert of rule {:?} in the digest of rule {:?}",
                    alert.rule, self.rule
                ),
            });
        }
        self.keep(alert);
        Ok(())
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
        self.pushed += 1;
        let entry = Kept::new(alert);
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

    fn omit(&mut self, entry: Kept) {
        self.omitted
            .add(&entry.alert, identity(&entry.alert, &entry.fingerprint));
        if !self.omitted_accounts.contains(&entry.alert.account) {
            self.omitted_accounts.insert(entry.alert.account);
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
