use std::borrow::Cow;

use iotcard_model::{decimal, DataAmount, Decimal, Money, Plan, SmsCount};
use serde::Deserialize;

use crate::answers::FastEntry;
use crate::fast::{is, once, Reader};
use crate::Call;

data_call! {
    /// The plan call (`ReturnOperatorServicePackage`): the card's tariff.
    query PlanQuery = Call::Plan;
    /// Reads a plan answer from `ServicePackage`: `ServiceName` →
    /// [`Plan::name`], `Cost` → [`Plan::monthly_fee`], `DefaultSms` →
    /// [`Plan::included_sms`], `ExceedSmsPrice` → [`Plan::sms_overage_price`],
    /// `DefaultFlow` → [`Plan::included_data`] (provider unit),
    /// `ExceedFlowPrice` → [`Plan::data_overage_price`]. Money is exact CNY.
    fn parse_plan -> Plan;
    entry<'a> {
        #[serde(rename = "ServicePackage", borrow, default)]
        service_package: Option<ServicePackage<'a>>,
    }
}

#[derive(Deserialize)]
struct ServicePackage<'a> {
    #[serde(rename = "ServiceName", borrow, default)]
    service_name: Option<Cow<'a, str>>,
    #[serde(
        rename = "Cost",
        default,
        deserialize_with = "decimal::deserialize_option"
    )]
    cost: Option<Decimal>,
    #[serde(rename = "DefaultSms", default)]
    default_sms: Option<i64>,
    #[serde(
        rename = "ExceedSmsPrice",
        default,
        deserialize_with = "decimal::deserialize_option"
    )]
    exceed_sms_price: Option<Decimal>,
    #[serde(
        rename = "DefaultFlow",
        default,
        deserialize_with = "decimal::deserialize_option"
    )]
    default_flow: Option<Decimal>,
    #[serde(
        rename = "ExceedFlowPrice",
        default,
        deserialize_with = "decimal::deserialize_option"
    )]
    exceed_flow_price: Option<Decimal>,
}

impl<'a> FastEntry<'a> for Entry<'a> {
    fn read_fast(r: &mut Reader<'a>) -> Option<Self> {
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
                r.skip()
            }
        })?;
        Some(Self {
            num: Cow::Borrowed(num?),
            state: state?,
            service_package: package.flatten(),
        })
    }
}

/// `ServicePackage` on the fast read: `null` as `None`.
fn read_package<'a>(r: &mut Reader<'a>) -> Option<Option<ServicePackage<'a>>> {
    let (mut name, mut cost, mut sms, mut sms_price, mut flow, mut flow_price) =
        (None, None, None, None, None, None);
    let read = r.optional_object(|r, key| {
        if is(key, "ServiceName") {
            let value = r.optional_string()?;
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
            r.skip()
        }
    })?;
    Some(read.map(|()| ServicePackage {
        service_name: name.flatten().map(Cow::Borrowed),
        cost: cost.flatten(),
        default_sms: sms.flatten(),
        exceed_sms_price: sms_price.flatten(),
        default_flow: flow.flatten(),
        exceed_flow_price: flow_price.flatten(),
    }))
}

impl Entry<'_> {
    fn payload(self) -> Result<Option<Plan>, String> {
        Ok(self.service_package.map(|p| Plan {
            name: p.service_name.map(Cow::into_owned),
            monthly_fee: p.cost.map(Money::from_yuan),
            included_sms: p.default_sms.map(SmsCount),
            sms_overage_price: p.exceed_sms_price.map(Money::from_yuan),
            included_data: p.default_flow.map(DataAmount::provider_unit),
            data_overage_price: p.exceed_flow_price.map(Money::from_yuan),
            product_id: None,
            pool_id: None,
        }))
    }
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
        let body = r#"{"status":1,"data":{"date":[{"num":"1064804085884","State":1,"ServicePackage":
            {"ServiceName":"月包","Cost":10.00,"DefaultSms":0,"ExceedSmsPrice":0.1,"DefaultFlow":30.000,"ExceedFlowPrice":"0.29"}}]}}"#;
        assert!(fast_agrees::<Entry<'_>>(body));
    }
}
