//! Per-card answers of the data calls: the list under `data.date`, matched
//! by each entry's `num`.

use std::borrow::Cow;
use std::fmt;

use http::StatusCode;
use iotcard_model::{CardNumber, Outcome};
use serde::Deserialize;
use serde_json::value::RawValue;
use thiserror::Error;

use crate::envelope::{self, json_error};
use crate::{Call, IotbosError};

/// What the server said about one card.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CardAnswer<T> {
    /// The entry's `State`: found (1), not found (0), no data (2), or a code
    /// the provider does not document, kept.
    pub outcome: Outcome,
    /// The data sent with the entry, whatever its `State` (the spec shows
    /// `TerminalState` beside `State: 2`); `None` when nothing (or `null`)
    /// was sent.
    pub payload: Option<T>,
}

/// A per-card entry that could not be read. Kept, never dropped: either
/// beside its card (when `num` names one) or in
/// [`CardAnswers::unattributed`].
#[derive(Clone, PartialEq, Eq, Debug, Error)]
pub struct EntryError {
    /// The entry's position in the answer's list, from 0.
    pub index: usize,
    /// The entry's `num`, verbatim, when it had a string there.
    pub num: Option<String>,
    /// What was wrong with it.
    pub reason: String,
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entry {} of the card list", self.index)?;
        if let Some(num) = &self.num {
            write!(f, " (num {num:?})")?;
        }
        write!(f, " is unreadable: {}", self.reason)
    }
}

/// A data call's answer: one result per entry, in the order the server
/// listed them, each under the card number its `num` names.
///
/// The server's order and count mean nothing: match by card number (the
/// [`Assembler`](crate::Assembler) does). A number the server repeats
/// appears twice here.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CardAnswers<T> {
    /// Entries whose `num` is a valid card number.
    pub cards: Vec<(CardNumber, Result<CardAnswer<T>, EntryError>)>,
    /// Entries whose `num` is missing or not a valid card number.
    pub unattributed: Vec<EntryError>,
}

impl<T> CardAnswers<T> {
    /// The first result for `card`, if the server listed it.
    pub fn get(&self, card: &CardNumber) -> Option<&Result<CardAnswer<T>, EntryError>> {
        self.cards.iter().find(|(c, _)| c == card).map(|(_, r)| r)
    }
}

impl<T> Default for CardAnswers<T> {
    fn default() -> Self {
        Self {
            cards: Vec::new(),
            unattributed: Vec::new(),
        }
    }
}

/// The documented per-card `State` codes.
pub(crate) fn outcome(state: i64) -> Outcome {
    match state {
        0 => Outcome::NotFound,
        1 => Outcome::Found,
        2 => Outcome::NoData,
        other => Outcome::Unknown(other),
    }
}

/// One call's wire form of a per-card entry.
pub(crate) trait WireEntry {
    /// The typed data of one card.
    type Payload;
    /// The entry's `num`.
    fn num(&self) -> &str;
    /// The entry's `State`.
    fn state(&self) -> i64;
    /// The typed data, or why it cannot be read.
    fn into_payload(self) -> Result<Option<Self::Payload>, String>;
}

/// `data` of a successful answer. The list is `date` (sic); `data` is
/// accepted as well in case the provider ever fixes the typo.
#[derive(Deserialize)]
struct CardList<'a> {
    #[serde(borrow, default)]
    date: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    data: Option<Vec<&'a RawValue>>,
}

/// Enough of an unreadable entry to say which card it was about.
#[derive(Deserialize)]
struct NumOnly<'a> {
    #[serde(borrow, default)]
    num: Option<Cow<'a, str>>,
}

/// Parses a data call's answer whose entries have the wire form `E`.
pub(crate) fn parse<'a, E>(
    call: Call,
    status: StatusCode,
    body: &'a [u8],
) -> Result<CardAnswers<E::Payload>, IotbosError>
where
    E: WireEntry + Deserialize<'a>,
{
    let name = call.name();
    let accepted = envelope::open(name, status, body)?;
    let data = accepted
        .data
        .ok_or(IotbosError::MissingCardList { call: name })?;
    let list: CardList<'a> = serde_json::from_str(data.get()).map_err(json_error(name))?;
    let entries = list
        .date
        .or(list.data)
        .ok_or(IotbosError::MissingCardList { call: name })?;
    let mut answers = CardAnswers {
        cards: Vec::with_capacity(entries.len()),
        unattributed: Vec::new(),
    };
    for (index, raw) in entries.into_iter().enumerate() {
        read_entry::<E>(index, raw, &mut answers);
    }
    Ok(answers)
}

