//! What each channel sends and how it reads the answer.

use std::collections::BTreeSet;
use std::error::Error as _;
use std::time::{Duration, SystemTime};

use http::{Response, StatusCode};
use iotcard_model::{Instant, Secret};
use iotcard_notify::webhook::{Payload, ZERO_TIME};
use iotcard_notify::{
    dingtalk, feishu, webhook, wecom, Alert, Digest, Notifier, NotifierConfig, NotifyError,
    Outgoing, Severity,
};
use serde_json::Value;

fn at(s: &str) -> Instant {
    s.parse().unwrap()
}

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_550_800)
}

fn notifier(toml_text: &str) -> Notifier {
    let table: NotifierConfig = toml::from_str(toml_text).unwrap();
    table.build("n").unwrap()
}

fn quota(cards: usize) -> Digest {
    let t = at("2026-12-01T09:00:00+08:00");
    let alerts = (0..cards).map(|i| {
        Alert::firing("quota", "acme", t)
            .with_severity(Severity::Critical)
            .with_card(
                format!("8986{i:016}"),
                format!("{}% of 1 GiB used", 80 + i % 21),
            )
            .with_summary("data used ≥ 80% of the allowance")
            .with_label("operator", "cmcc")
    });
    Digest::group(alerts, t).remove(0)
}

fn http(outgoing: Outgoing) -> http::Request<bytes::Bytes> {
    match outgoing {
        Outgoing::Http(r) => r,
        other => panic!("not HTTP: {other:?}"),
    }
}

fn json(request: &http::Request<bytes::Bytes>) -> Value {
    serde_json::from_slice(request.body()).unwrap()
}

const DINGTALK: &str = r#"
kind = "dingtalk"
url = "https://oapi.dingtalk.com/robot/send?access_token=SENTINEL_TOKEN"
secret = "SECSENTINEL"
"#;
const WECOM: &str = r#"
kind = "wecom"
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SENTINEL_KEY"
"#;
const FEISHU: &str = r#"
kind = "feishu"
url = "https://open.feishu.cn/open-apis/bot/v2/hook/SENTINEL0000-1111-2222-3333"
secret = "SENTINEL_SECRET"
"#;
const WEBHOOK: &str = r#"
kind = "webhook"
url = "http://127.0.0.1:9093/hook"
external_url = "http://iotcard.example"
"#;

