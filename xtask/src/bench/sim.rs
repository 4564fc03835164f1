//! `iotcard sim` in its own process: started with the flags a run needs,
//! its JSON line read for the endpoints and credentials, and always stopped
//! (SIGTERM, then SIGKILL) when dropped, on success, error or panic.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use super::json::Object;
use crate::run::{self, Failure};

/// How long a simulator may take to print its line (a 1M-card fleet is
/// derived lazily, so this is generous).
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a simulator gets to stop on SIGTERM before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// The seed every run uses, so numbers files and fleets agree.
pub const SEED: u64 = 6;

/// Faults to inject, as `iotcard sim` rates.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    pub server_error: f64,
    pub too_many_requests: f64,
    pub reset: f64,
    pub truncated: f64,
    pub malformed: f64,
}

/// Where every simulator the xtask starts stops its fleet clock: usage does
/// not grow between two runs or two calls, so the soak's faulted export must
/// equal the clean one field for field.
const FROZEN_AT: &str = "2026-11-01T00:00:00+08:00";

/// What simulator to start.
#[derive(Clone, Debug)]
pub struct SimSpec {
    pub cards: u64,
    pub latency_ms: u64,
    pub token_ttl_s: Option<u64>,
    pub faults: Faults,
}

impl SimSpec {
    pub fn clean(cards: u64, latency_ms: u64) -> Self {
        Self {
            cards,
            latency_ms,
            token_ttl_s: None,
            faults: Faults::default(),
        }
    }

    fn args(&self) -> Vec<String> {
        let mut args = vec![
            "sim".to_owned(),
            "--cards".into(),
            self.cards.to_string(),
            "--latency-ms".into(),
            self.latency_ms.to_string(),
            "--seed".into(),
            SEED.to_string(),
            "--freeze-clock".into(),
            FROZEN_AT.into(),
        ];
        if let Some(ttl) = self.token_ttl_s {
            args.extend(["--token-ttl".into(), ttl.to_string()]);
        }
        let f = &self.faults;
        for (flag, rate) in [
            ("--fail-5xx", f.server_error),
            ("--fail-429", f.too_many_requests),
            ("--fail-reset", f.reset),
            ("--fail-truncate", f.truncated),
            ("--fail-malformed", f.malformed),
        ] {
            if rate > 0.0 {
                args.extend([flag.to_owned(), rate.to_string()]);
            }
        }
        args
    }
}

/// A running simulator process.
#[derive(Debug)]
pub struct SimProcess {
    child: Option<Child>,
    /// The `IOTCARD_*` variables its line gave.
    env: Vec<(String, String)>,
}

impl SimProcess {
    /// Starts `iotcard sim` as `spec` says and waits for its line.
    pub fn start(iotcard: &Path, spec: &SimSpec) -> Result<Self, Failure> {
        Self::start_with(iotcard, spec, &[], None)
    }

    /// As [`SimProcess::start`], with `extra` flags after the spec's (e.g.
    /// `--robot`, whose URL and secret then come in its line) and its
    /// standard error to `stderr` (where `--robot` prints every message it
    /// receives) instead of this process's.
    pub fn start_with(
        iotcard: &Path,
        spec: &SimSpec,
        extra: &[&str],
        stderr: Option<&Path>,
    ) -> Result<Self, Failure> {
        let mut command = Command::new(iotcard);
        command
            .args(spec.args())
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        match stderr {
            Some(path) => command.stderr(
                File::create(path)
                    .map_err(|e| Failure::new(format!("cannot create {}: {e}", path.display())))?,
            ),
            None => command.stderr(Stdio::inherit()),
        };
        let line_text = run::describe(&command);
        println!("$ {line_text} &");
        let mut child = command
            .spawn()
            .map_err(|e| Failure::new(format!("could not start `{line_text}`: {e}")))?;
        let stdout = child.stdout.take();
        // From here on, dropping `sim` stops the child whatever happens.
        let mut sim = SimProcess {
            child: Some(child),
            env: Vec::new(),
        };
        let Some(stdout) = stdout else {
            return Err(Failure::new(
                "the simulator's standard output was not piped",
            ));
        };
        let (sender, receiver) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let read = reader.read_line(&mut line).map(|_| line);
            let _ = sender.send(read);
            // Keep draining so the simulator never blocks on a full pipe.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let line = match receiver.recv_timeout(READY_TIMEOUT) {
            Ok(Ok(line)) if !line.trim().is_empty() => line,
            Ok(Ok(_)) => return Err(Failure::new("the simulator exited before it was ready")),
            Ok(Err(e)) => return Err(Failure::new(format!("reading the simulator's line: {e}"))),
            Err(_) => {
                return Err(Failure::new(format!(
                    "the simulator printed nothing within {}s",
                    READY_TIMEOUT.as_secs()
                )))
            }
        };
        let fields = Object::parse(&line, "the simulator's line")?;
        sim.env = fields
            .strings()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        if !sim.env.iter().any(|(k, _)| k == "IOTCARD_IOTBOS_ENDPOINT") {
            return Err(Failure::new(format!(
                "the simulator's line has no IOTCARD_IOTBOS_ENDPOINT: {}",
                line.trim()
            )));
        }
        Ok(sim)
    }

    /// Points `command` at this simulator (endpoints and credentials in
    /// the environment, never on a command line).
    pub fn point(&self, command: &mut Command) {
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
    }

    /// A variable of its line (`IOTCARD_SIM_ROBOT_URL`, …).
    pub fn var(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Stops it now (dropping does the same).
    pub fn stop(mut self) {
        self.stop_child();
    }

    fn stop_child(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        // SIGTERM lets it remove its CA file; std can only send SIGKILL.
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = run::now() + STOP_TIMEOUT;
        while run::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        self.stop_child();
    }
}

/// Writes the fleet's first `cards` numbers (`iotcard sim --list-numbers`
/// with the same seed) to `path`.
pub fn write_numbers(iotcard: &Path, cards: u64, path: &Path) -> Result<(), Failure> {
    let file = File::create(path)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", path.display())))?;
    let mut command = Command::new(iotcard);
    command
        .args(["sim", "--list-numbers", "--cards", &cards.to_string()])
        .args(["--seed", &SEED.to_string()])
        .stdout(file);
    run::status(command)
}

/// A scratch directory, removed with everything in it when dropped.
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Result<Self, Failure> {
        let dir = std::env::temp_dir().join(format!("iotcard-xtask-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| Failure::new(format!("cannot create {}: {e}", dir.display())))?;
        Ok(Self(dir))
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
