use iotcard_model::Secret;

/// The credentials the simulator accepts, to hand to clients.
///
/// `Debug` shows the secrets as `***`.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct SimCredentials {
    /// IoTBOS `account`.
    pub iotbos_account: String,
    /// IoTBOS `password`.
    pub iotbos_password: Secret,
    /// Tencent `sdkappid` (digits).
    pub tencent_sdkappid: String,
    /// Tencent `appkey`.
    pub tencent_appkey: Secret,
}

impl SimCredentials {
    /// Credentials made from the seed, so a replayed run uses the same ones.
    pub(crate) fn from_seed(seed: u64) -> Self {
        use crate::fleet::hash::mix;
        Self {
            iotbos_account: "iotcard-sim".to_owned(),
            iotbos_password: Secret::new(format!("sim-{:016x}", mix(seed ^ 0xC0DE_0001))),
            tencent_sdkappid: format!("14{:08}", mix(seed ^ 0xC0DE_0002) % 100_000_000),
            tencent_appkey: Secret::new(format!(
                "{:016x}{:016x}",
                mix(seed ^ 0xC0DE_0003),
                mix(seed ^ 0xC0DE_0004)
            )),
        }
    }
}
