//! Sending digests: [`Deliverer`] prepares each message with its clock,
//! waits for the channel's rate, sends it (HTTP through a
//! [`Transport`], e-mail over SMTP), reads the answer and retries what is
//! transient, recording every attempt for the outbox.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use iotcard_facade::{Clock, Entropy, SystemClock};
use iotcard_notify::{backoff, Delivered, Digest, IdempotencyKey, Notifier, Outgoing, RatePlan};
use iotcard_transport::Transport;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::error::WatchError;
use crate::scrub::{url_secrets, Scrubbed};
use crate::smtp::{self, SmtpOptions};
use crate::time::{Sleeper, TokioSleeper};

/// How often and how patiently a transient failure is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The wait before the first retry (doubled each time, jittered to
    /// between half and all of it).
    pub base: Duration,
    /// The longest wait between attempts.
    pub cap: Duration,
}

impl RetryPolicy {
    /// `max_attempts` in all, waiting `base` doubled each time up to `cap`.
    pub fn new(max_attempts: u32, base: Duration, cap: Duration) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            base,
            cap,
        }
    }

    /// One attempt, no retry (the outbox retries later itself).
    pub fn once() -> Self {
        Self::new(1, Duration::ZERO, Duration::ZERO)
    }
}

impl Default for RetryPolicy {
    /// 6 attempts, 10 s doubled up to 5 min: about 10 minutes in all.
    fn default() -> Self {
        Self::new(6, Duration::from_secs(10), Duration::from_secs(300))
    }
}

/// One attempt to deliver a digest, as the outbox records it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Attempt {
    /// 1 for the first.
    pub number: u32,
    /// When it was sent (the deliverer's clock; the message was signed and
    /// dated at this time).
    pub at: SystemTime,
    /// Whether it reached the service (an answer or an SMTP reply came):
    /// such attempts count against the channel's rate.
    pub reached: bool,
    /// What came of it.
    pub outcome: Result<Delivered, WatchError>,
    /// The wait before the next attempt, when there is one.
    pub retry_in: Option<Duration>,
}

/// Every attempt to deliver one digest to one notifier; the last says how
/// it ended.
#[derive(Debug)]
#[non_exhaustive]
pub struct Delivery {
    /// The notifier's name.
    pub notifier: String,
    /// The outbox key (`Idempotency-Key`, the e-mail's `Message-ID`).
    pub key: IdempotencyKey,
    /// The attempts, in order (at least one).
    pub attempts: Vec<Attempt>,
}

impl Delivery {
    /// What the receiver said, when it was delivered.
    pub fn delivered(&self) -> Option<&Delivered> {
        self.attempts.last()?.outcome.as_ref().ok()
    }

    /// Whether it was delivered.
    pub fn is_delivered(&self) -> bool {
        self.delivered().is_some()
    }

    /// Why the last attempt failed, when it did.
    pub fn error(&self) -> Option<&WatchError> {
        self.attempts.last()?.outcome.as_ref().err()
    }
}

/// Builds a [`Deliverer`].
#[derive(Debug)]
pub struct DelivererBuilder {
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    retry: RetryPolicy,
    entropy: Entropy,
    smtp: SmtpOptions,
    ca_pems: Vec<Vec<u8>>,
    ca_files: Vec<PathBuf>,
}

impl DelivererBuilder {
    /// The wall clock messages are signed and dated with, and rates are
    /// measured on ([`SystemClock`] by default).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// What waits for the rate and between retries ([`TokioSleeper`] by
    /// default). A test gives a [`ManualClock`](crate::ManualClock) as both
    /// clock and sleeper.
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// How transient failures are retried ([`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Where the backoff jitter comes from ([`Entropy::Os`] by default).
    pub fn entropy(mut self, entropy: Entropy) -> Self {
        self.entropy = entropy;
        self
    }

