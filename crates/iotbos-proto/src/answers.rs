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
use crate::fast::{is, once, Reader};
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

/// One call's wire entry as the fast read takes it ([`crate::fast`]).
pub(crate) trait FastEntry<'a>: Sized {
    /// Reads the entry at the cursor exactly as serde would, or `None`
    /// ("not taken") for anything the fast read leaves to serde.
    fn read_fast(r: &mut Reader<'a>) -> Option<Self>;
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
    E: WireEntry + Deserialize<'a> + FastEntry<'a>,
{
    if status.is_success() {
        // One check of the whole body, rather than one per string as
        // `from_slice` does: a sixth of serde's work on answers of short
        // strings, and what lets the fast read borrow `&str`s.
        if let Ok(text) = std::str::from_utf8(body) {
            if let Some(answers) = parse_fast::<E>(text) {
                return Ok(answers);
            }
            if let Some(answers) = parse_typed::<E>(text) {
                return Ok(answers);
            }
        }
    }
    parse_careful::<E>(call, status, body)
}

/// The fast read of a successful answer (see [`crate::fast`]): the fields
/// [`Typed`] takes, each once, `status` exactly `1`, a list under `date`
/// (or `data`) whose every entry the fast read takes; `None` leaves the
/// answer to serde.
fn parse_fast<'a, E>(text: &'a str) -> Option<CardAnswers<E::Payload>>
where
    E: WireEntry + FastEntry<'a>,
{
    let mut r = Reader::new(text);
    let (mut status, mut info, mut data, mut createtime) = (None, None, None, None);
    // Each list as answers, `None` inside for `null`.
    let (mut date_list, mut data_list) = (None, None);
    r.object(|r, key| {
        if is(key, "status") {
            let value = r.number()?;
            once(&mut status, value)
        } else if is(key, "info") {
            r.skip()?;
            once(&mut info, ())
        } else if is(key, "createtime") {
            r.skip()?;
            once(&mut createtime, ())
        } else if is(key, "data") {
            r.object(|r, key| {
                if is(key, "date") {
                    let list = fast_list::<E>(r, text.len())?;
                    once(&mut date_list, list)
                } else if is(key, "data") {
                    let list = fast_list::<E>(r, text.len())?;
                    once(&mut data_list, list)
                } else {
                    r.skip()
                }
            })?;
            once(&mut data, ())
        } else {
            r.skip()
        }
    })?;
    r.end()?;
    if status? != "1" {
        return None;
    }
    data?;
    date_list.flatten().or(data_list.flatten())
}

