//! Generic webhooks: exactly Alertmanager's webhook payload, version "4",
//! so existing bridges and receivers work unchanged.

use std::collections::BTreeMap;

use bytes::Bytes;
use chrono::SecondsFormat;
use http::{Request, Response};
use serde::{Deserialize, Serialize};

use crate::alert::fingerprint;
use crate::{Alert, AlertState, ChannelKind, Delivered, Digest, NotifyError, SecretUrl};

/// What Alertmanager sends for an alert still firing: Go's zero time.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Alertmanager's webhook payload, version "4", field for field (the
/// order is Alertmanager's too). Also [`Deserialize`], for receivers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    /// The receiver's name: the notifier's name.
    pub receiver: String,
    /// `firing` when any alert fires, else `resolved`.
    pub status: AlertState,
    /// The alerts, one per card.
    pub alerts: Vec<PayloadAlert>,
    /// The labels the group is keyed on: `alertname`.
    #[serde(rename = "groupLabels")]
    pub group_labels: BTreeMap<String, String>,
    /// The labels every alert has with the same value (every alert of the
    /// digest, as in Alertmanager: those `max_alerts` cut and those the
    /// digest only counts too).
    #[serde(rename = "commonLabels")]
    pub common_labels: BTreeMap<String, String>,
    /// The annotations every alert has with the same value (every alert,
    /// as for `commonLabels`).
    #[serde(rename = "commonAnnotations")]
    pub common_annotations: BTreeMap<String, String>,
    /// The sender's URL (the config's `external_url`, or empty).
    #[serde(rename = "externalURL")]
    pub external_url: String,
    /// Always `"4"`.
    pub version: String,
    /// The group's key: `{}:{alertname="RULE"}`.
    #[serde(rename = "groupKey")]
    pub group_key: String,
    /// How many alerts were left out: by `max_alerts`, and those the
    /// digest only counts (past [`MAX_DIGEST_ALERTS`](crate::MAX_DIGEST_ALERTS)).
    #[serde(rename = "truncatedAlerts")]
    pub truncated_alerts: u64,
}

/// One alert of a [`Payload`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayloadAlert {
    /// `firing` or `resolved`.
    pub status: AlertState,
    /// `alertname` (the rule), `severity`, `account`, `card` (when the
    /// alert is about a card) and the rule's extra labels.
    pub labels: BTreeMap<String, String>,
    /// `summary`, `description` (when not empty), `figure` (the card's).
    pub annotations: BTreeMap<String, String>,
    /// RFC 3339.
    #[serde(rename = "startsAt")]
    pub starts_at: String,
    /// RFC 3339; [`ZERO_TIME`] while firing.
    #[serde(rename = "endsAt")]
    pub ends_at: String,
    /// A link back to what generated the alert, or empty.
    #[serde(rename = "generatorURL")]
    pub generator_url: String,
    /// The label set's fingerprint (16 hex digits).
    pub fingerprint: String,
}

/// A webhook receiving [`Payload`]s.
#[derive(Clone, Debug)]
pub struct Webhook {
    url: SecretUrl,
    receiver: String,
    external_url: String,
    max_alerts: usize,
}

impl Webhook {
    /// The receiver at `url`, named `receiver` in the payload, sending at
    /// most `max_alerts` alerts per payload (0: all, as Alertmanager).
    pub fn new(
        url: SecretUrl,
        receiver: impl Into<String>,
        external_url: impl Into<String>,
        max_alerts: usize,
    ) -> Self {
        Self {
            url,
            receiver: receiver.into(),
            external_url: external_url.into(),
            max_alerts,
        }
    }

    /// Where payloads go.
    pub fn url(&self) -> &SecretUrl {
        &self.url
    }

    /// The payload for `digest`.
    pub fn payload(&self, digest: &Digest) -> Payload {
        let mut alerts: Vec<PayloadAlert> = digest.alerts().iter().flat_map(expand).collect();
        // Over every alert before any is cut, as Alertmanager does.
        let mut common = digest.omitted_common().cloned();
        for alert in &alerts {
            Common::narrow(&mut common, &alert.labels, &alert.annotations);
        }
        let Common {
            labels: common_labels,
            annotations: common_annotations,
        } = common.unwrap_or_default();
        let total = alerts.len();
        if self.max_alerts > 0 && total > self.max_alerts {
            alerts.truncate(self.max_alerts);
        }
        // What `max_alerts` cut, and the lines of the alerts the digest
        // itself only counts (past `MAX_DIGEST_ALERTS`).
        let cut = (total - alerts.len()) as u64;
        let truncated = cut.saturating_add(digest.omitted_lines() as u64);
        Payload {
            receiver: self.receiver.clone(),
            status: digest.status(),
            group_labels: BTreeMap::from([("alertname".to_owned(), digest.rule().to_owned())]),
            common_labels,
            common_annotations,
            external_url: self.external_url.clone(),
            version: "4".into(),
            group_key: format!("{{}}:{{alertname={}}}", quote(digest.rule())),
            truncated_alerts: truncated,
            alerts,
        }
    }

    /// The JSON body for `digest`.
    pub fn body(&self, digest: &Digest) -> Result<Vec<u8>, NotifyError> {
        serde_json::to_vec(&self.payload(digest)).map_err(|source| NotifyError::EncodeBody {
            channel: ChannelKind::Webhook,
            source,
        })
    }

