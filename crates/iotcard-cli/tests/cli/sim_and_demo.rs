//! `sim` as its own process (its JSON line points every other command at
//! it) and `sim --list-numbers`; `demo` exits 0.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use iotcard_model::CardNumber;

use crate::support::{json_lines, text, Sim};

#[test]
fn list_numbers_prints_the_fleet() {
    let sim = Sim::start(1);
    let out = sim
        .bare()
        .args(["sim", "--list-numbers", "--cards", "25", "--seed", "3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let listed: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    let fleet = iotcard_sim::Fleet::new(3, 25).unwrap();
    let expected: Vec<String> = fleet.numbers().map(|n| n.to_string()).collect();
    assert_eq!(listed, expected);
    assert!(listed.iter().all(|n| n.parse::<CardNumber>().is_ok()));
}

#[cfg(unix)]
#[test]
fn sim_prints_the_environment_that_points_every_command_at_it() {
    let scratch = Sim::start(1);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("iotcard"))
        .env_clear()
        .args(["sim", "--cards", "30", "--seed", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let vars: BTreeMap<String, String> = serde_json::from_str(&line).unwrap();
    let keys: Vec<&str> = vars.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "IOTCARD_CA_FILE",
            "IOTCARD_IOTBOS_ACCOUNT",
            "IOTCARD_IOTBOS_ENDPOINT",
            "IOTCARD_IOTBOS_PASSWORD",
            "IOTCARD_TENCENT_APPKEY",
            "IOTCARD_TENCENT_ENDPOINT",
            "IOTCARD_TENCENT_SDKAPPID",
        ]
    );
    let fleet = iotcard_sim::Fleet::new(5, 30).unwrap();
    let number = fleet.card(0).unwrap().number().to_string();
    let iccid = fleet.card(0).unwrap().iccid().to_string();
    let run = |args: &[&str]| scratch.bare().envs(&vars).args(args).output().unwrap();
    let usage = run(&["--provider", "iotbos", "card", &number]);
    assert_eq!(usage.status.code(), Some(0), "{}", text(&usage.stderr));
    assert_eq!(json_lines(&usage.stdout)[0]["card"], number.as_str());
    let tencent = run(&["--provider", "tencent", "card", &iccid]);
    assert_eq!(tencent.status.code(), Some(0), "{}", text(&tencent.stderr));

    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(
        !std::path::Path::new(&vars["IOTCARD_CA_FILE"]).exists(),
        "the CA file goes with the simulator"
    );
}

#[test]
fn demo_exits_0_and_tours_both_platforms() {
    let sim = Sim::start(1);
    let out = sim.bare().arg("demo").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let shown = text(&out.stdout);
    for expected in [
        "$ iotcard --provider iotbos usage",
        "$ iotcard --provider tencent cards",
        "exit status 3",
        "exit status 2",
        "records in",
    ] {
        assert!(
            shown.contains(expected),
            "{expected} missing from:\n{shown}"
        );
    }
}

#[test]
fn bad_simulator_settings_are_usage_errors() {
    let sim = Sim::start(1);
    let out = sim
        .bare()
        .args(["sim", "--fail-5xx", "0.6", "--fail-reset", "0.6"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
