//! When and how long to wait before trying again.
//!
//! Backoff is exponential with *full jitter* (a uniformly random wait in
//! `0..=min(max_delay, base * 2^attempt)`), which spreads a fleet of clients
//! apart after a shared outage. A [`RetryBudget`] on top bounds how many
//! retries a client may spend in a row, as the AWS SDKs' *standard* retry
//! mode does: every retry takes tokens, every success gives one back, and an
//! empty bucket means "report the last error now" so a dying server is not
//! hammered by every task at once.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use rand::Rng;

/// How a client retries a failed request. Start from
/// [`RetryConfig::default`] (or [`RetryConfig::disabled`]) and change what
/// you need:
///
/// ```
/// use std::time::Duration;
/// use iotcard_facade::RetryConfig;
///
/// let retry = RetryConfig::default()
///     .max_attempts(6)
///     .base_delay(Duration::from_millis(100));
/// assert_eq!(retry.max_attempts, 6);
/// assert_eq!(retry.batch_rounds, 2);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts per request in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The first backoff's upper bound.
    pub base_delay: Duration,
    /// No backoff waits longer than this (a `Retry-After` may, up to
    /// [`RetryConfig::max_retry_after`]).
    pub max_delay: Duration,
    /// The longest `Retry-After` the client honours; a longer one is
    /// reported as the error instead of stalling the caller.
    pub max_retry_after: Duration,
    /// Tokens in the retry budget when full.
    pub budget_capacity: u32,
    /// Tokens one retry of an ordinary failure takes.
    pub retry_cost: u32,
    /// Tokens one retry after a timeout takes (timeouts cost the server more).
    pub timeout_retry_cost: u32,
    /// Rounds per batch of cards, the first included (1 = never ask again):
    /// a batch whose request still failed after every attempt is asked again from a fresh start (new backoff, a
    /// fresh token) before its cards are reported failed. Attempts per batch
    /// call are at most `batch_rounds × max_attempts`; a refusal or an
    /// answer that can never succeed ends the batch at once.
    ///
    /// Why a second round by default: under a burst of faults (a quarter of
    /// requests failing), 4 attempts still lose about 1 batch call in 300,
    /// and one lost call loses every card of its batch for the whole poll.
    pub batch_rounds: u32,
}

impl Default for RetryConfig {
    /// 4 attempts, 50 ms base, 5 s cap, the AWS standard budget (500
    /// tokens, 5 a retry, 10 a timeout retry, 1 back per success), and 2
    /// rounds per batch.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            budget_capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
            batch_rounds: 2,
        }
    }
}

impl RetryConfig {
    /// The same with [`max_attempts`](RetryConfig#structfield.max_attempts): attempts per request in all, the first included (1 = never retry).
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// The same with [`base_delay`](RetryConfig#structfield.base_delay): the first backoff's upper bound.
    pub fn base_delay(mut self, base_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self
    }

    /// The same with [`max_delay`](RetryConfig#structfield.max_delay): no backoff waits longer than this.
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// The same with [`max_retry_after`](RetryConfig#structfield.max_retry_after): the longest `Retry-After` the client honours.
    pub fn max_retry_after(mut self, max_retry_after: Duration) -> Self {
        self.max_retry_after = max_retry_after;
        self
    }

    /// The same with [`budget_capacity`](RetryConfig#structfield.budget_capacity): tokens in the retry budget when full.
    pub fn budget_capacity(mut self, budget_capacity: u32) -> Self {
        self.budget_capacity = budget_capacity;
        self
    }

    /// The same with [`retry_cost`](RetryConfig#structfield.retry_cost): tokens one retry of an ordinary failure takes.
    pub fn retry_cost(mut self, retry_cost: u32) -> Self {
        self.retry_cost = retry_cost;
        self
    }

    /// The same with [`timeout_retry_cost`](RetryConfig#structfield.timeout_retry_cost): tokens one retry after a timeout takes.
    pub fn timeout_retry_cost(mut self, timeout_retry_cost: u32) -> Self {
        self.timeout_retry_cost = timeout_retry_cost;
        self
    }

