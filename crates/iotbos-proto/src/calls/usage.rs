use std::borrow::Cow;

use iotcard_model::{decimal, DataAmount, Decimal, SmsCount, Usage};
use serde::Deserialize;

use crate::answers::FastEntry;
use crate::fast::{is, once, Reader};
use crate::Call;

data_call! {
    /// The usage call (`Exceed`): SMS and data used this month.
    query UsageQuery = Call::Usage;
    /// Reads a usage answer: `Exceed.ReceivesSmsNum` becomes
    /// [`Usage::sms_used`], `Exceed.UseFlow` [`Usage::data_used`] (exact, in
    /// the provider's unit).
    fn parse_usage -> Usage;
    entry<'a> {
        #[serde(rename = "Exceed", default)]
        exceed: Option<Exceed>,
    }
}

#[derive(Deserialize)]
struct Exceed {
    #[serde(rename = "ReceivesSmsNum", default)]
    receives_sms_num: Option<i64>,
    #[serde(
        rename = "UseFlow",
        default,
        deserialize_with = "decimal::deserialize_option"
    )]
    use_flow: Option<Decimal>,
}

impl<'a> FastEntry<'a> for Entry<'a> {
    fn read_fast(r: &mut Reader<'a>) -> Option<Self> {
        let (mut num, mut state, mut exceed) = (None, None, None);
        r.object(|r, key| {
            if is(key, "num") {
                let value = r.string()?;
                once(&mut num, value)
            } else if is(key, "State") {
                let value = r.integer()?;
                once(&mut state, value)
            } else if is(key, "Exceed") {
                let (mut sms, mut flow) = (None, None);
                let read = r.optional_object(|r, key| {
                    if is(key, "ReceivesSmsNum") {
                        let value = r.optional_integer()?;
                        once(&mut sms, value)
                    } else if is(key, "UseFlow") {
                        let value = r.optional_decimal()?;
                        once(&mut flow, value)
                    } else {
                        r.skip()
                    }
                })?;
                let value = read.map(|()| Exceed {
                    receives_sms_num: sms.flatten(),
                    use_flow: flow.flatten(),
                });
                once(&mut exceed, value)
            } else {
                r.skip()
            }
        })?;
        Some(Self {
            num: Cow::Borrowed(num?),
            state: state?,
            exceed: exceed.flatten(),
        })
    }
}

impl Entry<'_> {
    fn payload(self) -> Result<Option<Usage>, String> {
        Ok(self.exceed.map(|e| Usage {
            sms_used: e.receives_sms_num.map(SmsCount),
            data_used: e.use_flow.map(DataAmount::provider_unit),
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
                    ("ReceivesSmsNum", d::integers()),
                    ("UseFlow", d::decimals()),
                ])
                .prop_map(move |exceed| head.replacen('{', &format!(r#"{{"Exceed":{exceed},"#), 1))
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
            {"num":"1064804085884","State":1,"Exceed":{"ReceivesSmsNum":3,"UseFlow":14.970}},
            {"num":"1064804085885","State":2,"Exceed":null}]},"createtime":"2018/01/16 14:02:08"}"#;
        assert!(fast_agrees::<Entry<'_>>(body));
    }
}
