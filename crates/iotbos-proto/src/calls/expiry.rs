use std::borrow::Cow;

use iotcard_model::Expiry;

use crate::answers::FastEntry;
use crate::fast::{is, once, Reader};
use crate::{parse_china_time, terminal_status, Call};

data_call! {
    /// The expiry call (`ExpireDate`): when the card expires, with its status.
    query ExpiryQuery = Call::Expiry;
    /// Reads an expiry answer: `TerminalState` becomes [`Expiry::status`]
    /// (mapped by [`terminal_status`]), `ExpireDate` [`Expiry::expires_at`]
    /// (China Standard Time; `null` for cards that are not active). The
    /// payload is absent only when both are absent or `null`. An `ExpireDate`
    /// that is not a date makes that card's entry unreadable, not the answer.
    fn parse_expiry -> Expiry;
    entry<'a> {
        #[serde(rename = "TerminalState", borrow, default)]
        terminal_state: Option<Cow<'a, str>>,
        #[serde(rename = "ExpireDate", borrow, default)]
        expire_date: Option<Cow<'a, str>>,
    }
}

impl<'a> FastEntry<'a> for Entry<'a> {
    fn read_fast(r: &mut Reader<'a>) -> Option<Self> {
        let (mut num, mut state, mut terminal_state, mut expire_date) = (None, None, None, None);
        r.object(|r, key| {
            if is(key, "num") {
                let value = r.string()?;
                once(&mut num, value)
            } else if is(key, "State") {
                let value = r.integer()?;
                once(&mut state, value)
            } else if is(key, "TerminalState") {
                let value = r.optional_string()?;
                once(&mut terminal_state, value)
            } else if is(key, "ExpireDate") {
                let value = r.optional_string()?;
                once(&mut expire_date, value)
            } else {
                r.skip()
            }
        })?;
        Some(Self {
            num: Cow::Borrowed(num?),
            state: state?,
            terminal_state: terminal_state.flatten().map(Cow::Borrowed),
            expire_date: expire_date.flatten().map(Cow::Borrowed),
        })
    }
}

impl Entry<'_> {
    fn payload(self) -> Result<Option<Expiry>, String> {
        if self.terminal_state.is_none() && self.expire_date.is_none() {
            return Ok(None);
        }
        let expires_at = self
            .expire_date
            .as_deref()
            .map(parse_china_time)
            .transpose()
            .map_err(|e| format!("ExpireDate: {e}"))?;
        Ok(Some(Expiry {
            status: self.terminal_state.as_deref().map(terminal_status),
            expires_at,
        }))
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
            ("ExpireDate", d::strings()),
        ]))
    }

    proptest! {
        // Enough cases that the layout as written comes up some hundreds
        // of times, and each way of stepping aside many times.
        #![proptest_config(ProptestConfig::with_cases(2048))]
        #[test]
        fn the_fast_read_agrees_with_serde(body in answers()) {
            fast_agrees::<Entry<'_>>(&body);
        }
    }

    #[test]
    fn the_generated_answers_exercise_both_reads() {
        let share = d::taken_share(answers(), 400, |body| fast_agrees::<Entry<'_>>(body));
        assert!((0.05..0.95).contains(&share), "{share}");
    }

    #[test]
    fn the_fast_read_takes_an_ordinary_answer() {
        let body = r#"{"status":1,"data":{"date":[{"num":"1064804085884","State":1,
            "TerminalState":"正常","ExpireDate":"2026-12-31 23:59:59"}]}}"#;
        assert!(fast_agrees::<Entry<'_>>(body));
    }
}
