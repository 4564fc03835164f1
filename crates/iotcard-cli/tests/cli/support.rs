//! A simulator in the test process, and the `iotcard` binary pointed at it
//! with a clean environment (no real config, no real credentials).

use std::path::PathBuf;

use assert_cmd::Command;
use iotcard_model::Instant;
use iotcard_sim::{IotbosCall, Outcome, RunningSimulator, SimCard, Simulator, SimulatorBuilder};
use serde_json::Value;

/// Credentials the simulator accepts, distinctive enough to grep for.
pub const PASSWORD: &str = "SENTINELpwQ7x";
pub const APPKEY: &str = "SENTINELkeyZ9w";
pub const ACCOUNT: &str = "acct-1";
pub const SDKAPPID: &str = "1400000001";

/// The fleet clock, frozen so values are exact and repeatable.
pub fn frozen() -> Instant {
    Instant::parse_from_rfc3339("2026-03-16T14:02:08+08:00").unwrap()
}

pub fn builder(cards: u64) -> SimulatorBuilder {
    Simulator::builder()
        .seed(11)
        .cards(cards)
        .freeze_clock(Some(frozen()))
        .iotbos_credentials(ACCOUNT, PASSWORD)
        .tencent_credentials(SDKAPPID, APPKEY)
}

/// A running simulator, its CA on disk, and an empty home directory.
pub struct Sim {
    sim: Option<RunningSimulator>,
    rt: tokio::runtime::Runtime,
    pub ca: PathBuf,
    pub home: tempfile::TempDir,
}

impl Sim {
    pub fn start(cards: u64) -> Self {
        Self::with(builder(cards))
    }

    pub fn with(builder: SimulatorBuilder) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sim = rt.block_on(builder.start()).unwrap();
        let home = tempfile::tempdir().unwrap();
        let ca = home.path().join("sim-ca.pem");
        std::fs::write(&ca, sim.ca_pem()).unwrap();
        Sim {
            sim: Some(sim),
            rt,
            ca,
            home,
        }
    }

    pub fn sim(&self) -> &RunningSimulator {
        self.sim.as_ref().unwrap()
    }

    /// The seven variables `iotcard sim` prints.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let s = self.sim();
        vec![
            ("IOTCARD_IOTBOS_ENDPOINT", s.iotbos_url()),
            ("IOTCARD_IOTBOS_ACCOUNT", ACCOUNT.into()),
            ("IOTCARD_IOTBOS_PASSWORD", PASSWORD.into()),
            ("IOTCARD_TENCENT_ENDPOINT", s.tencent_url()),
            ("IOTCARD_TENCENT_SDKAPPID", SDKAPPID.into()),
            ("IOTCARD_TENCENT_APPKEY", APPKEY.into()),
            ("IOTCARD_CA_FILE", self.ca.display().to_string()),
        ]
    }

    /// `iotcard` with nothing configured but a home without a config file.
    pub fn bare(&self) -> Command {
        let mut cmd = Command::cargo_bin("iotcard").unwrap();
        cmd.env_clear().env("HOME", self.home.path());
        cmd
    }

    /// `iotcard` with both platforms of the simulator configured.
    pub fn cmd(&self) -> Command {
        let mut cmd = self.bare();
        cmd.envs(self.env());
        cmd
    }

    /// `iotcard --provider iotbos ARGS`.
    pub fn iotbos(&self, args: &[&str]) -> Command {
        let mut cmd = self.cmd();
        cmd.args(["--provider", "iotbos"]).args(args);
        cmd
    }

    /// `iotcard --provider tencent ARGS`.
    pub fn tencent(&self, args: &[&str]) -> Command {
        let mut cmd = self.cmd();
        cmd.args(["--provider", "tencent"]).args(args);
        cmd
    }

    pub fn card(&self, index: u64) -> SimCard {
        self.sim().fleet().card(index).unwrap()
    }

    /// Indices of cards whose every IoTBOS call answers `State` 1.
    pub fn fully_known(&self, n: usize) -> Vec<SimCard> {
        self.sim()
            .fleet()
            .cards()
            .filter(|c| {
                IotbosCall::ALL
                    .iter()
                    .all(|call| c.outcome(*call) == Outcome::Found)
            })
            .take(n)
            .collect()
    }

    /// The first card whose `call` answers `outcome`.
    pub fn card_where(&self, call: IotbosCall, outcome: Outcome) -> Option<SimCard> {
        self.sim()
            .fleet()
            .cards()
            .find(|c| c.outcome(call) == outcome)
    }

    pub fn requests(&self) -> u64 {
        self.sim().stats().requests.total()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.rt.block_on(sim.shutdown());
        }
    }
}

/// Each line of `out` as JSON.
pub fn json_lines(out: &[u8]) -> Vec<Value> {
    std::str::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `value` as the CLI prints it (the model's serde names).
pub fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

pub fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}
