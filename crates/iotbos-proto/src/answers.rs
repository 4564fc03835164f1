//! Per-card answers of the data calls: the list under `data.date`, matched
//! by each entry's `num`.
//!
//! Two readers take an answer. The fast one ([`crate::fast`]) takes the
//! canonical form (the documented spelling, plain numbers, UTF-8) in one
//! pass over borrowed text, and steps aside for anything else; the tolerant
//! one ([`crate::tolerant`]) takes every form the specs' README accepts, and
//! says what is wrong where. On what the fast read takes both read the same
//! values (tests compare them on generated answers).

use std::fmt;

use http::StatusCode;
use iotcard_model::{CardNumber, FieldProblem, Outcome};
use thiserror::Error;

use crate::envelope;
use crate::fast::{is, once, skip_other, Reader};
use crate::tolerant::{self, Fields};
use crate::{Call, IotbosError};

/// What the server said about one card.
///
/// Serialized as `{"outcome": …, "payload": …}` with the model's forms, and
/// `"problems": […]` when there are any.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
pub struct CardAnswer<T> {
    /// The entry's `State`: found (1), not found (0), no data (2), or a code
    /// the provider does not document, kept. Read as an integer in any form
    /// (`1`, `"1"`, `1.0`).
    pub outcome: Outcome,
    /// The data sent with the entry, whatever its `State` (the spec shows
    /// `TerminalState` beside `State: 2`); `None` when nothing (or `null`)
    /// was sent.
    pub payload: Option<T>,
    /// The payload fields that were sent but could not be read (an
    /// `ExpireDate` of `"soon"`, a `UseFlow` of `"abc"`), each named as the
    /// provider documents it (`ExpireDate`, `Exceed.UseFlow`) with what was
    /// wrong. Each such field is empty in [`payload`](Self::payload); the
    /// others are read as usual. Empty for nearly every answer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<FieldProblem>,
}

impl<T> CardAnswer<T> {
    /// An answer with no field problems.
    pub fn new(outcome: Outcome, payload: Option<T>) -> Self {
        Self {
            outcome,
            payload,
            problems: Vec::new(),
        }
    }
}

/// A per-card entry that could not be read. Kept, never dropped: either
/// beside its card (when `num` names one) or in
/// [`CardAnswers::unattributed`].
#[derive(Clone, PartialEq, Eq, Debug, Error, serde::Serialize)]
pub struct EntryError {
    /// The entry's position in the answer's list, from 0.
    pub index: usize,
    /// The entry's `num` (trimmed), when it had one.
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
/// ([`Batch::assemble`](crate::Batch::assemble) does, one record per asked
/// card). A number the server repeats appears twice here; a number it was
/// not asked about appears too.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
pub struct CardAnswers<T> {
    /// Entries whose `num` is a valid card number (trimmed, an ICCID's
    /// letters in upper case: `CardNumber` compares as the platform does).
    pub cards: Vec<(CardNumber, Result<CardAnswer<T>, EntryError>)>,
    /// Entries that are no object, or whose `num` is missing or not a valid
    /// card number.
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

/// An entry as the fast read takes it: its `num` as sent, its `State`, and
/// its payload.
pub(crate) struct Fast<'a, P> {
    pub num: &'a str,
    pub state: i64,
    pub payload: Option<P>,
}

/// One data call's per-card entry, as both readers take it.
pub(crate) trait CallEntry {
    /// The typed data of one card.
    type Payload;
    /// Reads the entry at the cursor in the canonical form (documented
    /// names in their case, plain numbers), or `None` ("not taken") for
    /// anything else, which the tolerant read then judges. Whatever it
    /// takes it reads as [`read_tolerant`](Self::read_tolerant) would,
    /// with no field problem: a value the tolerant read would flag is not
    /// taken.
    fn read_fast<'a>(r: &mut Reader<'a>) -> Option<Fast<'a, Self::Payload>>;
    /// Reads the payload from the entry's fields in any form, pushing a
    /// problem for each field that cannot be read.
    fn read_tolerant(entry: &Fields<'_>, problems: &mut Vec<FieldProblem>)
        -> Option<Self::Payload>;
}

/// The `Content-Type` of `response` as text, when it has one.
fn content_type<B>(response: &http::Response<B>) -> Option<&str> {
    envelope::content_type(response.headers())
}

/// Whether a body labelled `content_type` is UTF-8 (no charset said, or
/// UTF-8 said), so the fast read may take its bytes as they are.
fn is_utf8(content_type: Option<&str>) -> bool {
    content_type
        .and_then(iotcard_wire::charset)
        .is_none_or(|label| {
            label.eq_ignore_ascii_case("utf-8") || label.eq_ignore_ascii_case("utf8")
        })
}

/// Parses a data call's answer whose entries are read by `E`: the fast read
/// when it takes it, the tolerant one otherwise (which also reads every
/// error).
pub(crate) fn parse<E: CallEntry, B: AsRef<[u8]>>(
    call: Call,
    response: &http::Response<B>,
) -> Result<CardAnswers<E::Payload>, IotbosError> {
    let status: StatusCode = response.status();
    let body = response.body().as_ref();
    let content_type = content_type(response);
    if status.is_success() && is_utf8(content_type) {
        // One check of the whole body, rather than one per string: what
        // lets the fast read borrow `&str`s.
        if let Ok(text) = std::str::from_utf8(body) {
            if let Some(answers) = parse_fast::<E>(text) {
                return Ok(answers);
            }
        }
    }
    tolerant::parse::<E>(call, status, content_type, body)
}

/// The fast read of a successful answer (see [`crate::fast`]): each
/// envelope field once, `status` exactly `1`, a list under `date` (or
/// `data`) whose every entry the fast read takes and names a valid card;
/// `None` leaves the answer to the tolerant read.
fn parse_fast<E: CallEntry>(text: &str) -> Option<CardAnswers<E::Payload>> {
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
                    skip_other(r, key, &["date", "data"])
                }
            })?;
            once(&mut data, ())
        } else {
            skip_other(r, key, &["status", "info", "data", "createtime"])
        }
    })?;
    r.end()?;
    if status? != "1" {
        return None;
    }
    data?;
    date_list.flatten().or(data_list.flatten())
}

