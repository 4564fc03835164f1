use iotcard_model::{CardStatus, FieldProblem};

use crate::answers::{CallEntry, Fast};
use crate::fast::{is, once, skip_other, trimmed, Reader};
use crate::tolerant::Fields;
use crate::{terminal_status, Call};

data_call! {
    /// The state call (`ReturnState`): the card's current status.
    query StateQuery = Call::State;
    /// Reads a state answer: `TerminalState` (trimmed) mapped by
    /// [`terminal_status`] (unknown texts kept); `null`, blank or absent is
    /// no payload.
    fn parse_state -> CardStatus;
}

impl CallEntry for Entry {
    type Payload = CardStatus;

    fn read_fast<'a>(r: &mut Reader<'a>) -> Option<Fast<'a, CardStatus>> {
        let (mut num, mut state, mut terminal_state) = (None, None, None);
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
            } else {
                skip_other(r, key, &["num", "State", "TerminalState"])
            }
        })?;
        Some(Fast {
            num: num?,
            state: state?,
            payload: trimmed(terminal_state.flatten())
                .as_deref()
                .map(terminal_status),
        })
    }

    fn read_tolerant(entry: &Fields<'_>, problems: &mut Vec<FieldProblem>) -> Option<CardStatus> {
        entry
            .text("TerminalState", problems)
            .as_deref()
            .map(terminal_status)
    }
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
        let body = r#"{"status":1,"data":{"date":[{"num":"1064804085884","State":1,"TerminalState":"正常"}]}}"#;
        assert!(fast_agrees::<Entry>(body));
    }
}