#[test]
fn dingtalk_sends_signed_markdown() {
    let n = notifier(DINGTALK);
    let digest = quota(3);
    let request = http(n.prepare(&digest, now()).unwrap());
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(
        request.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let query = request.uri().query().unwrap();
    assert!(query.starts_with("access_token=SENTINEL_TOKEN&timestamp=1764550800000&sign="));
    dingtalk::verify(
        query,
        &Secret::new("SECSENTINEL"),
        now(),
        Duration::from_secs(60),
    )
    .unwrap();
    let body = json(&request);
    assert_eq!(body["msgtype"], "markdown");
    assert_eq!(body["markdown"]["title"], "[FIRING] quota · acme");
    let text = body["markdown"]["text"].as_str().unwrap();
    for part in [
        "**Rule:** quota",
        "**Account:** acme",
        "**Cards:** 3 firing",
        "**Severity:** critical",
        "- 89860000000000000001: 81% of 1 GiB used",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    // Pure: the same inputs, the same request; the key names the digest.
    let again = http(n.prepare(&digest, now()).unwrap());
    assert_eq!(again.body(), request.body());
    assert_eq!(again.uri(), request.uri());
    assert_eq!(
        request.headers()["idempotency-key"],
        n.idempotency_key(&digest).as_str()
    );
}

#[test]
fn an_unsigned_dingtalk_robot_gets_the_url_as_given() {
    let n = notifier("kind = \"dingtalk\"\nurl = \"http://127.0.0.1:1/robot/send?access_token=t\"");
    let request = http(n.prepare(&quota(1), now()).unwrap());
    assert_eq!(
        request.uri().to_string(),
        "http://127.0.0.1:1/robot/send?access_token=t"
    );
}

#[test]
fn ten_thousand_cards_make_one_message_within_each_limit() {
    let digest = quota(10_000);
    for (config, check) in [(DINGTALK, "dingtalk"), (WECOM, "wecom"), (FEISHU, "feishu")] {
        let request = http(notifier(config).prepare(&digest, now()).unwrap());
        let body = json(&request);
        let text = match check {
            "dingtalk" => {
                assert!(request.body().len() <= dingtalk::MAX_BODY);
                body["markdown"]["text"].as_str().unwrap().to_owned()
            }
            "wecom" => {
                let content = body["markdown"]["content"].as_str().unwrap().to_owned();
                assert!(content.len() <= wecom::MAX_CONTENT, "{}", content.len());
                content
            }
            _ => {
                assert!(request.body().len() <= feishu::MAX_BODY);
                body["card"]["elements"][0]["text"]["content"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        assert!(text.contains("10,000 firing"), "{check}: {text}");
        assert!(text.contains("and 9,98"), "{check}: {text}");
    }
}

#[test]
fn wecom_cuts_the_list_to_4096_bytes_of_content() {
    // Long Chinese figures: 3 bytes a character.
    let t = at("2026-12-01T09:00:00+08:00");
    let alerts = (0..200).map(|i| {
        Alert::firing("到期", "华东账户", t).with_card(
            format!("8986{i:016}"),
            "套餐将于2026年12月20日到期，请及时续费以免停机".repeat(3),
        )
    });
    let digest = Digest::group(alerts, t).remove(0);
    let content = wecom::WeCom::content(&digest).unwrap();
    assert!(content.len() <= wecom::MAX_CONTENT);
    assert!(content.contains("more"));
    let body: Value = serde_json::from_slice(&wecom::WeCom::body(&digest).unwrap()).unwrap();
    assert_eq!(body["msgtype"], "markdown");
    assert_eq!(body["markdown"]["content"], content);
}

#[test]
fn feishu_sends_signed_cards_posts_and_texts() {
    let digest = quota(2);
    let request = http(notifier(FEISHU).prepare(&digest, now()).unwrap());
    feishu::verify(
        request.body(),
        &Secret::new("SENTINEL_SECRET"),
        now(),
        Duration::from_secs(3600),
    )
    .unwrap();
    let body = json(&request);
    assert_eq!(body["timestamp"], "1764550800");
    assert_eq!(body["msg_type"], "interactive");
    assert_eq!(body["card"]["header"]["template"], "red");
    assert_eq!(
        body["card"]["header"]["title"]["content"],
        "[FIRING] quota · acme"
    );
    for (kind, check) in [
        ("post", "/content/post/zh_cn/title"),
        ("text", "/content/text"),
    ] {
        let n = notifier(&format!("{FEISHU}msg_type = \"{kind}\"\n"));
        let body = json(&http(n.prepare(&digest, now()).unwrap()));
        assert_eq!(body["msg_type"], kind);
        assert!(body
            .pointer(check)
            .unwrap()
            .as_str()
            .unwrap()
            .contains("quota"));
    }
    // Unsigned: no timestamp, no sign.
    let unsigned = notifier("kind = \"feishu\"\nurl = \"http://127.0.0.1:1/hook/x\"");
    let body = json(&http(unsigned.prepare(&digest, now()).unwrap()));
    assert!(body.get("sign").is_none() && body.get("timestamp").is_none());
}

#[test]
fn the_webhook_payload_is_alertmanagers_version_4() {
    let t = at("2026-12-01T09:00:00+08:00");
    let end = at("2026-12-01T10:30:00+08:00");
    let alerts = vec![
        Alert::firing("quota", "acme", t)
            .with_card("8986001", "91% of 1 GiB")
            .with_card("8986002", "95% of 1 GiB")
            .with_summary("data used ≥ 90%")
            .with_generator_url("http://iotcard.example/rules/quota"),
        Alert::firing("quota", "acme", t)
            .with_card("8986003", "80%")
            .with_summary("data used ≥ 90%")
            .resolved(end),
    ];
    let digest = Digest::new("quota", t, alerts).unwrap();
    let n = notifier(WEBHOOK);
    let request = http(n.prepare(&digest, now()).unwrap());
    assert_eq!(request.uri(), "http://127.0.0.1:9093/hook");
    let body = json(&request);
    let keys: BTreeSet<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "version",
            "groupKey",
            "truncatedAlerts",
            "status",
            "receiver",
            "groupLabels",
            "commonLabels",
            "commonAnnotations",
            "externalURL",
            "alerts"
        ])
    );
    assert_eq!(body["version"], "4");
    assert_eq!(body["groupKey"], "{}:{alertname=\"quota\"}");
    assert_eq!(body["truncatedAlerts"], 0);
    assert_eq!(body["status"], "firing");
    assert_eq!(body["receiver"], "n");
    assert_eq!(body["externalURL"], "http://iotcard.example");
    assert_eq!(
        body["groupLabels"],
        serde_json::json!({"alertname": "quota"})
    );
    assert_eq!(
        body["commonLabels"],
        serde_json::json!({"alertname": "quota", "severity": "warning", "account": "acme"})
    );
    assert_eq!(
        body["commonAnnotations"],
        serde_json::json!({"summary": "data used ≥ 90%"})
    );
    let alerts = body["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 3, "one per card");
    let first = &alerts[0];
    let keys: BTreeSet<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "status",
            "labels",
            "annotations",
            "startsAt",
            "endsAt",
            "generatorURL",
            "fingerprint"
        ])
    );
    assert_eq!(first["status"], "firing");
    assert_eq!(first["labels"]["card"], "8986001");
    assert_eq!(first["labels"]["alertname"], "quota");
    assert_eq!(first["annotations"]["figure"], "91% of 1 GiB");
    assert_eq!(first["startsAt"], "2026-12-01T09:00:00+08:00");
    assert_eq!(first["endsAt"], ZERO_TIME);
    assert_eq!(first["generatorURL"], "http://iotcard.example/rules/quota");
    assert_eq!(first["fingerprint"].as_str().unwrap().len(), 16);
    assert_ne!(first["fingerprint"], alerts[1]["fingerprint"]);
    // The single-card alert's payload fingerprint is the alert's own.
    let resolved = &alerts[2];
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["endsAt"], "2026-12-01T10:30:00+08:00");
    assert_eq!(
        resolved["fingerprint"],
        digest.alerts()[1].fingerprint().as_str()
    );
    // Receivers can read it back.
    let back: Payload = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(back.alerts.len(), 3);

    // max_alerts truncates, counting the rest.
    let n = notifier(&format!("{WEBHOOK}max_alerts = 2\n"));
    let body = json(&http(n.prepare(&digest, now()).unwrap()));
    assert_eq!(body["alerts"].as_array().unwrap().len(), 2);
    assert_eq!(body["truncatedAlerts"], 1);
    // An account-level alert has no card label; UTC times end in Z.
    let sync =
        Alert::firing("stale", "acme", at("2026-12-01T01:00:00Z")).with_summary("no sync for 3h");
    let d = Digest::new("stale", sync.starts_at, vec![sync]).unwrap();
    let w = webhook::Webhook::new(
        iotcard_notify::SecretUrl::parse("http://127.0.0.1/h").unwrap(),
        "am",
        "",
        0,
    );
    let p = w.payload(&d);
    assert!(!p.alerts[0].labels.contains_key("card"));
    assert_eq!(p.alerts[0].starts_at, "2026-12-01T01:00:00Z");
}

