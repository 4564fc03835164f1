//! What a digest counts but does not carry: the alerts past
//! [`MAX_DIGEST_ALERTS`](crate::MAX_DIGEST_ALERTS), summed up so that every
//! figure a message shows (cards, lines, accounts, severity, since when)
//! stays exact while the digest stays small.

use iotcard_model::Instant;
use serde::{Deserialize, Serialize};

use crate::webhook::Common;
use crate::{Alert, AlertState, Severity};

/// The sums of a digest's omitted alerts. Every field defaults, so a
/// payload written before digests were bounded (which has none of them)
/// reads as "nothing omitted".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Omitted {
    /// How many alerts were left out.
    pub alerts: usize,
    /// Their lines (a card, or 1 for an alert about no card), firing…
    pub firing_lines: usize,
    /// …and resolved.
    pub resolved_lines: usize,
    /// Their cards, firing…
    pub firing_cards: usize,
    /// …and resolved.
    pub resolved_cards: usize,
    /// The highest severity among them.
    pub severity: Option<Severity>,
    /// The earliest start of a firing one.
    pub firing_since: Option<Instant>,
    /// The latest end of a resolved one.
    pub resolved_at: Option<Instant>,
    /// The accounts only omitted alerts are on, sorted, each once (the
    /// accounts are the config's profiles: a handful, however many alerts).
    pub accounts: Vec<String>,
    /// The wrapping sum of each omitted alert's identity hash (see
    /// `identity`): the same alerts give the same sum in any order.
    #[serde(with = "hex_u128")]
    pub identity_sum: u128,
    /// The labels and annotations all their webhook payload alerts share
    /// (`None` while nothing is omitted).
    pub common: Option<Common>,
}

impl Omitted {
    /// Whether nothing was left out.
    pub fn is_empty(&self) -> bool {
        self.alerts == 0
    }

    /// All omitted lines, whatever their state. (Saturating: a payload
    /// read back from the outbox could carry any counts.)
    pub fn lines(&self) -> usize {
        self.firing_lines.saturating_add(self.resolved_lines)
    }

    /// All omitted cards, whatever their state.
    pub fn cards(&self) -> usize {
        self.firing_cards.saturating_add(self.resolved_cards)
    }

    /// Counts `alert`, whose identity hash is `identity`, as left out. The
    /// accounts are the builder's to track (it knows which are kept).
    pub fn add(&mut self, alert: &Alert, identity: u128) {
        self.alerts += 1;
        let lines = alert.cards.len().max(1);
        match alert.state {
            AlertState::Firing => {
                self.firing_lines += lines;
                self.firing_cards += alert.cards.len();
                self.firing_since = Some(match self.firing_since {
                    Some(since) => since.min(alert.starts_at),
                    None => alert.starts_at,
                });
            }
            AlertState::Resolved => {
                self.resolved_lines += lines;
                self.resolved_cards += alert.cards.len();
            }
        }
        if let Some(end) = alert.ends_at {
            self.resolved_at = Some(self.resolved_at.map_or(end, |at| at.max(end)));
        }
        self.severity = Some(
            self.severity
                .map_or(alert.severity, |s| s.max(alert.severity)),
        );
        self.identity_sum = self.identity_sum.wrapping_add(identity);
        Common::narrow_by_alert(&mut self.common, alert);
    }
}

impl Omitted {
    /// Adds the sums of `other` (other alerts of the same digest) but its
    /// accounts, which the builder tracks.
    pub fn merge(&mut self, other: &Omitted) {
        if other.is_empty() {
            return;
        }
        self.alerts = self.alerts.saturating_add(other.alerts);
        self.firing_lines = self.firing_lines.saturating_add(other.firing_lines);
        self.resolved_lines = self.resolved_lines.saturating_add(other.resolved_lines);
        self.firing_cards = self.firing_cards.saturating_add(other.firing_cards);
        self.resolved_cards = self.resolved_cards.saturating_add(other.resolved_cards);
        self.severity = self.severity.max(other.severity);
        self.firing_since = match (self.firing_since, other.firing_since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.resolved_at = self.resolved_at.max(other.resolved_at);
        self.identity_sum = self.identity_sum.wrapping_add(other.identity_sum);
        Common::narrow_by_common(&mut self.common, other.common.as_ref());
    }
}

/// A `u128` as 32 lowercase hex digits (JSON numbers lose precision past
/// 2^53 in most readers).
mod hex_u128 {
    use serde::{de, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{value:032x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u128, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.is_empty() || text.len() > 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(de::Error::custom(format!(
                "identity_sum {text:?} is not 1 to 32 hex digits"
            )));
        }
        u128::from_str_radix(&text, 16).map_err(de::Error::custom)
    }
}
