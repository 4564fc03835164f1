//! Settings both clients share.

use std::sync::Arc;
use std::time::Duration;

use iotcard_model::SecretNames;
use iotcard_transport::{HttpTransport, Transport};

use crate::clock::{Clock, Entropy, SystemClock};
use crate::rate::{RateBudget, RateLimiter};
use crate::retry::RetryConfig;
use crate::Error;

/// Requests in flight per client unless set: enough to hide a provider's
/// latency without looking like an attack to it.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Settings both clients take, set once and handed to either builder with
/// `.tuning(…)`; each `None` keeps the builder's value.
///
/// ```
/// use std::time::Duration;
/// use iotcard_facade::{IotbosClient, Tuning};
///
/// let tuning = Tuning::default()
///     .concurrency(16)
///     .timeout(Duration::from_secs(10));
/// let client = IotbosClient::builder()
///     .account("alice")
///     .password("hunter2")
///     .tuning(tuning)
///     .build()?;
/// # let _ = client;
/// # Ok::<(), iotcard_facade::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Tuning {
    /// Requests in flight at once.
    pub concurrency: Option<usize>,
    /// A ceiling of requests per second.
    pub rate_limit: Option<f64>,
    /// A ceiling of requests in any minute.
    pub rate_limit_per_minute: Option<u32>,
    /// The whole-exchange timeout of the default transport.
    pub timeout: Option<Duration>,
    /// Extra trusted CA certificates (PEM) for the default transport.
    pub extra_ca_pem: Option<Vec<u8>>,
    /// How failed requests are retried.
    pub retry: Option<RetryConfig>,
}

impl Tuning {
    /// Requests in flight at once.
    pub fn concurrency(mut self, requests: usize) -> Self {
        self.concurrency = Some(requests);
        self
    }
    /// A ceiling of requests per second.
    pub fn rate_limit(mut self, per_second: impl Into<Option<f64>>) -> Self {
        self.rate_limit = per_second.into();
        self
    }
    /// A ceiling of requests in any minute (beside the per-second one:
    /// platforms state both).
    pub fn rate_limit_per_minute(mut self, max: impl Into<Option<u32>>) -> Self {
        self.rate_limit_per_minute = max.into();
        self
    }
    /// Both ceilings of `budget`.
    pub fn rate_budget(mut self, budget: RateBudget) -> Self {
        self.rate_limit = budget.per_second;
        self.rate_limit_per_minute = budget.per_minute;
        self
    }
    /// The whole-exchange timeout of the default transport.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
    /// Extra trusted CA certificates (PEM) for the default transport.
    pub fn extra_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_ca_pem = Some(pem.into());
        self
    }
    /// How failed requests are retried.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }
}

/// The transport and limits a client is built with.
#[derive(Debug, Clone)]
pub(crate) struct CommonSettings {
    pub transport: Option<Arc<dyn Transport>>,
    pub concurrency: usize,
    pub retry: RetryConfig,
    pub rate: Option<f64>,
    pub rate_per_minute: Option<u32>,
    pub timeout: Duration,
    pub extra_ca_pem: Option<Vec<u8>>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Entropy,
}

impl Default for CommonSettings {
    fn default() -> Self {
        Self {
            transport: None,
            concurrency: DEFAULT_CONCURRENCY,
            retry: RetryConfig::default(),
            rate: None,
            rate_per_minute: None,
            timeout: Duration::from_secs(30),
            extra_ca_pem: None,
            clock: Arc::new(SystemClock),
            entropy: Entropy::Os,
        }
    }
}

