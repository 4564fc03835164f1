use iotcard_model::{decimal, DataAmount, Decimal, SmsCount, Usage};
use serde::Deserialize;

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

impl Entry<'_> {
    fn payload(self) -> Result<Option<Usage>, String> {
        Ok(self.exceed.map(|e| Usage {
            sms_used: e.receives_sms_num.map(SmsCount),
            data_used: e.use_flow.map(DataAmount::provider_unit),
        }))
    }
}
