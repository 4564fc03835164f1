//! A requests-per-second ceiling shared by every task of one client.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Spaces requests at least `1 / rate` seconds apart on average, allowing a
/// burst of up to one second's worth (GCRA, the "virtual scheduling" form of
/// a token bucket: one timestamp of state, no background task).
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    /// How far ahead of schedule a request may go: `burst - interval`.
    tolerance: Duration,
    /// The theoretical arrival time of the next request.
    tat: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limiter for `per_second` requests a second; `None` when the rate is
    /// not a positive finite number.
    pub fn new(per_second: f64) -> Option<Self> {
        if !(per_second.is_finite() && per_second > 0.0) {
            return None;
        }
        let interval = Duration::from_secs_f64(1.0 / per_second);
        let burst = Duration::from_secs(1).max(interval);
        Some(Self {
            interval,
            tolerance: burst - interval,
            tat: Mutex::new(None),
        })
    }

    /// The configured spacing between requests.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits until this request may go.
    pub async fn acquire(&self) {
        let wait = self.reserve(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Books the next slot at or after `now`, returning how long to wait.
    fn reserve(&self, now: Instant) -> Duration {
        // A poisoned lock only means another task panicked between reading
        // and writing one timestamp; the value is still a valid instant.
        let mut tat = self.tat.lock().unwrap_or_else(|p| p.into_inner());
        let scheduled = tat.map_or(now, |t| t.max(now));
        *tat = Some(scheduled + self.interval);
        let go = scheduled
            .checked_sub(self.tolerance)
            .map_or(now, |g| g.max(now));
        go - now
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
        assert_eq!(
            RateLimiter::new(4.0).unwrap().interval(),
            Duration::from_millis(250)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn holds_the_average_rate() {
        let limiter = std::sync::Arc::new(RateLimiter::new(10.0).unwrap());
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let l = limiter.clone();
            tasks.push(tokio::spawn(async move { l.acquire().await }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let elapsed = start.elapsed();
        // 50 requests at 10/s with a 1 s burst (10 at once): about 4 s.
        assert!(elapsed >= Duration::from_millis(3900), "{elapsed:?}");
        assert!(elapsed <= Duration::from_millis(4200), "{elapsed:?}");
    }
}
