use iotcard_model::{Expiry, FieldProblem};

use crate::answers::{CallEntry, Fast};
use crate::fast::{is, once, skip_other, trimmed, Reader};
use crate::tolerant::Fields;
use crate::{terminal_status, Call};

data_call! {
    /// The expiry call (`ExpireDate`): when the card expires, with its status.
    query ExpiryQuery = Call::Expiry;
    /// Reads an expiry answer: `TerminalState` becomes [`Expiry::status`]
    /// (mapped by [`terminal_status`], trimmed), `ExpireDate`
    /// [`Expiry::expires_at`] in every date style servers write (see
    /// [`parse_china_time`](crate::parse_china_time); China Standard Time
    /// unless a zone is written). `null`, `""` and .NET's empty date
    /// `0001-01-01 00:00:00` are no expiry (cards that are not active have
    /// none). The payload is absent when neither field has a value (absent,
    /// `null`, blank, the empty date). An `ExpireDate` that is not a date
    /// costs that date only: the
    /// card keeps its `TerminalState`, and the date is named in
    /// [`CardAnswer::problems`](crate::CardAnswer::problems).
    fn parse_expiry -> Expiry;
}

impl CallEntry for Entry {
    type Payload = Expiry;

    fn read_fast<'a>(r: &mut Reader<'a>) -> Option<Fast<'a, Expiry>> {
        let (mut num, mut state, mut terminal_state, mut expire_date) = (None, None, None, None);
        r.object(|r, key| {
            if is(key, "num") {
                let value = r.string()?;
                once(&mut num, value)
            } else if is(key, "State") {
                let value = r.integer()?;
                once(&mut state, value)
            } else if is(key, "TerminalState") {
                let value = r.optional_text()?;
                once(&mut terminal_state, value)
            } else if is(key, "ExpireDate") {
                let value = r.optional_text()?;
                once(&mut expire_date, value)
            } else {
                skip_other(r, key, &["num", "State", "TerminalState", "ExpireDate"])
            }
        })?;
        // A date that does not read is the tolerant read's to report.
        let expires_at = match expire_date.flatten() {
            Some(date) => crate::fast::china_date(&date)?,
            None => None,
        };
        let status = trimmed(terminal_state.flatten())
            .as_deref()
            .map(terminal_status);
        let payload = expiry(status, expires_at);
        Some(Fast {
            num: num?,
            state: state?,
            payload,
        })
    }

    fn read_tolerant(entry: &Fields<'_>, problems: &mut Vec<FieldProblem>) -> Option<Expiry> {
        let status = entry.text("TerminalState", problems);
        let status = status.as_deref().map(terminal_status);
        expiry(status, entry.date("ExpireDate", problems))
    }
}

/// The payload: none when neither field has a value (absent, `null`,
/// blank, or the empty date).
fn expiry(
    status: Option<iotcard_model::CardStatus>,
    expires_at: Option<iotcard_model::Instant>,
) -> Option<Expiry> {
    (status.is_some() || expires_at.is_some()).then_some(Expiry { status, expires_at })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Entry;
    use crate::answers::differential::{self as d, fast_agrees};

    fn answers() -> impl Strategy<Value = String> {
        d::answer(d::object(vec![
            ("num", d::nums()),
            ("State", d::states()),
            ("TerminalState", d::strings()),
            ("ExpireDate", d::strings()),
        ]))
    }

    proptest! {
        // Enough cases that the layout as written comes up some hundreds
        // of times, and each way of stepping aside many times.
        #![proptest_config(ProptestConfig::with_cases(2048))]
        #[test]
        fn the_fast_read_agrees_with_the_tolerant_one(body in answers()) {
            fast_agrees::<Entry>(&body);
        }
    }

    #[test]
    fn the_generated_answers_exercise_both_reads() {
        let share = d::taken_share(answers(), 400, fast_agrees::<Entry>);
        assert!((0.05..0.95).contains(&share), "{share}");
    }

    #[test]
    fn the_fast_read_takes_an_ordinary_answer() {
        let body = r#"{"status":1,"data":{"date":[{"num":"1064804085884","State":1,
            "TerminalState":"正常","ExpireDate":"2026-12-31 23:59:59"}]}}"#;
        assert!(fast_agrees::<Entry>(body));
    }
}
