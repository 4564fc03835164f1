//! The records the commands write: one per card, with the card as asked
//! and either its values or an error.

use iotcard_facade::{FieldProblem, ProblemKind};
use serde::Serialize;

/// One card's record: `{"card": "…", <values…>}` or
/// `{"card": "…", "error": {"kind": "…", "message": "…"}}`, then
/// `"problems": [{"field": "…", "problem": "…"}]` when the platform sent
/// fields for the card that could not be read (left out otherwise).
#[derive(Debug, Serialize)]
pub struct CardRecord<'a, T: Serialize> {
    /// The card as the operator asked for it.
    pub card: &'a str,
    /// Its values, flattened beside `card`, or its error.
    #[serde(flatten)]
    pub answer: Answer<'a, T>,
    /// The fields that could not be read (each empty among the values).
    #[serde(skip_serializing_if = "<[FieldProblem]>::is_empty")]
    pub problems: &'a [FieldProblem],
}

/// A record that is written whole (a snapshot), with the card's field
/// problems beside its own fields; only used when there are some, so the
/// usual record is written as it always was.
#[derive(Debug, Serialize)]
pub struct WithProblems<'a, R: Serialize> {
    /// The record.
    #[serde(flatten)]
    pub record: &'a R,
    /// The fields that could not be read.
    pub problems: &'a [FieldProblem],
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
    /// What kind of gap this is, for scripts: the facade's
    /// [`ProblemKind`], the same word on every platform.
    pub kind: ProblemKind,
    /// What happened, for people.
    pub message: String,
}

impl RecordError {
    /// An error of `kind` saying `message`.
    pub fn new(kind: ProblemKind, message: impl Into<String>) -> Self {
        RecordError {
            kind,
            message: message.into(),
        }
    }

    /// A failure saying `message`.
    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(ProblemKind::Failed, message)
    }
}

/// The record of `account`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct AccountRecord {
    /// The account's name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Cards per operator, and in all.
    pub cards: CardCountsRecord,
}

/// Cards per operator.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct CardCountsRecord {
    /// China Mobile.
    pub china_mobile: u64,
    /// China Telecom.
    pub china_telecom: u64,
    /// China Unicom.
    pub china_unicom: u64,
    /// All three.
    pub total: u64,
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
            problems: &[],
        };
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            r#"{"card":"898602b7091701054333","sms_used":6,"data_used":{"amount":"14.970","unit":"mb"}}"#
        );
        let problems = [FieldProblem::new(
            "Exceed.ReceivesSmsNum",
            "expected an integer, found \"x\"",
        )];
        let record = CardRecord {
            problems: &problems,
            ..record
        };
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            r#"{"card":"898602b7091701054333","sms_used":6,"data_used":{"amount":"14.970","unit":"mb"},"problems":[{"field":"Exceed.ReceivesSmsNum","problem":"expected an integer, found \"x\""}]}"#
        );
        let snapshot = iotcard_model::CardSnapshot {
            card: "1".into(),
            ..Default::default()
        };
        let shown = serde_json::to_value(WithProblems {
            record: &snapshot,
            problems: &problems,
        })
        .unwrap();
        assert_eq!(shown["card"], "1");
        assert_eq!(shown["problems"][0]["field"], "Exceed.ReceivesSmsNum");
    }

    #[test]
    fn errors_have_a_kind_and_a_message() {
        let error = RecordError::new(
            ProblemKind::NoData,
            "IoTBOS has no usage information for this card",
        );
        let record: CardRecord<'_, Usage> = CardRecord {
            card: "1064804085884",
            answer: Answer::Error { error },
            problems: &[],
        };
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            r#"{"card":"1064804085884","error":{"kind":"no_data","message":"IoTBOS has no usage information for this card"}}"#
        );
        // The kinds scripts see are the facade's, word for word.
        let kinds = ProblemKind::ALL.map(|k| serde_json::to_string(&k).unwrap());
        assert_eq!(
            kinds,
            [
                "\"not_found\"",
                "\"no_data\"",
                "\"unknown_outcome\"",
                "\"unreadable\"",
                "\"missing\"",
                "\"failed\""
            ]
        );
    }
}
