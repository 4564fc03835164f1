use std::path::Path;

use super::*;

/// The contract of issue 15, as README shows it, with platforms for the
/// profiles it names.
const CONTRACT: &str = r#"
store = "sqlite:///var/lib/iotcard/history.db"

[profiles.acme.iotbos]
account = "acme"
password = "SENTINEL-acme-pw"

[profiles.shop]
watch_interval = "15m"
requests_per_minute = 120
requests_per_second = 2.5
[profiles.shop.tencent]
sdkappid = "1400000002"
appkey = "SENTINEL-shop-key"

[watch]
profiles = ["acme", "shop"]
interval = "1h"
requests_per_minute = 600

[notifiers.ops]
kind = "dingtalk"
url = "https://oapi.dingtalk.com/robot/send?access_token=SENTINEL-token"
secret = "SECSENTINEL"

[notifiers.team]
kind = "feishu"
url = "https://open.feishu.cn/open-apis/bot/v2/hook/SENTINEL-hook"
secret = "SENTINEL-feishu"

[notifiers.wx]
kind = "wecom"
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SENTINEL-key"

[notifiers.am]
kind = "webhook"
url = "http://127.0.0.1:9093/hook"

[notifiers.mail]
kind = "email"
host = "smtp.example.com"
port = 587
tls = "starttls"
username = "ops"
password = "SENTINEL-smtp"
from = "iotcard@example.com"
to = ["ops@example.com"]

[[rules]]
name = "quota"
kind = "quota"
thresholds = [80, 90, 100]
notify = ["ops", "am"]
for = "0s"
renotify = "24h"
quiet_hours = "22:00-08:00"
timezone = "Asia/Shanghai"
severity = "warning"
profiles = ["acme"]

[[rules]]
name = "expiring"
kind = "expiry"
within = "30d"
notify = ["wx", "mail"]

[[rules]]
name = "disabled"
kind = "status"
status = "disabled"
notify = ["team"]

[[rules]]
name = "stale"
kind = "sync"
older_than = "2h"
notify = ["ops"]
"#;

fn parse(text: &str) -> Result<ConfigFile, CliError> {
    ConfigFile::parse(Path::new("watch.toml"), text)
}

fn watch(text: &str) -> Result<WatchConfig, CliError> {
    WatchConfig::from_file(&parse(text)?, false)
}

fn error(text: &str) -> String {
    watch(text).unwrap_err().to_string()
}

#[test]
fn every_key_of_the_contract_works() {
    let w = watch(CONTRACT).unwrap();
    let names: Vec<&str> = w.profiles.keys().map(String::as_str).collect();
    assert_eq!(names, ["acme", "shop"]);
    assert_eq!(
        w.profiles["acme"],
        Schedule {
            interval: Duration::from_secs(3600),
            requests_per_minute: NonZeroU32::new(600),
            requests_per_second: None,
        }
    );
    assert_eq!(
        w.profiles["shop"],
        Schedule {
            interval: Duration::from_secs(900),
            requests_per_minute: NonZeroU32::new(120),
            requests_per_second: Some(2.5),
        }
    );
    let notifiers: Vec<(&str, &str)> = w
        .notifiers
        .iter()
        .map(|n| (n.name(), n.kind().as_str()))
        .collect();
    assert_eq!(
        notifiers,
        [
            ("am", "webhook"),
            ("mail", "email"),
            ("ops", "dingtalk"),
            ("team", "feishu"),
            ("wx", "wecom")
        ]
    );
    let rules: Vec<&str> = w.rules.rules().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(rules, ["quota", "expiring", "disabled", "stale"]);
    let quota = w.rules.get("quota").unwrap();
    assert_eq!(quota.notify, ["ops", "am"]);
    assert!(
        quota.explain().contains("22:00-08:00"),
        "{}",
        quota.explain()
    );
    assert_eq!(w.jitter, DEFAULT_JITTER);
    assert_eq!(w.lease_ttl, DEFAULT_LEASE_TTL);
    let shown = format!("{w:?}");
    assert!(!shown.contains("SENTINEL"), "{shown}");
}

#[test]
fn defaults_watch_every_profile_that_configures_a_platform_hourly() {
    let text = "[profiles.a.iotbos]\naccount = \"a\"\n[profiles.b]\nprovider = \"iotbos\"\n";
    let w = watch(text).unwrap();
    let names: Vec<&str> = w.profiles.keys().map(String::as_str).collect();
    assert_eq!(names, ["a"], "b configures no platform");
    assert_eq!(w.profiles["a"].interval, DEFAULT_INTERVAL);
    assert_eq!(w.profiles["a"].requests_per_minute, None);
    assert!(w.rules.is_empty() && w.notifiers.is_empty());
    // The top level is the `default` profile, and profiles inherit its
    // platform tables.
    let top = parse("[iotbos]\naccount = \"t\"\n[profiles.b]\nprovider = \"iotbos\"\n").unwrap();
    let w = WatchConfig::from_file(&top, true).unwrap();
    let names: Vec<&str> = w.profiles.keys().map(String::as_str).collect();
    assert_eq!(names, ["b", "default"]);
}

