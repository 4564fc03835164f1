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
///
/// Serialized as `{"outcome": …, "payload": …}` with the model's forms.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
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
#[derive(Clone, PartialEq, Eq, Debug, Error, serde::Serialize)]
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
/// The server's order and count mean nothing: match by card number
/// ([`Batch::assemble`](crate::Batch::assemble) does). A number the server
/// repeats appears twice here.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
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

    /// Takes the first result for `card` out, if the server listed it; a
    /// repeat the server sent stays for the next `take`. The other entries
    /// keep their order.
    ///
    /// ```
    /// let mut answers = iotbos_proto::parse_state(&http::Response::new(br#"{"status":1,"data":{"date":[
    ///     {"num":"1060000000001","State":1,"TerminalState":"\u5df2\u6fc0\u6d3b"}]}}"#))?;
    /// let card = "1060000000001".parse()?;
    /// assert!(answers.take(&card).is_some());
    /// assert!(answers.take(&card).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn take(&mut self, card: &CardNumber) -> Option<Result<CardAnswer<T>, EntryError>> {
        let at = self.cards.iter().position(|(c, _)| c == card)?;
        Some(self.cards.remove(at).1)
    }

    /// The entries whose `num` names a card, owned, in the server's order
    /// (the unattributed ones are dropped: look at
    /// [`unattributed`](Self::unattributed) first if they matter).
    pub fn into_cards(self) -> Vec<(CardNumber, Result<CardAnswer<T>, EntryError>)> {
        self.cards
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

/// A whole answer read in one pass with its entries typed: the common case,
/// and three times less scanning than the careful path (envelope, then list,
/// then each entry). It takes the same fields as the envelope, so a repeated
/// key fails here as it does there. Whatever it cannot take (a refusal, an
/// odd `data`, one unreadable entry) goes down the careful path, which says
/// exactly what is wrong where; both read a well-formed answer the same way.
#[derive(Deserialize)]
#[serde(bound(deserialize = "E: Deserialize<'de>"))]
struct Typed<'a, E> {
    #[serde(borrow)]
    status: &'a RawValue,
    #[serde(borrow, default)]
    #[allow(dead_code)]
    info: Option<&'a RawValue>,
    #[serde(default)]
    data: Option<TypedList<E>>,
    #[serde(borrow, default)]
    #[allow(dead_code)]
    createtime: Option<&'a RawValue>,
}

/// [`CardList`] with its entries typed.
#[derive(Deserialize)]
#[serde(bound(deserialize = "E: Deserialize<'de>"))]
struct TypedList<E> {
    #[serde(default)]
    date: Option<Vec<E>>,
    #[serde(default)]
    data: Option<Vec<E>>,
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
    if status.is_success() {
        if let Some(answers) = parse_typed::<E>(body) {
            return Ok(answers);
        }
    }
    parse_careful::<E>(call, status, body)
}

/// Reads the envelope, then the list, then each entry on its own, so that
/// every problem is named and an unreadable entry costs only itself.
fn parse_careful<'a, E>(
    call: Call,
    status: StatusCode,
    body: &'a [u8],
) -> Result<CardAnswers<E::Payload>, IotbosError>
where
    E: WireEntry + Deserialize<'a>,
{
    let name = call.name();
    let accepted = envelope::open(name, status, body)?;
    let data = accepted.data.ok_or_else(|| missing_list(name, status))?;
    let list: CardList<'a> = serde_json::from_str(data.get()).map_err(json_error(name, status))?;
    let entries = list
        .date
        .or(list.data)
        .ok_or_else(|| missing_list(name, status))?;
    let mut answers = CardAnswers {
        cards: Vec::with_capacity(entries.len()),
        unattributed: Vec::new(),
    };
    for (index, raw) in entries.into_iter().enumerate() {
        read_entry::<E>(index, raw, &mut answers);
    }
    Ok(answers)
}

/// The one-pass read of a successful answer (see [`Typed`]); `None` sends
/// the answer down the careful path.
fn parse_typed<'a, E>(body: &'a [u8]) -> Option<CardAnswers<E::Payload>>
where
    E: WireEntry + Deserialize<'a>,
{
    // One check of the whole body, rather than one per string as
    // `from_slice` does: a sixth of the work on answers of short strings.
    let text = std::str::from_utf8(body).ok()?;
    let typed: Typed<'a, E> = serde_json::from_str(text).ok()?;
    if typed.status.get() != "1" || !envelope::is_object(body) {
        return None;
    }
    let list = typed.data?;
    let entries = list.date.or(list.data)?;
    let mut answers = CardAnswers {
        cards: Vec::with_capacity(entries.len()),
        unattributed: Vec::new(),
    };
    for (index, entry) in entries.into_iter().enumerate() {
        settle(index, entry, &mut answers);
    }
    Some(answers)
}

fn missing_list(call: &'static str, status: StatusCode) -> IotbosError {
    IotbosError::MissingCardList { call, status }
}

fn entry_error(index: usize, num: Option<&str>, reason: String) -> EntryError {
    EntryError {
        index,
        num: num.map(str::to_owned),
        reason,
    }
}

/// Files a read entry under its card, or apart when `num` names none.
fn settle<E: WireEntry>(index: usize, entry: E, answers: &mut CardAnswers<E::Payload>) {
    match CardNumber::parse(entry.num()) {
        Ok(card) => {
            let outcome = outcome(entry.state());
            let result = entry
                .into_payload()
                .map(|payload| CardAnswer { outcome, payload })
                .map_err(|reason| entry_error(index, Some(card.as_str()), reason));
            answers.cards.push((card, result));
        }
        Err(e) => answers
            .unattributed
            .push(entry_error(index, Some(entry.num()), e.to_string())),
    }
}

