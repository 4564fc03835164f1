//! Properties: answer readers never panic; every message fits its channel's
//! limit whatever the alerts say; secrets never show.

use std::time::{Duration, SystemTime};

use http::Response;
use iotcard_model::{Instant, Secret};
use iotcard_notify::feishu::{Feishu, MessageType};
use iotcard_notify::{
    dingtalk, feishu, webhook, wecom, Alert, Digest, DingTalk, NotifierConfig, SecretUrl, WeCom,
};
use proptest::prelude::*;

fn at() -> Instant {
    "2026-12-01T09:00:00+08:00".parse().unwrap()
}

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_550_800)
}

/// Any text: long, short, CJK, control characters, quotes, markdown.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "[\"\\\\\n\t*_#<>\\[\\]`\u{0}-\u{1f}]{0,40}",
        "[卡片流量到期]{0,200}",
        "\\PC{0,1000}",
    ]
}

fn alerts() -> impl Strategy<Value = Vec<Alert>> {
    let alert = (
        text(),
        prop::collection::vec((text(), text()), 0..40),
        text(),
        text(),
        any::<bool>(),
    )
        .prop_map(|(account, cards, summary, description, resolved)| {
            let mut a = Alert::firing("rule", account, at())
                .with_summary(summary)
                .with_description(description);
            for (card, figure) in cards {
                a = a.with_card(card, figure);
            }
            if resolved {
                a = a.resolved(at());
            }
            a
        });
    prop::collection::vec(alert, 1..12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_robot_message_fits(alerts in alerts(), rule in text()) {
        let alerts: Vec<Alert> = alerts.into_iter().map(|mut a| { a.rule = rule.clone(); a }).collect();
        let digest = Digest::new(rule.clone(), at(), alerts).unwrap();
        let url = SecretUrl::parse("http://127.0.0.1/x").unwrap();

        let body = DingTalk::body(&digest).unwrap();
        prop_assert!(body.len() <= dingtalk::MAX_BODY, "{}", body.len());
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        prop_assert!(json["markdown"]["text"].as_str().unwrap().contains("Rule:"));

        let content = WeCom::content(&digest).unwrap();
        prop_assert!(content.len() <= wecom::MAX_CONTENT, "{}", content.len());

        for kind in [MessageType::Interactive, MessageType::Post, MessageType::Text] {
            let bot = Feishu::new(url.clone(), Some(Secret::new("s")), kind);
            let body = bot.body(&digest, 1_764_550_800).unwrap();
            prop_assert!(body.len() <= feishu::MAX_BODY, "{}", body.len());
            feishu::verify(&body, &Secret::new("s"), now(), Duration::from_secs(60)).unwrap();
        }

        // The webhook and e-mail have no size limit but must build.
        let hook = webhook::Webhook::new(url, "am", "", 0);
        let payload: webhook::Payload = serde_json::from_slice(&hook.body(&digest).unwrap()).unwrap();
        prop_assert_eq!(payload.alerts.len(), digest.alerts().iter().map(|a| a.cards.len().max(1)).sum::<usize>());
        let mail: NotifierConfig = toml::from_str("kind = \"email\"\nhost = \"localhost\"\ntls = \"none\"\nfrom = \"a@example.com\"\nto = [\"b@example.com\"]").unwrap();
        mail.build("mail").unwrap().prepare(&digest, now()).unwrap();
    }

    #[test]
    fn answer_readers_never_panic(
        status in 100u16..1000,
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            "\\{\"(errcode|code|StatusCode|errmsg|msg)\":(-?[0-9]{1,25}|\"[^\"]{0,10}\"|null|true|\\[\\]|\\{\\}|1e400)(,\"(errmsg|msg|StatusMessage)\":(\"\\PC{0,20}\"|[0-9]+|null))?\\}".prop_map(String::into_bytes),
        ],
        retry in proptest::option::of("\\PC{0,12}"),
    ) {
        let mut builder = Response::builder().status(status);
        if let Some(retry) = retry.filter(|r| http::HeaderValue::from_str(r).is_ok()) {
            builder = builder.header("retry-after", retry);
        }
        let answer = builder.body(body).unwrap();
        for result in [
            dingtalk::read_answer(&answer),
            wecom::read_answer(&answer),
            feishu::read_answer(&answer),
            webhook::read_answer(&answer),
        ] {
            if let Err(e) = result {
                let _ = (e.to_string(), e.is_transient(), e.is_refused(), e.retry_after());
                prop_assert!(!(e.is_transient() && e.is_refused()));
            }
        }
    }

    #[test]
    fn verifiers_never_panic(query in "\\PC{0,80}", body in prop::collection::vec(any::<u8>(), 0..120)) {
        let s = Secret::new("SEC");
        let _ = dingtalk::verify(&query, &s, now(), Duration::from_secs(3600));
        let _ = feishu::verify(&body, &s, now(), Duration::from_secs(3600));
        let _ = feishu::verify(query.as_bytes(), &s, now(), Duration::from_secs(3600));
    }

    #[test]
    fn robot_tokens_never_show(token in "[A-Za-z0-9_-]{6,40}") {
        let token = format!("SeCrEt{token}");
        for url in [
            format!("https://oapi.dingtalk.com/robot/send?access_token={token}"),
            format!("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={token}"),
            format!("https://open.feishu.cn/open-apis/bot/v2/hook/{token}"),
            format!("https://hooks.example/p/{token}0123456789/x"),
            format!("http://u:{token}@127.0.0.1:9093/hook"),
        ] {
            let shown = SecretUrl::parse(url.as_str()).unwrap().to_string();
            prop_assert!(!shown.contains(&token), "{}", shown);
        }
    }
}
