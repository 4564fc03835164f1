use std::borrow::Cow;

use iotcard_model::{decimal, DataAmount, Decimal, Remaining, SmsCount};
use serde::Deserialize;

use crate::answers::FastEntry;
use crate::fast::{is, once, Reader};
use crate::Call;

data_call! {
    /// The remaining call (`Surplus`): SMS and data left this month.
    query RemainingQuery = Call::Remaining;
    /// Reads a remaining answer: `Surplus.ResidualReceivesSms` becomes
    /// [`Remaining::sms_left`], `Surplus.ResidualFlow` [`Remaining::data_left`]
    /// (exact, in the provider's unit, negative when overrun).
    fn parse_remaining -> Remaining;
    entry<'a> {
        #[serde(rename = "Surplus", default)]
        surplus: Option<Surplus>,
    }
}

#[derive(Deserialize)]
struct Surplus {
    #[serde(rename = "ResidualReceivesSms", default)]
    residual_receives_sms: Option<i64>,
    #[serde(
        rename = "ResidualFlow",
        default,
        deserialize_with = "decimal::deserialize_option"
    )]
    residual_flow: Option<Decimal>,
}

impl<'a> FastEntry<'a> for Entry<'a> {
    fn read_fast(r: &mut Reader<'a>) -> Option<Self> {
        let (mut num, mut state, mut surplus) = (None, None, None);
        r.object(|r, key| {
            if is(key, "num") {
                let value = r.string()?;
                once(&mut num, value)
            } else if is(key, "State") {
                let value = r.integer()?;
                once(&mut state, value)
            } else if is(key, "Surplus") {
                let (mut sms, mut flow) = (None, None);
                let read = r.optional_object(|r, key| {
                    if is(key, "ResidualReceivesSms") {
                        let value = r.optional_integer()?;
                        once(&mut sms, value)
                    } else if is(key, "ResidualFlow") {
                        let value = r.optional_decimal()?;
                        once(&mut flow, value)
                    } else {
                        r.skip()
                    }
                })?;
                let value = read.map(|()| Surplus {
                    residual_receives_sms: sms.flatten(),
                    residual_flow: flow.flatten(),
                });
                once(&mut surplus, value)
            } else {
                r.skip()
            }
        })?;
        Some(Self {
            num: Cow::Borrowed(num?),
            state: state?,
            surplus: surplus.flatten(),
        })
    }
}

impl Entry<'_> {
    fn payload(self) -> Result<Option<Remaining>, String> {
        Ok(self.surplus.map(|s| Remaining {
            sms_left: s.residual_receives_sms.map(SmsCount),
            data_left: s.residual_flow.map(DataAmount::provider_unit),
        }))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Entry;
    use crate::answers::differential::{self as d, fast_agrees};

    fn answers() -> impl Strategy<Value = String> {
        d::answer(
            d::object(vec![("num", d::nums()), ("State", d::states())]).prop_flat_map(|head| {
                d::nested(vec![
                    ("ResidualReceivesSms", d::integers()),
                    ("ResidualFlow", d::decimals()),
                ])
                .prop_map(move |surplus| {
                    head.replacen('{', &format!(r#"{{"Surplus":{surplus},"#), 1)
                })
            }),
        )
    }

    proptest! {
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
        let body = r#"{"status":1,"info":null,"data":{"date":[
            {"num":"1064804085884","State":1,"Surplus":{"ResidualReceivesSms":3,"ResidualFlow":-8359}}]}}"#;
        assert!(fast_agrees::<Entry<'_>>(body));
    }
}