/// Reads one entry into `answers`, wherever it belongs.
fn read_entry<'a, E>(index: usize, raw: &'a RawValue, answers: &mut CardAnswers<E::Payload>)
where
    E: WireEntry + Deserialize<'a>,
{
    match serde_json::from_str::<E>(raw.get()) {
        Ok(entry) => settle(index, entry, answers),
        Err(e) => {
            let num = serde_json::from_str::<NumOnly<'_>>(raw.get())
                .ok()
                .and_then(|n| n.num);
            let error = entry_error(index, num.as_deref(), e.to_string());
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
                matches!(e, IotbosError::MissingCardList { call: "usage", .. }),
                "{data}: {e}"
            );
            assert!(e.is_transient());
        }
        for data in ["5", r#""x""#, r#"{"date":{}}"#, r#"{"date":[],"data":7}"#] {
            let e = probe(data).unwrap_err();
            assert!(
                matches!(e, IotbosError::UnexpectedShape { .. }),
                "{data}: {e}"
            );
        }
    }

    /// Both ways of reading: the one-pass read when it takes the answer, and
    /// the careful one.
    fn both_ways(body: &str) -> (Option<CardAnswers<i64>>, Result<CardAnswers<i64>, String>) {
        let careful = parse_careful::<Probe<'_>>(Call::Usage, StatusCode::OK, body.as_bytes())
            .map_err(|e| e.to_string());
        (parse_typed::<Probe<'_>>(body.as_bytes()), careful)
    }

    #[test]
    fn the_one_pass_read_agrees_with_the_careful_one_or_steps_aside() {
        let entries = [
            format!(r#"{{"num":"{A}","State":1,"X":5,"extra":{{"deep":[1,"\u0031"]}}}}"#),
            format!(r#"{{"num":"{B}","State":1,"X":-1}}"#),
            r#"{"num":"12","State":0,"X":null}"#.to_owned(),
            format!(r#"{{"num":"\u0031{}","State":-3}}"#, &A[1..]),
            format!(r#"{{"num":"{A}","State":2}}"#),
        ];
        let list = entries.join(",");
        for (body, typed_takes_it) in [
            (
                format!(
                    r#"{{"status":1,"info":null,"data":{{"date":[{list}]}},"createtime":"x"}}"#
                ),
                true,
            ),
            (
                format!(r#"{{"createtime":"x","data":{{"data":[{list}]}},"status":1}}"#),
                true,
            ),
            (r#"{"status":1,"data":{"date":[]}}"#.to_owned(), true),
            // An entry serde cannot read, an unread list beside the read one,
            // a repeated envelope key, a refusal, no list: the careful path.
            (
                format!(r#"{{"status":1,"data":{{"date":[{list},{{"num":"{A}","State":"1"}}]}}}}"#),
                false,
            ),
            (
                format!(r#"{{"status":1,"data":{{"date":[{list}],"data":[7]}}}}"#),
                false,
            ),
            (
                format!(r#"{{"status":1,"info":null,"info":null,"data":{{"date":[{list}]}}}}"#),
                false,
            ),
            (
                format!(r#"{{"status":0,"info":"expired","data":{{"date":[{list}]}}}}"#),
                false,
            ),
            (r#"{"status":1,"data":null}"#.to_owned(), false),
            (r#"{"status":1,"data":[]}"#.to_owned(), false),
        ] {
            let (typed, careful) = both_ways(&body);
            assert_eq!(typed.is_some(), typed_takes_it, "{body}");
            if let Some(typed) = typed {
                assert_eq!(Ok(typed), careful, "{body}");
            }
            let public = probe_body(&body).map_err(|e| e.to_string());
            assert_eq!(public, careful, "{body}");
        }
    }

    fn probe_body(body: &str) -> Result<CardAnswers<i64>, IotbosError> {
        parse::<Probe<'_>>(Call::Usage, StatusCode::OK, body.as_bytes())
    }

    proptest::proptest! {
        #[test]
        fn both_reads_give_the_same_answers(
            entries in proptest::collection::vec(
                (0u64..40, proptest::option::of(-2i64..4), -1i64..3, 0u8..6),
                0..12,
            )
        ) {
            let list: Vec<String> = entries
                .iter()
                .map(|(n, x, state, form)| {
                    let num = format!("{:013}", 1_060_000_000_000 + n);
                    let x = x.map_or("null".to_owned(), |x| x.to_string());
                    match form {
                        0 => format!(r#"{{"num":"{num}","State":{state},"X":{x}}}"#),
                        1 => format!(r#"{{"X":{x},"State":{state},"num":"{num}","more":[{{}}]}}"#),
                        2 => format!(r#"{{"num":"{}","State":{state}}}"#, &num[..5]),
                        3 => format!(r#"{{"num":"\u0031{}","State":{state},"X":{x}}}"#, &num[1..]),
                        4 => format!(r#"{{"num":"{num}","State":"{state}"}}"#),
                        _ => format!(r#"{{"State":{state},"X":{x}}}"#),
                    }
                })
                .collect();
            let body = format!(r#"{{"status":1,"info":null,"data":{{"date":[{}]}}}}"#, list.join(","));
            let (typed, careful) = both_ways(&body);
            let serde_reads_all = entries.iter().all(|(_, _, _, form)| *form < 4);
            proptest::prop_assert_eq!(typed.is_some(), serde_reads_all);
            if let Some(typed) = typed {
                proptest::prop_assert_eq!(Ok(typed), careful.clone());
            }
            proptest::prop_assert_eq!(probe_body(&body).map_err(|e| e.to_string()), careful);
        }
    }
}
