//! Exit statuses 0, 2, 3 and 4, and that nothing is sent when the answer
//! is 2.

use crate::support::{text, Sim};

#[test]
fn usage_errors_from_clap_are_2_and_help_is_0() {
    let sim = Sim::start(1);
    for args in [
        &["--no-such-flag"][..],
        &[],
        &["usage"],
        &["--output", "xml", "account"],
        &["frobnicate"],
    ] {
        let out = sim.cmd().args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    let help = sim.cmd().arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let help = text(&help.stdout);
    assert!(
        help.contains("Examples:") && help.contains("Exit status"),
        "{help}"
    );
    let plan = sim.cmd().args(["plan", "--help"]).output().unwrap();
    let plan = text(&plan.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        plan.contains("ICCID only") && plan.contains("no plan name, fee"),
        "{plan}"
    );
    assert_eq!(sim.requests(), 0);
}

#[test]
fn impossible_card_numbers_are_2_and_nothing_is_sent() {
    let sim = Sim::start(5);
    let good = sim.card(0).number().to_string();
    let out = sim
        .iotbos(&["usage", &good, "10648-04085884"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("\"10648-04085884\""),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());

    let msisdn = sim.card(0).msisdn().to_string();
    let out = sim.tencent(&["card", &msisdn]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("MSISDN") && err.contains("ICCID"), "{err}");

    let out = sim
        .iotbos(&["status", "-"])
        .write_stdin(format!("{good}\nabc\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("standard input line 2"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(sim.requests(), 0, "nothing was sent");
}

#[test]
fn commands_iotbos_does_not_offer_are_2_and_nothing_is_sent() {
    let sim = Sim::start(5);
    for cmd in ["cards", "account"] {
        let out = sim.iotbos(&[cmd]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("`{cmd}` is not offered by IoTBOS")),
            "{err}"
        );
    }
    let out = sim.iotbos(&["export"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--from"),
        "{}",
        text(&out.stderr)
    );
    // Refused even with nothing configured: the platform is the reason.
    let out = sim
        .bare()
        .args(["--provider", "iotbos", "account"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not offered"));
    assert_eq!(sim.requests(), 0);
}

#[test]
fn refused_login_is_4_and_says_what_failed() {
    let sim = Sim::start(5);
    let good = sim.card(0).number().to_string();
    let out = sim
        .iotbos(&["usage", &good])
        .env("IOTCARD_IOTBOS_PASSWORD", "wrong-password")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = text(&out.stderr);
    assert!(err.contains("login"), "{err}");
    assert!(!err.contains("wrong-password"), "{err}");
}

#[test]
fn unreachable_platform_is_4() {
    let sim = Sim::start(1);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = sim
        .iotbos(&["usage", "1064804085884", "--timeout", "2s"])
        .env(
            "IOTCARD_IOTBOS_ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).to_lowercase().contains("connect"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_untrusted_certificate_is_4_and_named() {
    let sim = Sim::start(3);
    let out = sim
        .tencent(&["account"])
        .env_remove("IOTCARD_CA_FILE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = text(&out.stderr);
    assert!(
        err.contains("not trusted") && err.contains("IOTCARD_CA_FILE"),
        "{err}"
    );
    let card = sim.card(0).iccid().to_string();
    let out = sim
        .tencent(&["card", &card])
        .env_remove("IOTCARD_CA_FILE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(
        text(&out.stderr).contains("not trusted"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn all_answered_is_0_with_nothing_on_stderr() {
    let sim = Sim::start(300);
    let card = sim.fully_known(1).remove(0);
    let out = sim
        .iotbos(&["remaining", card.number().as_str()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    assert!(!out.stdout.is_empty());
}

#[test]
fn completions_are_printed() {
    let sim = Sim::start(1);
    for shell in ["bash", "zsh", "fish"] {
        let out = sim.bare().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out.stdout).contains("iotcard"));
    }
}
