//! Where the clients read wall-clock time and entropy: only through the
//! values their builders were given, so signing times and retry jitter can
//! be tested exactly.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use iotcard_facade::{Clock, FixedClock};
//!
//! let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_505_812_393);
//! let clock = FixedClock::new(at);
//! assert_eq!(clock.now(), at);
//! ```

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rand::rngs::StdRng;
use rand::SeedableRng;

/// A source of wall-clock time (Tencent signs every request with the current
/// Unix time). Monotonic waits (token lifetimes, backoff) use tokio's clock,
/// which tests pause and advance.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The operating system's clock: the default.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct SystemClock;

impl Clock for SystemClock {
    // The one place the facade reads the system clock: every other reading
    // goes through a `Clock` a builder was given.
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that shows the time it is set to, for tests and replays.
#[derive(Debug)]
pub struct FixedClock {
    at: Mutex<SystemTime>,
}

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn new(at: SystemTime) -> Self {
        Self { at: Mutex::new(at) }
    }

    /// Moves the clock to `at`.
    pub fn set(&self, at: SystemTime) {
        *self.at.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        *self.at.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> SystemTime {
        (**self).now()
    }
}

/// Where a client's randomness comes from: Tencent's per-request `random`
/// and the jitter of retry backoff.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Entropy {
    /// Seeded from the operating system once, when the client is built: the
    /// default.
    #[default]
    Os,
    /// A fixed seed: the same seed gives the same randoms and jitter, for
    /// tests and reproducible runs.
    Seed(u64),
}

impl Entropy {
    /// A fresh generator, seeded as this says.
    pub(crate) fn rng(self) -> StdRng {
        match self {
            // The one place the facade asks the OS for entropy.
            #[allow(clippy::disallowed_methods)]
            Entropy::Os => StdRng::from_entropy(),
            Entropy::Seed(seed) => StdRng::seed_from_u64(seed),
        }
    }

    /// A generator for one of a client's parts (`part` keeps the parts of a
    /// seeded client from drawing the same numbers).
    pub(crate) fn rng_for(self, part: u64) -> Mutex<StdRng> {
        Mutex::new(match self {
            Entropy::Os => self.rng(),
            Entropy::Seed(seed) => StdRng::seed_from_u64(seed ^ part.rotate_left(32)),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rand::RngCore;

    use super::*;

    #[test]
    fn a_fixed_clock_shows_what_it_is_set_to() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        let clock = FixedClock::new(start);
        assert_eq!(clock.now(), start);
        clock.set(start + Duration::from_secs(5));
        assert_eq!(Arc::new(clock).now(), start + Duration::from_secs(5));
    }

    #[test]
    fn a_seed_repeats_and_parts_differ() {
        let a = Entropy::Seed(7).rng_for(1).into_inner().unwrap().next_u64();
        let b = Entropy::Seed(7).rng_for(1).into_inner().unwrap().next_u64();
        let c = Entropy::Seed(7).rng_for(2).into_inner().unwrap().next_u64();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(
            Entropy::Os.rng().next_u64(),
            Entropy::Os.rng().next_u64(),
            "two OS seeds agreeing is a 2^-64 event"
        );
    }
}
