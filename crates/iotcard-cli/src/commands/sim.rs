//! `sim`: the simulator of both platforms, until Ctrl-C.

use std::io::{BufWriter, IsTerminal, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use iotcard_sim::{Faults, RunningSimulator, Simulator, SimulatorBuilder};

use crate::cli::SimArgs;
use crate::config::env;
use crate::error::CliError;
use crate::exit::Exit;
use crate::signals;

/// The simulator the flags describe.
pub fn builder(args: &SimArgs) -> SimulatorBuilder {
    let mut builder = Simulator::builder()
        .cards(args.cards)
        .latency(Duration::from_millis(args.latency_ms), Duration::ZERO)
        .faults(Faults {
            server_error: args.fail_5xx,
            too_many_requests: args.fail_429,
            reset: args.fail_reset,
            truncated: args.fail_truncate,
            malformed: args.fail_malformed,
            ..Faults::default()
        })
        .iotbos_addr(SocketAddr::from((Ipv4Addr::LOCALHOST, args.iotbos_port)))
        .tencent_addr(SocketAddr::from((Ipv4Addr::LOCALHOST, args.tencent_port)));
    if let Some(seed) = args.seed {
        builder = builder.seed(seed);
    }
    if let Some(ttl) = args.token_ttl {
        builder = builder.token_ttl(Duration::from_secs(ttl));
    }
    builder
        .freeze_clock(args.freeze_clock)
        .dialect(args.dialect.unwrap_or_default())
}

/// Runs `sim`.
pub async fn run(args: &SimArgs) -> Result<Exit, CliError> {
    let builder = builder(args);
    if args.list_numbers {
        return list_numbers(&builder);
    }
    let robot = if args.robot {
        Some(super::sim_robot::SimRobot::start().await?)
    } else {
        None
    };
    serve(builder, robot).await
}

/// Prints the fleet's IoTBOS numbers, one per line (in the dialect's
/// numbering: `lettered-iccids` lists some cards by their ICCID).
fn list_numbers(builder: &SimulatorBuilder) -> Result<Exit, CliError> {
    let fleet = builder.fleet().map_err(CliError::Simulator)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = fleet
        .iotbos_numbers(builder.dialect_in_force())
        .try_for_each(|n| writeln!(out, "{n}"))
        .and_then(|()| out.flush());
    written.map_err(|source| CliError::WriteOutput {
        to: "standard output".into(),
        source,
    })?;
    Ok(Exit::Success)
}

async fn serve(
    builder: SimulatorBuilder,
    robot: Option<super::sim_robot::SimRobot>,
) -> Result<Exit, CliError> {
    let sim = builder.start().await.map_err(CliError::Simulator)?;
    let ca = CaFile::write(sim.ca_pem())?;
    let robot_keys = robot.as_ref().map(|r| r.environment()).unwrap_or_default();
    let line = serde_json::Value::Object(
        environment(&sim, ca.path())
            .into_iter()
            .chain(robot_keys)
            .map(|(k, v)| (k.to_owned(), v.into()))
            .collect(),
    );
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|source| CliError::WriteOutput {
            to: "standard output".into(),
            source,
        })?;
    drop(stdout);
    if std::io::stderr().is_terminal() {
        eprintln!(
            "iotcard: simulator of {} cards ready: IoTBOS at {}, Tencent at {}. Ctrl-C stops it.",
            sim.fleet().len(),
            sim.iotbos_url(),
            sim.tencent_url()
        );
    }
    sim.run_until(signals::interrupted()).await;
    drop(robot);
    drop(ca);
    Ok(Exit::Success)
}

