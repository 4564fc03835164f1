//! The records the commands write: one per card, with the card as asked
//! and either its values or an error.

use iotcard_model::{CardStatus, NetworkStatus, Outcome};
use serde::Serialize;

use crate::provider::Provider;

/// One card's record: `{"card": "…", <values…>}` or
/// `{"card": "…", "error": {"kind": "…", "message": "…"}}`.
#[derive(Debug, Serialize)]
pub struct CardRecord<'a, T: Serialize> {
    /// The card as the operator asked for it.
    pub card: &'a str,
    /// Its values, flattened beside `card`, or its error.
    #[serde(flatten)]
    pub answer: Answer<'a, T>,
}

/// What a card's record holds besides the card.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Answer<'a, T: Serialize> {
    /// The values (their fields sit beside `card`).
    Values(&'a T),
    /// Why there are none.
    Error {
        /// The error.
        error: RecordError,
    },
}

/// Why a card's record has no values.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct RecordError {
    /// What kind of gap this is, for scripts.
    pub kind: ErrorKind,
    /// What happened, for people.
    pub message: String,
}

/// The kinds of gap a record can have.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The platform does not know the card.
    NotFound,
    /// The platform knows the card but has no data of this kind for it.
    NoData,
    /// The platform answered with a code its documentation does not define.
    Unknown,
    /// The request for this card failed (network, server, credentials).
    Failed,
}

impl RecordError {
    /// The error for a per-card outcome, or `None` for [`Outcome::Found`].
    /// `what` names the data asked for ("usage information").
    pub fn from_outcome(outcome: Outcome, provider: Provider, what: &str) -> Option<Self> {
        let (kind, message) = match outcome {
            Outcome::Found => return None,
            Outcome::NotFound => (
                ErrorKind::NotFound,
                format!("{provider} does not know this card on this account"),
            ),
            Outcome::NoData => (
                ErrorKind::NoData,
                format!("{provider} has no {what} for this card"),
            ),
            Outcome::Unknown(code) => (
                ErrorKind::Unknown,
                format!("{provider} answered with state {code}, which its documentation does not define"),
            ),
            // `Outcome` may grow: a new outcome is a gap, never a crash.
            other => (
                ErrorKind::Unknown,
                format!("{provider} answered {other}"),
            ),
        };
        Some(RecordError { kind, message })
    }

    /// The error for a card whose request failed.
    pub fn failed(message: impl Into<String>) -> Self {
        RecordError {
            kind: ErrorKind::Failed,
            message: message.into(),
        }
    }
}

/// The values of `status`: the card's status, and on Tencent whether its
/// data network is on.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize)]
pub struct StatusValues {
    /// Lifecycle status.
    pub status: Option<CardStatus>,
    /// Data network on or off (Tencent only).
    pub network: Option<NetworkStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotcard_model::{DataAmount, SmsCount, Usage};

    #[test]
    fn values_sit_beside_the_card() {
        let usage = Usage {
            sms_used: Some(SmsCount(6)),
            data_used: Some(DataAmount::mb("14.970".parse().unwrap())),
        };
        let record = CardRecord {
            card: "898602b7091701054333",
            answer: Answer::Values(&usage),
        };
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            r#"{"card":"898602b7091701054333","sms_used":6,"data_used":{"amount":"14.970","unit":"mb"}}"#
        );
    }

    #[test]
    fn errors_have_a_kind_and_a_message() {
        let error =
            RecordError::from_outcome(Outcome::NoData, Provider::Iotbos, "usage information")
                .unwrap();
        let record: CardRecord<'_, Usage> = CardRecord {
            card: "1064804085884",
            answer: Answer::Error { error },
        };
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            r#"{"card":"1064804085884","error":{"kind":"no_data","message":"IoTBOS has no usage information for this card"}}"#
        );
        assert!(RecordError::from_outcome(Outcome::Found, Provider::Iotbos, "x").is_none());
        let unknown =
            RecordError::from_outcome(Outcome::Unknown(7), Provider::Iotbos, "x").unwrap();
        assert_eq!(unknown.kind, ErrorKind::Unknown);
        assert!(unknown.message.contains("state 7"));
        assert_eq!(
            RecordError::from_outcome(Outcome::NotFound, Provider::Tencent, "x")
                .unwrap()
                .kind,
            ErrorKind::NotFound
        );
    }
}
