//! Waiting: through a [`Sleeper`], so tests can make an hour pass at once.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use iotcard_facade::Clock;

/// Waits for a while. The deliverer waits only through one (pacing, backoff),
/// so a test can pair it with a clock and skip the waits.
#[async_trait]
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Returns after `duration` (of the sleeper's time).
    async fn sleep(&self, duration: Duration);
}

/// tokio's timer (which `tokio::time::pause` pauses): the default.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct TokioSleeper;

#[async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

#[async_trait]
impl<S: Sleeper + ?Sized> Sleeper for Arc<S> {
    async fn sleep(&self, duration: Duration) {
        (**self).sleep(duration).await;
    }
}

/// A clock that moves only when slept on: [`Clock`] and [`Sleeper`] at
/// once. `sleep(d)` moves the time forward by `d` and returns at once
/// (after yielding to other tasks), so a test of an hour's retries runs in
/// milliseconds against real sockets, and receivers that check signature
/// times read the same clock.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use iotcard_facade::Clock;
/// use iotcard_watch::{ManualClock, Sleeper};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// let clock = ManualClock::new(start);
/// clock.sleep(Duration::from_secs(90)).await;
/// assert_eq!(clock.now(), start + Duration::from_secs(90));
/// assert_eq!(clock.slept(), Duration::from_secs(90));
/// # });
/// ```
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<(SystemTime, Duration)>,
}

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: SystemTime) -> Self {
        Self {
            state: Mutex::new((start, Duration::ZERO)),
        }
    }

    /// Moves the time forward by `by` (without counting it as slept).
    pub fn advance(&self, by: Duration) {
        self.lock().0 += by;
    }

    /// How long was slept in all.
    pub fn slept(&self) -> Duration {
        self.lock().1
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (SystemTime, Duration)> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.lock().0
    }
}

#[async_trait]
impl Sleeper for ManualClock {
    async fn sleep(&self, duration: Duration) {
        {
            let mut state = self.lock();
            state.0 += duration;
            state.1 += duration;
        }
        tokio::task::yield_now().await;
    }
}
