use std::borrow::Cow;

use iotcard_model::{DataAmount, Decimal, FieldProblem, Money, Plan, SmsCount};

use crate::answers::{CallEntry, Fast};
use crate::fast::{is, once, skip_other, trimmed, Reader};
use crate::tolerant::Fields;
use crate::Call;

data_call! {
    /// The plan call (`ReturnOperatorServicePackage`): the card's tariff.
    query PlanQuery = Call::Plan;
    /// Reads a plan answer from `ServicePackage`: `ServiceName` →
    /// [`Plan::name`] (trimmed), `Cost` → [`Plan::monthly_fee`],
    /// `DefaultSms` → [`Plan::included_sms`], `ExceedSmsPrice` →
    /// [`Plan::sms_overage_price`], `DefaultFlow` → [`Plan::included_data`]
    /// (provider unit), `ExceedFlowPrice` → [`Plan::data_overage_price`].
    /// Money is exact CNY, from numbers or strings.
    fn parse_plan -> Plan;
}

/// `ServicePackage`'s fields as read, before they become a [`Plan`].
struct Package<'a> {
    name: Option<Cow<'a, str>>,
    cost: Option<Decimal>,
    sms: Option<i64>,
    sms_price: Option<Decimal>,
    flow: Option<Decimal>,
    flow_price: Option<Decimal>,
}

impl Package<'_> {
    fn plan(self) -> Plan {
        Plan {
            name: self.name.map(Cow::into_owned),
            monthly_fee: self.cost.map(Money::from_yuan),
            included_sms: self.sms.map(SmsCount),
            sms_overage_price: self.sms_price.map(Money::from_yuan),
            included_data: self.flow.map(DataAmount::provider_unit),
            data_overage_price: self.flow_price.map(Money::from_yuan),
            product_id: None,
            pool_id: None,
        }
    }
}

impl CallEntry for Entry {
    type Payload = Plan;

    fn read_fast<'a>(r: &mut Reader<'a>) -> Option<Fast<'a, Plan>> {
        let (mut num, mut state, mut package) = (None, None, None);
        r.object(|r, key| {
            if is(key, "num") {
                let value = r.string()?;
                once(&mut num, value)
            } else if is(key, "State") {
                let value = r.integer()?;
                once(&mut state, value)
            } else if is(key, "ServicePackage") {
                let value = read_package(r)?;
                once(&mut package, value)
            } else {
                skip_other(r, key, &["num", "State", "ServicePackage"])
            }
        })?;
        Some(Fast {
            num: num?,
            state: state?,
            payload: package.flatten().map(Package::plan),
        })
    }

    fn read_tolerant(entry: &Fields<'_>, problems: &mut Vec<FieldProblem>) -> Option<Plan> {
        let p = entry.group("ServicePackage", problems)?;
        let package = Package {
            name: p.text("ServiceName", problems),
            cost: p.decimal("Cost", problems),
            sms: p.integer("DefaultSms", problems),
            sms_price: p.decimal("ExceedSmsPrice", problems),
            flow: p.decimal("DefaultFlow", problems),
            flow_price: p.decimal("ExceedFlowPrice", problems),
        };
        Some(package.plan())
    }
}

/// `ServicePackage`'s fields.
const PACKAGE_FIELDS: [&str; 6] = [
    "ServiceName",
    "Cost",
    "DefaultSms",
    "ExceedSmsPrice",
    "DefaultFlow",
    "ExceedFlowPrice",
];

/// `ServicePackage` on the fast read: `null` as `None`.
fn read_package<'a>(r: &mut Reader<'a>) -> Option<Option<Package<'a>>> {
    let (mut name, mut cost, mut sms, mut sms_price, mut flow, mut flow_price) =
        (None, None, None, None, None, None);
    let read = r.optional_object(|r, key| {
        if is(key, "ServiceName") {
            let value = r.optional_text()?;
            once(&mut name, value)
        } else if is(key, "Cost") {
            let value = r.optional_decimal()?;
            once(&mut cost, value)
        } else if is(key, "DefaultSms") {
            let value = r.optional_integer()?;
            once(&mut sms, value)
        } else if is(key, "ExceedSmsPrice") {
            let value = r.optional_decimal()?;
            once(&mut sms_price, value)
        } else if is(key, "DefaultFlow") {
            let value = r.optional_decimal()?;
            once(&mut flow, value)
        } else if is(key, "ExceedFlowPrice") {
            let value = r.optional_decimal()?;
            once(&mut flow_price, value)
        } else {
            skip_other(r, key, &PACKAGE_FIELDS)
        }
    })?;
    Some(read.map(|()| Package {
        name: trimmed(name.flatten()),
        cost: cost.flatten(),
        sms: sms.flatten(),
        sms_price: sms_price.flatten(),
        flow: flow.flatten(),
        flow_price: flow_price.flatten(),
    }))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Entry;
    use crate::answers::differential::{self as d, fast_agrees};

    fn answers() -> impl Strategy<Value = String> {
        let payloads = d::samples(
            d::nested(vec![
                ("ServiceName", d::strings()),
                ("Cost", d::decimals()),
                ("DefaultSms", d::integers()),
                ("ExceedSmsPrice", d::decimals()),
                ("DefaultFlow", d::decimals()),
                ("ExceedFlowPrice", d::decimals()),
            ]),
            48,
        );
        d::answer(d::object(vec![
            ("num", d::nums()),
            ("State", d::states()),
            ("ServicePackage", payloads),
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
        let body = r#"{"status":1,"data":{"date":[{"num":"1064804085884","State":1,"ServicePackage":
            {"ServiceName":"月包","Cost":10.00,"DefaultSms":0,"ExceedSmsPrice":0.1,"DefaultFlow":30.000,"ExceedFlowPrice":"0.29"}}]}}"#;
        assert!(fast_agrees::<Entry>(body));
    }
}
