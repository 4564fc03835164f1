//! The provider-neutral alert: what a rule found, for one account.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use iotcard_model::Instant;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// How bad an alert is (the Alertmanager label `severity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information.
    Info,
    /// Needs attention soon.
    Warning,
    /// Needs attention now.
    Critical,
}

impl Severity {
    /// `info`, `warning` or `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity name that is not `info`, `warning` or `critical`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSeverity(pub String);

impl fmt::Display for UnknownSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown severity {:?} (expected info, warning or critical)",
            self.0
        )
    }
}

impl std::error::Error for UnknownSeverity {}

impl FromStr for Severity {
    type Err = UnknownSeverity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Self::Info),
            "warning" => Ok(Self::Warning),
            "critical" => Ok(Self::Critical),
            other => Err(UnknownSeverity(other.to_owned())),
        }
    }
}

/// Whether an alert is firing or has resolved (Alertmanager's `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    /// The condition holds.
    Firing,
    /// The condition held and no longer does.
    Resolved,
}

impl AlertState {
    /// `firing` or `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Resolved => "resolved",
        }
    }
}

impl fmt::Display for AlertState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One card an alert is about, with the figure that made the rule fire
/// (`"92.5% of 1 GiB used"`, `"expires 2026-12-20"`), as the rule words it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CardFigure {
    /// The card as the operator knows it (ICCID, MSISDN or card number).
    pub card: String,
    /// The figure, ready to show.
    pub figure: String,
}

/// What a rule found for one account: firing or resolved, since when, about
/// which cards, with which figures.
///
/// An alert about one card becomes one Alertmanager alert with the label
/// `card`; an account-level alert (a `sync` rule) has no card; an alert
/// about several cards becomes one Alertmanager alert per card. Its
/// [`fingerprint`](Self::fingerprint) is stable: it depends on the labels
/// only (rule, severity, account, the card when there is one, the extra
/// labels), never on figures, texts or times.
///
/// ```
/// use iotcard_notify::{Alert, Severity};
/// let at = "2026-12-01T09:00:00+08:00".parse()?;
/// let alert = Alert::firing("quota", "acme", at)
///     .with_severity(Severity::Critical)
///     .with_card("89860000000000000001", "100% of 1 GiB used")
///     .with_summary("data used ≥ 100% of the allowance");
/// assert_eq!(alert.fingerprint().len(), 16);
/// assert_eq!(alert.fingerprint(), alert.clone().with_summary("other words").fingerprint());
/// # Ok::<(), chrono::ParseError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Alert {
    /// The rule's name (the Alertmanager label `alertname`).
    pub rule: String,
    /// How bad it is.
    pub severity: Severity,
    /// The account (the config's profile name).
    pub account: String,
    /// Firing or resolved.
    pub state: AlertState,
    /// When the condition began to hold.
    pub starts_at: Instant,
    /// When it stopped holding (resolved alerts only).
    pub ends_at: Option<Instant>,
    /// The cards it is about, with their figures; empty for an account-level
    /// alert.
    pub cards: Vec<CardFigure>,
    /// One line saying what fired (the annotation `summary`).
    pub summary: String,
    /// More words, if any (the annotation `description`).
    pub description: String,
    /// More labels (operator, plan, tag…); `alertname`, `severity`,
    /// `account` and `card` are set from the fields above and win over
    /// these.
    pub labels: BTreeMap<String, String>,
    /// A link back to what generated it (Alertmanager's `generatorURL`).
    pub generator_url: String,
}

impl Alert {
    /// A firing alert of `rule` on `account` since `starts_at`, severity
    /// warning, about no card yet.
    pub fn firing(rule: impl Into<String>, account: impl Into<String>, starts_at: Instant) -> Self {
        Self {
            rule: rule.into(),
            severity: Severity::Warning,
            account: account.into(),
            state: AlertState::Firing,
            starts_at,
            ends_at: None,
            cards: Vec::new(),
            summary: String::new(),
            description: String::new(),
            labels: BTreeMap::new(),
            generator_url: String::new(),
        }
    }

    /// The same alert, resolved at `ends_at`.
    pub fn resolved(mut self, ends_at: Instant) -> Self {
        self.state = AlertState::Resolved;
        self.ends_at = Some(ends_at);
        self
    }

    /// With this severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// About one more card.
    pub fn with_card(mut self, card: impl Into<String>, figure: impl Into<String>) -> Self {
        self.cards.push(CardFigure {
            card: card.into(),
            figure: figure.into(),
        });
        self
    }

