use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use iotbos_proto::{Api, Credentials, Endpoint, SessionConfig, DEFAULT_BATCH_SIZE};
use iotcard_model::Secret;

use super::client::{IotbosClient, IotbosInner};
use super::tokens::Tokens;
use crate::sender::Sender;
use crate::settings::{common_builder_methods, CommonSettings};
use crate::Error;

/// How long a refused or unreadable login is reported without asking again:
/// a wrong password stays wrong, and a job of 20,000 batches must not knock
/// 20,000 times.
const REFUSED_LOGIN_HOLD: Duration = Duration::from_secs(30);

/// Configures an [`IotbosClient`].
#[derive(Debug, Default)]
pub struct IotbosClientBuilder {
    endpoint: Option<String>,
    account: Option<String>,
    password: Option<Secret>,
    batch_size: Option<usize>,
    token_margin: Option<Duration>,
    default_token_lifetime: Option<Duration>,
    common: CommonSettings,
}

impl IotbosClientBuilder {
    /// The base URL (default `http://sys.iotbos.com`).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }
    /// The account to log in with.
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }
    /// The password to log in with (a `&str`, a `String` or a [`Secret`]).
    pub fn password(mut self, password: impl Into<Secret>) -> Self {
        self.password = Some(password.into());
        self
    }
    /// Card numbers per call (default [`DEFAULT_BATCH_SIZE`](crate::DEFAULT_BATCH_SIZE);
    /// see there why).
    ///
    /// A ceiling, not a promise: IoTBOS documents no maximum, and a server
    /// that refuses a batch with a fresh token (so not for the token) gets
    /// it again in halves, down to single cards; a single card still
    /// refused fails alone, with the provider's `info`. The largest size
    /// accepted is then used for every later call of this client (and its
    /// clones), logged once at `info`
    /// ([`IotbosClient::discovered_batch_limit`]). Nothing is lost, and no
    /// card is asked twice in one call.
    pub fn batch_size(mut self, cards: usize) -> Self {
        self.batch_size = Some(cards);
        self
    }
    /// How long before the token's end to stop using it (default one
    /// minute, never more than half the token's lifetime).
    pub fn token_margin(mut self, margin: Duration) -> Self {
        self.token_margin = Some(margin);
        self
    }

    /// The token lifetime assumed when a login's own is not believable:
    /// default 2 hours ([`iotbos_proto::DEFAULT_TOKEN_LIFETIME`], what the
    /// IoTBOS document's example gives).
    ///
    /// A token's lifetime is `expiresTime - createtime` of its login answer
    /// (both by the server's clock, applied to the local time the answer
    /// arrived, less [`token_margin`](Self::token_margin)); without a
    /// readable `createtime`, `expiresTime` less the answer's HTTP `Date`;
    /// and this default when neither gives a lifetime in (0, 30 days]
    /// (`expiresTime` missing or unreadable, nothing to count from, ≤ 0 or
    /// absurd). The login still succeeds with its token; the client logs a
    /// warning the first time (once per client).
    pub fn default_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_token_lifetime = Some(lifetime);
        self
    }

    common_builder_methods!();

    /// Checks the settings and builds the client. Nothing is sent yet: the
    /// first call logs in.
    pub fn build(self) -> Result<IotbosClient, Error> {
        self.common.validate()?;
        let endpoint = match &self.endpoint {
            Some(url) => Endpoint::parse(url)?,
            None => Endpoint::default(),
        };
        let account = match self.account {
            None => return Err(Error::config("account", "is not set")),
            Some(a) if a.is_empty() => return Err(Error::config("account", "is empty")),
            Some(a) => a,
        };
        let password = match self.password {
            None => return Err(Error::config("password", "is not set")),
            Some(p) if p.is_empty() => return Err(Error::config("password", "is empty")),
            Some(p) => p,
        };
        let batch_size = match self.batch_size {
            None => DEFAULT_BATCH_SIZE,
            Some(n) => NonZeroUsize::new(n)
                .ok_or_else(|| Error::config("batch_size", "must be at least 1"))?,
        };
        let mut session = SessionConfig::default().failure_hold(REFUSED_LOGIN_HOLD);
        if let Some(margin) = self.token_margin {
            session = session.margin(margin);
        }
        if let Some(lifetime) = self.default_token_lifetime {
            if lifetime.is_zero() {
                return Err(Error::config("default_token_lifetime", "must be positive"));
            }
            session = session.default_lifetime(lifetime);
        }
        let sender = Sender::new(
            "iotbos",
            self.common.transport(iotbos_proto::SECRET_NAMES)?,
            self.common.retry.clone(),
            self.common.rate_limiter(),
            self.common.concurrency,
            self.common.entropy.rng_for(0),
        );
        Ok(IotbosClient {
            inner: Arc::new(IotbosInner {
                api: Api::new(endpoint, Credentials::new(account, password)?),
                batch_size,
                concurrency: self.common.concurrency,
                sender,
                tokens: Tokens::new(session),
                limit: std::sync::Mutex::new(iotbos_proto::BatchLimit::new(batch_size)),
            }),
        })
    }
}
