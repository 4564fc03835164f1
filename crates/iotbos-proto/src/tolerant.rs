//! The tolerant read of a data call's answer: whatever the fast read
//! ([`crate::fast`]) steps aside from, read liberally in form and exactly in
//! value, as the specs' README decides ("What real servers may do").
//!
//! - The body is decoded by its `Content-Type` (past a UTF-8 BOM; GBK or
//!   GB18030 when its `charset` says so; `text/html` or `text/plain` are
//!   read as JSON all the same) — [`iotcard_wire::decode`].
//! - Every name matches in any letter case: `Status`, `Data`, `data.Date`,
//!   `state`, `useFlow` — [`iotcard_wire::Object`]; a name sent twice is
//!   read once, the first.
//! - `status` and `State` are integers in any form (`1`, `"1"`, `1.0`);
//!   `num` is text or a number, trimmed; payload integers, decimals, texts
//!   and dates likewise ([`iotcard_wire::integer`] and its siblings).
//! - A payload field that cannot be read costs that field: it is left
//!   empty and named in [`CardAnswer::problems`]; the card's other fields
//!   and the other cards are read as usual.
//! - An entry that is not an object, or whose `num` names no card, is an
//!   [`EntryError`] apart ([`CardAnswers::unattributed`]); one whose `State`
//!   cannot be read is an [`EntryError`] under its card: `State` is the
//!   entry's verdict (found, not found, no data), not a payload field, and
//!   without it the payload cannot be told from "no data".
//! - What still is not the envelope is an error with a snippet of it.
//!
//! Slower than the fast read (each entry is parsed twice: as a raw value in
//! the list, then as an object), which is why it runs only on answers the
//! fast read does not take.

use std::borrow::Cow;

use http::StatusCode;
use iotcard_model::{CardNumber, Decimal, FieldProblem, Instant};
use iotcard_wire::{Object, RawValue};

use crate::answers::{outcome, CallEntry, CardAnswer, CardAnswers, EntryError};
use crate::envelope::{self, json_error};
use crate::{Call, IotbosError};

