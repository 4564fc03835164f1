//! No credential reaches stdout or stderr, whatever the verbosity and
//! whether the call succeeds or is refused.

use crate::support::{text, Sim, APPKEY, PASSWORD};

fn assert_clean(sim: &Sim, args: &[&str], extra_env: &[(&str, &str)], secrets: &[&str]) {
    for verbosity in ["-v", "-vv", "-vvv"] {
        let mut cmd = sim.cmd();
        cmd.args(args).arg(verbosity).env("RUST_LOG", "trace");
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
        for secret in secrets {
            assert!(
                !shown.contains(secret),
                "`iotcard {}` {verbosity} showed a credential",
                args.join(" ")
            );
        }
    }
}

#[test]
fn no_secret_at_any_verbosity() {
    let sim = Sim::start(40);
    let number = sim.card(0).number().to_string();
    let iccid = sim.card(0).iccid().to_string();
    let list = sim.home.path().join("numbers.txt");
    std::fs::write(&list, &number).unwrap();
    let list = list.display().to_string();
    let secrets = [PASSWORD, APPKEY];
    for args in [
        vec!["--provider", "iotbos", "usage", &number],
        vec!["--provider", "iotbos", "card", &number, "-o", "json"],
        vec!["--provider", "iotbos", "export", "--from", &list],
        vec!["--provider", "tencent", "card", &iccid],
        vec!["--provider", "tencent", "cards"],
        vec!["--provider", "tencent", "account"],
        vec!["--provider", "tencent", "export", "-o", "csv"],
    ] {
        assert_clean(&sim, &args, &[], &secrets);
    }
    // Refused credentials are the likeliest to be echoed: they are not.
    let wrong_pw = "SENTINELwrongPw";
    let wrong_key = "SENTINELwrongKey";
    assert_clean(
        &sim,
        &["--provider", "iotbos", "usage", &number],
        &[("IOTCARD_IOTBOS_PASSWORD", wrong_pw)],
        &[wrong_pw, PASSWORD, APPKEY],
    );
    assert_clean(
        &sim,
        &["--provider", "tencent", "card", &iccid],
        &[("IOTCARD_TENCENT_APPKEY", wrong_key)],
        &[wrong_key, PASSWORD, APPKEY],
    );
}

#[test]
fn no_secret_from_a_config_file_with_mistakes() {
    let sim = Sim::start(1);
    let file = sim.home.path().join("bad.toml");
    std::fs::write(
        &file,
        format!("[iotbos]\naccount = \"a\"\npassword = {PASSWORD}\n"),
    )
    .unwrap();
    let out = sim
        .bare()
        .arg("--config")
        .arg(&file)
        .args(["-vvv", "account"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(shown.contains("line 3"), "{shown}");
    assert!(!shown.contains(PASSWORD), "{shown}");
}
