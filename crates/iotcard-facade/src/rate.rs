//! A request budget shared by every task of one client: a ceiling per
//! second and one per minute, as platforms state their limits.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// How many requests one client may send: per second (on average, with a
/// one-second burst) and per minute (strictly: never more in any 60 s).
/// `None` is no ceiling.
///
/// ```
/// use iotcard_facade::rate::{RateBudget, RateLimiter};
/// let budget = RateBudget::per_second(20.0).and_per_minute(600);
/// assert!(RateLimiter::budget(budget).is_some());
/// assert!(RateLimiter::budget(RateBudget::default()).is_none()); // no limit, no limiter
/// assert!(RateBudget::default().and_per_minute(0).check().is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct RateBudget {
    /// Requests a second, on average (a positive finite number).
    pub per_second: Option<f64>,
    /// Requests in any minute (at least 1).
    pub per_minute: Option<u32>,
}

impl RateBudget {
    /// At most `rate` requests a second.
    pub fn per_second(rate: f64) -> Self {
        Self {
            per_second: Some(rate),
            per_minute: None,
        }
    }

    /// This budget, also at most `max` requests in any minute.
    pub fn and_per_minute(mut self, max: u32) -> Self {
        self.per_minute = Some(max);
        self
    }

    /// Whether neither ceiling is set.
    pub fn is_unlimited(&self) -> bool {
        self.per_second.is_none() && self.per_minute.is_none()
    }

    /// Checks both ceilings; the error names the one that is wrong.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if let Some(rate) = self.per_second {
            if !(rate.is_finite() && rate > 0.0) {
                return Err((
                    "rate_limit",
                    format!("must be a positive number of requests per second, got {rate}"),
                ));
            }
        }
        if self.per_minute == Some(0) {
            return Err((
                "rate_limit_per_minute",
                "must be at least 1 request per minute".into(),
            ));
        }
        Ok(())
    }
}

/// Spaces requests to a [`RateBudget`]. The per-second ceiling is GCRA
/// (the "virtual scheduling" form of a token bucket: one timestamp of
/// state, no background task), allowing a burst of up to one second's
/// worth; the per-minute ceiling is a sliding log of the last minute's
/// bookings (at most `per_minute` instants), so no 60 s window ever holds
/// more than it allows, burst or not.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: Option<Gcra>,
    per_minute: Option<MinuteLog>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct Gcra {
    interval: Duration,
    /// How far ahead of schedule a request may go: `burst - interval`.
    tolerance: Duration,
}

#[derive(Debug)]
struct MinuteLog {
    max: usize,
}

#[derive(Debug, Default)]
struct State {
    /// The theoretical arrival time of the next request (GCRA).
    tat: Option<Instant>,
    /// When each of the last minute's requests was booked to go, in order.
    booked: VecDeque<Instant>,
}

const MINUTE: Duration = Duration::from_secs(60);

impl RateLimiter {
    /// A limiter for `per_second` requests a second; `None` when the rate is
    /// not a positive finite number.
    pub fn new(per_second: f64) -> Option<Self> {
        Self::budget(RateBudget::per_second(per_second))
    }

    /// A limiter for `budget`; `None` when it sets no ceiling or a ceiling
    /// [`RateBudget::check`] refuses.
    pub fn budget(budget: RateBudget) -> Option<Self> {
        if budget.is_unlimited() || budget.check().is_err() {
            return None;
        }
        let per_second = budget.per_second.map(|rate| {
            let interval = Duration::from_secs_f64(1.0 / rate);
            let burst = Duration::from_secs(1).max(interval);
            Gcra {
                interval,
                tolerance: burst - interval,
            }
        });
        let per_minute = budget.per_minute.map(|max| MinuteLog { max: max as usize });
        Some(Self {
            per_second,
            per_minute,
            state: Mutex::new(State::default()),
        })
    }

    /// The configured spacing between requests (per second ceiling; a
    /// minute's spread when only the per-minute one is set).
    pub fn interval(&self) -> Duration {
        match (&self.per_second, &self.per_minute) {
            (Some(g), _) => g.interval,
            (None, Some(m)) => MINUTE / u32::try_from(m.max).unwrap_or(u32::MAX),
            (None, None) => Duration::ZERO,
        }
    }

