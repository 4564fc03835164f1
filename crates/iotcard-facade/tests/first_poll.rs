//! `examples/first_poll.rs` — the program a new user writes first — runs
//! unchanged against the simulator and reports both platforms.

use std::path::PathBuf;
use std::process::Command;

/// The example's binary, built beside this test (cargo builds a package's
/// examples with its tests); built on demand when run from elsewhere.
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps/<test>");
    let built = profile_dir.join("examples").join("first_poll");
    if built.is_file() {
        return built;
    }
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "iotcard-facade",
            "--example",
            "first_poll",
        ])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the example failed");
    built
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_poll_example_runs_against_the_simulator() {
    let sim = iotcard_sim::Simulator::builder()
        .cards(45)
        .start()
        .await
        .expect("simulator starts");
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, sim.ca_pem()).unwrap();
    let creds = sim.credentials().clone();
    let mut command = Command::new(example_binary());
    command
        .env("IOTCARD_IOTBOS_ENDPOINT", sim.iotbos_url())
        .env("IOTCARD_IOTBOS_ACCOUNT", &creds.iotbos_account)
        .env("IOTCARD_IOTBOS_PASSWORD", creds.iotbos_password.expose())
        .env("IOTCARD_TENCENT_ENDPOINT", sim.tencent_url())
        .env("IOTCARD_TENCENT_SDKAPPID", &creds.tencent_sdkappid)
        .env("IOTCARD_TENCENT_APPKEY", creds.tencent_appkey.expose())
        .env("IOTCARD_CA_FILE", &ca);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("the example starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        output.status
    );
    let lines: Vec<&str> = stdout.lines().collect();
    // One line for the IoTBOS card (its usage, or why there is none), then
    // one per Tencent card of the account.
    assert_eq!(lines.len(), 1 + 45, "{stdout}");
    assert!(lines[0].starts_with("1064804085884"), "{}", lines[0]);
    let listed: Vec<String> = sim
        .fleet()
        .iccids()
        .take(45)
        .map(|i| i.to_string())
        .collect();
    for (line, iccid) in lines[1..].iter().zip(&listed) {
        assert!(line.starts_with(iccid.as_str()), "{line} vs {iccid}");
    }
    assert!(!stdout.contains(creds.iotbos_password.expose()));
    sim.shutdown().await;
}