/// Reads one entry into `answers`, wherever it belongs.
fn read_entry<'a, E>(index: usize, raw: &'a RawValue, answers: &mut CardAnswers<E::Payload>)
where
    E: WireEntry + Deserialize<'a>,
{
    let entry_error = |num: Option<&str>, reason: String| EntryError {
        index,
        num: num.map(str::to_owned),
        reason,
    };
    match serde_json::from_str::<E>(raw.get()) {
        Ok(entry) => match CardNumber::parse(entry.num()) {
            Ok(card) => {
                let outcome = outcome(entry.state());
                let result = entry
                    .into_payload()
                    .map(|payload| CardAnswer { outcome, payload })
                    .map_err(|reason| entry_error(Some(card.as_str()), reason));
                answers.cards.push((card, result));
            }
            Err(e) => answers
                .unattributed
                .push(entry_error(Some(entry.num()), e.to_string())),
        },
        Err(e) => {
            let num = serde_json::from_str::<NumOnly<'_>>(raw.get())
                .ok()
                .and_then(|n| n.num);
            let error = entry_error(num.as_deref(), e.to_string());
            match num.as_deref().map(CardNumber::parse) {
                Some(Ok(card)) => answers.cards.push((card, Err(error))),
                _ => answers.unattributed.push(error),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal call: the payload is an optional integer `X`.
    #[derive(Deserialize)]
    struct Probe<'a> {
        #[serde(borrow)]
        num: Cow<'a, str>,
        #[serde(rename = "State")]
        state: i64,
        #[serde(rename = "X", default)]
        x: Option<i64>,
    }

    impl WireEntry for Probe<'_> {
        type Payload = i64;
        fn num(&self) -> &str {
            &self.num
        }
        fn state(&self) -> i64 {
            self.state
        }
        fn into_payload(self) -> Result<Option<i64>, String> {
            match self.x {
                Some(x) if x < 0 => Err(format!("X is negative: {x}")),
                x => Ok(x),
            }
        }
    }

    fn probe(data: &str) -> Result<CardAnswers<i64>, IotbosError> {
        let body = format!(r#"{{"status":1,"info":null,"data":{data}}}"#);
        parse::<Probe<'_>>(Call::Usage, StatusCode::OK, body.as_bytes())
    }

    const A: &str = "1060000000001";
    const B: &str = "1060000000002";

    #[test]
    fn every_state_code_is_kept() {
        let list = format!(
            r#"{{"date":[{{"num":"{A}","State":1,"X":5}},{{"num":"{B}","State":2}},
               {{"num":"10600000000003","State":0,"X":null}},{{"num":"10600000000004","State":-3}}]}}"#
        );
        let answers = probe(&list).unwrap();
        let got: Vec<_> = answers
            .cards
            .iter()
            .map(|(c, r)| (c.as_str(), r.clone().unwrap()))
            .collect();
        let answer = |outcome, payload| CardAnswer { outcome, payload };
        assert_eq!(
            got,
            vec![
                (A, answer(Outcome::Found, Some(5))),
                (B, answer(Outcome::NoData, None)),
                ("10600000000003", answer(Outcome::NotFound, None)),
                ("10600000000004", answer(Outcome::Unknown(-3), None)),
            ]
        );
        assert!(answers.unattributed.is_empty());
        assert_eq!(
            answers
                .get(&B.parse().unwrap())
                .unwrap()
                .as_ref()
                .unwrap()
                .outcome,
            Outcome::NoData
        );
    }

    #[test]
    fn unreadable_entries_are_kept_beside_their_card_or_apart() {
        let list = format!(
            r#"{{"date":[
                {{"num":"{A}","State":"1"}},
                {{"num":"{B}","State":1,"X":-1}},
                {{"num":"12","State":1}},
                {{"State":1}},
                7,
                {{"num":5,"State":1}},
                {{"num":"{A}","State":1,"X":1,"extra":{{"deep":[1,2]}}}}
            ]}}"#
        );
        let answers = probe(&list).unwrap();
        assert_eq!(answers.cards.len(), 3);
        let (card, first) = &answers.cards[0];
        assert_eq!(card.as_str(), A);
        let e = first.as_ref().unwrap_err();
        assert_eq!((e.index, e.num.as_deref()), (0, Some(A)));
        assert!(e.to_string().contains("invalid type"), "{e}");
        let e = answers.cards[1].1.as_ref().unwrap_err();
        assert_eq!(e.reason, "X is negative: -1");
        assert_eq!(answers.cards[2].1.as_ref().unwrap().payload, Some(1));
        let lost: Vec<_> = answers
            .unattributed
            .iter()
            .map(|e| (e.index, e.num.as_deref()))
            .collect();
        assert_eq!(lost, vec![(2, Some("12")), (3, None), (4, None), (5, None)]);
        assert!(answers.unattributed[0]
            .to_string()
            .contains("invalid card number"));
    }

    #[test]
    fn list_under_data_is_accepted_but_date_wins() {
        let under_data = probe(&format!(r#"{{"data":[{{"num":"{A}","State":1}}]}}"#)).unwrap();
        assert_eq!(under_data.cards.len(), 1);
        let both = probe(&format!(
            r#"{{"data":[{{"num":"{A}","State":1}}],"date":[]}}"#
        ))
        .unwrap();
        assert!(both.cards.is_empty());
    }

    #[test]
    fn a_missing_list_is_an_error_not_an_empty_answer() {
        // `[]` reads as an object with no fields (serde accepts a struct as a
        // sequence): no list either.
        for data in ["null", "{}", "[]", r#"{"date":null}"#] {
            let e = probe(data).unwrap_err();
            assert!(
                matches!(e, IotbosError::MissingCardList { call: "usage" }),
                "{data}: {e}"
            );
        }
        for data in ["5", r#""x""#, r#"{"date":{}}"#, r#"{"date":[],"data":7}"#] {
            let e = probe(data).unwrap_err();
            assert!(
                matches!(e, IotbosError::UnexpectedShape { .. }),
                "{data}: {e}"
            );
        }
    }
}
