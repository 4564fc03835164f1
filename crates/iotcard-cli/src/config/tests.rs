use super::*;

const FILE: &str = r#"
[iotbos]
endpoint = "http://127.0.0.1:25853"
account = "file-account"
password = "file-password"

[profiles.shop2]
provider = "tencent"
[profiles.shop2.tencent]
sdkappid = "1400000002"
appkey = "shop2-key"

[profiles.mirror.iotbos]
account = "mirror-account"
"#;

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(text: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), text).unwrap();
        Fixture { dir }
    }
    fn path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }
    fn load(&self, profile: Option<&str>, env: &[(&str, &str)]) -> Result<Sources, CliError> {
        Sources::load(
            Some(&self.path()),
            profile,
            Env::from_pairs(env.iter().copied()),
        )
    }
}

fn iotbos(s: Settings) -> IotbosSettings {
    match s.platform {
        Platform::Iotbos(i) => i,
        Platform::Tencent(_) => panic!("expected IoTBOS settings"),
    }
}

fn tencent(s: Settings) -> TencentSettings {
    match s.platform {
        Platform::Tencent(t) => t,
        Platform::Iotbos(_) => panic!("expected Tencent settings"),
    }
}

#[test]
fn file_alone_configures_its_only_platform() {
    let f = Fixture::new(FILE);
    let src = f.load(None, &[]).unwrap();
    assert_eq!(src.provider(None).unwrap(), Provider::Iotbos);
    let s = iotbos(src.settings(Provider::Iotbos).unwrap());
    assert_eq!(s.endpoint, "http://127.0.0.1:25853");
    assert_eq!(s.account, "file-account");
    assert_eq!(s.password.expose(), "file-password");
}

#[test]
fn environment_wins_over_the_file() {
    let f = Fixture::new(FILE);
    let src = f
        .load(
            None,
            &[
                (env::IOTBOS_ACCOUNT, "env-account"),
                (env::IOTBOS_ENDPOINT, "http://env.example/"),
            ],
        )
        .unwrap();
    let s = iotbos(src.settings(Provider::Iotbos).unwrap());
    assert_eq!(s.account, "env-account");
    assert_eq!(s.endpoint, "http://env.example");
    assert_eq!(
        s.password.expose(),
        "file-password",
        "the rest still from the file"
    );
}

#[test]
fn profile_overrides_the_top_level_key_by_key() {
    let f = Fixture::new(FILE);
    let mirror = f.load(Some("mirror"), &[]).unwrap();
    assert_eq!(mirror.provider(None).unwrap(), Provider::Iotbos);
    let s = iotbos(mirror.settings(Provider::Iotbos).unwrap());
    assert_eq!(s.account, "mirror-account");
    assert_eq!(s.password.expose(), "file-password");

    let shop2 = f.load(Some("shop2"), &[]).unwrap();
    assert_eq!(shop2.provider(None).unwrap(), Provider::Tencent);
    let t = tencent(shop2.settings(Provider::Tencent).unwrap());
    assert_eq!(t.endpoint, TENCENT_DEFAULT_ENDPOINT);
    assert_eq!(
        (t.sdkappid.as_str(), t.appkey.expose()),
        ("1400000002", "shop2-key")
    );
}

#[test]
fn provider_precedence() {
    let f = Fixture::new(FILE);
    let shop2 = f.load(Some("shop2"), &[(env::PROVIDER, "iotbos")]).unwrap();
    assert_eq!(
        shop2.provider(None).unwrap(),
        Provider::Iotbos,
        "env over profile"
    );
    assert_eq!(
        shop2.provider(Some(Provider::Tencent)).unwrap(),
        Provider::Tencent,
        "flag over env"
    );

    let both = Fixture::new(
        "provider = \"tencent\"\n[iotbos]\naccount = \"a\"\n[tencent]\nappkey = \"k\"\n",
    );
    assert_eq!(
        both.load(None, &[]).unwrap().provider(None).unwrap(),
        Provider::Tencent
    );

    let bad = f.load(None, &[(env::PROVIDER, "aliyun")]).unwrap();
    let e = bad.provider(None).unwrap_err().to_string();
    assert!(e.contains("\"aliyun\"") && e.contains(env::PROVIDER), "{e}");
}

#[test]
fn neither_or_both_configured_asks_for_a_choice() {
    let none = Sources::load(None, None, Env::default()).unwrap();
    let e = none.provider(None).unwrap_err();
    assert!(matches!(e.exit(), crate::exit::Exit::Usage));
    let msg = e.to_string();
    assert!(
        msg.contains(env::IOTBOS_PASSWORD) && msg.contains(env::TENCENT_APPKEY),
        "{msg}"
    );

    let both = Sources::load(
        None,
        None,
        Env::from_pairs([(env::IOTBOS_ACCOUNT, "a"), (env::TENCENT_SDKAPPID, "1")]),
    )
    .unwrap();
    let msg = both.provider(None).unwrap_err().to_string();
    assert!(msg.contains("both") && msg.contains("--provider"), "{msg}");

    let env_only = Sources::load(
        None,
        None,
        Env::from_pairs([(env::TENCENT_ENDPOINT, "https://x")]),
    )
    .unwrap();
    assert_eq!(env_only.provider(None).unwrap(), Provider::Tencent);
}