#[test]
fn jitter_and_lease_ttl() {
    let base = "[profiles.a.iotbos]\naccount = \"a\"\n[watch]\n";
    let w = watch(&format!("{base}jitter = \"25%\"\nlease_ttl = \"3s\"\n")).unwrap();
    assert_eq!((w.jitter, w.lease_ttl), (0.25, Duration::from_secs(3)));
    let w = watch(&format!("{base}jitter = 0\nholder = \"w-1\"\n")).unwrap();
    assert_eq!((w.jitter, w.holder.as_deref()), (0.0, Some("w-1")));
    assert_eq!(watch(base).unwrap().holder, None);
    let e = error(&format!("{base}holder = \" \"\n"));
    assert!(e.contains("`holder` under [watch]"), "{e}");
    let e = error(&format!("{base}jitter = \"150%\"\n"));
    assert!(
        e.contains("watch.toml") && e.contains("[watch]") && e.contains("share"),
        "{e}"
    );
    let e = error(&format!("{base}lease_ttl = \"2s\"\n"));
    assert!(
        e.contains("`lease_ttl` under [watch]") && e.contains("at least 3s"),
        "{e}"
    );
    let e = error(&format!("{base}jitter = \"100%\"\n"));
    assert!(
        e.contains("`jitter` under [watch] must be less than 100%"),
        "{e}"
    );
    let e = error(&format!("{base}lease_ttl = \"0s\"\n"));
    assert!(e.contains("`lease_ttl` under [watch]"), "{e}");
}

#[test]
fn bad_values_name_file_table_and_key() {
    let base = "[profiles.a.iotbos]\naccount = \"a\"\n";
    for (text, wanted) in [
        ("[watch]\ninterval = \"0s\"\n", "`interval` under [watch] must be at least 1s"),
        ("[watch]\ninterval = \"soon\"\n", "[watch]: invalid duration \"soon\""),
        ("[watch]\nrequests_per_minute = 0\n", "`requests_per_minute` under [watch]"),
        ("[watch]\nrequests_per_minute = -5\n", "[watch]"),
        ("[watch]\nrequests_per_second = 0\n", "`requests_per_second` under [watch]"),
        ("[watch]\nprofiles = []\n", "`profiles` under [watch] is empty"),
        (
            "[watch]\nprofiles = [\"a\", \"nope\"]\n",
            "`profiles` under [watch] names \"nope\", which is not a profile that configures a platform (expected one of a)",
        ),
        (
            "[profiles.a]\nwatch_interval = \"0s\"\n",
            "`watch_interval` under [profiles.a] must be at least 1s",
        ),
        (
            "[profiles.a]\nrequests_per_minute = 0\n",
            "`requests_per_minute` under [profiles.a]",
        ),
    ] {
        let e = error(&format!("{base}{text}"));
        assert!(e.contains("watch.toml"), "{text}: {e}");
        assert!(e.contains(wanted), "{text}: {e}");
    }
}

#[test]
fn unknown_keys_stay_errors_and_name_their_table() {
    let base = "[profiles.a.iotbos]\naccount = \"a\"\n";
    for (text, table, key) in [
        ("[watch]\nintervall = \"1h\"\n", "[watch]", "intervall"),
        ("[profiles.a]\nwatch_intervall = \"1h\"\n", "[profiles.a]", "watch_intervall"),
        (
            "[notifiers.ops]\nkind = \"dingtalk\"\nurl = \"https://x/\"\nsecrit = \"s\"\n",
            "[notifiers.ops]",
            "secrit",
        ),
        (
            "[[rules]]\nname = \"a\"\nkind = \"quota\"\n[[rules]]\nname = \"b\"\nkind = \"quota\"\nthreshold = [1]\n",
            "[[rules]] #2",
            "threshold",
        ),
        ("[watch]\n[wacth]\nx = 1\n", "", "wacth"),
    ] {
        let e = parse(&format!("{base}{text}")).unwrap_err().to_string();
        assert!(e.contains("watch.toml") && e.contains("line "), "{text}: {e}");
        assert!(e.contains(table), "{text}: {e}");
        assert!(e.contains(&format!("`{key}`")), "{text}: {e}");
    }
}

