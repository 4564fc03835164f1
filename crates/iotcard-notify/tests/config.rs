//! `[notifiers.*]` exactly as the config contract (issue 15) writes it, and
//! the problems a table can have.

use std::collections::BTreeMap;

use iotcard_notify::{notifiers, ChannelKind, NotifierConfig, NotifyError};

/// The `[notifiers.*]` part of the contract in issue 15, verbatim but for
/// the `…` placeholders.
const CONTRACT: &str = r#"
[notifiers.ops]                  # a name of your choice
kind = "dingtalk"                # dingtalk | wecom | feishu | webhook | email
url = "https://oapi.dingtalk.com/robot/send?access_token=SENTINEL1"
secret = "SECSENTINEL2"          # dingtalk and feishu signing secret

[notifiers.team]
kind = "feishu"
url = "https://open.feishu.cn/open-apis/bot/v2/hook/SENTINEL3"
secret = "SENTINEL4"

[notifiers.wx]
kind = "wecom"
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SENTINEL5"

[notifiers.am]
kind = "webhook"                 # Alertmanager webhook payload, version "4"
url = "http://127.0.0.1:9093/hook"

[notifiers.mail]
kind = "email"
host = "smtp.example.com"
port = 587
tls = "starttls"                 # starttls | tls | none (none only for a loopback host)
username = "iotcard"
password = "SENTINEL6"
from = "iotcard@example.com"
to = ["ops@example.com"]
"#;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    notifiers: BTreeMap<String, NotifierConfig>,
}

fn table(text: &str) -> Result<NotifierConfig, toml::de::Error> {
    toml::from_str(text)
}

fn problem(text: &str) -> String {
    table(text).unwrap().build("x").unwrap_err().to_string()
}

#[test]
fn the_contract_builds() {
    let file: File = toml::from_str(CONTRACT).unwrap();
    let built = notifiers(&file.notifiers).unwrap();
    let kinds: Vec<(&str, ChannelKind)> = built.iter().map(|n| (n.name(), n.kind())).collect();
    assert_eq!(
        kinds,
        [
            ("am", ChannelKind::Webhook),
            ("mail", ChannelKind::Email),
            ("ops", ChannelKind::DingTalk),
            ("team", ChannelKind::Feishu),
            ("wx", ChannelKind::WeCom),
        ]
    );
    let shown = format!("{:?} {built:?}", file.notifiers);
    assert!(!shown.contains("SENTINEL"), "{shown}");
    let iotcard_notify::Channel::Email(mail) = built[1].channel() else {
        panic!()
    };
    assert_eq!(mail.server().port, 587);
    assert_eq!(mail.server().tls, iotcard_notify::Tls::Starttls);
}

#[test]
fn unknown_keys_and_kinds_are_errors() {
    let e = table("kind = \"wecom\"\nurl = \"http://h/\"\nurll = \"x\"").unwrap_err();
    assert!(e.to_string().contains("unknown field `urll`"), "{e}");
    let e = table("kind = \"slack\"\nurl = \"http://h/\"").unwrap_err();
    assert!(e.to_string().contains("unknown variant `slack`"), "{e}");
    let e = table("kind = \"email\"\ntls = \"ssl\"").unwrap_err();
    assert!(e.to_string().contains("unknown variant `ssl`"), "{e}");
}

#[test]
fn keys_of_another_kind_are_errors() {
    assert_eq!(
        problem("kind = \"wecom\"\nurl = \"http://h/\"\nsecret = \"s\""),
        "notifier `x`: `secret` does not apply to kind = \"wecom\" (it takes `url`)"
    );
    assert!(
        problem("kind = \"dingtalk\"\nurl = \"http://h/\"\nhost = \"h\"")
            .contains("`host` does not apply to kind = \"dingtalk\"")
    );
    assert!(
        problem("kind = \"email\"\nurl = \"http://h/\"\nhost = \"h\"")
            .contains("`url` does not apply to kind = \"email\"")
    );
}