#[test]
fn email_is_plain_text_with_an_html_alternative_and_no_randomness() {
    let n = notifier(
        r#"
kind = "email"
host = "127.0.0.1"
port = 2525
tls = "none"
username = "u"
password = "SENTINEL_PW"
from = "iotcard <iotcard@example.com>"
to = ["ops@example.com", "Second <b@example.org>"]
"#,
    );
    let digest = quota(30);
    let Outgoing::Email(mail) = n.prepare(&digest, now()).unwrap() else {
        panic!("not an e-mail")
    };
    assert_eq!(mail.server.host, "127.0.0.1");
    assert_eq!(mail.server.port, 2525);
    assert!(!format!("{mail:?} {n:?}").contains("SENTINEL"));
    let envelope = mail.message.envelope();
    assert_eq!(envelope.from().unwrap().to_string(), "iotcard@example.com");
    assert_eq!(envelope.to().len(), 2);
    let bytes = mail.message.formatted();
    let text = String::from_utf8(bytes.clone()).unwrap();
    let key = n.idempotency_key(&digest);
    assert!(
        text.contains(&format!("Message-ID: <{key}@example.com>")),
        "{text}"
    );
    assert!(
        text.contains("Date: Mon, 01 Dec 2025 01:00:00 +0000"),
        "{text}"
    );
    assert!(text.contains("multipart/alternative"), "{text}");
    assert!(
        text.contains(&format!("boundary=\"iotcard-{key}\"")),
        "{text}"
    );
    assert!(text.contains("Content-Type: text/plain"), "{text}");
    assert!(text.contains("Content-Type: text/html"), "{text}");
    assert!(text.contains("Subject: [FIRING] quota"), "{text}");
    // The same digest, the same bytes (no random boundary or id).
    let Outgoing::Email(again) = n.prepare(&digest, now()).unwrap() else {
        unreachable!()
    };
    assert_eq!(again.message.formatted(), bytes);
    assert!(matches!(
        n.read_answer(&Response::new("")),
        Err(NotifyError::NoHttpAnswer { .. })
    ));
    // SMTP replies.
    use iotcard_notify::email::read_smtp_reply;
    assert!(read_smtp_reply(250, "2.0.0 OK queued").is_ok());
    let e = read_smtp_reply(451, "4.7.1 try later").unwrap_err();
    assert!(e.is_transient() && !e.is_refused());
    let e = read_smtp_reply(550, "5.1.1 no such user").unwrap_err();
    assert!(e.is_refused() && !e.is_transient());
    assert_eq!(e.provider_message(), Some("5.1.1 no such user"));
}

