//! When the next message may go out: a pure planner over the send history.

use std::time::{Duration, SystemTime};

use crate::ChannelKind;

/// At most `max` messages in any window of `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// How many messages.
    pub max: u32,
    /// In how long a window.
    pub per: Duration,
}

impl RateLimit {
    /// `max` messages per `per`.
    pub const fn new(max: u32, per: Duration) -> Self {
        Self { max, per }
    }
}

/// The limits one channel is sent to under; a message may go when every
/// limit allows it. The history is every send attempt that reached the
/// service (a refused or rate-limited one counts too: the robot counted
/// it).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use iotcard_notify::{ChannelKind, RatePlan};
/// let plan = RatePlan::for_channel(ChannelKind::DingTalk); // 20 a minute
/// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
/// let history: Vec<SystemTime> = (0..20).map(|i| t0 + Duration::from_secs(i)).collect();
/// let now = t0 + Duration::from_secs(30);
/// // The 21st waits until the first leaves the minute.
/// assert_eq!(plan.next_send(&history, now), t0 + Duration::from_secs(60));
/// assert_eq!(plan.next_send(&history[..19], now), now);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RatePlan {
    limits: Vec<RateLimit>,
}

impl RatePlan {
    /// The DingTalk and WeCom robots: 20 messages a minute.
    pub const ROBOT: RateLimit = RateLimit::new(20, Duration::from_secs(60));

    /// No limit (webhooks, e-mail: the receiver's business).
    pub fn unlimited() -> Self {
        Self::default()
    }

    /// Every one of `limits`.
    pub fn new(limits: impl IntoIterator<Item = RateLimit>) -> Self {
        Self {
            limits: limits.into_iter().filter(|l| l.max > 0).collect(),
        }
    }

    /// A channel's documented limits: DingTalk and WeCom 20 a minute;
    /// Feishu 100 a minute and 5 a second; webhooks and e-mail none.
    pub fn for_channel(kind: ChannelKind) -> Self {
        match kind {
            ChannelKind::DingTalk | ChannelKind::WeCom => Self::new([Self::ROBOT]),
            ChannelKind::Feishu => Self::new([
                RateLimit::new(100, Duration::from_secs(60)),
                RateLimit::new(5, Duration::from_secs(1)),
            ]),
            ChannelKind::Webhook | ChannelKind::Email => Self::unlimited(),
        }
    }

    /// The limits.
    pub fn limits(&self) -> &[RateLimit] {
        &self.limits
    }

    /// The earliest time at or after `now` when one more message may go
    /// out, given the past sends in `history` (any order; a send "in the
    /// future", from a clock step back, counts as sent at `now`).
    pub fn next_send(&self, history: &[SystemTime], now: SystemTime) -> SystemTime {
        let mut sorted: Vec<SystemTime> = history.iter().map(|t| (*t).min(now)).collect();
        sorted.sort_unstable();
        self.next_in_sorted(&sorted, now)
    }

    fn next_in_sorted(&self, sorted: &[SystemTime], now: SystemTime) -> SystemTime {
        let mut at = now;
        // Moving later only lets sends leave windows: a few rounds settle.
        loop {
            let next = self
                .limits
                .iter()
                .map(|limit| earliest(limit, sorted, at))
                .max()
                .unwrap_or(at);
            if next == at {
                return at;
            }
            at = next;
        }
    }

    /// When each of `count` queued messages may go out, in order, if each
    /// is sent as soon as allowed.
    pub fn schedule(
        &self,
        history: &[SystemTime],
        now: SystemTime,
        count: usize,
    ) -> Vec<SystemTime> {
        let mut sorted: Vec<SystemTime> = history.iter().map(|t| (*t).min(now)).collect();
        sorted.sort_unstable();
        let mut out = Vec::with_capacity(count);
        let mut at = now;
        for _ in 0..count {
            at = self.next_in_sorted(&sorted, at);
            out.push(at);
            sorted.push(at);
        }
        out
    }