#[test]
fn notifier_problems_are_all_named_without_secrets() {
    let text = r#"
[notifiers.ops]
kind = "dingtalk"
secret = "SENTINEL-secret"
[notifiers.mail]
kind = "email"
host = "smtp.example.com"
tls = "none"
from = "a@example.com"
to = ["b@example.com"]
password = "SENTINEL-pw"
username = "u"
"#;
    let e = error(text);
    assert!(
        e.contains("notifier `ops`") && e.contains("needs a `url`"),
        "{e}"
    );
    assert!(
        e.contains("notifier `mail`") && e.contains("loopback"),
        "{e}"
    );
    assert!(!e.contains("SENTINEL"), "{e}");
    let typed =
        error("[notifiers.ops]\nkind = \"dingtalk\"\nurl = \"https://x/\"\nsecret = 12345\n");
    assert!(
        typed.contains("[notifiers.ops]") && !typed.contains("12345"),
        "{typed}"
    );
}

#[test]
fn rule_problems_name_the_rule() {
    let base = "[profiles.acme.iotbos]\naccount = \"a\"\n[notifiers.ops]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/\"\n";
    for (text, wanted) in [
        (
            "[[rules]]\nname = \"q\"\nkind = \"quota\"\nthresholds = [80]\nnotify = [\"opz\"]\n",
            "rule \"q\": notify names \"opz\", which no [notifiers.opz] section defines",
        ),
        (
            "[[rules]]\nname = \"q\"\nkind = \"quota\"\nwithin = \"3d\"\n",
            "rule \"q\": `within` does not apply to the quota kind of rule",
        ),
        (
            "[[rules]]\nname = \"q\"\nkind = \"quota\"\nthresholds = [80]\n[[rules]]\nname = \"q\"\nkind = \"expiry\"\nwithin = \"3d\"\n",
            "rule name \"q\" is used by more than one rule",
        ),
        (
            "[[rules]]\nname = \"q\"\nkind = \"quota\"\nthresholds = [80]\nprofiles = [\"acmee\"]\n",
            "`profiles` of the rule \"q\" under [[rules]] names \"acmee\"",
        ),
    ] {
        let e = error(&format!("{base}{text}"));
        assert!(e.contains("watch.toml"), "{e}");
        assert!(e.contains(wanted), "{text}: {e}");
    }
    // A profile's accounts, when it configures both platforms, are in
    // scope under their store names too.
    let w = watch(&format!(
        "{base}[[rules]]\nname = \"q\"\nkind = \"quota\"\nthresholds = [80]\nprofiles = [\"acme\", \"acme/tencent\"]\n"
    ))
    .unwrap();
    let scope = &w.rules.get("q").unwrap().scope;
    for account in ["acme", "acme/iotbos", "acme/tencent"] {
        assert!(scope.matches_account(account), "{account}");
    }
    assert!(!scope.matches_account("shop"));
    let kind = parse(&format!(
        "{base}[[rules]]\nname = \"q\"\nkind = \"quotas\"\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(
        kind.contains("[[rules]] #1") && kind.contains("quotas"),
        "{kind}"
    );
}

#[test]
fn per_card_metrics_are_off_by_default_and_capped() {
    let base = "[profiles.a.iotbos]\naccount = \"a\"\n[watch]\n";
    let off = watch(base).unwrap().per_card;
    assert_eq!(
        (off.enabled, off.limit),
        (false, iotcard_observe::DEFAULT_PER_CARD_LIMIT)
    );
    let on = watch(&format!("{base}per_card_metrics = true\n"))
        .unwrap()
        .per_card;
    assert_eq!((on.enabled, on.limit), (true, 10_000));
    let capped = watch(&format!(
        "{base}per_card_metrics = true\nper_card_limit = 500\n"
    ))
    .unwrap()
    .per_card;
    assert_eq!((capped.enabled, capped.limit), (true, 500));
    for (text, wanted) in [
        (
            "per_card_limit = 500\n",
            "`per_card_limit` under [watch] is set but per_card_metrics is not true",
        ),
        (
            "per_card_metrics = true\nper_card_limit = 0\n",
            "`per_card_limit` under [watch] must be at least 1",
        ),
        (
            "per_card_metrics = true\nper_card_limit = 100001\n",
            "`per_card_limit` under [watch] is 100001, more than 100000 series",
        ),
        ("per_card_metrics = \"yes\"\n", "[watch]"),
        ("per_card_limit = -1\n", "[watch]"),
    ] {
        let e = error(&format!("{base}{text}"));
        assert!(
            e.contains("watch.toml") && e.contains(wanted),
            "{text}: {e}"
        );
    }
}