impl CommonSettings {
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.concurrency == 0 {
            return Err(Error::config("concurrency", "must be at least 1"));
        }
        if self.retry.max_attempts == 0 {
            return Err(Error::config("retry.max_attempts", "must be at least 1"));
        }
        if self.retry.batch_rounds == 0 {
            return Err(Error::config("retry.batch_rounds", "must be at least 1"));
        }
        self.budget()
            .check()
            .map_err(|(setting, problem)| Error::config(setting, problem))
    }

    pub(crate) fn apply(&mut self, tuning: Tuning) {
        if let Some(n) = tuning.concurrency {
            self.concurrency = n;
        }
        if tuning.rate_limit.is_some() {
            self.rate = tuning.rate_limit;
        }
        if tuning.rate_limit_per_minute.is_some() {
            self.rate_per_minute = tuning.rate_limit_per_minute;
        }
        if let Some(t) = tuning.timeout {
            self.timeout = t;
        }
        if tuning.extra_ca_pem.is_some() {
            self.extra_ca_pem = tuning.extra_ca_pem;
        }
        if let Some(retry) = tuning.retry {
            self.retry = retry;
        }
    }

    fn budget(&self) -> RateBudget {
        RateBudget {
            per_second: self.rate,
            per_minute: self.rate_per_minute,
        }
    }

    pub(crate) fn rate_limiter(&self) -> Option<RateLimiter> {
        RateLimiter::budget(self.budget())
    }

    /// The transport to send through: the one given, or an
    /// [`HttpTransport`] that redacts the platform's `secrets` in whatever it
    /// shows.
    pub(crate) fn transport(&self, secrets: SecretNames) -> Result<Arc<dyn Transport>, Error> {
        if let Some(t) = &self.transport {
            return Ok(t.clone());
        }
        let mut builder = HttpTransport::builder()
            .secret_names(secrets)
            .request_timeout(self.timeout)
            .pool_max_idle_per_host(self.concurrency.max(1));
        if let Some(pem) = &self.extra_ca_pem {
            builder = builder.extra_ca_pem(pem.clone());
        }
        Ok(Arc::new(builder.build()?))
    }
}

macro_rules! common_builder_methods {
    () => {
        /// Sends through `transport` instead of a default [`HttpTransport`](crate::HttpTransport).
        pub fn transport(mut self, transport: impl crate::Transport + 'static) -> Self {
            self.common.transport = Some(std::sync::Arc::new(transport));
            self
        }
        /// Requests in flight at once, across every task using this client
        /// (default [`DEFAULT_CONCURRENCY`](crate::DEFAULT_CONCURRENCY)).
        pub fn concurrency(mut self, requests: usize) -> Self {
            self.common.concurrency = requests;
            self
        }
        /// How failed requests are retried.
        pub fn retry(mut self, retry: crate::RetryConfig) -> Self {
            self.common.retry = retry;
            self
        }
        /// A ceiling of requests per second for this client, shared by all its tasks.
        pub fn rate_limit(mut self, per_second: impl Into<Option<f64>>) -> Self {
            self.common.rate = per_second.into();
            self
        }
        /// A ceiling of requests in any minute for this client, shared by
        /// all its tasks (beside the per-second one).
        pub fn rate_limit_per_minute(mut self, max: impl Into<Option<u32>>) -> Self {
            self.common.rate_per_minute = max.into();
            self
        }
        /// The whole-exchange timeout of the default transport (default 30 s).
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.common.timeout = timeout;
            self
        }
        /// Extra trusted CA certificates (PEM) for the default transport.
        pub fn extra_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
            self.common.extra_ca_pem = Some(pem.into());
            self
        }
        /// Every setting of `tuning` that is set.
        pub fn tuning(mut self, tuning: crate::Tuning) -> Self {
            self.common.apply(tuning);
            self
        }
        /// Where wall-clock time comes from (default the system clock).
        pub fn clock(mut self, clock: impl crate::Clock + 'static) -> Self {
            self.common.clock = std::sync::Arc::new(clock);
            self
        }
        /// Where randomness comes from (default [`Entropy::Os`](crate::Entropy::Os)).
        pub fn entropy(mut self, entropy: crate::Entropy) -> Self {
            self.common.entropy = entropy;
            self
        }
    };
}
pub(crate) use common_builder_methods;