    /// How many messages may go out at `now` without waiting.
    pub fn available(&self, history: &[SystemTime], now: SystemTime) -> usize {
        self.limits
            .iter()
            .map(|limit| {
                let in_window = history
                    .iter()
                    .filter(|t| in_window(limit, **t, now))
                    .count();
                (limit.max as usize).saturating_sub(in_window)
            })
            .min()
            .unwrap_or(usize::MAX)
    }
}

/// Whether a send at `sent` still counts in the window ending at `at`:
/// the window is `(at - per, at]`.
fn in_window(limit: &RateLimit, sent: SystemTime, at: SystemTime) -> bool {
    match at.checked_sub(limit.per) {
        Some(start) => sent > start && sent <= at,
        None => sent <= at,
    }
}

/// The earliest time at or after `at` when `limit` allows one more send,
/// `sorted` holding every send up to `at`.
fn earliest(limit: &RateLimit, sorted: &[SystemTime], at: SystemTime) -> SystemTime {
    let max = limit.max as usize;
    let recent: Vec<SystemTime> = sorted
        .iter()
        .copied()
        .filter(|t| in_window(limit, *t, at))
        .collect();
    if recent.len() < max {
        return at;
    }
    // The send that must leave the window for one more to fit.
    let leaving = recent[recent.len() - max];
    (leaving + limit.per).max(at)
}

/// The wait before retry number `attempt` (1 for the first retry): `base`
/// doubled each time, at most `cap`, scaled by `jitter` (taken from the
/// caller's RNG, in `[0, 1]`) to between half and all of it.
///
/// ```
/// use std::time::Duration;
/// use iotcard_notify::backoff;
/// let (base, cap) = (Duration::from_secs(10), Duration::from_secs(600));
/// assert_eq!(backoff(1, base, cap, 1.0), Duration::from_secs(10));
/// assert_eq!(backoff(3, base, cap, 0.0), Duration::from_secs(20));
/// assert_eq!(backoff(30, base, cap, 1.0), Duration::from_secs(600));
/// ```
pub fn backoff(attempt: u32, base: Duration, cap: Duration, jitter: f64) -> Duration {
    let doublings = attempt.saturating_sub(1).min(32);
    let full = base
        .checked_mul(1u32 << doublings.min(31))
        .unwrap_or(cap)
        .min(cap);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let scaled = full.mul_f64(0.5 + jitter / 2.0);
    // Round to whole milliseconds, and never above the full wait.
    Duration::from_millis(scaled.as_millis().min(u128::from(u64::MAX)) as u64).min(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 + s)
    }

    #[test]
    fn feishu_has_two_limits() {
        let plan = RatePlan::for_channel(ChannelKind::Feishu);
        let burst: Vec<SystemTime> = (0..5).map(|_| t(0)).collect();
        assert_eq!(plan.next_send(&burst, t(0)), t(1));
        assert_eq!(plan.available(&burst, t(0)), 0);
        assert_eq!(plan.available(&burst, t(1)), 5);
    }

    #[test]
    fn schedules_respect_every_window() {
        let plan = RatePlan::for_channel(ChannelKind::DingTalk);
        let times = plan.schedule(&[], t(0), 45);
        assert_eq!(times[19], t(0));
        assert_eq!(times[20], t(60));
        assert_eq!(times[40], t(120));
        for (i, at) in times.iter().enumerate() {
            let window = times[..=i]
                .iter()
                .filter(|x| in_window(&RatePlan::ROBOT, **x, *at))
                .count();
            assert!(window <= 20, "{i}");
        }
        assert_eq!(RatePlan::unlimited().schedule(&[], t(0), 3), vec![t(0); 3]);
    }

    #[test]
    fn future_sends_count_as_now() {
        let plan = RatePlan::new([RateLimit::new(1, Duration::from_secs(60))]);
        assert_eq!(plan.next_send(&[t(500)], t(0)), t(60));
    }

    #[test]
    fn backoff_is_bounded() {
        let (b, c) = (Duration::from_secs(1), Duration::from_secs(60));
        assert_eq!(backoff(0, b, c, 1.0), b);
        assert_eq!(backoff(u32::MAX, b, c, 1.0), c);
        assert_eq!(backoff(2, b, c, f64::NAN), Duration::from_secs(1));
    }
}