/// The environment that points every other command at `sim`.
pub fn environment(sim: &RunningSimulator, ca_file: &Path) -> Vec<(&'static str, String)> {
    let creds = sim.credentials();
    vec![
        (env::IOTBOS_ENDPOINT, sim.iotbos_url()),
        (env::IOTBOS_ACCOUNT, creds.iotbos_account.clone()),
        (
            env::IOTBOS_PASSWORD,
            creds.iotbos_password.expose().to_owned(),
        ),
        (env::TENCENT_ENDPOINT, sim.tencent_url()),
        (env::TENCENT_SDKAPPID, creds.tencent_sdkappid.clone()),
        (
            env::TENCENT_APPKEY,
            creds.tencent_appkey.expose().to_owned(),
        ),
        (env::CA_FILE, ca_file.display().to_string()),
    ]
}

/// The simulator's CA certificate in a temporary file, removed when the
/// simulator stops (clients need a path for `IOTCARD_CA_FILE`).
#[derive(Debug)]
pub struct CaFile(tempfile::NamedTempFile);

impl CaFile {
    /// Writes `pem` to a new temporary file.
    pub fn write(pem: &str) -> Result<Self, CliError> {
        let failed = |source| CliError::WriteOutput {
            to: "a temporary file for the simulator's CA certificate".into(),
            source,
        };
        let mut file = tempfile::Builder::new()
            .prefix("iotcard-sim-ca-")
            .suffix(".pem")
            .tempfile()
            .map_err(failed)?;
        file.write_all(pem.as_bytes())
            .and_then(|()| file.flush())
            .map_err(failed)?;
        Ok(CaFile(file))
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn sim_args(args: &[&str]) -> SimArgs {
        let cli = Cli::try_parse_from(["iotcard", "sim"].iter().chain(args)).unwrap();
        match cli.command {
            Command::Sim(a) => a,
            other => panic!("parsed {other:?}"),
        }
    }

    #[tokio::test]
    async fn environment_points_at_the_running_simulator() {
        let sim = builder(&sim_args(&["--cards", "5", "--seed", "3"]))
            .start()
            .await
            .unwrap();
        let ca = CaFile::write(sim.ca_pem()).unwrap();
        let vars: std::collections::BTreeMap<_, _> =
            environment(&sim, ca.path()).into_iter().collect();
        assert_eq!(vars.len(), 7);
        assert_eq!(vars[env::IOTBOS_ENDPOINT], sim.iotbos_url());
        assert!(vars[env::TENCENT_ENDPOINT].starts_with("https://127.0.0.1:"));
        assert_eq!(
            vars[env::TENCENT_APPKEY],
            sim.credentials().tencent_appkey.expose()
        );
        let pem = std::fs::read_to_string(&vars[env::CA_FILE]).unwrap();
        assert!(pem.contains("BEGIN CERTIFICATE"));
        assert_eq!(sim.fleet().len(), 5);
        let path = ca.path().to_owned();
        drop(ca);
        assert!(!path.exists(), "the CA file goes with the simulator");
        sim.shutdown().await;
    }

    #[test]
    fn flags_reach_the_builder() {
        let b = builder(&sim_args(&["--cards", "7", "--seed", "9"]));
        assert_eq!(b.fleet().unwrap().len(), 7);
        let same = builder(&sim_args(&["--cards", "7", "--seed", "9"]));
        assert_eq!(
            b.credentials(),
            same.credentials(),
            "same seed, same credentials"
        );
        let other = builder(&sim_args(&["--cards", "7", "--seed", "10"]));
        assert_ne!(b.credentials(), other.credentials());
    }

    #[test]
    fn dialect_flag_reaches_the_builder() {
        use iotcard_sim::{Dialect, Variant};
        assert!(builder(&sim_args(&[])).dialect_in_force().is_canonical());
        let d = builder(&sim_args(&["--dialect", "bom,batch-limit=3"])).dialect_in_force();
        assert!(d.has(Variant::Bom) && d.batch_limit() == Some(3));
        let all = builder(&sim_args(&["--dialect", "all"])).dialect_in_force();
        assert_eq!(all, Dialect::all());
        let err = Cli::try_parse_from(["iotcard", "sim", "--dialect", "bom,nonsense"]).unwrap_err();
        assert!(err.to_string().contains("numbers-as-strings"), "{err}");
    }
}
