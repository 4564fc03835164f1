use std::borrow::Cow;

use http::StatusCode;
use iotcard_model::{decimal, DataAmount, Decimal, Remaining, SmsCount};
use serde::Deserialize;

use crate::answers::{self, WireEntry};
use crate::{Call, CardAnswers, IotbosError, Query};

/// The remaining call (`Surplus`): SMS and data left this month.
#[derive(Clone, Copy, Debug)]
pub struct RemainingQuery;

impl Query for RemainingQuery {
    const CALL: Call = Call::Remaining;
    type Payload = Remaining;
    fn parse(status: StatusCode, body: &[u8]) -> Result<CardAnswers<Remaining>, IotbosError> {
        parse_remaining(status, body)
    }
}

/// Reads a remaining answer: `Surplus.ResidualReceivesSms` becomes
/// [`Remaining::sms_left`], `Surplus.ResidualFlow` [`Remaining::data_left`]
/// (exact, in the provider's unit, negative when overrun).
pub fn parse_remaining(
    status: StatusCode,
    body: &[u8],
) -> Result<CardAnswers<Remaining>, IotbosError> {
    answers::parse::<Entry<'_>>(Call::Remaining, status, body)
}

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow)]
    num: Cow<'a, str>,
    #[serde(rename = "State")]
    state: i64,
    #[serde(rename = "Surplus", default)]
    surplus: Option<Surplus>,
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

impl WireEntry for Entry<'_> {
    type Payload = Remaining;
    fn num(&self) -> &str {
        &self.num
    }
    fn state(&self) -> i64 {
        self.state
    }
    fn into_payload(self) -> Result<Option<Remaining>, String> {
        Ok(self.surplus.map(|s| Remaining {
            sms_left: s.residual_receives_sms.map(SmsCount),
            data_left: s.residual_flow.map(DataAmount::provider_unit),
        }))
    }
}