    /// Trusts the CA certificates in `pem` for SMTP over TLS (STARTTLS and
    /// implicit TLS), beside the web PKI roots. Checked by
    /// [`build`](Self::build).
    pub fn smtp_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pems.push(pem.into());
        self
    }

    /// Trusts the CA certificates in the PEM file at `path` for SMTP over
    /// TLS (read and checked by [`build`](Self::build)).
    pub fn smtp_ca_pem_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_files.push(path.into());
        self
    }

    /// The limit on one SMTP conversation, connect to reply (60 s by
    /// default); past it the attempt is a transient failure.
    pub fn smtp_timeout(mut self, limit: Duration) -> Self {
        self.smtp.timeout = limit;
        self
    }

    /// The name given in `EHLO` (`localhost` by default).
    pub fn smtp_hello_name(mut self, name: impl Into<String>) -> Self {
        self.smtp.hello_name = Some(name.into());
        self
    }

    /// The deliverer; fails when a CA file cannot be read
    /// ([`WatchError::CaFile`]) or a CA is not PEM certificates
    /// ([`WatchError::CaPem`]).
    pub fn build(mut self) -> Result<Deliverer, WatchError> {
        for (n, pem) in self.ca_pems.iter().enumerate() {
            let root = smtp::parse_roots(pem, format!("smtp_ca_pem #{}", n + 1))?;
            self.smtp.extra_roots.push(root);
        }
        for path in std::mem::take(&mut self.ca_files) {
            let pem = std::fs::read(&path).map_err(|source| WatchError::CaFile {
                path: path.clone(),
                source,
            })?;
            let root = smtp::parse_roots(&pem, path.display().to_string())?;
            self.smtp.extra_roots.push(root);
        }
        let rng = match self.entropy {
            Entropy::Seed(seed) => StdRng::seed_from_u64(seed),
            // The one place the deliverer asks the OS for entropy.
            #[allow(clippy::disallowed_methods)]
            _ => StdRng::from_entropy(),
        };
        Ok(Deliverer {
            transport: self.transport,
            clock: self.clock,
            sleeper: self.sleeper,
            retry: self.retry,
            smtp: self.smtp,
            rng: Mutex::new(rng),
            channels: Mutex::new(HashMap::new()),
        })
    }
}

/// The send history of one notifier: when each attempt that reached it
/// went out, as long as a rate window remembers it.
type History = Arc<tokio::sync::Mutex<VecDeque<SystemTime>>>;

/// Delivers digests to notifiers: one per process, shared by every task
/// that sends (the per-notifier rate is kept here).
///
/// For each [`deliver`](Self::deliver): wait until the notifier's
/// [`RatePlan`] lets one more message go (sends to one notifier are one at
/// a time), prepare the message at the clock's time (a retry is signed
/// anew), send it, read the answer; on a transient failure wait
/// [`backoff`] (or what `Retry-After` asked, if longer) and try again, up
/// to [`RetryPolicy::max_attempts`]. A refusal is not retried. Nothing is
/// sent again after a success.
pub struct Deliverer {
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    retry: RetryPolicy,
    smtp: SmtpOptions,
    rng: Mutex<StdRng>,
    channels: Mutex<HashMap<String, History>>,
}

