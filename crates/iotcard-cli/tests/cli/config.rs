//! Configuration from a file with profiles and from the environment, and
//! an error naming each missing setting.

use crate::support::{text, Sim, ACCOUNT, APPKEY, PASSWORD, SDKAPPID};

fn write(sim: &Sim, name: &str, body: &str) -> std::path::PathBuf {
    let path = sim.home.path().join(name);
    std::fs::write(&path, body).unwrap();
    path
}

#[test]
fn a_config_file_with_profiles() {
    let sim = Sim::start(300);
    let card = sim.fully_known(1).remove(0);
    let ca = sim.ca.display().to_string();
    let file = write(
        &sim,
        "iotcard.toml",
        &format!(
            r#"
ca_file = "{ca}"
[iotbos]
endpoint = "{iotbos}"
account = "{ACCOUNT}"
password = "not-the-password"

[profiles.shop.iotbos]
password = "{PASSWORD}"

[profiles.cloud]
provider = "tencent"
[profiles.cloud.tencent]
endpoint = "{tencent}"
sdkappid = {SDKAPPID}
appkey = "{APPKEY}"
"#,
            iotbos = sim.sim().iotbos_url(),
            tencent = sim.sim().tencent_url(),
        ),
    );
    let config = file.display().to_string();
    let number = card.number().to_string();

    let top = sim
        .bare()
        .args(["--config", &config, "usage", &number])
        .output()
        .unwrap();
    assert_eq!(
        top.status.code(),
        Some(4),
        "the top level's password is wrong"
    );

    let shop = sim
        .bare()
        .args(["usage", &number, "--config", &config, "--profile", "shop"])
        .output()
        .unwrap();
    assert_eq!(shop.status.code(), Some(0), "{}", text(&shop.stderr));

    let env_wins = sim
        .bare()
        .args(["--config", &config, "usage", &number])
        .env("IOTCARD_IOTBOS_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert_eq!(
        env_wins.status.code(),
        Some(0),
        "{}",
        text(&env_wins.stderr)
    );

    let cloud = sim
        .bare()
        .args(["--profile", "cloud", "account", "--config", &config])
        .output()
        .unwrap();
    assert_eq!(
        cloud.status.code(),
        Some(0),
        "profile's provider and CA from the top: {}",
        text(&cloud.stderr)
    );

    let unknown = sim
        .bare()
        .args(["--config", &config, "--profile", "nope", "account"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    let err = text(&unknown.stderr);
    assert!(
        err.contains("\"nope\"") && err.contains("cloud, shop"),
        "{err}"
    );
}

#[test]
fn config_file_from_iotcard_config_and_from_xdg() {
    let sim = Sim::start(300);
    let card = sim.fully_known(1).remove(0);
    let body = format!(
        "[iotbos]\nendpoint = \"{}\"\naccount = \"{ACCOUNT}\"\npassword = \"{PASSWORD}\"\n",
        sim.sim().iotbos_url()
    );
    let file = write(&sim, "elsewhere.toml", &body);
    let by_env = sim
        .bare()
        .args(["plan", card.number().as_str()])
        .env("IOTCARD_CONFIG", &file)
        .output()
        .unwrap();
    assert_eq!(by_env.status.code(), Some(0), "{}", text(&by_env.stderr));

    let xdg = sim.home.path().join("xdg");
    std::fs::create_dir_all(xdg.join("iotcard")).unwrap();
    std::fs::write(xdg.join("iotcard/config.toml"), &body).unwrap();
    let by_xdg = sim
        .bare()
        .args(["plan", card.number().as_str()])
        .env("XDG_CONFIG_HOME", &xdg)
        .output()
        .unwrap();
    assert_eq!(by_xdg.status.code(), Some(0), "{}", text(&by_xdg.stderr));

    let missing = sim
        .bare()
        .args(["--config", "/nonexistent/iotcard.toml", "account"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("/nonexistent/iotcard.toml"));
}

#[test]
fn each_missing_setting_is_named() {
    let sim = Sim::start(5);
    let number = sim.card(0).number().to_string();
    let iccid = sim.card(0).iccid().to_string();
    for (drop, provider, arg) in [
        ("IOTCARD_IOTBOS_ACCOUNT", "iotbos", &number),
        ("IOTCARD_IOTBOS_PASSWORD", "iotbos", &number),
        ("IOTCARD_TENCENT_SDKAPPID", "tencent", &iccid),
        ("IOTCARD_TENCENT_APPKEY", "tencent", &iccid),
    ] {
        let out = sim
            .cmd()
            .args(["--provider", provider, "status", arg])
            .env_remove(drop)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{drop}");
        let err = text(&out.stderr);
        assert!(
            err.contains("is not set") && err.contains(drop) && err.contains("config.toml"),
            "{err}"
        );
    }
    assert_eq!(sim.requests(), 0);
}

#[test]
fn invalid_settings_are_named_with_their_origin() {
    let sim = Sim::start(5);
    let number = sim.card(0).number().to_string();
    let out = sim
        .iotbos(&["status", &number])
        .env("IOTCARD_IOTBOS_ENDPOINT", "ftp://example.com")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("IoTBOS endpoint") && err.contains("IOTCARD_IOTBOS_ENDPOINT"),
        "{err}"
    );
    let out = sim
        .iotbos(&["status", &number])
        .env("IOTCARD_CA_FILE", "/nonexistent/ca.pem")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("IOTCARD_CA_FILE"));
}

#[test]
fn the_provider_is_chosen_or_asked_for() {
    let sim = Sim::start(5);
    let iccid = sim.card(0).iccid().to_string();
    let both = sim.cmd().args(["status", &iccid]).output().unwrap();
    assert_eq!(both.status.code(), Some(2));
    assert!(
        text(&both.stderr).contains("--provider"),
        "{}",
        text(&both.stderr)
    );

    let by_env = sim
        .cmd()
        .args(["status", &iccid])
        .env("IOTCARD_PROVIDER", "tencent")
        .output()
        .unwrap();
    assert_eq!(by_env.status.code(), Some(0), "{}", text(&by_env.stderr));

    let only_tencent = sim
        .cmd()
        .args(["status", &iccid])
        .env_remove("IOTCARD_IOTBOS_ENDPOINT")
        .env_remove("IOTCARD_IOTBOS_ACCOUNT")
        .env_remove("IOTCARD_IOTBOS_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(
        only_tencent.status.code(),
        Some(0),
        "the only one configured"
    );

    let nothing = sim.bare().args(["status", &iccid]).output().unwrap();
    assert_eq!(nothing.status.code(), Some(2));
    assert!(text(&nothing.stderr).contains("no card platform is configured"));
}