    /// Waits until this request may go.
    pub async fn acquire(&self) {
        let wait = self.reserve(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Books the next slot at or after `now` that every ceiling allows,
    /// returning how long to wait for it.
    fn reserve(&self, now: Instant) -> Duration {
        // A poisoned lock only means another task panicked between reading
        // and writing plain instants; the values are still valid.
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut at = now;
        if let Some(minute) = &self.per_minute {
            at = minute.earliest(&mut state.booked, at);
        }
        if let Some(gcra) = &self.per_second {
            let scheduled = state.tat.map_or(at, |t| t.max(at));
            state.tat = Some(scheduled + gcra.interval);
            at = scheduled
                .checked_sub(gcra.tolerance)
                .map_or(at, |g| g.max(at));
        }
        if self.per_minute.is_some() {
            state.booked.push_back(at);
        }
        at - now
    }
}

impl MinuteLog {
    /// The earliest time at or after `at` (and after every booking so far,
    /// which keeps the log in order) when one more request fits the minute.
    fn earliest(&self, booked: &mut VecDeque<Instant>, at: Instant) -> Instant {
        let at = booked.back().map_or(at, |last| at.max(*last));
        while booked.front().is_some_and(|t| *t + MINUTE <= at) {
            booked.pop_front();
        }
        if booked.len() < self.max {
            return at;
        }
        // The booking that must leave the window for this one to fit.
        let leaving = booked[booked.len() - self.max];
        (leaving + MINUTE).max(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_nonsense_rates() {
        assert!(RateLimiter::new(0.0).is_none());
        assert!(RateLimiter::new(-1.0).is_none());
        assert!(RateLimiter::new(f64::NAN).is_none());
        assert!(RateLimiter::new(f64::INFINITY).is_none());
        assert!(RateLimiter::budget(RateBudget::default().and_per_minute(0)).is_none());
        assert_eq!(
            RateBudget::default()
                .and_per_minute(0)
                .check()
                .unwrap_err()
                .0,
            "rate_limit_per_minute"
        );
        assert_eq!(
            RateLimiter::new(4.0).unwrap().interval(),
            Duration::from_millis(250)
        );
    }

    async fn run(limiter: RateLimiter, requests: usize) -> Vec<Duration> {
        let limiter = std::sync::Arc::new(limiter);
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..requests {
            let l = limiter.clone();
            tasks.push(tokio::spawn(async move {
                l.acquire().await;
                start.elapsed()
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap());
        }
        times.sort_unstable();
        times
    }

    /// The most requests any window of `len` holds.
    fn busiest(times: &[Duration], len: Duration) -> usize {
        times
            .iter()
            .map(|start| {
                times
                    .iter()
                    .filter(|t| **t >= *start && **t < *start + len)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn holds_the_average_rate() {
        let times = run(RateLimiter::new(10.0).unwrap(), 50).await;
        let elapsed = *times.last().unwrap();
        // 50 requests at 10/s with a 1 s burst (10 at once): about 4 s.
        assert!(elapsed >= Duration::from_millis(3900), "{elapsed:?}");
        assert!(elapsed <= Duration::from_millis(4200), "{elapsed:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn holds_both_the_second_and_the_minute() {
        // 100 a second alone would send 250 in about 2.5 s; 100 a minute
        // holds them to 100 in any minute: the last 50 go after two minutes.
        let budget = RateBudget::per_second(100.0).and_per_minute(100);
        let times = run(RateLimiter::budget(budget).unwrap(), 250).await;
        assert_eq!(
            busiest(&times, MINUTE),
            100,
            "never more than 100 in a minute"
        );
        assert!(busiest(&times, Duration::from_secs(1)) <= 200);
        let last = *times.last().unwrap();
        assert!(last >= Duration::from_secs(120), "{last:?}");
        assert!(last <= Duration::from_secs(122), "{last:?}");
        // The first 100 are one second's burst; the 101st waits for the
        // minute, then the per-second spacing applies again.
        assert!(times[99] < Duration::from_millis(10), "{:?}", times[99]);
        assert!(times[100] >= MINUTE, "{:?}", times[100]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_minute_ceiling_alone_lets_a_burst_go_then_waits() {
        let budget = RateBudget::default().and_per_minute(30);
        let times = run(RateLimiter::budget(budget).unwrap(), 45).await;
        assert!(times[29] < Duration::from_millis(10), "{:?}", times[29]);
        assert!(times[30] >= MINUTE, "{:?}", times[30]);
        assert_eq!(busiest(&times, MINUTE), 30);
    }
}
