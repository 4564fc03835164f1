use crate::clock::FleetClock;
use crate::delay::PreciseDelays;
use crate::dialect::DialectCell;
use crate::faults::FaultInjector;
use crate::stats::Stats;
use crate::tokens::Tokens;
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
    /// Where added latency is waited out.
    pub(crate) delays: PreciseDelays,
    /// How answers are written.
    pub(crate) dialect: DialectCell,
}

#[cfg(test)]
impl Shared {
    /// A simulator's state without listeners, for the handlers' own tests:
    /// seed 1, `cards` cards, the real clock, no faults.
    pub(crate) fn for_tests(cards: u64) -> Self {
        use std::time::Duration;

        use crate::faults::{Faults, Latency};

        Shared {
            fleet: Fleet::new(1, cards).unwrap(),
            clock: FleetClock::new(None),
            stats: Stats::default(),
            faults: FaultInjector::new(1, Faults::default(), Latency::default()),
            tokens: Tokens::new(1, Duration::from_secs(60)),
            credentials: SimCredentials::from_seed(1),
            iotbos_max_batch: 1000,
            delays: PreciseDelays::default(),
            dialect: DialectCell::new(crate::Dialect::CANONICAL),
        }
    }
}
