//! When an account's next pass starts: its interval, moved by jitter.

use std::time::Duration;

/// The wait before the next pass: `interval` scaled by `1 + jitter × u`,
/// `u` drawn in `[-1, 1]` (the caller's RNG gives `draw` in `[0, 1]`), so
/// passes of accounts configured alike spread out. Never zero: a pass
/// that ends is never followed at once by another.
///
/// ```
/// use std::time::Duration;
/// use iotcard_watch::daemon::next_pass_in;
/// let hour = Duration::from_secs(3600);
/// assert_eq!(next_pass_in(hour, 0.1, 0.5), hour);
/// assert_eq!(next_pass_in(hour, 0.1, 0.0), Duration::from_secs(3240));
/// assert_eq!(next_pass_in(hour, 0.1, 1.0), Duration::from_secs(3960));
/// assert_eq!(next_pass_in(hour, 0.0, 0.9), hour);
/// ```
pub fn next_pass_in(interval: Duration, jitter: f64, draw: f64) -> Duration {
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 0.99)
    } else {
        0.0
    };
    let draw = if draw.is_finite() {
        draw.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let scale = 1.0 + jitter * (2.0 * draw - 1.0);
    // Whole milliseconds: the schedule reads the same in every log line.
    let ms = (interval.as_secs_f64() * scale * 1000.0).round();
    Duration::from_millis(ms.clamp(1.0, u64::MAX as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_the_share_and_never_zero() {
        let every = Duration::from_secs(600);
        for i in 0..=100 {
            let d = next_pass_in(every, 0.2, f64::from(i) / 100.0);
            assert!(
                d >= Duration::from_secs(480) && d <= Duration::from_secs(720),
                "{d:?}"
            );
        }
        assert_eq!(
            next_pass_in(Duration::ZERO, 0.1, 0.5),
            Duration::from_millis(1)
        );
        assert_eq!(next_pass_in(every, f64::NAN, f64::NAN), every);
    }
}