fn answer(status: u16, body: &str) -> Response<String> {
    Response::builder()
        .status(status)
        .body(body.to_owned())
        .unwrap()
}

#[test]
fn robot_codes_are_classified_and_kept_verbatim() {
    type Reader = fn(&Response<String>) -> Result<iotcard_notify::Delivered, NotifyError>;
    let cases: &[(Reader, &str, i64, bool)] = &[
        (
            dingtalk::read_answer,
            r#"{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}"#,
            130101,
            true,
        ),
        (
            dingtalk::read_answer,
            r#"{"errcode":310000,"errmsg":"sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}"#,
            310000,
            false,
        ),
        (
            dingtalk::read_answer,
            r#"{"errcode":300001,"errmsg":"token is not exist"}"#,
            300001,
            false,
        ),
        (
            wecom::read_answer,
            r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#,
            45009,
            true,
        ),
        (
            wecom::read_answer,
            r#"{"errcode":93000,"errmsg":"invalid webhook url, hint: [1]"}"#,
            93000,
            false,
        ),
        (
            feishu::read_answer,
            r#"{"code":9499,"msg":"too many request","data":{}}"#,
            9499,
            true,
        ),
        (
            feishu::read_answer,
            r#"{"code":11232,"msg":"frequency limited"}"#,
            11232,
            true,
        ),
        (
            feishu::read_answer,
            r#"{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}"#,
            19021,
            false,
        ),
        (
            feishu::read_answer,
            r#"{"StatusCode":19024,"StatusMessage":"Key Words Not Found"}"#,
            19024,
            false,
        ),
        (
            dingtalk::read_answer,
            r#"{"errcode":"-1","errmsg":"系统繁忙"}"#,
            -1,
            true,
        ),
    ];
    for (read, body, code, transient) in cases {
        let e = read(&answer(200, body)).unwrap_err();
        assert_eq!(e.provider_code(), Some(*code), "{body}");
        assert_eq!(e.is_transient(), *transient, "{body}");
        assert_eq!(e.is_refused(), !*transient, "{body}");
        let message: Value = serde_json::from_str(body).unwrap();
        let verbatim = message
            .get("errmsg")
            .or(message.get("msg"))
            .or(message.get("StatusMessage"))
            .unwrap();
        assert_eq!(e.provider_message(), verbatim.as_str());
        assert!(e.to_string().contains(verbatim.as_str().unwrap()), "{e}");
    }
    for (read, body) in [
        (
            dingtalk::read_answer as Reader,
            r#"{"errcode":0,"errmsg":"ok"}"#,
        ),
        (wecom::read_answer, r#"{"errcode":0,"errmsg":"ok"}"#),
        (
            feishu::read_answer,
            r#"{"code":0,"msg":"success","data":{}}"#,
        ),
        (
            feishu::read_answer,
            r#"{"Extra":null,"StatusCode":0,"StatusMessage":"success"}"#,
        ),
    ] {
        let ok = read(&answer(200, body)).unwrap();
        assert_eq!(ok.code, Some(0));
    }
}

#[test]
fn statuses_and_unreadable_answers() {
    // A gateway's 502 page: transient, the body shown redacted.
    let e = dingtalk::read_answer(&answer(
        502,
        "<html>Bad Gateway for /robot/send?access_token=SENTINEL</html>",
    ))
    .unwrap_err();
    assert!(e.is_transient());
    assert_eq!(e.status(), Some(StatusCode::BAD_GATEWAY));
    assert!(!e.to_string().contains("SENTINEL"), "{e}");
    // A code whose message echoes the token: kept, the token hidden.
    let e = dingtalk::read_answer(&answer(
        200,
        r#"{"errcode":300005,"errmsg":"token not exist: access_token=SENTINEL"}"#,
    ))
    .unwrap_err();
    assert_eq!(
        e.provider_message(),
        Some("token not exist: access_token=***")
    );
    // 429 with Retry-After.
    let limited = Response::builder()
        .status(429)
        .header("retry-after", "30")
        .body(String::new())
        .unwrap();
    let e = wecom::read_answer(&limited).unwrap_err();
    assert!(e.is_transient());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
    // A 403 without a code: refused.
    let e = feishu::read_answer(&answer(403, "forbidden")).unwrap_err();
    assert!(e.is_refused() && !e.is_transient());
    // A 200 that is no envelope: neither (the shell decides), with the
    // JSON error as its source.
    let e = dingtalk::read_answer(&answer(200, "<html>ok</html>")).unwrap_err();
    assert!(!e.is_transient() && !e.is_refused());
    assert!(e.source().is_some());
    let e = dingtalk::read_answer(&answer(200, r#"{"ok":true}"#)).unwrap_err();
    assert!(matches!(e, NotifyError::UnreadableAnswer { .. }), "{e}");
    // A code 0 under a 500: not trusted.
    let e = wecom::read_answer(&answer(500, r#"{"errcode":0,"errmsg":"ok"}"#)).unwrap_err();
    assert!(e.is_transient());
    // A non-zero code under a 5xx: transient whatever the code.
    let e = feishu::read_answer(&answer(503, r#"{"code":19021,"msg":"x"}"#)).unwrap_err();
    assert!(e.is_transient());
    // Webhooks: any 2xx.
    assert!(webhook::read_answer(&answer(204, "")).is_ok());
    assert!(webhook::read_answer(&answer(200, "not json")).is_ok());
    assert!(webhook::read_answer(&answer(500, ""))
        .unwrap_err()
        .is_transient());
    assert!(webhook::read_answer(&answer(408, ""))
        .unwrap_err()
        .is_transient());
    assert!(webhook::read_answer(&answer(400, ""))
        .unwrap_err()
        .is_refused());
}

#[test]
fn no_secret_in_debug_display_or_errors() {
    for config in [DINGTALK, WECOM, FEISHU] {
        let table: NotifierConfig = toml::from_str(config).unwrap();
        let n = table.build("n").unwrap();
        let shown = format!("{table:?} {n:?} {:?}", n.channel());
        assert!(!shown.contains("SENTINEL"), "{shown}");
    }
    let n = notifier(DINGTALK);
    let iotcard_notify::Channel::DingTalk(robot) = n.channel() else {
        unreachable!()
    };
    assert_eq!(
        robot.url().to_string(),
        "https://oapi.dingtalk.com/robot/send?access_token=***"
    );
    // A bad URL's error shows it redacted.
    let bad: NotifierConfig = toml::from_str(
        "kind = \"wecom\"\nurl = \"qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SENTINEL\"",
    )
    .unwrap();
    let e = bad.build("wx").unwrap_err();
    assert!(!e.to_string().contains("SENTINEL"), "{e}");
    assert!(e.to_string().starts_with("notifier `wx`: `url`:"), "{e}");
}

#[test]
fn signing_before_1970_is_an_error() {
    let n = notifier(DINGTALK);
    let e = n
        .prepare(&quota(1), SystemTime::UNIX_EPOCH - Duration::from_secs(1))
        .unwrap_err();
    assert!(matches!(e, NotifyError::TimeBeforeEpoch));
}

#[test]
#[ignore = "prints a sample of every channel's message, for a look"]
fn show() {
    let digest = quota(25);
    for config in [DINGTALK, WECOM, FEISHU, WEBHOOK] {
        let r = http(notifier(config).prepare(&digest, now()).unwrap());
        println!("{}\n{}\n", r.uri(), String::from_utf8_lossy(r.body()));
    }
    let n = notifier("kind = \"email\"\nhost = \"localhost\"\ntls = \"none\"\nfrom = \"a@example.com\"\nto = [\"b@example.com\"]");
    let Outgoing::Email(m) = n.prepare(&digest, now()).unwrap() else {
        unreachable!()
    };
    println!("{}", String::from_utf8_lossy(&m.message.formatted()));
}