#[test]
fn each_missing_setting_is_named_with_where_it_may_come_from() {
    let f = Fixture::new("[tencent]\n");
    let src = f.load(None, &[]).unwrap();
    let path = f.path().display().to_string();
    for (env, provider, var, key, label) in [
        (
            vec![(env::TENCENT_APPKEY, "k")],
            Provider::Tencent,
            env::TENCENT_SDKAPPID,
            "sdkappid",
            "Tencent sdkappid",
        ),
        (
            vec![(env::TENCENT_SDKAPPID, "1")],
            Provider::Tencent,
            env::TENCENT_APPKEY,
            "appkey",
            "Tencent appkey",
        ),
        (
            vec![(env::IOTBOS_PASSWORD, "p")],
            Provider::Iotbos,
            env::IOTBOS_ACCOUNT,
            "account",
            "IoTBOS account",
        ),
        (
            vec![(env::IOTBOS_ACCOUNT, "a")],
            Provider::Iotbos,
            env::IOTBOS_PASSWORD,
            "password",
            "IoTBOS password",
        ),
    ] {
        let src = Sources {
            env: Env::from_pairs(env),
            ..src.clone()
        };
        let msg = src.settings(provider).unwrap_err().to_string();
        assert_eq!(
            msg,
            format!(
                "{label} is not set: set {var}, or `{key}` under [{}] in {path}",
                provider.key()
            )
        );
    }
    let profiled = f
        .load(None, &[])
        .map(|s| Sources {
            profile: Some("p".into()),
            ..s
        })
        .unwrap();
    let msg = profiled.settings(Provider::Iotbos).unwrap_err().to_string();
    assert!(msg.contains("[profiles.p.iotbos] or [iotbos]"), "{msg}");
}

#[test]
fn missing_default_file_is_named_as_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().display().to_string();
    let src = Sources::load(
        None,
        None,
        Env::from_pairs([("HOME", home.as_str()), (env::IOTBOS_ACCOUNT, "a")]),
    )
    .unwrap();
    let msg = src.settings(Provider::Iotbos).unwrap_err().to_string();
    assert!(
        msg.contains(".config/iotcard/config.toml (not found)"),
        "{msg}"
    );
}

#[test]
fn invalid_values_name_the_setting_and_its_origin() {
    let f = Fixture::new("[iotbos]\nendpoint = \"ftp://x\"\naccount = \"a\"\npassword = \"p\"\n");
    let msg = f
        .load(None, &[])
        .unwrap()
        .settings(Provider::Iotbos)
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with("IoTBOS endpoint \"ftp://x\" (from `endpoint` under [iotbos] in "),
        "{msg}"
    );
    assert!(
        msg.ends_with("must start with http:// or https://"),
        "{msg}"
    );

    let src = Sources::load(
        None,
        None,
        Env::from_pairs([(env::TENCENT_SDKAPPID, "abc"), (env::TENCENT_APPKEY, "k")]),
    )
    .unwrap();
    let msg = src.settings(Provider::Tencent).unwrap_err().to_string();
    assert!(
        msg.contains("Tencent sdkappid \"abc\" (from IOTCARD_TENCENT_SDKAPPID)"),
        "{msg}"
    );

    let with_ca = Sources::load(
        None,
        None,
        Env::from_pairs([
            (env::TENCENT_SDKAPPID, "1"),
            (env::TENCENT_APPKEY, "k"),
            (env::CA_FILE, "/nonexistent/ca.pem"),
        ]),
    )
    .unwrap();
    let msg = with_ca.settings(Provider::Tencent).unwrap_err().to_string();
    assert!(
        msg.starts_with("CA file /nonexistent/ca.pem (from IOTCARD_CA_FILE) cannot be read"),
        "{msg}"
    );
}

#[test]
fn secrets_never_appear_in_errors_or_debug() {
    let f = Fixture::new(
        "[iotbos]\nendpoint = \"http://me:SENTINEL-url@h\"\npassword = \"SENTINEL-pw\"\n",
    );
    let src = f
        .load(None, &[(env::TENCENT_APPKEY, "SENTINEL-key")])
        .unwrap();
    let e = src.settings(Provider::Iotbos).unwrap_err();
    let shown = format!("{e} {e:?} {src:?}");
    assert!(!shown.contains("SENTINEL"), "{shown}");
    let ok = Fixture::new("[iotbos]\naccount = \"a\"\npassword = \"SENTINEL-pw\"\n");
    let settings = ok
        .load(None, &[])
        .unwrap()
        .settings(Provider::Iotbos)
        .unwrap();
    assert!(!format!("{settings:?}").contains("SENTINEL"));
}

#[test]
fn relative_ca_file_in_the_file_is_relative_to_the_file() {
    let f = Fixture::new("ca_file = \"roots.pem\"\n[tencent]\nsdkappid = \"1\"\nappkey = \"k\"\n");
    std::fs::write(f.dir.path().join("roots.pem"), "pem").unwrap();
    let s = f
        .load(None, &[])
        .unwrap()
        .settings(Provider::Tencent)
        .unwrap();
    assert_eq!(s.ca_file, Some(f.dir.path().join("roots.pem")));
    assert_eq!(s.provider(), Provider::Tencent);
}

#[test]
fn unknown_profile_lists_the_known_ones() {
    let f = Fixture::new(FILE);
    let msg = f.load(Some("shop3"), &[]).unwrap_err().to_string();
    assert!(
        msg.contains("\"shop3\"") && msg.contains("mirror, shop2"),
        "{msg}"
    );
    let none = Sources::load(None, Some("x"), Env::default())
        .unwrap_err()
        .to_string();
    assert!(none.contains("\"x\""), "{none}");
}

#[test]
fn explicit_missing_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent.toml");
    let via_env = Env::from_pairs([(env::CONFIG, absent.display().to_string())]);
    let e = Sources::load(None, None, via_env).unwrap_err();
    assert!(matches!(e, CliError::ConfigRead { .. }), "{e}");
}
