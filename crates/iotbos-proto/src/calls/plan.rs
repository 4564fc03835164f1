use std::borrow::Cow;

use iotcard_model::{decimal, DataAmount, Decimal, Money, Plan, SmsCount};
use serde::Deserialize;

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
