//! Settings both clients share.

use std::sync::Arc;
use std::time::Duration;

use iotcard_transport::{HttpTransport, Transport};

use crate::rate::RateLimiter;
use crate::retry::RetryConfig;
use crate::Error;

/// Requests in flight per client unless set: enough to hide a provider's
/// latency without looking like an attack to it.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// The transport and limits a client is built with.
#[derive(Debug, Clone)]
pub(crate) struct CommonSettings {
    pub transport: Option<Arc<dyn Transport>>,
    pub concurrency: usize,
    pub retry: RetryConfig,
    pub rate: Option<f64>,
    pub timeout: Duration,
    pub extra_ca_pem: Option<Vec<u8>>,
}

impl Default for CommonSettings {
    fn default() -> Self {
        Self {
            transport: None,
            concurrency: DEFAULT_CONCURRENCY,
            retry: RetryConfig::default(),
            rate: None,
            timeout: Duration::from_secs(30),
            extra_ca_pem: None,
        }
    }
}

impl CommonSettings {
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.concurrency == 0 {
            return Err(Error::Config("concurrency must be at least 1".into()));
        }
        if self.retry.max_attempts == 0 {
            return Err(Error::Config("max_attempts must be at least 1".into()));
        }
        if self.retry.batch_rounds == 0 {
            return Err(Error::Config("batch_rounds must be at least 1".into()));
        }
        if let Some(rate) = self.rate {
            if RateLimiter::new(rate).is_none() {
                return Err(Error::Config(format!(
                    "rate must be a positive number of requests per second, got {rate}"
                )));
            }
        }
        Ok(())
    }

    pub(crate) fn rate_limiter(&self) -> Option<RateLimiter> {
        self.rate.and_then(RateLimiter::new)
    }

    pub(crate) fn transport(&self) -> Result<Arc<dyn Transport>, Error> {
        if let Some(t) = &self.transport {
            return Ok(t.clone());
        }
        let mut builder = HttpTransport::builder()
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
        /// Sends through `transport` instead of a default [`iotcard_transport::HttpTransport`].
        pub fn transport(
            mut self,
            transport: std::sync::Arc<dyn iotcard_transport::Transport>,
        ) -> Self {
            self.common.transport = Some(transport);
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
    };
}
pub(crate) use common_builder_methods;