    /// The same with [`batch_rounds`](RetryConfig#structfield.batch_rounds): rounds per batch of cards, the first included.
    pub fn batch_rounds(mut self, batch_rounds: u32) -> Self {
        self.batch_rounds = batch_rounds;
        self
    }

    /// A configuration that never retries.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            batch_rounds: 1,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (0 for the first retry), drawn
    /// with full jitter from `rng`.
    pub fn backoff(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let cap = self
            .base_delay
            .saturating_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.gen_range(0..=nanos))
    }
}

/// Why a request failed, as far as the retry budget is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The request timed out.
    Timeout,
    /// Any other retryable failure.
    Other,
}

/// A token bucket shared by every task of one client.
#[derive(Debug)]
pub struct RetryBudget {
    tokens: AtomicU32,
    capacity: u32,
    retry_cost: u32,
    timeout_retry_cost: u32,
}

impl RetryBudget {
    /// A full bucket sized by `config`.
    pub fn new(config: &RetryConfig) -> Self {
        Self {
            tokens: AtomicU32::new(config.budget_capacity),
            capacity: config.budget_capacity,
            retry_cost: config.retry_cost,
            timeout_retry_cost: config.timeout_retry_cost,
        }
    }

    /// Takes the tokens one retry after `kind` costs; `false` (and nothing
    /// taken) when the bucket cannot pay, meaning: do not retry.
    pub fn try_acquire(&self, kind: FailureKind) -> bool {
        let cost = self.cost(kind);
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// What one retry after `kind` costs.
    pub fn cost(&self, kind: FailureKind) -> u32 {
        match kind {
            FailureKind::Timeout => self.timeout_retry_cost,
            FailureKind::Other => self.retry_cost,
        }
    }

    /// Gives tokens back after a success, up to the capacity: 1 for a
    /// first-attempt success, or what the last retry took when the request
    /// succeeded only after retrying (as the AWS standard mode does, so a
    /// transient fault that was overcome costs nothing in the long run).
    pub fn on_success(&self, last_retry_cost: Option<u32>) {
        let refund = last_retry_cost.unwrap_or(1);
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t < self.capacity).then_some(t.saturating_add(refund).min(self.capacity))
            });
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    #[test]
    fn backoff_is_bounded_and_grows() {
        let cfg = RetryConfig::default();
        let mut rng = SmallRng::seed_from_u64(7);
        for retry in 0..40 {
            let cap = cfg
                .base_delay
                .saturating_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX))
                .min(cfg.max_delay);
            for _ in 0..50 {
                assert!(cfg.backoff(retry, &mut rng) <= cap);
            }
        }
        // Full jitter spreads waits: the largest of many draws at retry 5
        // reaches well past the first retry's cap.
        let late = (0..200).map(|_| cfg.backoff(5, &mut rng)).max().unwrap();
        assert!(late > cfg.base_delay * 2, "{late:?}");
    }

    #[test]
    fn budget_empties_and_refills() {
        let cfg = RetryConfig::default().budget_capacity(20);
        let budget = RetryBudget::new(&cfg);
        assert!(budget.try_acquire(FailureKind::Timeout)); // 10 left
        assert!(budget.try_acquire(FailureKind::Other)); // 5 left
        assert!(budget.try_acquire(FailureKind::Other)); // 0 left
        assert!(!budget.try_acquire(FailureKind::Other));
        assert_eq!(budget.available(), 0);
        budget.on_success(Some(5));
        assert_eq!(
            budget.available(),
            5,
            "a retried success returns its retry's cost"
        );
        budget.on_success(None);
        assert_eq!(budget.available(), 6, "a first-attempt success returns one");
        for _ in 0..100 {
            budget.on_success(Some(10));
        }
        assert_eq!(budget.available(), 20, "refill stops at capacity");
    }
}
