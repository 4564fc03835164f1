//! A simulator and clients wired to it.

use std::time::Duration;

use iotcard_facade::{
    CardNumber, Iccid, Instant, IotbosClientBuilder, RetryConfig, TencentClientBuilder,
};
use iotcard_sim::{Fleet, RunningSimulator, Simulator, SimulatorBuilder};

/// The fleet seed every test uses unless it needs another.
pub const SEED: u64 = 20_250_617;

/// The instant the fleet clock is frozen at: mid-month, so usage is neither
/// zero nor the whole month's, and values are exact.
pub fn frozen_at() -> Instant {
    chrono::DateTime::parse_from_rfc3339("2025-06-17T10:30:00+08:00")
        .expect("a valid RFC 3339 instant")
}

/// A simulator builder with the test seed and the clock frozen at
/// [`frozen_at`].
pub fn simulator() -> SimulatorBuilder {
    Simulator::builder()
        .seed(SEED)
        .freeze_clock(Some(frozen_at()))
}

/// Retries as the default policy does, but with short waits, so a test that
/// meets faults stays fast.
pub fn quick_retry() -> RetryConfig {
    RetryConfig::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(100))
}

/// An IoTBOS client builder pointed at `sim` with the credentials it accepts.
pub fn iotbos(sim: &RunningSimulator) -> IotbosClientBuilder {
    let creds = sim.credentials();
    iotcard_facade::IotbosClient::builder()
        .endpoint(sim.iotbos_url())
        .account(creds.iotbos_account.clone())
        .password(creds.iotbos_password.clone())
        .retry(quick_retry())
}

/// A Tencent client builder pointed at `sim` with the credentials it
/// accepts, trusting the simulator's CA.
pub fn tencent(sim: &RunningSimulator) -> TencentClientBuilder {
    let creds = sim.credentials();
    iotcard_facade::TencentClient::builder()
        .endpoint(sim.tencent_url())
        .sdkappid(creds.tencent_sdkappid.clone())
        .appkey(creds.tencent_appkey.clone())
        .extra_ca_pem(sim.ca_pem())
        .retry(quick_retry())
}

/// `n` well-formed card numbers the fleet does not have: cards of a larger
/// fleet of the same seed, past this one's end.
pub fn numbers_outside(fleet: &Fleet, n: u64) -> Vec<CardNumber> {
    let bigger = Fleet::new(fleet.seed(), fleet.len() + n).expect("a fleet within bounds");
    (fleet.len()..fleet.len() + n)
        .filter_map(|i| bigger.card(i))
        .map(|c| c.number().clone())
        .inspect(|n| assert_eq!(fleet.index_of_number(n.as_str()), None))
        .collect()
}

/// `n` well-formed ICCIDs the fleet does not have (see [`numbers_outside`]).
pub fn iccids_outside(fleet: &Fleet, n: u64) -> Vec<Iccid> {
    let bigger = Fleet::new(fleet.seed(), fleet.len() + n).expect("a fleet within bounds");
    (fleet.len()..fleet.len() + n)
        .filter_map(|i| bigger.card(i))
        .map(|c| c.iccid().clone())
        .inspect(|i| assert_eq!(fleet.index_of_iccid(i.as_str()), None))
        .collect()
}
