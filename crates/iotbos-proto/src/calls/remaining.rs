use iotcard_model::{DataAmount, FieldProblem, Remaining, SmsCount};

use super::counts;
use crate::answers::{CallEntry, Fast};
use crate::fast::Reader;
use crate::tolerant::Fields;
use crate::Call;

data_call! {
    /// The remaining call (`Surplus`): SMS and data left this month.
    query RemainingQuery = Call::Remaining;
    /// Reads a remaining answer: `Surplus.ResidualReceivesSms` becomes
    /// [`Remaining::sms_left`], `Surplus.ResidualFlow` [`Remaining::data_left`]
    /// (exact, in the provider's unit, negative when overrun).
    fn parse_remaining -> Remaining;
}

impl CallEntry for Entry {
    type Payload = Remaining;

    fn read_fast<'a>(r: &mut Reader<'a>) -> Option<Fast<'a, Remaining>> {
        let read = counts::read(r, &NAMES)?;
        Some(Fast {
            num: read.num,
            state: read.state,
            payload: read.group.map(payload),
        })
    }

    fn read_tolerant(entry: &Fields<'_>, problems: &mut Vec<FieldProblem>) -> Option<Remaining> {
        counts::read_tolerant(entry, &NAMES, problems).map(payload)
    }
}

/// `Surplus`'s two fields as the model's.
fn payload((sms, flow): (Option<i64>, Option<iotcard_model::Decimal>)) -> Remaining {
    Remaining {
        sms_left: sms.map(SmsCount),
        data_left: flow.map(DataAmount::provider_unit),
    }
}

const NAMES: counts::Names = counts::Names {
    group: "Surplus",
    sms: "ResidualReceivesSms",
    flow: "ResidualFlow",
    group_written: br#","Surplus":"#,
    sms_written: br#"{"ResidualReceivesSms":"#,
    flow_written: br#","ResidualFlow":"#,
};

/// The server's own layout alone, for the tests of this call's names.
#[cfg(test)]
fn read_as_written<'a>(r: &mut Reader<'a>) -> Option<counts::Counts<'a>> {
    counts::read_as_written(r, &NAMES)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{read_as_written, Entry};
    use crate::answers::differential::{self as d, fast_agrees};
    use crate::answers::CallEntry;
    use crate::fast::Reader;

    fn answers() -> impl Strategy<Value = String> {
        let payloads = d::samples(
            d::nested(vec![
                ("ResidualReceivesSms", d::integers()),
                ("ResidualFlow", d::decimals()),
            ]),
            48,
        );
        d::answer(d::object(vec![
            ("num", d::nums()),
            ("State", d::states()),
            ("Surplus", payloads),
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
        let body = r#"{"status":1,"info":null,"data":{"date":[
            {"num":"1064804085884","State":1,"Surplus":{"ResidualReceivesSms":3,"ResidualFlow":-8359}}]}}"#;
        assert!(fast_agrees::<Entry>(body));
    }

    #[test]
    fn the_layout_as_written_is_read_directly_and_any_other_field_by_field() {
        let written = r#"{"num":"1064804085884","State":1,"Surplus":{"ResidualReceivesSms":3,"ResidualFlow":"1.50"}}"#;
        let null = r#"{"num":"1064804085884","State":2,"Surplus":null}"#;
        for entry in [written, null] {
            assert!(
                read_as_written(&mut Reader::new(entry)).is_some(),
                "{entry}"
            );
        }
        for other in [
            r#"{"State":1,"num":"1064804085884","Surplus":null}"#,
            r#"{"num":"1064804085884", "State":1,"Surplus":null}"#,
            r#"{"num":"1064804085884","State":1,"Surplus":{"ResidualFlow":1,"ResidualReceivesSms":3}}"#,
            r#"{"num":"1064804085884","State":1,"Surplus":null,"x":1}"#,
            r#"{"num":"1064804085884","State":1}"#,
        ] {
            let mut r = Reader::new(other);
            assert!(r.attempt(read_as_written).is_none(), "{other}");
            // The cursor went back: the field-by-field read takes it.
            assert!(<Entry as CallEntry>::read_fast(&mut r).is_some(), "{other}");
            assert!(r.end().is_some());
        }
        // Not JSON serde reads as this entry: neither read takes it.
        let repeated = r#"{"num":"1064804085884","State":1,"Surplus":null,"State":1}"#;
        assert!(<Entry as CallEntry>::read_fast(&mut Reader::new(repeated)).is_none());
    }
}
