//! A simulator that is serving, and the handle to watch, steer and stop it.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use iotcard_model::Instant;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::cst_instant;
use crate::faults::{Faults, Latency};
use crate::shared::Shared;
use crate::{Dialect, Fleet, SimCredentials, SimError, StatsSnapshot};

/// Where one platform is served.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Endpoint {
    addr: SocketAddr,
    tls: bool,
}

impl Endpoint {
    pub(crate) fn new(addr: SocketAddr, tls: bool) -> Self {
        Self { addr, tls }
    }

    /// `http(s)://host:port`, with a host the certificate names: the bound
    /// address, or loopback when bound to every interface.
    fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        // SocketAddr's Display brackets IPv6 hosts, as URLs need.
        format!("{scheme}://{}", SocketAddr::new(ip, self.addr.port()))
    }
}

/// A running simulator. Dropping it asks the listeners to stop;
/// [`shutdown`](Self::shutdown) also waits for them.
#[derive(Debug)]
pub struct RunningSimulator {
    shared: Arc<Shared>,
    iotbos: Endpoint,
    tencent: Endpoint,
    ca_pem: String,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningSimulator {
    pub(crate) fn new(
        shared: Arc<Shared>,
        iotbos: Endpoint,
        tencent: Endpoint,
        ca_pem: String,
        stop: watch::Sender<bool>,
        tasks: Vec<JoinHandle<()>>,
    ) -> Self {
        Self {
            shared,
            iotbos,
            tencent,
            ca_pem,
            stop,
            tasks,
        }
    }

    /// The IoTBOS base URL, e.g. `http://127.0.0.1:40123`.
    pub fn iotbos_url(&self) -> String {
        self.iotbos.url()
    }

    /// The Tencent base URL, e.g. `https://127.0.0.1:40124` (the
    /// certificate names `localhost`, `127.0.0.1` and `::1` too).
    pub fn tencent_url(&self) -> String {
        self.tencent.url()
    }

    /// The address IoTBOS is bound to.
    pub fn iotbos_addr(&self) -> SocketAddr {
        self.iotbos.addr
    }

    /// The address Tencent is bound to.
    pub fn tencent_addr(&self) -> SocketAddr {
        self.tencent.addr
    }

    /// The PEM of the CA that signed the HTTPS certificate, for clients to trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The credentials both platforms accept.
    pub fn credentials(&self) -> &SimCredentials {
        &self.shared.credentials
    }

    /// Every counter, now.
    pub fn stats(&self) -> StatsSnapshot {
        self.shared.stats.snapshot()
    }

    /// The fleet served (the ground truth).
    pub fn fleet(&self) -> &Fleet {
        &self.shared.fleet
    }

    /// The fleet clock's current instant (whole seconds, UTC+8): pass it to
    /// [`crate::SimCard`]'s time-dependent values.
    pub fn now(&self) -> Instant {
        cst_instant(self.shared.clock.unix_seconds())
    }

    /// Freezes the fleet clock at `at`, or lets it run with `None`.
    pub fn set_clock(&self, at: Option<Instant>) {
        self.shared.clock.set(at);
    }

    /// Replaces the faults from the next request on.
    pub fn set_faults(&self, faults: Faults) -> Result<(), SimError> {
        faults.validate()?;
        self.shared.faults.set_faults(faults);
        Ok(())
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.shared.faults.faults()
    }

    /// Replaces the added latency from the next request on.
    pub fn set_latency(&self, latency: Latency) {
        self.shared.faults.set_latency(latency);
    }

    /// The added latency in force.
    pub fn latency(&self) -> Latency {
        self.shared.faults.latency()
    }

    /// Replaces the dialect from the next request on (checked as
    /// [`Dialect::validate`] does; a refused one changes nothing).
    pub fn set_dialect(&self, dialect: Dialect) -> Result<(), SimError> {
        dialect.validate()?;
        self.shared.dialect.set(dialect);
        Ok(())
    }

    /// The dialect in force.
    pub fn dialect(&self) -> Dialect {
        self.shared.dialect.get()
    }

    /// Revokes every IoTBOS token issued so far: the next data call with
    /// any of them is refused (`status: 0`).
    pub fn revoke_tokens(&self) {
        self.shared.tokens.revoke_all();
    }

    /// Stops accepting, lets open connections finish (up to 5 s), and waits
    /// for the listeners to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }

    /// Serves until `signal` resolves (Ctrl-C for the CLI), then shuts down.
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        signal.await;
        self.shutdown().await;
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
