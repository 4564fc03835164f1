//! Every example in `examples/` runs against the simulator, started here
//! in-process over HTTPS with its own certificate authority: it exits 0,
//! prints the account and the first page of cards with the simulator's
//! values, and prints no appkey and no signature.

use std::path::PathBuf;
use std::process::{Command, Output};

use std::time::Duration;

use iotcard_sim::{Faults, RunningSimulator, Simulator};

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
        .args(["build", "--quiet", "-p", "tencent-proto", "--example", name])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the example {name} failed");
    built
}

/// More cards than one page, so that only the first page is listed.
const CARDS: u64 = 30;
const PAGE: usize = 20;

async fn simulator() -> RunningSimulator {
    Simulator::builder()
        .cards(CARDS)
        // The values asked for do not move while the examples run.
        .freeze_clock(Some(
            iotcard_model::Instant::parse_from_rfc3339("2026-06-15T12:00:00+08:00").unwrap(),
        ))
        .start()
        .await
        .expect("simulator starts")
}

async fn run(name: &str, sim: &RunningSimulator, appkey: &str) -> (Output, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, sim.ca_pem()).unwrap();
    let creds = sim.credentials().clone();
    let mut command = Command::new(example_binary(name));
    command
        .env("IOTCARD_TENCENT_ENDPOINT", sim.tencent_url())
        .env("IOTCARD_TENCENT_SDKAPPID", &creds.tencent_sdkappid)
        .env("IOTCARD_TENCENT_APPKEY", appkey)
        .env("IOTCARD_CA_FILE", &ca);
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
    assert!(sim.tencent_url().starts_with("https://"));
    let appkey = sim.credentials().tencent_appkey.expose().to_owned();
    let (output, stdout, stderr) = run(name, &sim, &appkey).await;
    assert!(
        output.status.success(),
        "{name}: exit {:?}\n{stdout}\n{stderr}",
        output.status
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with(&format!("app: name=iotcard 模拟器 cards={CARDS} ")),
        "{name}: {}",
        lines[0]
    );
    let now = sim.now();
    let page = sim.fleet().list(None, 0, PAGE as u64);
    assert_eq!(page.len(), PAGE);
    for (line, card) in lines[1..].iter().zip(&page) {
        let expected = format!(
            "{} msisdn={} status={} network={} data_used={} data_total={}",
            card.iccid(),
            card.msisdn(),
            card.tencent_status(),
            card.network(),
            card.data_used_in_period(&now),
            card.data_total_in_period()
        );
        assert_eq!(*line, expected, "{name}");
    }
    assert_eq!(
        lines.get(1 + PAGE).copied(),
        Some(format!("listed {PAGE} cards, more to list").as_str()),
        "{name}: one page only\n{stdout}"
    );
    assert_eq!(lines.len(), 2 + PAGE, "{name}\n{stdout}");
    for text in [&stdout, &stderr] {
        assert!(!text.contains(&appkey), "{name} printed the appkey");
        assert!(!text.contains("\"sig\":\"") || text.contains("\"sig\":\"***\""));
    }
    sim.shutdown().await;
}

/// A wrong appkey: the refusal is reported, with the platform's code, and
/// without the key.
async fn check_refused(name: &str) {
    let sim = simulator().await;
    let (output, stdout, stderr) = run(name, &sim, "WRONG-SENTINEL-APPKEY").await;
    assert!(!output.status.success(), "{name}: {stdout}\n{stderr}");
    assert!(
        stderr.starts_with("error: getappinfo refused with code"),
        "{name}: {stderr}"
    );
    assert!(!stdout.contains("SENTINEL") && !stderr.contains("SENTINEL"));
    sim.shutdown().await;
}

/// Every answer a 429 asking for a second: the call is tried once more,
/// signed afresh, after that second, and then reported with the status.
async fn check_retry_after(name: &str) {
    let sim = simulator().await;
    sim.set_faults(Faults {
        too_many_requests: 1.0,
        retry_after: Duration::from_secs(1),
        ..Faults::default()
    })
    .unwrap();
    let appkey = sim.credentials().tencent_appkey.expose().to_owned();
    let started = tokio::time::Instant::now();
    let (output, stdout, stderr) = run(name, &sim, &appkey).await;
    assert!(!output.status.success(), "{name}: {stdout}\n{stderr}");
    assert!(started.elapsed() >= Duration::from_secs(1), "{name} waited");
    assert!(
        stderr.contains("in 1s: getappinfo answer has HTTP status 429"),
        "{name}: {stderr}"
    );
    assert!(
        stderr.contains("error: getappinfo answer has HTTP status 429"),
        "{name}: {stderr}"
    );
    assert!(!stdout.contains(&appkey) && !stderr.contains(&appkey));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ureq_blocking() {
    check("tencent_ureq_blocking").await;
    check_retry_after("tencent_ureq_blocking").await;
    check_refused("tencent_ureq_blocking").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_async() {
    check("tencent_reqwest_async").await;
    check_retry_after("tencent_reqwest_async").await;
    check_refused("tencent_reqwest_async").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_direct() {
    check("tencent_hyper_direct").await;
    check_retry_after("tencent_hyper_direct").await;
    check_refused("tencent_hyper_direct").await;
}
