//! Setting up a simulator.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use iotcard_model::{Instant, Secret};
use tokio::sync::watch;

use crate::clock::FleetClock;
use crate::delay::PreciseDelays;
use crate::dialect::{Dialect, DialectCell};
use crate::faults::{FaultInjector, Faults, Latency};
use crate::running::{Endpoint, RunningSimulator};
use crate::server::{self, Platform};
use crate::shared::Shared;
use crate::stats::Stats;
use crate::tokens::Tokens;
use crate::{Fleet, SimCredentials, SimError};

/// The simulator of both platforms. Start one with [`Simulator::builder`].
#[derive(Debug)]
pub struct Simulator {
    _private: (),
}

impl Simulator {
    /// A builder with the defaults: seed 0, 1,000 cards, tokens of 2 h (the
    /// spec's example), no latency, no faults, IoTBOS over plain HTTP and
    /// Tencent over HTTPS, each on `127.0.0.1` with a port from the
    /// system, the real clock, at most 1,000 numbers per IoTBOS call, and
    /// credentials made from the seed.
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }
}

/// Settings for a [`Simulator`]; [`SimulatorBuilder::start`] runs it.
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `start` is awaited"]
pub struct SimulatorBuilder {
    seed: u64,
    cards: u64,
    token_ttl: Duration,
    latency: Latency,
    faults: Faults,
    fault_seed: Option<u64>,
    iotbos_tls: bool,
    tencent_tls: bool,
    frozen_at: Option<Instant>,
    iotbos_addr: SocketAddr,
    tencent_addr: SocketAddr,
    iotbos_credentials: Option<(String, Secret)>,
    tencent_credentials: Option<(String, Secret)>,
    iotbos_max_batch: usize,
    dialect: Dialect,
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        Self {
            seed: 0,
            cards: 1000,
            token_ttl: Duration::from_secs(2 * 3600),
            latency: Latency::default(),
            faults: Faults::default(),
            fault_seed: None,
            iotbos_tls: false,
            tencent_tls: true,
            frozen_at: None,
            iotbos_addr: loopback,
            tencent_addr: loopback,
            iotbos_credentials: None,
            tencent_credentials: None,
            iotbos_max_batch: 1000,
            dialect: Dialect::CANONICAL,
        }
    }
}

impl SimulatorBuilder {
    /// The seed of the fleet, the tokens, the default credentials and (unless
    /// [`fault_seed`](Self::fault_seed) is set) the faults.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How many cards (at most [`Fleet::MAX_CARDS`]).
    pub fn cards(mut self, cards: u64) -> Self {
        self.cards = cards;
        self
    }

    /// How long an IoTBOS token lives. Sub-second lifetimes are enforced
    /// exactly; the login answer's `expiresTime − createtime` shows it
    /// rounded down to whole seconds, as the wire has no finer unit.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Added latency before every answer: `fixed` plus up to `jitter`.
    pub fn latency(mut self, fixed: Duration, jitter: Duration) -> Self {
        self.latency = Latency { fixed, jitter };
        self
    }

