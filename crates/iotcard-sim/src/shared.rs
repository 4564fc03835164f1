use crate::clock::FleetClock;
use crate::faults::FaultInjector;
use crate::iotbos::Tokens;
use crate::stats::Stats;
use crate::{Fleet, SimCredentials};

/// What every connection of a running simulator reads.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) fleet: Fleet,
    pub(crate) clock: FleetClock,
    pub(crate) stats: Stats,
    pub(crate) faults: FaultInjector,
    pub(crate) tokens: Tokens,
    pub(crate) credentials: SimCredentials,
    /// Most numbers one IoTBOS call may carry.
    pub(crate) iotbos_max_batch: usize,
}