/// A list of entries read fast and settled, `None` inside for `null`.
fn fast_list<'a, E>(r: &mut Reader<'a>, body_len: usize) -> Option<Option<CardAnswers<E::Payload>>>
where
    E: WireEntry + FastEntry<'a>,
{
    if r.null() {
        return Some(None);
    }
    let mut answers = CardAnswers {
        // An entry is 60 to 200 bytes: one allocation in the usual case.
        cards: Vec::with_capacity(body_len / 64),
        unattributed: Vec::new(),
    };
    let mut index = 0;
    r.array(|r| {
        let entry = E::read_fast(r)?;
        settle(index, entry, &mut answers);
        index += 1;
        Some(())
    })?;
    Some(Some(answers))
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
fn parse_typed<'a, E>(text: &'a str) -> Option<CardAnswers<E::Payload>>
where
    E: WireEntry + Deserialize<'a>,
{
    let typed: Typed<'a, E> = serde_json::from_str(text).ok()?;
    if typed.status.get() != "1" || !envelope::is_object(text.as_bytes()) {
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

    impl<'a> FastEntry<'a> for Probe<'a> {
        fn read_fast(r: &mut Reader<'a>) -> Option<Self> {
            let (mut num, mut state, mut x) = (None, None, None);
            r.object(|r, key| {
                if is(key, "num") {
                    let value = r.string()?;
                    once(&mut num, value)
                } else if is(key, "State") {
                    let value = r.integer()?;
                    once(&mut state, value)
                } else if is(key, "X") {
                    let value = r.optional_integer()?;
                    once(&mut x, value)
                } else {
                    r.skip()
                }
            })?;
            Some(Self {
                num: Cow::Borrowed(num?),
                state: state?,
                x: x.flatten(),
            })
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
        (parse_typed::<Probe<'_>>(body), careful)
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

    #[test]
    fn the_fast_read_takes_the_ordinary_answers_and_agrees_with_serde() {
        let entries = [
            format!(r#"{{"num":"{A}","State":1,"X":5,"extra":{{"deep":[1,"a"]}}}}"#),
            format!(r#"{{"X":null,"State":2,"num":"{B}"}}"#),
            r#"{"num":"12","State":0}"#.to_owned(),
            format!(r#"{{ "num" : "{A}" , "State" : -3 }}"#),
        ];
        let list = entries.join(" ,\n");
        for body in [
            format!(r#"{{"status":1,"info":null,"data":{{"date":[{list}]}},"createtime":"x"}}"#),
            format!(r#" {{"createtime":"x","data":{{"data":[{list}]}},"status":1}} "#),
            format!(r#"{{"status":1,"data":{{"date":null,"data":[{list}]}}}}"#),
            r#"{"status":1,"data":{"date":[]}}"#.to_owned(),
        ] {
            assert!(differential::fast_agrees::<Probe<'_>>(&body), "{body}");
        }
        // Left to serde: escapes, repeats, a refusal, no list, other types.
        for body in [
            format!(
                r#"{{"status":1,"data":{{"date":[{{"num":"\u0031{}","State":1}}]}}}}"#,
                &A[1..]
            ),
            format!(r#"{{"status":1,"data":{{"date":[{{"num":"{A}","num":"{A}","State":1}}]}}}}"#),
            format!(r#"{{"status":1,"info":null,"info":null,"data":{{"date":[{list}]}}}}"#),
            format!(r#"{{"status":0,"info":"expired","data":{{"date":[{list}]}}}}"#),
            format!(r#"{{"status":"1","data":{{"date":[{list}]}}}}"#),
            r#"{"status":1,"data":null}"#.to_owned(),
            r#"{"status":1,"data":{}}"#.to_owned(),
            r#"{"status":1,"data":[]}"#.to_owned(),
            format!(r#"{{"status":1,"data":{{"date":[{{"num":"{A}","State":1.0}}]}}}}"#),
            format!(r#"{{"status":1,"data":{{"date":[{list}],"data":[7]}}}}"#),
            format!(r#"{{"status":1,"data":{{"date":[{list}]}}}} x"#),
            format!(r#"[{{"status":1,"data":{{"date":[{list}]}}}}]"#),
        ] {
            assert!(!differential::fast_agrees::<Probe<'_>>(&body), "{body}");
            assert_eq!(
                probe_body(&body).map_err(|e| e.to_string()),
                parse_careful::<Probe<'_>>(Call::Usage, StatusCode::OK, body.as_bytes())
                    .map_err(|e| e.to_string()),
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn the_fast_read_agrees_with_serde_on_generated_answers(
            body in differential::answer(differential::object(vec![
                ("num", differential::nums()),
                ("State", differential::states()),
                ("X", differential::integers()),
            ]))
        ) {
            differential::fast_agrees::<Probe<'_>>(&body);
        }

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

/// The fast read against serde's one-pass read, for every call's tests: on
/// generated answers, whatever the fast read takes it must read exactly as
/// serde does.
#[cfg(test)]
pub(crate) mod differential {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use serde::Deserialize;

    use super::{parse_fast, parse_typed, FastEntry, WireEntry};

    /// The fast read took `body`; `false` when it stepped aside. Panics if
    /// it took it and read anything other than what serde reads (compared
    /// through `Debug`, so a decimal's scale counts).
    pub(crate) fn fast_agrees<'a, E>(body: &'a str) -> bool
    where
        E: WireEntry + Deserialize<'a> + FastEntry<'a>,
        E::Payload: std::fmt::Debug,
    {
        let Some(fast) = parse_fast::<E>(body) else {
            return false;
        };
        let typed = parse_typed::<E>(body);
        assert_eq!(
            Some(format!("{fast:?}")),
            typed.map(|t| format!("{t:?}")),
            "{body}"
        );
        true
    }

    /// How many of `cases` answers drawn from `answers` the fast read took
    /// (each checked against serde): the generators must exercise both
    /// outcomes.
    pub(crate) fn taken_share(
        answers: impl Strategy<Value = String>,
        cases: usize,
        fast_agrees: impl Fn(&str) -> bool,
    ) -> f64 {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let taken = (0..cases)
            .filter(|_| fast_agrees(&answers.new_tree(&mut runner).expect("a value").current()))
            .count();
        taken as f64 / cases as f64
    }

    /// Whitespace JSON allows between tokens, mostly none.
    fn space() -> impl Strategy<Value = &'static str> {
        prop_oneof![8 => Just(""), 1 => Just(" "), 1 => Just("\n\t ")]
    }

    /// An object of `fields` (each a key and the JSON texts its value may
    /// take; a field may be left out, repeated, or joined by an unknown
    /// one), in any order, with any whitespace.
    pub(crate) fn object(
        fields: Vec<(&'static str, Vec<String>)>,
    ) -> impl Strategy<Value = String> {
        let each: Vec<_> = fields
            .into_iter()
            .map(|(key, values)| {
                (
                    Just(key),
                    proptest::sample::select(values),
                    prop_oneof![8 => Just(1usize), 1 => Just(0usize), 1 => Just(2usize)],
                )
            })
            .collect();
        let extra = proptest::option::weighted(
            0.2,
            proptest::sample::select(vec![
                r#""more":[1,{"deep":null},"x"]"#,
                r#""num2":"1"#,
                r#""state":1"#,
                r#""e":{"f":true,"g":-1.5e3}"#,
            ]),
        );
        // A third are as a server writes them: every field once, in the
        // order given, no whitespace, nothing else.
        let as_written = proptest::bool::weighted(0.35);
        (
            each,
            extra,
            space(),
            any::<proptest::sample::Index>(),
            as_written,
        )
            .prop_map(|(each, extra, ws, turn, as_written)| {
                let mut members: Vec<String> = Vec::new();
                if as_written {
                    for (key, value, _) in each {
                        members.push(format!("\"{key}\":{value}"));
                    }
                    return format!("{{{}}}", members.join(","));
                }
                for (key, value, times) in each {
                    for _ in 0..times {
                        members.push(format!("{ws}\"{key}\"{ws}:{ws}{value}{ws}"));
                    }
                }
                if let Some(extra) = extra {
                    members.push(extra.to_owned());
                }
                if !members.is_empty() {
                    let by = turn.index(members.len());
                    members.rotate_left(by);
                }
                format!("{{{}}}", members.join(","))
            })
    }

    /// `count` values drawn from `values`, fixed (the same every run), for
    /// use as one field's texts in [`object`].
    pub(crate) fn samples(values: impl Strategy<Value = String>, count: usize) -> Vec<String> {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        (0..count)
            .map(|_| values.new_tree(&mut runner).expect("a value").current())
            .collect()
    }

    /// A whole answer whose list holds `entries`, in one of the envelope's
    /// forms (mostly the ordinary one).
    pub(crate) fn answer(entry: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
        let list = proptest::collection::vec(entry, 0..6);
        let form = prop_oneof![
            6 => Just(0u8),
            1 => Just(1u8),
            1 => Just(2u8),
            1 => Just(3u8),
            1 => Just(4u8),
        ];
        (list, form, space()).prop_map(|(entries, form, ws)| {
            let list = format!("[{ws}{}{ws}]", entries.join(&format!(",{ws}")));
            match form {
                0 => format!(
                    r#"{{"status":1,"info":null,"data":{{"date":{list}}},"createtime":"2018/01/16 14:02:08"}}"#
                ),
                1 => format!(r#"{ws}{{"createtime":null,"data":{{"data":{list}}},"status":1}}{ws}"#),
                2 => format!(r#"{{"status":1,"data":{{"date":null,"data":{list}}}}}"#),
                3 => format!(r#"{{"status":1,"status":1,"data":{{"date":{list}}}}}"#),
                _ => format!(r#"{{"status":0,"info":"no","data":{{"date":{list}}}}}"#),
            }
        })
    }

    /// Texts for a card number: valid, invalid, escaped, of another type.
    pub(crate) fn nums() -> Vec<String> {
        [
            r#""1064804085884""#,
            r#""1060000000002""#,
            r#""89860000000000000001""#,
            r#""12""#,
            r#""\u0031064804085884""#,
            "1064804085884",
            "null",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// Texts for `State`.
    pub(crate) fn states() -> Vec<String> {
        [
            "1",
            "1",
            "0",
            "2",
            "-3",
            "\"1\"",
            "1.0",
            "1e0",
            "99999999999999999999",
            "null",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// Texts for an optional integer field.
    pub(crate) fn integers() -> Vec<String> {
        ["0", "37", "-1", "null", "1.5", "\"3\"", "007"]
            .map(str::to_owned)
            .to_vec()
    }

    /// Texts for an optional decimal field.
    pub(crate) fn decimals() -> Vec<String> {
        [
            "0",
            "1.50",
            "14.970",
            "-8359",
            "\"2.50\"",
            "null",
            "1e3",
            "-0",
            "\"abc\"",
            "true",
            "\"1\\u0030\"",
            "[1]",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// Texts for an optional string field.
    pub(crate) fn strings() -> Vec<String> {
        [
            r#""正常""#,
            r#""停机""#,
            r#""2026-12-31 23:59:59""#,
            r#""2018/1/16 0:00:00""#,
            r#""\u6b63\u5e38""#,
            "null",
            "5",
            r#""""#,
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// A nested payload object of `fields`, or one of the values serde
    /// reads otherwise (`null`, an array for a struct, a string).
    pub(crate) fn nested(
        fields: Vec<(&'static str, Vec<String>)>,
    ) -> impl Strategy<Value = String> {
        prop_oneof![
            8 => object(fields),
            1 => Just("null".to_owned()),
            1 => Just("[1,2]".to_owned()),
            1 => Just("\"x\"".to_owned()),
        ]
    }
}
