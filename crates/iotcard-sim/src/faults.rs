//! Faults a real server or network shows, injected on purpose.
//!
//! Every decision comes from one RNG seeded at start-up, so a run whose
//! requests arrive in the same order (one client, one connection) sees the
//! same faults again. Faults only change what is sent; the fleet's truth is
//! never touched, so a client that retries gets the right values.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use http::StatusCode;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::SimError;

/// Which faults to inject, each as a rate between 0 and 1 per request.
///
/// The rates of the answer-replacing faults (`server_error`,
/// `too_many_requests`, `reset`, `truncated`, `malformed`, `trickle`) are
/// exclusive bands of one draw, so their sum must not exceed 1;
/// `token_revocation` is drawn on its own. `GET /__sim/stats` is never
/// faulted.
///
/// ```
/// use iotcard_sim::Faults;
/// use std::time::Duration;
/// let faults = Faults {
///     server_error: 0.10,
///     reset: 0.05,
///     truncated: 0.05,
///     malformed: 0.02,
///     too_many_requests: 0.02,
///     retry_after: Duration::from_secs(0),
///     ..Faults::default()
/// };
/// assert!(faults.validate().is_ok());
/// assert!(Faults { reset: 1.5, ..Faults::default() }.validate().is_err());
/// ```
#[derive(Clone, PartialEq, Debug)]
pub struct Faults {
    /// Rate of HTTP 500, 502 or 503 answers (an HTML error page, as a gateway sends).
    pub server_error: f64,
    /// Rate of HTTP 429 answers.
    pub too_many_requests: f64,
    /// The `Retry-After` a 429 carries, in whole seconds (rounded up).
    pub retry_after: Duration,
    /// Rate of connections reset (TCP RST) before the answer is sent (on
    /// HTTP/2 that ends every stream of the connection).
    pub reset: f64,
    /// Rate of answers whose body stops short of its `Content-Length`
    /// (half of it is sent), then the connection closes (HTTP/2: the
    /// stream is reset).
    pub truncated: f64,
    /// Rate of answers with a complete body (matching `Content-Length`)
    /// that is not valid JSON: the first half of the true answer.
    pub malformed: f64,
    /// Rate of answers whose body arrives slowly in small pieces.
    pub trickle: f64,
    /// How long a trickled body takes in all.
    pub trickle_duration: Duration,
    /// Rate at which the token of an IoTBOS data call is revoked just
    /// before it is checked (the call is then refused as with any revoked
    /// token).
    pub token_revocation: f64,
}

impl Default for Faults {
    /// No faults; 1 s `Retry-After`; 2 s trickle.
    fn default() -> Self {
        Self {
            server_error: 0.0,
            too_many_requests: 0.0,
            retry_after: Duration::from_secs(1),
            reset: 0.0,
            truncated: 0.0,
            malformed: 0.0,
            trickle: 0.0,
            trickle_duration: Duration::from_secs(2),
            token_revocation: 0.0,
        }
    }
}

impl Faults {
    /// Checks every rate is in 0..=1 and the exclusive ones sum to at most 1.
    pub fn validate(&self) -> Result<(), SimError> {
        let rates = [
            ("faults.server_error", self.server_error),
            ("faults.too_many_requests", self.too_many_requests),
            ("faults.reset", self.reset),
            ("faults.truncated", self.truncated),
            ("faults.malformed", self.malformed),
            ("faults.trickle", self.trickle),
            ("faults.token_revocation", self.token_revocation),
        ];
        for (setting, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(SimError::InvalidSetting {
                    setting,
                    reason: format!("a rate must be between 0 and 1, not {rate}"),
                });
            }
        }
        let exclusive: f64 = rates[..6].iter().map(|(_, r)| r).sum();
        if exclusive > 1.0 + 1e-9 {
            return Err(SimError::InvalidSetting {
                setting: "faults",
                reason: format!(
                    "server_error + too_many_requests + reset + truncated + malformed + trickle \
                     is {exclusive}, more than 1"
                ),
            });
        }
        Ok(())
    }

    fn is_quiet(&self) -> bool {
        [
            self.server_error,
            self.too_many_requests,
            self.reset,
            self.truncated,
            self.malformed,
            self.trickle,
            self.token_revocation,
        ]
        .iter()
        .all(|&r| r == 0.0)
    }
}

/// Added latency: `fixed` plus a uniform draw in `0..=jitter`, before every
/// answer (except `GET /__sim/stats`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Latency {
    /// Always added.
    pub fixed: Duration,
    /// Up to this much more, drawn per request.
    pub jitter: Duration,
}

/// What replaces the normal answer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Fault {
    ServerError(StatusCode),
    TooManyRequests { retry_after_secs: u64 },
    Reset,
    Truncated,
    Malformed,
    Trickle(Duration),
}

/// The faults decided for one request.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Decision {
    pub(crate) delay: Duration,
    pub(crate) fault: Option<Fault>,
    pub(crate) revoke_token: bool,
}

#[derive(Debug)]
struct State {
    faults: Faults,
    latency: Latency,
    rng: SmallRng,
}

/// Draws the faults of each request.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    // Lets the fault-free case skip the lock entirely.
    active: AtomicBool,
    state: Mutex<State>,
}

