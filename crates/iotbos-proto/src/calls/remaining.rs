use iotcard_model::{decimal, DataAmount, Decimal, Remaining, SmsCount};
use serde::Deserialize;

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

impl Entry<'_> {
    fn payload(self) -> Result<Option<Remaining>, String> {
        Ok(self.surplus.map(|s| Remaining {
            sms_left: s.residual_receives_sms.map(SmsCount),
            data_left: s.residual_flow.map(DataAmount::provider_unit),
        }))
    }
}