    /// With this summary line.
    pub fn with_summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = summary.into();
        self
    }

    /// With this description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// With one more label.
    pub fn with_label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(name.into(), value.into());
        self
    }

    /// With this generator URL.
    pub fn with_generator_url(mut self, url: impl Into<String>) -> Self {
        self.generator_url = url.into();
        self
    }

    /// The label set: the extra labels, then `alertname`, `severity`,
    /// `account`, and `card` when the alert is about exactly one card.
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.labels_with_card(self.single_card())
    }

    /// The card the label set names: the alert's one card, if it has one.
    fn single_card(&self) -> Option<&str> {
        match self.cards.as_slice() {
            [one] => Some(one.card.as_str()),
            _ => None,
        }
    }

    /// The labels iotcard sets itself, sorted by name, over any extra label
    /// of the same name (`None`: no such label, `card` for no card).
    fn reserved_labels<'a>(
        &'a self,
        card: Option<&'a str>,
    ) -> [(&'static str, Option<&'a str>); 4] {
        [
            ("account", Some(self.account.as_str())),
            ("alertname", Some(self.rule.as_str())),
            ("card", card),
            ("severity", Some(self.severity.as_str())),
        ]
    }

    /// The label set with `card` set to `card` (one Alertmanager alert per
    /// card of a several-card alert).
    pub(crate) fn labels_with_card(&self, card: Option<&str>) -> BTreeMap<String, String> {
        let mut labels = self.labels.clone();
        for (name, value) in self.reserved_labels(card) {
            match value {
                Some(value) => labels.insert(name.to_owned(), value.to_owned()),
                None => labels.remove(name),
            };
        }
        labels
    }

    /// Label `name` of [`labels_with_card`](Self::labels_with_card)`(card)`,
    /// looked up without building the set.
    pub(crate) fn label_with_card<'a>(
        &'a self,
        card: Option<&'a str>,
        name: &str,
    ) -> Option<&'a str> {
        match self
            .reserved_labels(card)
            .into_iter()
            .find(|(n, _)| *n == name)
        {
            Some((_, value)) => value,
            None => self.labels.get(name).map(String::as_str),
        }
    }

    /// A stable identity: the first 16 hex digits of SHA-256 over the sorted
    /// label set (`name 0xff value 0xff`…). Same labels, same fingerprint,
    /// across restarts and versions.
    pub fn fingerprint(&self) -> String {
        // The label set of `labels()` walked in order without building it:
        // this runs for every alert of every digest.
        let reserved = self.reserved_labels(self.single_card());
        let mut own = self
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .filter(|(k, _)| !reserved.iter().any(|(name, _)| name == k))
            .peekable();
        let mut reserved = reserved
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .peekable();
        let mut hasher = Sha256::new();
        loop {
            let next = match (own.peek(), reserved.peek()) {
                (Some(a), Some(b)) if a.0 < b.0 => own.next(),
                (Some(_), Some(_)) | (None, Some(_)) => reserved.next(),
                (Some(_), None) => own.next(),
                (None, None) => break,
            };
            if let Some((name, value)) = next {
                hash_label(&mut hasher, name, value);
            }
        }
        hex::encode(&hasher.finalize()[..8])
    }
}

/// The fingerprint of a label set; see [`Alert::fingerprint`].
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (name, value) in labels {
        hash_label(&mut hasher, name, value);
    }
    hex::encode(&hasher.finalize()[..8])
}

fn hash_label(hasher: &mut Sha256, name: &str, value: &str) {
    hasher.update(name.as_bytes());
    hasher.update([0xff]);
    hasher.update(value.as_bytes());
    hasher.update([0xff]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Instant {
        "2026-12-01T09:00:00+08:00".parse().unwrap()
    }

    #[test]
    fn an_alert_s_fingerprint_is_that_of_its_label_set() {
        let names = [
            "a",
            "account",
            "b",
            "card",
            "kind",
            "provider",
            "severity",
            "zz",
            "alertname",
        ];
        for cards in 0..3 {
            for mask in 0u32..(1 << names.len()) {
                let mut alert = Alert::firing("quota", "acme", at());
                for (i, name) in names.iter().enumerate() {
                    if mask & (1 << i) != 0 {
                        alert = alert.with_label(*name, format!("v{i}"));
                    }
                }
                for c in 0..cards {
                    alert = alert.with_card(format!("8986{c}"), "");
                }
                assert_eq!(
                    alert.fingerprint(),
                    fingerprint(&alert.labels()),
                    "{:?}, {cards} cards",
                    alert.labels
                );
            }
        }
    }

    #[test]
    fn a_label_looked_up_is_the_label_of_the_set() {
        let alert = Alert::firing("quota", "acme", at())
            .with_severity(Severity::Critical)
            .with_label("kind", "quota")
            .with_label("card", "stale")
            .with_label("alertname", "other")
            .with_card("8986001", "91%");
        for card in [None, Some("8986001")] {
            let set = alert.labels_with_card(card);
            for name in set.keys().map(String::as_str).chain(["nope", "provider"]) {
                assert_eq!(
                    alert.label_with_card(card, name),
                    set.get(name).map(String::as_str),
                    "{name} of card {card:?}"
                );
            }
        }
    }

    #[test]
    fn fingerprint_follows_labels_only() {
        let a = Alert::firing("quota", "acme", at()).with_card("8986", "90%");
        let b = a
            .clone()
            .with_summary("x")
            .with_description("y")
            .resolved(at());
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(
            a.fingerprint(),
            a.clone().with_severity(Severity::Critical).fingerprint()
        );
        assert_ne!(
            a.fingerprint(),
            Alert::firing("quota", "acme", at())
                .with_card("8987", "90%")
                .fingerprint()
        );
        assert_ne!(
            a.fingerprint(),
            a.clone().with_label("plan", "1G").fingerprint()
        );
        // A pinned value: the fingerprint must not change between versions.
        assert_eq!(a.fingerprint(), fingerprint(&a.labels()));
        assert_eq!(a.labels()["card"], "8986");
        assert_eq!(a.labels()["alertname"], "quota");
    }

    #[test]
    fn reserved_labels_win() {
        let a = Alert::firing("quota", "acme", at())
            .with_label("alertname", "spoof")
            .with_label("card", "spoof");
        let labels = a.labels();
        assert_eq!(labels["alertname"], "quota");
        assert!(!labels.contains_key("card"));
    }

    #[test]
    fn severity_names() {
        for s in [Severity::Info, Severity::Warning, Severity::Critical] {
            assert_eq!(s.as_str().parse::<Severity>().unwrap(), s);
        }
        assert!("page".parse::<Severity>().is_err());
        assert!(Severity::Critical > Severity::Warning);
    }
}