#[test]
fn what_each_kind_needs() {
    for kind in ["dingtalk", "wecom", "feishu", "webhook"] {
        assert_eq!(
            problem(&format!("kind = \"{kind}\"")),
            format!("notifier `x`: kind = \"{kind}\" needs a `url`")
        );
    }
    assert!(problem("kind = \"dingtalk\"\nurl = \"ftp://h/\"").contains("http:// or https://"));
    assert!(
        problem("kind = \"dingtalk\"\nurl = \"http://h/\"\nsecret = \" \"")
            .contains("`secret` is empty")
    );
    let email = "kind = \"email\"\n";
    assert!(problem(email).contains("needs a `host`"));
    assert!(problem(&format!("{email}host = \"h\"")).contains("needs a `from` address"));
    assert!(
        problem(&format!("{email}host = \"h\"\nfrom = \"a@b.c\"")).contains("at least one `to`")
    );
    assert!(
        problem(&format!("{email}host = \"h\"\nfrom = \"a@b.c\"\nto = []"))
            .contains("at least one `to`")
    );
    let e = problem(&format!(
        "{email}host = \"h\"\nfrom = \"not an address\"\nto = [\"a@b.c\"]"
    ));
    assert!(
        e.contains("`from`: \"not an address\" is not an e-mail address"),
        "{e}"
    );
    assert!(problem(&format!(
        "{email}host = \"h\"\nfrom = \"a@b.c\"\nto = [\"a@b.c\", \"@\"]"
    ))
    .contains("`to`"));
    assert!(problem(&format!(
        "{email}host = \"h\"\nfrom = \"a@b.c\"\nto = [\"a@b.c\"]\nusername = \"u\""
    ))
    .contains("without `password`"));
    assert!(problem(&format!(
        "{email}host = \"h\"\nfrom = \"a@b.c\"\nto = [\"a@b.c\"]\npassword = \"p\""
    ))
    .contains("without `username`"));
    assert!(problem(&format!(
        "{email}host = \"h\"\nfrom = \"a@b.c\"\nto = [\"a@b.c\"]\nport = 0"
    ))
    .contains("`port`"));
}

#[test]
fn tls_none_only_on_loopback() {
    let mail = |host: &str, tls: &str| {
        table(&format!(
            "kind = \"email\"\nhost = \"{host}\"\ntls = \"{tls}\"\nfrom = \"a@example.com\"\nto = [\"b@example.com\"]"
        ))
        .unwrap()
        .build("mail")
    };
    for host in [
        "localhost",
        "LOCALHOST",
        "127.0.0.1",
        "127.1.2.3",
        "::1",
        "[::1]",
    ] {
        let n = mail(host, "none").unwrap();
        let iotcard_notify::Channel::Email(e) = n.channel() else {
            panic!()
        };
        assert_eq!(e.server().port, 25, "{host}");
    }
    for host in [
        "smtp.example.com",
        "10.0.0.1",
        "localhost.example.com",
        "0.0.0.0",
    ] {
        let e = mail(host, "none").unwrap_err();
        assert!(matches!(e, NotifyError::Config { .. }));
        assert!(e.to_string().contains("loopback"), "{e}");
    }
    let n = mail("smtp.example.com", "tls").unwrap();
    let iotcard_notify::Channel::Email(e) = n.channel() else {
        panic!()
    };
    assert_eq!(e.server().port, 465);
}

#[test]
fn every_bad_notifier_is_reported() {
    let file: File = toml::from_str(
        r#"
[notifiers.a]
kind = "wecom"
[notifiers.b]
kind = "webhook"
url = "http://127.0.0.1/h"
[notifiers.c]
kind = "feishu"
"#,
    )
    .unwrap();
    let errors = notifiers(&file.notifiers).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "notifier `a`: kind = \"wecom\" needs a `url`",
            "notifier `c`: kind = \"feishu\" needs a `url`"
        ]
    );
}