/// A list of entries read fast, `None` inside for `null`.
fn fast_list<E: CallEntry>(
    r: &mut Reader<'_>,
    body_len: usize,
) -> Option<Option<CardAnswers<E::Payload>>> {
    if r.null() {
        return Some(None);
    }
    let mut answers = CardAnswers {
        // An entry is 60 to 200 bytes: one allocation in the usual case.
        cards: Vec::with_capacity(body_len / 64),
        unattributed: Vec::new(),
    };
    r.array(|r| {
        let entry = E::read_fast(r)?;
        // A number that is no card (or has blanks around it) is the
        // tolerant read's to judge and report.
        let card = CardNumber::parse(entry.num).ok()?;
        answers.cards.push((
            card,
            Ok(CardAnswer::new(outcome(entry.state), entry.payload)),
        ));
        Some(())
    })?;
    Some(Some(answers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fast::{is, once};

    /// A minimal call: the payload is an optional integer `X`, negative
    /// values of which the tolerant read flags (the fast read steps aside).
    struct Probe;

    impl CallEntry for Probe {
        type Payload = i64;
        fn read_fast<'a>(r: &mut Reader<'a>) -> Option<Fast<'a, i64>> {
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
                    skip_other(r, key, &["num", "State", "X"])
                }
            })?;
            let x = x.flatten();
            if x.is_some_and(|x| x < 0) {
                return None;
            }
            Some(Fast {
                num: num?,
                state: state?,
                payload: x,
            })
        }
        fn read_tolerant(entry: &Fields<'_>, problems: &mut Vec<FieldProblem>) -> Option<i64> {
            match entry.integer("X", problems) {
                Some(x) if x < 0 => {
                    problems.push(FieldProblem::new("X", format!("X is negative: {x}")));
                    None
                }
                x => x,
            }
        }
    }

    fn probe(data: &str) -> Result<CardAnswers<i64>, IotbosError> {
        let body = format!(r#"{{"status":1,"info":null,"data":{data}}}"#);
        probe_body(&body)
    }

    fn probe_body(body: &str) -> Result<CardAnswers<i64>, IotbosError> {
        parse::<Probe, _>(Call::Usage, &http::Response::new(body.as_bytes()))
    }

    fn tolerant_only(body: &str) -> Result<CardAnswers<i64>, String> {
        tolerant::parse_text::<Probe>(Call::Usage, StatusCode::OK, body).map_err(|e| e.to_string())
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
        assert_eq!(
            got,
            vec![
                (A, CardAnswer::new(Outcome::Found, Some(5))),
                (B, CardAnswer::new(Outcome::NoData, None)),
                ("10600000000003", CardAnswer::new(Outcome::NotFound, None)),
                (
                    "10600000000004",
                    CardAnswer::new(Outcome::Unknown(-3), None)
                ),
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
                {{"num":"{A}","State":"one"}},
                {{"num":"{B}","State":1,"X":-1}},
                {{"num":"12","State":1}},
                {{"State":1}},
                7,
                {{"num":true,"State":1}},
                {{"num":"{A}","State":1,"X":1,"extra":{{"deep":[1,2]}}}},
                {{"num":" {B} ","State":"1","X":"2"}}
            ]}}"#
        );
        let answers = probe(&list).unwrap();
        assert_eq!(answers.cards.len(), 4);
        let (card, first) = &answers.cards[0];
        assert_eq!(card.as_str(), A);
        let e = first.as_ref().unwrap_err();
        assert_eq!((e.index, e.num.as_deref()), (0, Some(A)));
        assert!(e.to_string().contains("State: expected an integer"), "{e}");
        // A field that cannot be read costs the field, not the entry.
        let flagged = answers.cards[1].1.as_ref().unwrap();
        assert_eq!((flagged.outcome, flagged.payload), (Outcome::Found, None));
        assert_eq!(
            flagged.problems,
            vec![FieldProblem::new("X", "X is negative: -1")]
        );
        assert_eq!(answers.cards[2].1.as_ref().unwrap().payload, Some(1));
        let (card, tolerant) = &answers.cards[3];
        assert_eq!(card.as_str(), B);
        assert_eq!(tolerant.as_ref().unwrap().payload, Some(2));
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
    fn list_under_data_is_accepted_but_date_wins_in_any_case() {
        let under_data = probe(&format!(r#"{{"data":[{{"num":"{A}","State":1}}]}}"#)).unwrap();
        assert_eq!(under_data.cards.len(), 1);
        let both = probe(&format!(
            r#"{{"data":[{{"num":"{A}","State":1}}],"date":[]}}"#
        ))
        .unwrap();
        assert!(both.cards.is_empty());
        for data in [
            format!(r#"{{"Date":[{{"num":"{A}","State":1}}]}}"#),
            format!(r#"{{"DATA":[{{"NUM":"{A}","state":1}}]}}"#),
        ] {
            assert_eq!(probe(&data).unwrap().cards.len(), 1, "{data}");
        }
    }

    #[test]
    fn a_missing_list_is_an_error_not_an_empty_answer() {
        for data in ["null", "{}", r#"{"date":null}"#] {
            let e = probe(data).unwrap_err();
            assert!(
                matches!(e, IotbosError::MissingCardList { call: "usage", .. }),
                "{data}: {e}"
            );
            assert!(e.is_transient());
            assert!(e.to_string().contains("{\\\"status\\\":1"), "{e}");
        }
        for data in ["5", "[]", r#""x""#, r#"{"date":{}}"#, r#"{"date":7}"#] {
            let e = probe(data).unwrap_err();
            assert!(
                matches!(e, IotbosError::UnexpectedShape { .. }),
                "{data}: {e}"
            );
            assert!(e.is_transient());
        }
    }

    #[test]
    fn the_fast_read_takes_the_ordinary_answers_and_agrees_with_the_tolerant_one() {
        let entries = [
            format!(r#"{{"num":"{A}","State":1,"X":5,"extra":{{"deep":[1,"a"]}}}}"#),
            format!(r#"{{"X":null,"State":2,"num":"{B}"}}"#),
            format!(r#"{{ "num" : "{A}" , "State" : -3 }}"#),
        ];
        let list = entries.join(" ,\n");
        for body in [
            format!(r#"{{"status":1,"info":null,"data":{{"date":[{list}]}},"createtime":"x"}}"#),
            format!(r#" {{"createtime":"x","data":{{"data":[{list}]}},"status":1}} "#),
            format!(r#"{{"status":1,"data":{{"date":null,"data":[{list}]}}}}"#),
            r#"{"status":1,"data":{"date":[]}}"#.to_owned(),
        ] {
            assert!(differential::fast_agrees::<Probe>(&body), "{body}");
        }
        // Left to the tolerant read: escapes, repeats, other spellings and
        // forms, numbers that name no card, a refusal, no list.
        for body in [
            format!(
                r#"{{"status":1,"data":{{"date":[{{"num":"\u0031{}","State":1}}]}}}}"#,
                &A[1..]
            ),
            format!(r#"{{"status":1,"data":{{"date":[{{"num":"{A}","num":"{A}","State":1}}]}}}}"#),
            format!(r#"{{"status":1,"info":null,"info":null,"data":{{"date":[{list}]}}}}"#),
            format!(r#"{{"status":0,"info":"expired","data":{{"date":[{list}]}}}}"#),
            format!(r#"{{"status":"1","data":{{"date":[{list}]}}}}"#),
            format!(r#"{{"Status":1,"data":{{"date":[{list}]}}}}"#),
            format!(r#"{{"status":1,"data":{{"Date":[{list}]}}}}"#),
            format!(r#"{{"status":1,"data":{{"date":[{{"num":"{A}","state":1}}]}}}}"#),
            format!(r#"{{"status":1,"data":{{"date":[{{"num":" {A}","State":1}}]}}}}"#),
            r#"{"status":1,"data":{"date":[{"num":"12","State":1}]}}"#.to_owned(),
            r#"{"status":1,"data":null}"#.to_owned(),
            r#"{"status":1,"data":{}}"#.to_owned(),
            r#"{"status":1,"data":[]}"#.to_owned(),
            format!(r#"{{"status":1,"data":{{"date":[{{"num":"{A}","State":1.0}}]}}}}"#),
            format!(r#"{{"status":1,"data":{{"date":[{list}]}}}} x"#),
            format!(r#"[{{"status":1,"data":{{"date":[{list}]}}}}]"#),
        ] {
            assert!(!differential::fast_agrees::<Probe>(&body), "{body}");
            assert_eq!(
                probe_body(&body).map_err(|e| e.to_string()),
                tolerant_only(&body),
                "{body}"
            );
        }
    }

    #[test]
    fn charsets_and_labels_read_as_the_canonical_form() {
        let canonical =
            format!(r#"{{"status":1,"data":{{"date":[{{"num":"{A}","State":1,"X":3}}]}}}}"#);
        let want = probe_body(&canonical).unwrap();
        let labelled = |content_type: &str, body: Vec<u8>| {
            let response = http::Response::builder()
                .header("Content-Type", content_type)
                .body(body)
                .unwrap();
            parse::<Probe, _>(Call::Usage, &response)
        };
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(canonical.as_bytes());
        for (content_type, body) in [
            ("text/html", canonical.clone().into_bytes()),
            ("text/plain; charset=utf-8", bom.clone()),
            (
                "application/json; charset=GBK",
                canonical.clone().into_bytes(),
            ),
            ("text/html;charset=gb18030", bom),
        ] {
            assert_eq!(
                labelled(content_type, body).unwrap(),
                want,
                "{content_type}"
            );
        }
        // Bytes that are no text in their charset: transient, shown.
        let e = labelled("text/html; charset=klingon", b"{}".to_vec()).unwrap_err();
        assert!(matches!(e, IotbosError::UndecodableBody { .. }), "{e}");
        assert!(e.is_transient());
        let e = labelled("application/json", b"\xff\xfe".to_vec()).unwrap_err();
        assert!(matches!(e, IotbosError::UndecodableBody { .. }), "{e}");
    }

    #[test]
    fn empty_and_html_bodies_are_transient_and_shown_redacted() {
        for (body, shown) in [
            ("", "(empty body)"),
            (
                "<html><body>502 Bad Gateway ?accessToken=SECRET</body></html>",
                "502 Bad Gateway ?accessToken=***",
            ),
        ] {
            let e = probe_body(body).unwrap_err();
            assert!(matches!(e, IotbosError::InvalidJson { .. }), "{e}");
            assert!(e.is_transient());
            assert!(e.to_string().contains(shown), "{e}");
            assert!(!e.to_string().contains("SECRET"), "{e}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_fast_read_agrees_with_the_tolerant_one_on_generated_answers(
            body in differential::answer(differential::object(vec![
                ("num", differential::nums()),
                ("State", differential::states()),
                ("X", differential::integers()),
            ]))
        ) {
            differential::fast_agrees::<Probe>(&body);
        }
    }
}

/// The fast read against the tolerant one, for every call's tests: on
/// generated answers, whatever the fast read takes it must read exactly as
/// the tolerant read does.
#[cfg(test)]
pub(crate) mod differential {
    use http::StatusCode;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    use super::{parse_fast, CallEntry};
    use crate::{tolerant, Call};

    /// The fast read took `body`; `false` when it stepped aside. Panics if
    /// it took it and read anything other than what the tolerant read
    /// reads (compared through `Debug`, so a decimal's scale counts).
    pub(crate) fn fast_agrees<E>(body: &str) -> bool
    where
        E: CallEntry,
        E::Payload: std::fmt::Debug,
    {
        let Some(fast) = parse_fast::<E>(body) else {
            return false;
        };
        let tolerant = tolerant::parse_text::<E>(Call::Usage, StatusCode::OK, body);
        assert_eq!(
            Ok(format!("{fast:?}")),
            tolerant
                .map(|t| format!("{t:?}"))
                .map_err(|e| e.to_string()),
            "{body}"
        );
        true
    }

    /// How many of `cases` answers drawn from `answers` the fast read took
    /// (each checked against the tolerant read): the generators must
    /// exercise both outcomes.
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