    /// Which faults to inject (see [`Faults`]).
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// A seed for the fault draws other than the fleet's.
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.fault_seed = Some(seed);
        self
    }

    /// Serve IoTBOS over HTTPS instead of plain HTTP.
    pub fn iotbos_tls(mut self, tls: bool) -> Self {
        self.iotbos_tls = tls;
        self
    }

    /// Serve Tencent over HTTPS (the default) or plain HTTP.
    pub fn tencent_tls(mut self, tls: bool) -> Self {
        self.tencent_tls = tls;
        self
    }

    /// Freeze the fleet clock at an instant (answers become byte-identical
    /// for a seed), or leave it real with `None`.
    pub fn freeze_clock(mut self, at: Option<Instant>) -> Self {
        self.frozen_at = at;
        self
    }

    /// Where IoTBOS listens (port 0: any free port).
    pub fn iotbos_addr(mut self, addr: SocketAddr) -> Self {
        self.iotbos_addr = addr;
        self
    }

    /// Where Tencent listens (port 0: any free port).
    pub fn tencent_addr(mut self, addr: SocketAddr) -> Self {
        self.tencent_addr = addr;
        self
    }

    /// The IoTBOS account and password to accept.
    pub fn iotbos_credentials(
        mut self,
        account: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        self.iotbos_credentials = Some((account.into(), password.into()));
        self
    }

    /// The Tencent sdkappid (digits) and appkey to accept.
    pub fn tencent_credentials(
        mut self,
        sdkappid: impl Into<String>,
        appkey: impl Into<Secret>,
    ) -> Self {
        self.tencent_credentials = Some((sdkappid.into(), appkey.into()));
        self
    }

    /// Most numbers one IoTBOS call may carry; more is refused with
    /// `status: 0`. The platform documents no limit; real ones have one.
    pub fn iotbos_max_batch(mut self, max: usize) -> Self {
        self.iotbos_max_batch = max;
        self
    }

    /// Which real-world variants the answers take (see [`Dialect`] and the
    /// crate docs, "Dialects"); canonical by default. The fleet's values
    /// are the same in every dialect.
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// The dialect these settings serve.
    pub fn dialect_in_force(&self) -> Dialect {
        self.dialect
    }

    /// The fleet these settings serve, without starting anything (for
    /// listing numbers).
    pub fn fleet(&self) -> Result<Fleet, SimError> {
        Fleet::new(self.seed, self.cards)
    }

    /// The credentials these settings accept.
    pub fn credentials(&self) -> SimCredentials {
        let mut creds = SimCredentials::from_seed(self.seed);
        if let Some((account, password)) = &self.iotbos_credentials {
            creds.iotbos_account = account.clone();
            creds.iotbos_password = password.clone();
        }
        if let Some((sdkappid, appkey)) = &self.tencent_credentials {
            creds.tencent_sdkappid = sdkappid.clone();
            creds.tencent_appkey = appkey.clone();
        }
        creds
    }

    fn validate(&self, creds: &SimCredentials) -> Result<(), SimError> {
        let invalid = |setting, reason: &str| {
            Err(SimError::InvalidSetting {
                setting,
                reason: reason.to_owned(),
            })
        };
        self.faults.validate()?;
        self.dialect.validate()?;
        if self.token_ttl.is_zero() {
            return invalid("token_ttl", "a token must live longer than zero");
        }
        if self.iotbos_max_batch == 0 {
            return invalid("iotbos_max_batch", "at least one number per call");
        }
        if creds.iotbos_account.is_empty() || creds.iotbos_password.is_empty() {
            return invalid(
                "iotbos_credentials",
                "account and password must not be empty",
            );
        }
        if creds.tencent_sdkappid.is_empty()
            || !creds.tencent_sdkappid.bytes().all(|b| b.is_ascii_digit())
        {
            return invalid("tencent_credentials", "sdkappid must be decimal digits");
        }
        if creds.tencent_appkey.is_empty() {
            return invalid("tencent_credentials", "appkey must not be empty");
        }
        Ok(())
    }

    /// Binds both listeners, makes the TLS certificates and starts serving
    /// on the current tokio runtime.
    pub async fn start(self) -> Result<RunningSimulator, SimError> {
        let credentials = self.credentials();
        self.validate(&credentials)?;
        let fleet = self.fleet()?;

        let iotbos = server::bind(Platform::Iotbos, self.iotbos_addr).await?;
        let tencent = server::bind(Platform::Tencent, self.tencent_addr).await?;
        let local = |l: &tokio::net::TcpListener, platform: Platform, asked| {
            l.local_addr().map_err(|source| SimError::Bind {
                platform: platform.name(),
                addr: asked,
                source,
            })
        };
        let iotbos_addr = local(&iotbos, Platform::Iotbos, self.iotbos_addr)?;
        let tencent_addr = local(&tencent, Platform::Tencent, self.tencent_addr)?;
        let tls = server::tls::make(&[iotbos_addr.ip(), tencent_addr.ip()])?;

        let shared = Arc::new(Shared {
            fleet,
            clock: FleetClock::new(self.frozen_at),
            stats: Stats::default(),
            faults: FaultInjector::new(
                self.fault_seed.unwrap_or(self.seed),
                self.faults,
                self.latency,
            ),
            tokens: Tokens::new(self.seed, self.token_ttl),
            credentials,
            iotbos_max_batch: self.iotbos_max_batch,
            delays: PreciseDelays::default(),
            dialect: DialectCell::new(self.dialect),
        });
        let (stop, shutdown) = watch::channel(false);
        let acceptor = |on: bool| on.then(|| tls.acceptor.clone());
        let tasks = vec![
            server::serve(
                iotbos,
                Platform::Iotbos,
                acceptor(self.iotbos_tls),
                Arc::clone(&shared),
                shutdown.clone(),
            ),
            server::serve(
                tencent,
                Platform::Tencent,
                acceptor(self.tencent_tls),
                Arc::clone(&shared),
                shutdown,
            ),
        ];
        tracing::info!(
            iotbos = %iotbos_addr, tencent = %tencent_addr, cards = shared.fleet.len(),
            "simulator listening"
        );
        Ok(RunningSimulator::new(
            shared,
            Endpoint::new(iotbos_addr, self.iotbos_tls),
            Endpoint::new(tencent_addr, self.tencent_tls),
            tls.ca_pem,
            stop,
            tasks,
        ))
    }
}