    /// The request sending `digest`.
    pub fn request(&self, digest: &Digest) -> Result<Request<Bytes>, NotifyError> {
        crate::post_json(
            ChannelKind::Webhook,
            self.url.expose().to_owned(),
            self.body(digest)?,
        )
    }
}

/// The labels and the annotations all the payload alerts of some alerts
/// have with the same value; kept for the alerts a digest only counts, so
/// that `commonLabels` stays true of every alert.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Common {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

impl Common {
    /// Narrows `common` (`None`: no alert yet) to what it shares with a
    /// payload alert of `labels` and `annotations`.
    fn narrow(
        common: &mut Option<Self>,
        labels: &BTreeMap<String, String>,
        annotations: &BTreeMap<String, String>,
    ) {
        match common {
            None => {
                *common = Some(Self {
                    labels: labels.clone(),
                    annotations: annotations.clone(),
                })
            }
            Some(c) => {
                c.labels.retain(|k, v| labels.get(k) == Some(v));
                c.annotations.retain(|k, v| annotations.get(k) == Some(v));
            }
        }
    }

    /// Narrows `common` to what it shares with `other`, what other payload
    /// alerts share (`None`: there were none).
    pub(crate) fn narrow_by_common(common: &mut Option<Self>, other: Option<&Self>) {
        if let Some(other) = other {
            Self::narrow(common, &other.labels, &other.annotations);
        }
    }

    /// Narrows `common` to what it shares with every payload alert `alert`
    /// becomes (without building them: no fingerprint, no times).
    pub(crate) fn narrow_by_alert(common: &mut Option<Self>, alert: &Alert) {
        // The first payload alert's sets are built once; after that, each
        // payload alert's labels and annotations are looked up, not built:
        // this runs for every alert a digest only counts.
        let c = common.get_or_insert_with(|| {
            let first = alert.cards.first();
            let mut annotations = annotations(alert);
            if let Some(card) = first.filter(|c| !c.figure.is_empty()) {
                annotations.insert("figure".to_owned(), card.figure.clone());
            }
            Self {
                labels: alert.labels_with_card(first.map(|c| c.card.as_str())),
                annotations,
            }
        });
        if c.labels.is_empty() && c.annotations.is_empty() {
            return; // Nothing left to lose.
        }
        let mut narrow = |card: Option<&str>, figure: Option<&str>| {
            c.labels
                .retain(|k, v| alert.label_with_card(card, k) == Some(v.as_str()));
            c.annotations
                .retain(|k, v| annotation(alert, figure, k) == Some(v.as_str()));
        };
        if alert.cards.is_empty() {
            narrow(None, None);
        }
        for card in &alert.cards {
            narrow(Some(&card.card), Some(&card.figure));
        }
    }
}

/// Annotation `name` of a payload alert of `alert` with the card's
/// `figure` (`None`: an alert about no card), as [`annotations`] and the
/// figure give it.
fn annotation<'a>(alert: &'a Alert, figure: Option<&'a str>, name: &str) -> Option<&'a str> {
    let text = match name {
        "summary" => alert.summary.as_str(),
        "description" => alert.description.as_str(),
        "figure" => figure?,
        _ => return None,
    };
    Some(text).filter(|t| !t.is_empty())
}

/// The alert's annotations but the card's `figure`.
fn annotations(alert: &Alert) -> BTreeMap<String, String> {
    let mut annotations = BTreeMap::new();
    if !alert.summary.is_empty() {
        annotations.insert("summary".to_owned(), alert.summary.clone());
    }
    if !alert.description.is_empty() {
        annotations.insert("description".to_owned(), alert.description.clone());
    }
    annotations
}

/// One payload alert per card (one without `card` for an account-level
/// alert).
fn expand(alert: &Alert) -> Vec<PayloadAlert> {
    let annotations = annotations(alert);
    let starts_at = alert.starts_at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let ends_at = match (alert.state, alert.ends_at) {
        (AlertState::Resolved, Some(end)) => end.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        _ => ZERO_TIME.to_owned(),
    };
    let one = |card: Option<&crate::CardFigure>| {
        let labels = alert.labels_with_card(card.map(|c| c.card.as_str()));
        let mut annotations = annotations.clone();
        if let Some(card) = card.filter(|c| !c.figure.is_empty()) {
            annotations.insert("figure".to_owned(), card.figure.clone());
        }
        PayloadAlert {
            status: alert.state,
            fingerprint: fingerprint(&labels),
            labels,
            annotations,
            starts_at: starts_at.clone(),
            ends_at: ends_at.clone(),
            generator_url: alert.generator_url.clone(),
        }
    };
    if alert.cards.is_empty() {
        vec![one(None)]
    } else {
        alert.cards.iter().map(|c| one(Some(c))).collect()
    }
}

/// A label value quoted as Alertmanager's group keys quote it (Go's `%q`
/// for the characters that matter: backslash, quote, newline).
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reads the receiver's answer: any 2xx is delivered; 5xx, 408 and 429 are
/// transient, other statuses refused.
pub fn read_answer<B: AsRef<[u8]>>(answer: &Response<B>) -> Result<Delivered, NotifyError> {
    crate::answer::any_success(ChannelKind::Webhook, answer)
}
