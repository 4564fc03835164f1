//! deploy/systemd/iotcard-watch.service names this binary, a subcommand and
//! flags it has, and systemd itself accepts the unit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::time::Duration;

use assert_cmd::Command;

const UNIT: &str = "../../deploy/systemd/iotcard-watch.service";

fn unit_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(UNIT)
}

/// The `[Service]` section's `Key=value` lines (a key given twice keeps
/// every value, in order).
fn service(unit: &str) -> BTreeMap<String, Vec<String>> {
    let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut section = "";
    for line in unit.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            section = line;
            continue;
        }
        if section == "[Service]" {
            let (key, value) = line.split_once('=').expect("Key=value");
            keys.entry(key.to_owned())
                .or_default()
                .push(value.to_owned());
        }
    }
    keys
}

fn one<'a>(keys: &'a BTreeMap<String, Vec<String>>, key: &str) -> &'a str {
    match keys.get(key).map(Vec::as_slice) {
        Some([value]) => value,
        other => panic!("{key}: want one value, got {other:?}"),
    }
}

/// An ExecStart line: the executable, the subcommand words and the
/// `--flag [value]` pairs.
struct ExecStart {
    executable: String,
    subcommand: Vec<String>,
    flags: Vec<(String, Option<String>)>,
}

fn exec_start(line: &str) -> ExecStart {
    assert!(
        !line.contains(['"', '\'', '\\']),
        "no quoting needed: {line}"
    );
    let mut words = line.split_whitespace().map(str::to_owned).peekable();
    let executable = words.next().expect("an executable");
    let mut subcommand = Vec::new();
    while let Some(word) = words.next_if(|w| !w.starts_with('-')) {
        subcommand.push(word);
    }
    let mut flags = Vec::new();
    while let Some(flag) = words.next() {
        assert!(
            flag.starts_with("--"),
            "{flag}: a long flag expected in {line}"
        );
        let value = words.next_if(|w| !w.starts_with('-'));
        flags.push((flag, value));
    }
    ExecStart {
        executable,
        subcommand,
        flags,
    }
}

#[test]
fn the_unit_runs_iotcard_watch_with_flags_the_binary_has() {
    let unit = std::fs::read_to_string(unit_path()).unwrap();
    let keys = service(&unit);
    let ExecStart {
        executable,
        subcommand,
        flags,
    } = exec_start(one(&keys, "ExecStart"));
    assert_eq!(executable, "/usr/local/bin/iotcard");
    assert_eq!(subcommand, ["watch"]);
    assert!(!flags.is_empty());

    // Every flag is one `iotcard watch` documents…
    let help = Command::cargo_bin("iotcard")
        .unwrap()
        .args(["watch", "--help"])
        .output()
        .unwrap();
    assert!(help.status.success());
    let help = String::from_utf8(help.stdout).unwrap();
    let documented: Vec<&str> = help
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| w.starts_with("--"))
        .collect();
    for (flag, _) in &flags {
        assert!(
            documented.contains(&flag.as_str()),
            "{flag} is not in `iotcard watch --help`:\n{help}"
        );
    }

    // …and the whole line parses: with the config file missing, the watcher
    // stops at reading it, not at its arguments.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("config.toml");
    let args: Vec<String> = subcommand
        .iter()
        .cloned()
        .chain(flags.iter().flat_map(|(flag, value)| {
            let value = match (flag.as_str(), value) {
                ("--config", Some(_)) => Some(missing.display().to_string()),
                (_, value) => value.clone(),
            };
            std::iter::once(flag.clone()).chain(value)
        }))
        .collect();
    let out = Command::cargo_bin("iotcard")
        .unwrap()
        .args(&args)
        .env_clear()
        .env("HOME", dir.path())
        .env(
            "IOTCARD_STORE",
            format!("sqlite://{}", dir.path().join("history.db").display()),
        )
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot read config file {}", missing.display())),
        "{args:?}: {stderr}"
    );
}

#[test]
fn the_unit_keeps_its_store_in_the_state_directory_and_restarts_on_failure() {
    let unit = std::fs::read_to_string(unit_path()).unwrap();
    let keys = service(&unit);
    assert_eq!(one(&keys, "DynamicUser"), "yes");
    assert_eq!(one(&keys, "StateDirectory"), "iotcard");
    assert_eq!(one(&keys, "Restart"), "on-failure");
    assert_eq!(one(&keys, "ExecReload"), "/bin/kill -HUP $MAINPID");
    assert_eq!(
        one(&keys, "Environment"),
        "IOTCARD_STORE=sqlite:///var/lib/iotcard/history.db"
    );
    // The config file the unit names is the one its group may read.
    let flags = exec_start(one(&keys, "ExecStart")).flags;
    assert!(flags.contains(&("--config".into(), Some("/etc/iotcard/config.toml".into()))));
    assert_eq!(one(&keys, "SupplementaryGroups"), "iotcard");
    for hardening in [
        "NoNewPrivileges",
        "ProtectHome",
        "PrivateTmp",
        "PrivateDevices",
    ] {
        assert_eq!(one(&keys, hardening), "yes", "{hardening}");
    }
    assert_eq!(one(&keys, "ProtectSystem"), "strict");
    assert_eq!(one(&keys, "CapabilityBoundingSet"), "");
}

/// `systemd-analyze verify` of `unit` with ExecStart pointing at the built
/// binary (it checks the executable exists); what it said, or None without
/// systemd-analyze.
fn systemd_verify(unit: &str) -> Option<(bool, String)> {
    if Process::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("iotcard-watch.service");
    let binary = assert_cmd::cargo::cargo_bin("iotcard");
    std::fs::write(
        &file,
        unit.replace("/usr/local/bin/iotcard", &binary.display().to_string()),
    )
    .unwrap();
    let out = Process::new("systemd-analyze")
        .args(["verify", "--man=no", "--generators=no"])
        .arg(&file)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), said))
}

#[test]
fn systemd_accepts_the_unit_where_systemd_analyze_is_installed() {
    let unit = std::fs::read_to_string(unit_path()).unwrap();
    let Some((ok, said)) = systemd_verify(&unit) else {
        eprintln!("skipping: systemd-analyze is not installed");
        return;
    };
    // It exits 0 after warning about an unknown key or a bad value: any
    // output is a finding.
    assert!(
        ok && said.trim().is_empty(),
        "systemd-analyze verify:\n{said}"
    );

    // The same check sees a misspelt key and a bad value.
    let broken = unit
        .replace("Restart=on-failure", "Restrat=on-failure")
        .replace("ProtectHome=yes", "ProtectHome=sometimes");
    let (_, said) = systemd_verify(&broken).unwrap();
    assert!(said.contains("Unknown key 'Restrat'"), "{said}");
    assert!(said.contains("sometimes"), "{said}");
}
