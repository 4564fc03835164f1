//! A share of a digest's alerts, small enough to stage: a digest built over
//! many steps (the pages of a million-card evaluation) can record, step by
//! step, what each added, and a builder that absorbs the parts gives the
//! digest one builder fed every alert would have given.

use serde::{Deserialize, Serialize};

use super::omitted::Omitted;
use crate::Alert;

/// What some alerts pushed with [`DigestBuilder::push_into`] add to a
/// digest: those the builder kept when they came, whole, and the sums of
/// the others. An alert the digest will keep is always kept when it comes
/// (it is among the first of every subset of the alerts that holds it), so
/// a builder that [`absorb`](crate::DigestBuilder::absorb)s the parts of all the
/// steps keeps exactly the alerts, and counts exactly the figures, of one
/// builder pushed every alert: the same digest and the same key.
///
/// A part is the size of the alerts it keeps whole, which after the first
/// thousand of a rule are few; as JSON it is what a step stages so that an
/// evaluation that stops between steps loses none of its notifications.
///
/// ```
/// use iotcard_notify::{Alert, DigestBuilder, DigestPart};
/// let at: iotcard_model::Instant = "2026-12-01T09:00:00+08:00".parse()?;
/// let alert = |i: u32| Alert::firing("quota", "acme", at).with_card(format!("8986{i:03}"), "91%");
/// let mut running = DigestBuilder::new("quota", at).with_limit(2);
/// let mut part = DigestPart::new("quota");
/// for i in 0..5 {
///     running.push_into(alert(i), &mut part)?;
/// }
/// assert_eq!(part.whole().len(), 2); // 8986000 and 8986001; the rest counted
/// assert_eq!(part.len(), 5);
///
/// // A watcher that stopped after staging `part` starts again from it.
/// let json = serde_json::to_string(&part)?;
/// let mut again = DigestBuilder::new("quota", at).with_limit(2);
/// again.absorb(serde_json::from_str(&json)?)?;
/// assert_eq!(again.finish(), running.finish());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`DigestBuilder::push_into`]: crate::DigestBuilder::push_into
/// [`DigestBuilder`]: crate::DigestBuilder
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestPart {
    rule: String,
    /// The alerts kept whole, in the order they came.
    alerts: Vec<Alert>,
    /// The others, summed; `accounts` here holds every account they are on
    /// (the builder that absorbs the part drops those a kept alert is on).
    #[serde(default, skip_serializing_if = "Omitted::is_empty")]
    omitted: Omitted,
}

impl DigestPart {
    /// An empty part of rule `rule`'s digest.
    pub fn new(rule: impl Into<String>) -> Self {
        Self {
            rule: rule.into(),
            alerts: Vec::new(),
            omitted: Omitted::default(),
        }
    }

    /// The rule's name.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The alerts the part carries whole.
    pub fn whole(&self) -> &[Alert] {
        &self.alerts
    }

    /// How many alerts the part is of, whole or counted.
    pub fn len(&self) -> usize {
        self.alerts.len().saturating_add(self.omitted.alerts)
    }

    /// Whether the part is of no alert.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(super) fn keep(&mut self, alert: Alert) {
        self.alerts.push(alert);
    }

    pub(super) fn count(&mut self, alert: &Alert, identity: u128) {
        self.omitted.add(alert, identity);
        if let Err(at) = self.omitted.accounts.binary_search(&alert.account) {
            self.omitted.accounts.insert(at, alert.account.clone());
        }
    }

    pub(super) fn into_parts(self) -> (Vec<Alert>, Omitted) {
        (self.alerts, self.omitted)
    }
}