impl FaultInjector {
    pub(crate) fn new(seed: u64, faults: Faults, latency: Latency) -> Self {
        let injector = Self {
            active: AtomicBool::new(false),
            state: Mutex::new(State {
                faults: Faults::default(),
                latency: Latency::default(),
                rng: SmallRng::seed_from_u64(seed),
            }),
        };
        injector.configure(|s| {
            s.faults = faults;
            s.latency = latency;
        });
        injector
    }

    pub(crate) fn set_faults(&self, faults: Faults) {
        self.configure(|s| s.faults = faults);
    }

    pub(crate) fn set_latency(&self, latency: Latency) {
        self.configure(|s| s.latency = latency);
    }

    pub(crate) fn faults(&self) -> Faults {
        self.lock().faults.clone()
    }

    pub(crate) fn latency(&self) -> Latency {
        self.lock().latency
    }

    fn configure(&self, change: impl FnOnce(&mut State)) {
        let mut state = self.lock();
        change(&mut state);
        let active = !state.faults.is_quiet() || state.latency != Latency::default();
        self.active.store(active, Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the state half-written (every
        // change is a plain assignment), so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The faults for the next request. Draws a fixed number of values per
    /// request, so the sequence replays for the same request order.
    pub(crate) fn decide(&self) -> Decision {
        if !self.active.load(Ordering::Relaxed) {
            return Decision::default();
        }
        let mut guard = self.lock();
        let State {
            faults,
            latency,
            rng,
        } = &mut *guard;
        let band: f64 = rng.gen();
        let revoke: f64 = rng.gen();
        let jitter_draw: f64 = rng.gen();
        let delay = latency.fixed + latency.jitter.mul_f64(jitter_draw);

        let mut edge = 0.0;
        let mut hit = |rate: f64| {
            let lower = edge;
            edge += rate;
            (band < edge).then(|| (band - lower) / rate)
        };
        let fault = if let Some(within) = hit(faults.server_error) {
            let codes = [
                StatusCode::INTERNAL_SERVER_ERROR,
                StatusCode::BAD_GATEWAY,
                StatusCode::SERVICE_UNAVAILABLE,
            ];
            Some(Fault::ServerError(codes[((within * 3.0) as usize).min(2)]))
        } else if hit(faults.too_many_requests).is_some() {
            Some(Fault::TooManyRequests {
                retry_after_secs: faults.retry_after.as_secs()
                    + u64::from(faults.retry_after.subsec_nanos() > 0),
            })
        } else if hit(faults.reset).is_some() {
            Some(Fault::Reset)
        } else if hit(faults.truncated).is_some() {
            Some(Fault::Truncated)
        } else if hit(faults.malformed).is_some() {
            Some(Fault::Malformed)
        } else if hit(faults.trickle).is_some() {
            Some(Fault::Trickle(faults.trickle_duration))
        } else {
            None
        };
        Decision {
            delay,
            fault,
            revoke_token: revoke < faults.token_revocation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seed: u64, faults: Faults, n: usize) -> Vec<Decision> {
        let injector = FaultInjector::new(seed, faults, Latency::default());
        (0..n).map(|_| injector.decide()).collect()
    }

    #[test]
    fn quiet_means_no_fault() {
        assert!(run(1, Faults::default(), 100)
            .iter()
            .all(|d| *d == Decision::default()));
    }

    #[test]
    fn same_seed_replays_and_rates_hold() {
        let faults = Faults {
            server_error: 0.2,
            reset: 0.1,
            token_revocation: 0.5,
            ..Faults::default()
        };
        let a = run(9, faults.clone(), 10_000);
        assert_eq!(a, run(9, faults.clone(), 10_000));
        assert_ne!(a, run(10, faults, 10_000));
        let count = |f: &dyn Fn(&Decision) -> bool| a.iter().filter(|d| f(d)).count();
        let errors = count(&|d| matches!(d.fault, Some(Fault::ServerError(_))));
        let resets = count(&|d| d.fault == Some(Fault::Reset));
        let revoked = count(&|d| d.revoke_token);
        assert!((1700..2300).contains(&errors), "{errors}");
        assert!((800..1200).contains(&resets), "{resets}");
        assert!((4500..5500).contains(&revoked), "{revoked}");
        for code in [500, 502, 503] {
            assert!(a
                .iter()
                .any(|d| d.fault == Some(Fault::ServerError(StatusCode::from_u16(code).unwrap()))));
        }
    }

    #[test]
    fn everything_at_once_is_refused_above_one() {
        let f = Faults {
            server_error: 0.5,
            malformed: 0.6,
            ..Faults::default()
        };
        assert!(f.validate().is_err());
        assert!(Faults {
            token_revocation: 1.0,
            trickle: 1.0,
            ..Faults::default()
        }
        .validate()
        .is_ok());
        assert!(Faults {
            reset: f64::NAN,
            ..Faults::default()
        }
        .validate()
        .is_err());
    }

    #[test]
    fn latency_stays_in_bounds() {
        let injector = FaultInjector::new(
            3,
            Faults::default(),
            Latency {
                fixed: Duration::from_millis(20),
                jitter: Duration::from_millis(10),
            },
        );
        for _ in 0..1000 {
            let d = injector.decide().delay;
            assert!(
                d >= Duration::from_millis(20) && d <= Duration::from_millis(30),
                "{d:?}"
            );
        }
    }
}
