//! One request, sent with the client's limits and retried by its policy.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use iotcard_transport::Transport;
use rand::rngs::StdRng;
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::rate::RateLimiter;
use crate::retry::{FailureKind, RetryBudget, RetryConfig};
use crate::stats::CallStats;
use crate::Error;

/// The limits one client shares between all its tasks.
#[derive(Debug)]
pub(crate) struct Sender {
    transport: Arc<dyn Transport>,
    retry: RetryConfig,
    budget: RetryBudget,
    rate: Option<RateLimiter>,
    in_flight: Semaphore,
    rng: Mutex<StdRng>,
    provider: &'static str,
    stats: CallStats,
}

/// What one request is, for logs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallInfo {
    pub call: &'static str,
    pub batch_size: usize,
}

impl Sender {
    pub(crate) fn new(
        provider: &'static str,
        transport: Arc<dyn Transport>,
        retry: RetryConfig,
        rate: Option<RateLimiter>,
        concurrency: usize,
        rng: Mutex<StdRng>,
    ) -> Self {
        Self {
            transport,
            budget: RetryBudget::new(&retry),
            retry,
            rate,
            in_flight: Semaphore::new(concurrency.max(1)),
            rng,
            provider,
            stats: CallStats::default(),
        }
    }

    pub(crate) fn budget(&self) -> &RetryBudget {
        &self.budget
    }

    pub(crate) fn retry(&self) -> &RetryConfig {
        &self.retry
    }

    pub(crate) fn stats(&self) -> &CallStats {
        &self.stats
    }

    /// Sends the request `build` makes (again for each attempt: a Tencent
    /// request must be signed with a fresh time and random) and reads the
    /// answer with `parse`, retrying what is retryable.
    pub(crate) async fn execute<T>(
        &self,
        info: CallInfo,
        mut build: impl FnMut() -> Result<http::Request<Bytes>, Error>,
        parse: impl Fn(&http::Response<Bytes>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        match self.execute_unless(info, || build().map(Some), parse).await {
            Ok(Some(value)) => Ok(value),
            Ok(None) => unreachable!("a build that always builds declined"),
            Err(e) => Err(e),
        }
    }

    /// [`execute`](Self::execute), with `build` called once the request
    /// has its slot (and its turn under the rate limit), right before it is
    /// sent: what it puts in the request is as fresh as can be (an IoTBOS
    /// token, which may run out while a call waits for a slot). `build` may
    /// decline (`Ok(None)`): nothing is sent, the slot is given back, and
    /// the answer is `Ok(None)`.
    pub(crate) async fn execute_unless<T>(
        &self,
        info: CallInfo,
        mut build: impl FnMut() -> Result<Option<http::Request<Bytes>>, Error>,
        parse: impl Fn(&http::Response<Bytes>) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        let span = tracing::debug_span!(
            "iotcard.call",
            provider = self.provider,
            call = info.call,
            batch_size = info.batch_size,
        );
        async {
            let mut attempt: u32 = 0;
            let mut last_retry_cost = None;
            loop {
                attempt += 1;
                let outcome = self.attempt(info, attempt, &mut build, &parse).await;
                let error = match outcome {
                    Ok(None) => return Ok(None),
                    Ok(Some(value)) => {
                        self.budget.on_success(last_retry_cost);
                        return Ok(Some(value));
                    }
                    Err(e) => e,
                };
                // The error says itself whether another attempt may help.
                if !error.is_transient() {
                    return Err(error);
                }
                let kind = if error.is_timeout() {
                    FailureKind::Timeout
                } else {
                    FailureKind::Other
                };
                let call = format!("{} {}", self.provider, info.call);
                if attempt >= self.retry.max_attempts {
                    return Err(if attempt == 1 {
                        error
                    } else {
                        Error::AttemptsExhausted {
                            call,
                            attempts: attempt,
                            last: Box::new(error),
                        }
                    });
                }
                // The wait the answer asked for (`Retry-After`), as the
                // parser read it into the error.
                let server_wait = error.retry_after();
                if let Some(after) = server_wait {
                    if after > self.retry.max_retry_after {
                        return Err(Error::RetryAfterTooLong {
                            call,
                            after,
                            limit: self.retry.max_retry_after,
                            last: Box::new(error),
                        });
                    }
                }
                last_retry_cost = Some(self.budget.cost(kind));
                if !self.budget.try_acquire(kind) {
                    return Err(Error::RetryBudgetExhausted {
                        call,
                        attempts: attempt,
                        last: Box::new(error),
                    });
                }
                let backoff = {
                    let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
                    self.retry.backoff(attempt - 1, &mut *rng)
                };
                let wait = server_wait.map_or(backoff, |after| after.max(backoff));
                tracing::debug!(attempt, ?wait, error = %error, "retrying");
                self.stats.retried();
                tokio::time::sleep(wait).await;
            }
        }
        .instrument(span)
        .await
    }

    /// One attempt; `Ok(None)` when `build` declined.
    async fn attempt<T>(
        &self,
        info: CallInfo,
        attempt: u32,
        build: &mut impl FnMut() -> Result<Option<http::Request<Bytes>>, Error>,
        parse: &impl Fn(&http::Response<Bytes>) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        // The permit bounds requests in flight across every task of the
        // client. The semaphore is never closed, so `acquire` cannot fail;
        // were it ever closed, sending without a permit beats failing.
        let _permit = self.in_flight.acquire().await.ok();
        if let Some(rate) = &self.rate {
            rate.acquire().await;
        }
        // Built only now: a request built before the wait for a slot could
        // carry a token that ran out during it (issue 13: with 1 s tokens
        // most refusals were of tokens that had waited in this queue).
        let Some(request) = build()? else {
            return Ok(None);
        };
        self.stats.sent(info.call);
        let started = tokio::time::Instant::now();
        let result = self.transport.send(request).await;
        let latency: Duration = started.elapsed();
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(call = info.call, attempt, ?latency, error = %e, "send failed");
                return Err(e.into());
            }
        };
        tracing::debug!(
            call = info.call,
            attempt,
            ?latency,
            status = response.status.as_u16(),
            "answer"
        );
        // Every status goes to the parser: a 4xx may carry the platform's
        // refusal envelope, whose verbatim message says more than the status.
        // It reads `Retry-After` into its error; the headers and body are
        // moved, not copied.
        parse(&response.into_http()).map(Some)
    }
}