/// Reads a data call's answer tolerantly (see the module's docs).
pub(crate) fn parse<E: CallEntry>(
    call: Call,
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<CardAnswers<E::Payload>, IotbosError> {
    let text = envelope::decode(call.name(), status, content_type, body)?;
    parse_text::<E>(call, status, &text)
}

/// [`parse`] of a body already decoded.
pub(crate) fn parse_text<E: CallEntry>(
    call: Call,
    status: StatusCode,
    text: &str,
) -> Result<CardAnswers<E::Payload>, IotbosError> {
    let name = call.name();
    let shown = text.as_bytes();
    let missing = || IotbosError::MissingCardList {
        call: name,
        status,
        body_snippet: envelope::snippet(shown),
    };
    let accepted = envelope::open(name, status, text)?;
    let data = accepted.data.ok_or_else(missing)?;
    let data = Object::parse(data.get()).map_err(json_error(name, status, shown))?;
    // The list is `date` (sic); `data` is taken too, in case the provider
    // ever fixes the typo. A `null` list is no list.
    let list = data
        .get_present("date")
        .or_else(|| data.get_present("data"))
        .ok_or_else(missing)?;
    let entries: Vec<&RawValue> =
        serde_json::from_str(list.get()).map_err(json_error(name, status, shown))?;
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
fn read_entry<E: CallEntry>(index: usize, raw: &RawValue, answers: &mut CardAnswers<E::Payload>) {
    let error = |num: Option<&str>, reason: String| EntryError {
        index,
        num: num.map(str::to_owned),
        reason,
    };
    let Some(object) = Object::of(raw) else {
        let reason = format!("expected an object, found {}", quote(raw));
        answers.unattributed.push(error(None, reason));
        return;
    };
    let num = match object.get("num").map(iotcard_wire::text) {
        Some(Ok(Some(num))) => num,
        Some(Ok(None)) => {
            answers
                .unattributed
                .push(error(None, "its num is empty".to_owned()));
            return;
        }
        Some(Err(e)) => {
            answers.unattributed.push(error(None, format!("num: {e}")));
            return;
        }
        None => {
            answers
                .unattributed
                .push(error(None, "it has no num".to_owned()));
            return;
        }
    };
    let card = match CardNumber::parse(&num) {
        Ok(card) => card,
        Err(e) => {
            answers.unattributed.push(error(Some(&num), e.to_string()));
            return;
        }
    };
    let state = match object.get("State").map(iotcard_wire::integer) {
        Some(Ok(Some(state))) => state,
        Some(Ok(None)) => {
            let e = error(Some(card.as_str()), "its State is empty".to_owned());
            answers.cards.push((card, Err(e)));
            return;
        }
        Some(Err(e)) => {
            let e = error(Some(card.as_str()), format!("State: {e}"));
            answers.cards.push((card, Err(e)));
            return;
        }
        None => {
            let e = error(Some(card.as_str()), "it has no State".to_owned());
            answers.cards.push((card, Err(e)));
            return;
        }
    };
    let mut problems = Vec::new();
    let payload = E::read_tolerant(&Fields::top(object), &mut problems);
    answers.cards.push((
        card,
        Ok(CardAnswer {
            outcome: outcome(state),
            payload,
            problems,
        }),
    ));
}

/// A raw value for a message: one line, cut short.
fn quote(raw: &RawValue) -> String {
    iotcard_wire::snippet(raw.get().as_bytes(), &crate::SECRET_NAMES)
}

/// An entry's payload fields (or a nested group's, such as `Exceed`), each
/// read tolerantly; a field that cannot be read is `None` with its problem
/// pushed, named as the provider documents it (`ExpireDate`,
/// `Exceed.UseFlow`).
pub(crate) struct Fields<'a> {
    object: Object<'a>,
    /// The group's name, `None` for the entry itself.
    group: Option<&'static str>,
}

impl<'a> Fields<'a> {
    fn top(object: Object<'a>) -> Self {
        Self {
            object,
            group: None,
        }
    }

    fn problem(&self, name: &str, problem: String, problems: &mut Vec<FieldProblem>) {
        let field = match self.group {
            Some(group) => format!("{group}.{name}"),
            None => name.to_owned(),
        };
        problems.push(FieldProblem::new(field, problem));
    }

    /// A nested object (`Exceed`, `ServicePackage`): `None` when absent or
    /// `null`, and when it is not an object (a problem).
    pub(crate) fn group(
        &self,
        name: &'static str,
        problems: &mut Vec<FieldProblem>,
    ) -> Option<Fields<'a>> {
        let raw = self.object.get_present(name)?;
        match Object::of(raw) {
            Some(object) => Some(Fields {
                object,
                group: Some(name),
            }),
            None => {
                let problem = format!("expected an object, found {}", quote(raw));
                self.problem(name, problem, problems);
                None
            }
        }
    }

    /// Reads `name` with `read`, a problem when it fails.
    fn read<T, E: std::fmt::Display>(
        &self,
        name: &str,
        problems: &mut Vec<FieldProblem>,
        read: impl FnOnce(&'a RawValue) -> Result<Option<T>, E>,
    ) -> Option<T> {
        match read(self.object.get(name)?) {
            Ok(value) => value,
            Err(e) => {
                self.problem(name, e.to_string(), problems);
                None
            }
        }
    }

    /// An integer in any form.
    pub(crate) fn integer(&self, name: &str, problems: &mut Vec<FieldProblem>) -> Option<i64> {
        self.read(name, problems, iotcard_wire::integer)
    }

    /// An exact decimal, from a number or a string.
    pub(crate) fn decimal(&self, name: &str, problems: &mut Vec<FieldProblem>) -> Option<Decimal> {
        self.read(name, problems, iotcard_wire::decimal)
    }

    /// Text, trimmed; blank is none.
    pub(crate) fn text(
        &self,
        name: &str,
        problems: &mut Vec<FieldProblem>,
    ) -> Option<Cow<'a, str>> {
        self.read(name, problems, iotcard_wire::text)
    }

    /// A date in any style ([`iotcard_wire::date_value`]); `""`, `null`
    /// and `0001-01-01…` are none.
    pub(crate) fn date(&self, name: &str, problems: &mut Vec<FieldProblem>) -> Option<Instant> {
        self.read(name, problems, iotcard_wire::date_value)
    }
}
