use std::borrow::Cow;

use http::StatusCode;
use iotcard_model::{decimal, DataAmount, Decimal, SmsCount, Usage};
use serde::Deserialize;

use crate::answers::{self, WireEntry};
use crate::{Call, CardAnswers, IotbosError, Query};

/// The usage call (`Exceed`): SMS and data used this month.
#[derive(Clone, Copy, Debug)]
pub struct UsageQuery;

impl Query for UsageQuery {
    const CALL: Call = Call::Usage;
    type Payload = Usage;
    fn parse(status: StatusCode, body: &[u8]) -> Result<CardAnswers<Usage>, IotbosError> {
        parse_usage(status, body)
    }
}

/// Reads a usage answer: `Exceed.ReceivesSmsNum` becomes
/// [`Usage::sms_used`], `Exceed.UseFlow` [`Usage::data_used`] (exact, in
/// the provider's unit).
pub fn parse_usage(status: StatusCode, body: &[u8]) -> Result<CardAnswers<Usage>, IotbosError> {
    answers::parse::<Entry<'_>>(Call::Usage, status, body)
}

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow)]
    num: Cow<'a, str>,
    #[serde(rename = "State")]
    state: i64,
    #[serde(rename = "Exceed", default)]
    exceed: Option<Exceed>,
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

impl WireEntry for Entry<'_> {
    type Payload = Usage;
    fn num(&self) -> &str {
        &self.num
    }
    fn state(&self) -> i64 {
        self.state
    }
    fn into_payload(self) -> Result<Option<Usage>, String> {
        Ok(self.exceed.map(|e| Usage {
            sms_used: e.receives_sms_num.map(SmsCount),
            data_used: e.use_flow.map(DataAmount::provider_unit),
        }))
    }
}