impl fmt::Debug for Deliverer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deliverer")
            .field("transport", &self.transport)
            .field("clock", &self.clock)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Deliverer {
    /// A builder sending HTTP through `transport` (an
    /// [`HttpTransport`](iotcard_transport::HttpTransport) built with
    /// `secret_names(iotcard_notify::URL_SECRETS)` keeps robot tokens out of
    /// its own logs too).
    pub fn builder(transport: impl Transport + 'static) -> DelivererBuilder {
        DelivererBuilder {
            transport: Arc::new(transport),
            clock: Arc::new(SystemClock::default()),
            sleeper: Arc::new(TokioSleeper),
            retry: RetryPolicy::default(),
            entropy: Entropy::default(),
            smtp: SmtpOptions::default(),
            ca_pems: Vec::new(),
            ca_files: Vec::new(),
        }
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// When the sends to `notifier` that a rate window still remembers
    /// went out (what the outbox may persist).
    pub async fn sends(&self, notifier: &str) -> Vec<SystemTime> {
        self.history(notifier)
            .lock()
            .await
            .iter()
            .copied()
            .collect()
    }

    /// Tells the deliverer of sends to `notifier` made before (by an
    /// earlier process, read from the outbox), so the rate holds across a
    /// restart.
    pub async fn record_sends(&self, notifier: &str, at: impl IntoIterator<Item = SystemTime>) {
        let history = self.history(notifier);
        let mut history = history.lock().await;
        history.extend(at);
        history.make_contiguous().sort_unstable();
    }

    fn history(&self, notifier: &str) -> History {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(channels.entry(notifier.to_owned()).or_default())
    }

    fn jitter(&self) -> f64 {
        self.rng
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .gen_range(0.0..=1.0)
    }

    /// Delivers `digest` to `notifier`, retrying transient failures; every
    /// attempt is in the [`Delivery`].
    pub async fn deliver(&self, notifier: &Notifier, digest: &Digest) -> Delivery {
        let key = notifier.idempotency_key(digest);
        let plan = notifier.rate_plan();
        let history = self.history(notifier.name());
        let mut attempts = Vec::new();
        for number in 1..=self.retry.max_attempts {
            let (at, reached, outcome) = {
                let mut sent = history.lock().await;
                self.pace(&plan, &mut sent).await;
                let at = self.clock.now();
                let (reached, outcome) = self.attempt(notifier, digest, at).await;
                if reached {
                    sent.push_back(at);
                }
                (at, reached, outcome)
            };
            let retry_in = match &outcome {
                Err(e) if e.is_transient() && number < self.retry.max_attempts => {
                    let wait = backoff(number, self.retry.base, self.retry.cap, self.jitter());
                    Some(wait.max(e.retry_after().unwrap_or_default()))
                }
                _ => None,
            };
            match &outcome {
                Ok(_) => tracing::info!(
                    notifier = notifier.name(),
                    key = key.as_str(),
                    attempt = number,
                    "notification delivered"
                ),
                Err(e) => tracing::warn!(
                    notifier = notifier.name(),
                    key = key.as_str(),
                    attempt = number,
                    transient = e.is_transient(),
                    retry_in_s = retry_in.map(|d| d.as_secs_f64()),
                    error = %crate::error::chain(e),
                    "notification not delivered"
                ),
            }
            attempts.push(Attempt {
                number,
                at,
                reached,
                outcome,
                retry_in,
            });
            match retry_in {
                Some(wait) => self.sleeper.sleep(wait).await,
                None => break,
            }
        }
        Delivery {
            notifier: notifier.name().to_owned(),
            key,
            attempts,
        }
    }

    /// Waits until `plan` lets one more send go, forgetting sends no window
    /// remembers.
    async fn pace(&self, plan: &RatePlan, sent: &mut VecDeque<SystemTime>) {
        let longest = plan
            .limits()
            .iter()
            .map(|l| l.per)
            .max()
            .unwrap_or_default();
        loop {
            let now = self.clock.now();
            while sent
                .front()
                .is_some_and(|t| now.duration_since(*t).is_ok_and(|age| age > longest))
            {
                sent.pop_front();
            }
            let next = plan.next_send(sent.make_contiguous(), now);
            match next.duration_since(now) {
                Ok(wait) if !wait.is_zero() => {
                    tracing::debug!(
                        wait_s = wait.as_secs_f64(),
                        "waiting for the channel's rate"
                    );
                    self.sleeper.sleep(wait).await;
                }
                _ => return,
            }
        }
    }

    /// One attempt at `at`: whether it reached the service, and what came
    /// of it.
    async fn attempt(
        &self,
        notifier: &Notifier,
        digest: &Digest,
        at: SystemTime,
    ) -> (bool, Result<Delivered, WatchError>) {
        let name = notifier.name();
        let outgoing = match notifier.prepare(digest, at) {
            Ok(outgoing) => outgoing,
            Err(source) => {
                return (
                    false,
                    Err(WatchError::Prepare {
                        notifier: name.to_owned(),
                        source,
                    }),
                )
            }
        };
        match outgoing {
            Outgoing::Http(request) => {
                let uri = request.uri().to_string();
                match self.transport.send(request).await {
                    Ok(answer) => (
                        true,
                        notifier.read_answer(&answer.into_http()).map_err(|source| {
                            WatchError::Answer {
                                notifier: name.to_owned(),
                                source,
                            }
                        }),
                    ),
                    Err(e) => (
                        false,
                        Err(WatchError::Transport {
                            notifier: name.to_owned(),
                            url: iotcard_notify::redact(&uri),
                            transient: e.is_transient(),
                            source: Scrubbed::new(&e, &url_secrets(&uri)),
                        }),
                    ),
                }
            }
            Outgoing::Email(email) => smtp::send(name, &email, &self.smtp).await,
            // `Outgoing` may grow: what this shell cannot send is not sent.
            #[allow(unreachable_patterns)]
            _ => (
                false,
                Err(WatchError::Prepare {
                    notifier: name.to_owned(),
                    source: iotcard_notify::NotifyError::NoHttpAnswer {
                        channel: notifier.kind(),
                    },
                }),
            ),
        }
    }
}
