//! Every example in `examples/` runs against the simulator, started here
//! in-process: it exits 0, names every card it was asked about with the
//! simulator's values (or a problem for a card the platform does not
//! answer for), and prints no password and no token.

use std::path::PathBuf;
use std::process::{Command, Output};

use iotcard_model::Outcome;
use std::time::Duration;

use iotcard_sim::{Faults, IotbosCall, RunningSimulator, Simulator};

/// The example's binary, built beside this test (cargo builds a package's
/// examples with its tests); built on demand when run from elsewhere.
fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps/<test>");
    let built = profile_dir.join("examples").join(name);
    if built.is_file() {
        return built;
    }
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "iotbos-proto", "--example", name])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the example {name} failed");
    built
}

async fn simulator() -> RunningSimulator {
    Simulator::builder()
        .cards(30)
        // The values asked for do not move while the examples run.
        .freeze_clock(Some(
            iotcard_model::Instant::parse_from_rfc3339("2026-06-15T12:00:00+08:00").unwrap(),
        ))
        .start()
        .await
        .expect("simulator starts")
}

async fn run(name: &str, sim: &RunningSimulator, cards: &str) -> (Output, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, sim.ca_pem()).unwrap();
    let creds = sim.credentials().clone();
    let mut command = Command::new(example_binary(name));
    command
        .env("IOTCARD_IOTBOS_ENDPOINT", sim.iotbos_url())
        .env("IOTCARD_IOTBOS_ACCOUNT", &creds.iotbos_account)
        .env("IOTCARD_IOTBOS_PASSWORD", creds.iotbos_password.expose())
        .env("IOTCARD_CA_FILE", &ca)
        .env("IOTCARD_CARDS", cards);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("the example starts");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

async fn check(name: &str) {
    let sim = simulator().await;
    let fleet = sim.fleet();
    let asked: Vec<_> = (0..12).filter_map(|i| fleet.card(i)).collect();
    // One number the platform does not hold: it is named with its problem.
    let stranger = "1069999999999";
    let list: Vec<String> = asked
        .iter()
        .map(|c| c.number().to_string())
        .chain([stranger.to_owned()])
        .collect();
    let (output, stdout, stderr) = run(name, &sim, &list.join(",")).await;
    assert!(
        output.status.success(),
        "{name}: exit {:?}\n{stdout}\n{stderr}",
        output.status
    );
    let line = |card: &str, call: &str| -> &str {
        let prefix = format!("{card} {call}: ");
        stdout
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("{name}: no {prefix:?} line in\n{stdout}"))
    };
    let now = sim.now();
    let mut found = 0;
    for card in &asked {
        let number = card.number().to_string();
        let usage = line(&number, "usage");
        if card.outcome(IotbosCall::Usage) == Outcome::Found {
            let u = card.usage(&now);
            let expected = format!(
                "sms_used={} data_used={}",
                u.sms_used.unwrap(),
                u.data_used.unwrap()
            );
            assert!(usage.ends_with(&expected), "{name}: {usage} vs {expected}");
            found += 1;
        } else {
            assert!(usage.contains("no value"), "{name}: {usage}");
        }
        let plan = line(&number, "plan");
        if card.outcome(IotbosCall::Plan) == Outcome::Found {
            let p = card.plan();
            let expected = format!(
                "name={} monthly_fee={} included_sms={} included_data={}",
                p.name.unwrap(),
                p.monthly_fee.unwrap(),
                p.included_sms.unwrap(),
                p.included_data.unwrap()
            );
            assert!(plan.ends_with(&expected), "{name}: {plan} vs {expected}");
        } else {
            assert!(plan.contains("no value"), "{name}: {plan}");
        }
    }
    assert!(found > 0, "{name}: no card had a usage value\n{stdout}");
    assert!(line(stranger, "usage").contains("no value"));
    assert!(line(stranger, "plan").contains("no value"));
    // No credential leaves the program, on either stream.
    let password = sim.credentials().iotbos_password.expose().to_owned();
    for text in [&stdout, &stderr] {
        assert!(!text.contains(&password), "{name} printed the password");
        assert!(!text.contains("accessToken="), "{name}: {text}");
    }
    assert!(sim.stats().logins >= 1, "{name} logged in");
    sim.shutdown().await;
}

/// A wrong password: the refusal is reported, without the password.
async fn check_refused_login(name: &str) {
    let sim = simulator().await;
    let card = sim.fleet().card(0).unwrap().number().to_string();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, sim.ca_pem()).unwrap();
    let mut command = Command::new(example_binary(name));
    command
        .env("IOTCARD_IOTBOS_ENDPOINT", sim.iotbos_url())
        .env("IOTCARD_IOTBOS_ACCOUNT", &sim.credentials().iotbos_account)
        .env("IOTCARD_IOTBOS_PASSWORD", "WRONG-SENTINEL-PASSWORD")
        .env("IOTCARD_CA_FILE", &ca)
        .env("IOTCARD_CARDS", &card);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{name}: {stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("{card} usage: no value (login call refused")),
        "{name}: {stdout}"
    );
    assert!(!stdout.contains("SENTINEL") && !stderr.contains("SENTINEL"));
    sim.shutdown().await;
}

/// Every answer a 429 asking for a second: each call is tried once more,
/// after that second, and then reported with the status.
async fn check_retry_after(name: &str) {
    let sim = simulator().await;
    sim.set_faults(Faults {
        too_many_requests: 1.0,
        retry_after: Duration::from_secs(1),
        ..Faults::default()
    })
    .unwrap();
    let card = sim.fleet().card(0).unwrap().number().to_string();
    let started = tokio::time::Instant::now();
    let (output, stdout, stderr) = run(name, &sim, &card).await;
    assert!(output.status.success(), "{name}: {stdout}\n{stderr}");
    assert!(started.elapsed() >= Duration::from_secs(1), "{name} waited");
    assert!(
        stderr.contains("in 1s: login answer has HTTP status 429"),
        "{name}: {stderr}"
    );
    assert!(
        stdout.contains(&format!(
            "{card} usage: no value (login answer has HTTP status 429"
        )),
        "{name}: {stdout}"
    );
    let password = sim.credentials().iotbos_password.expose().to_owned();
    assert!(!stdout.contains(&password) && !stderr.contains(&password));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ureq_blocking() {
    check("iotbos_ureq_blocking").await;
    check_retry_after("iotbos_ureq_blocking").await;
    check_refused_login("iotbos_ureq_blocking").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_async() {
    check("iotbos_reqwest_async").await;
    check_retry_after("iotbos_reqwest_async").await;
    check_refused_login("iotbos_reqwest_async").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_direct() {
    check("iotbos_hyper_direct").await;
    check_retry_after("iotbos_hyper_direct").await;
    check_refused_login("iotbos_hyper_direct").await;
}
