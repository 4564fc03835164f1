use std::borrow::Cow;

use http::StatusCode;
use iotcard_model::{decimal, DataAmount, Decimal, Money, Plan, SmsCount};
use serde::Deserialize;

use crate::answers::{self, WireEntry};
use crate::{Call, CardAnswers, IotbosError, Query};

/// The plan call (`ReturnOperatorServicePackage`): the card's tariff.
#[derive(Clone, Copy, Debug)]
pub struct PlanQuery;

impl Query for PlanQuery {
    const CALL: Call = Call::Plan;
    type Payload = Plan;
    fn parse(status: StatusCode, body: &[u8]) -> Result<CardAnswers<Plan>, IotbosError> {
        parse_plan(status, body)
    }
}

/// Reads a plan answer from `ServicePackage`: `ServiceName` →
/// [`Plan::name`], `Cost` → [`Plan::monthly_fee`], `DefaultSms` →
/// [`Plan::included_sms`], `ExceedSmsPrice` → [`Plan::sms_overage_price`],
/// `DefaultFlow` → [`Plan::included_data`] (provider unit),
/// `ExceedFlowPrice` → [`Plan::data_overage_price`]. Money is exact CNY.
pub fn parse_plan(status: StatusCode, body: &[u8]) -> Result<CardAnswers<Plan>, IotbosError> {
    answers::parse::<Entry<'_>>(Call::Plan, status, body)
}

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow)]
    num: Cow<'a, str>,
    #[serde(rename = "State")]
    state: i64,
    #[serde(rename = "ServicePackage", borrow, default)]
    service_package: Option<ServicePackage<'a>>,
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

impl WireEntry for Entry<'_> {
    type Payload = Plan;
    fn num(&self) -> &str {
        &self.num
    }
    fn state(&self) -> i64 {
        self.state
    }
    fn into_payload(self) -> Result<Option<Plan>, String> {
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
