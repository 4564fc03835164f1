//! The delivery shell against local receivers.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use iotcard_facade::{Clock, Entropy};
use iotcard_model::Secret;
use iotcard_notify::email::{Email, SmtpServer, Tls};
use iotcard_notify::feishu::MessageType;
use iotcard_notify::{
    Alert, Channel, Digest, DingTalk, Feishu, Notifier, SecretUrl, WeCom, Webhook,
};
use iotcard_transport::HttpTransport;
use iotcard_watch::receivers::{Down, Robot, SmtpReceiver};
use iotcard_watch::{Deliverer, ManualClock, RetryPolicy};

const START: u64 = 1_796_000_000; // 2026-11-30

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(START),
    ))
}

fn deliverer(clock: &Arc<ManualClock>, retry: RetryPolicy) -> Deliverer {
    let transport = HttpTransport::builder()
        .secret_names(iotcard_notify::URL_SECRETS)
        .connect_timeout(Duration::from_secs(5))
        .request_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    Deliverer::builder(transport)
        .clock(clock.clone())
        .sleeper(clock.clone())
        .entropy(Entropy::Seed(7))
        .retry(retry)
        .build()
        .unwrap()
}

fn digest(rule: &str, n: usize) -> Digest {
    let at = "2026-12-01T09:00:00+08:00".parse().unwrap();
    let alerts = (1..=3).map(|i| {
        Alert::firing(rule, "acme", at)
            .with_card(
                format!("8986000000000000{n:02}{i:02}"),
                format!("{}% of 1 GiB used", 80 + i),
            )
            .with_summary("data used ≥ 80% of the allowance")
    });
    Digest::group(alerts, at).remove(0)
}

fn url(u: &str) -> SecretUrl {
    SecretUrl::parse(u.to_owned()).unwrap()
}

fn dingtalk(robot: &Robot, secret: &str) -> Notifier {
    Notifier::new(
        "ops",
        Channel::DingTalk(DingTalk::new(url(&robot.url()), Some(Secret::new(secret)))),
    )
}

#[tokio::test]
async fn every_channel_delivers_and_the_receiver_checks_it() {
    let clock = clock();
    let c: Arc<dyn Clock> = clock.clone();
    let d = deliverer(&clock, RetryPolicy::default());

    let ding = Robot::dingtalk("T0KENding", Some("SECding"), c.clone())
        .await
        .unwrap();
    let wx = Robot::wecom("KEYwecom123", c.clone()).await.unwrap();
    let fs = Robot::feishu(
        "2d6a7c4e-1b2c-4f0e-9a77-0c1d2e3f4a5b",
        Some("fsSecret"),
        c.clone(),
    )
    .await
    .unwrap();
    let hook = Robot::webhook(c.clone()).await.unwrap();
    let smtp = SmtpReceiver::start(Some(("iot", "mail-pass-77")), c.clone())
        .await
        .unwrap();

    let notifiers = [
        dingtalk(&ding, "SECding"),
        Notifier::new("wx", Channel::WeCom(WeCom::new(url(&wx.url())))),
        Notifier::new(
            "team",
            Channel::Feishu(Feishu::new(
                url(&fs.url()),
                Some(Secret::new("fsSecret")),
                MessageType::Interactive,
            )),
        ),
        Notifier::new(
            "am",
            Channel::Webhook(Webhook::new(url(&hook.url()), "am", "", 0)),
        ),
        Notifier::new(
            "mail",
            Channel::Email(Email::new(
                SmtpServer::new("127.0.0.1", smtp.port(), Tls::None)
                    .with_login("iot", Secret::new("mail-pass-77")),
                "iotcard <iotcard@example.com>".parse().unwrap(),
                vec!["ops@example.com".parse().unwrap()],
            )),
        ),
    ];
    let digest = digest("quota", 1);
    for n in &notifiers {
        let delivery = d.deliver(n, &digest).await;
        assert!(
            delivery.is_delivered(),
            "{}: {:?}",
            n.name(),
            delivery.error()
        );
        assert_eq!(delivery.attempts.len(), 1);
        assert!(delivery.attempts[0].reached);
    }
    for (robot, name) in [(&ding, "ops"), (&wx, "wx"), (&fs, "team"), (&hook, "am")] {
        let got = robot.received();
        assert_eq!(got.len(), 1, "{name}: {:?}", robot.refusals());
        let key = notifiers
            .iter()
            .find(|n| n.name() == name)
            .unwrap()
            .idempotency_key(&digest);
        assert_eq!(got[0].idempotency_key(), Some(key.as_str()));
    }
    let payload = hook.received()[0].payload().unwrap();
    assert_eq!(payload.version, "4");
    assert_eq!(payload.alerts.len(), 3);
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].login.as_deref(), Some("iot"));
    assert_eq!(mails[0].to, vec!["ops@example.com".to_owned()]);
    assert!(mails[0]
        .header("Message-ID")
        .unwrap()
        .contains(notifiers[4].idempotency_key(&digest).as_str()));
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_not_retried() {
    let clock = clock();
    let c: Arc<dyn Clock> = clock.clone();
    let d = deliverer(&clock, RetryPolicy::default());
    let ding = Robot::dingtalk("T0KENding", Some("SECright"), c.clone())
        .await
        .unwrap();
    let delivery = d
        .deliver(&dingtalk(&ding, "SECwrong"), &digest("quota", 1))
        .await;
    assert_eq!(delivery.attempts.len(), 1);
    let e = delivery.error().unwrap();
    assert!(e.is_refused() && !e.is_transient(), "{e:?}");
    assert_eq!(ding.requests(), 1);
    assert!(ding.received().is_empty());

    let fs = Robot::feishu("hooktoken", Some("right"), c.clone())
        .await
        .unwrap();
    let team = Notifier::new(
        "team",
        Channel::Feishu(Feishu::new(
            url(&fs.url()),
            Some(Secret::new("wrong")),
            MessageType::Text,
        )),
    );
    let delivery = d.deliver(&team, &digest("quota", 1)).await;
    assert_eq!(delivery.attempts.len(), 1);
    let source = std::error::Error::source(delivery.error().unwrap())
        .unwrap()
        .to_string();
    assert!(source.contains("19021"), "{source}");

    // A bad SMTP login: 535, permanent.
    let smtp = SmtpReceiver::start(Some(("iot", "right-pass")), c.clone())
        .await
        .unwrap();
    let mail = Notifier::new(
        "mail",
        Channel::Email(Email::new(
            SmtpServer::new("127.0.0.1", smtp.port(), Tls::None)
                .with_login("iot", Secret::new("wrong-pass-xyz")),
            "iotcard@example.com".parse().unwrap(),
            vec!["ops@example.com".parse().unwrap()],
        )),
    );
    let delivery = d.deliver(&mail, &digest("quota", 1)).await;
    assert_eq!(delivery.attempts.len(), 1, "{:?}", delivery.attempts);
    assert!(delivery.error().unwrap().is_refused());
    assert!(smtp.mails().is_empty());
    let shown = format!(
        "{:?} {:#?}",
        delivery,
        delivery.error().map(|e| e.to_string())
    );
    assert!(!shown.contains("wrong-pass-xyz"), "{shown}");
}

#[tokio::test]
async fn a_receiver_down_then_up_gets_the_message_once() {
    let clock = clock();
    let c: Arc<dyn Clock> = clock.clone();
    let d = deliverer(
        &clock,
        RetryPolicy::new(8, Duration::from_secs(10), Duration::from_secs(300)),
    );
    for how in [Down::Refuse, Down::Unavailable, Down::RateLimited] {
        let ding = Robot::dingtalk("T0KENding", Some("SECding"), c.clone())
            .await
            .unwrap();
        ding.down_for(3, how);
        let before = clock.slept();
        let delivery = d
            .deliver(&dingtalk(&ding, "SECding"), &digest("quota", 1))
            .await;
        assert!(delivery.is_delivered(), "{how:?}: {:?}", delivery.error());
        assert_eq!(delivery.attempts.len(), 4, "{how:?}");
        for a in &delivery.attempts[..3] {
            assert!(a.outcome.as_ref().unwrap_err().is_transient(), "{how:?}");
            assert!(a.retry_in.unwrap() >= Duration::from_secs(5));
        }
        assert_eq!(ding.received().len(), 1, "{how:?}");
        // Backoff waited between attempts (jittered 10 s, 20 s, 40 s).
        assert!(clock.slept() - before >= Duration::from_secs(35), "{how:?}");
        // Signed anew each time: the last signature was checked at its own time.
        assert!(delivery.attempts[3].at > delivery.attempts[0].at);
    }

    // Webhook and SMTP too.
    let hook = Robot::webhook(c.clone()).await.unwrap();
    hook.down_for(2, Down::Unavailable);
    let am = Notifier::new(
        "am",
        Channel::Webhook(Webhook::new(url(&hook.url()), "am", "", 0)),
    );
    let delivery = d.deliver(&am, &digest("quota", 1)).await;
    assert!(delivery.is_delivered());
    assert_eq!((delivery.attempts.len(), hook.received().len()), (3, 1));

    let smtp = SmtpReceiver::start(None, c.clone()).await.unwrap();
    smtp.down_for(2, Down::Unavailable);
    let mail = Notifier::new(
        "mail",
        Channel::Email(Email::new(
            SmtpServer::new("127.0.0.1", smtp.port(), Tls::None),
            "iotcard@example.com".parse().unwrap(),
            vec!["ops@example.com".parse().unwrap()],
        )),
    );
    let delivery = d.deliver(&mail, &digest("quota", 1)).await;
    assert!(delivery.is_delivered(), "{:?}", delivery.attempts);
    assert_eq!((delivery.attempts.len(), smtp.mails().len()), (3, 1));

    // Down for longer than the policy: every attempt recorded, none delivered.
    let ding = Robot::dingtalk("T0KENding", Some("SECding"), c.clone())
        .await
        .unwrap();
    ding.down(Down::Unavailable);
    let delivery = d
        .deliver(&dingtalk(&ding, "SECding"), &digest("quota", 1))
        .await;
    assert_eq!(delivery.attempts.len(), 8);
    assert!(delivery.error().unwrap().is_transient());
    assert!(delivery.attempts.last().unwrap().retry_in.is_none());
    ding.up();
    let delivery = d
        .deliver(&dingtalk(&ding, "SECding"), &digest("quota", 1))
        .await;
    assert_eq!((delivery.attempts.len(), ding.received().len()), (1, 1));
}

#[tokio::test]
async fn twenty_five_digests_to_a_robot_keep_within_twenty_a_minute() {
    let clock = clock();
    let c: Arc<dyn Clock> = clock.clone();
    let d = Arc::new(deliverer(&clock, RetryPolicy::once()));
    let ding = Arc::new(
        Robot::dingtalk("T0KENding", Some("SECding"), c.clone())
            .await
            .unwrap(),
    );
    let ops = dingtalk(&ding, "SECding");
    // Concurrent senders share the notifier's rate.
    let tasks: Vec<_> = (0..25)
        .map(|i| {
            let (d, ops) = (d.clone(), ops.clone());
            tokio::spawn(async move { d.deliver(&ops, &digest(&format!("rule{i}"), i)).await })
        })
        .collect();
    for t in tasks {
        let delivery = t.await.unwrap();
        assert!(delivery.is_delivered(), "{:?}", delivery.error());
    }
    let got = ding.received();
    assert_eq!(got.len(), 25, "{:?}", ding.refusals());
    let mut at: Vec<SystemTime> = got.iter().map(|r| r.at).collect();
    at.sort();
    for (i, t) in at.iter().enumerate() {
        let in_minute = at[..=i]
            .iter()
            .filter(|x| t.duration_since(**x).unwrap() < Duration::from_secs(60))
            .count();
        assert!(in_minute <= 20, "message {i}: {in_minute} in a minute");
    }
    assert!(at[24].duration_since(at[0]).unwrap() >= Duration::from_secs(60));
    // Paced, not slowed: the wait was about one minute, not more.
    assert!(
        clock.slept() <= Duration::from_secs(61),
        "{:?}",
        clock.slept()
    );
    assert_eq!(d.sends("ops").await.len(), 25);
}

#[tokio::test]
async fn secrets_never_show_in_errors_or_debug() {
    let clock = clock();
    let c: Arc<dyn Clock> = clock.clone();
    let d = deliverer(
        &clock,
        RetryPolicy::new(2, Duration::from_secs(1), Duration::from_secs(1)),
    );
    // Nothing listens on port 9 of loopback: connection refused.
    let fs_token = "2d6a7c4e-1b2c-4f0e-9a77-0c1d2e3f4a5b";
    let ding = Notifier::new(
        "ops",
        Channel::DingTalk(DingTalk::new(
            url("http://127.0.0.1:9/robot/send?access_token=T0KENsecret42"),
            Some(Secret::new("SECsigning99")),
        )),
    );
    let team = Notifier::new(
        "team",
        Channel::Feishu(Feishu::new(
            url(&format!(
                "http://127.0.0.1:9/open-apis/bot/v2/hook/{fs_token}"
            )),
            Some(Secret::new("fsSigning77")),
            MessageType::Text,
        )),
    );
    let wrong = Robot::wecom("KEYright", c.clone()).await.unwrap();
    let wx = Notifier::new(
        "wx",
        Channel::WeCom(WeCom::new(url(&wrong
            .url()
            .replace("KEYright", "KEYwrong55")))),
    );
    for n in [ding, team, wx] {
        let delivery = d.deliver(&n, &digest("quota", 1)).await;
        let e = delivery.error().unwrap();
        let mut shown = format!("{delivery:?} {e} {e:?}");
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            shown.push_str(&format!(" {c} {c:?}"));
            cause = c.source();
        }
        for secret in [
            "T0KENsecret42",
            "SECsigning99",
            fs_token,
            "fsSigning77",
            "KEYwrong55",
        ] {
            assert!(!shown.contains(secret), "{}: {secret} in {shown}", n.name());
        }
        assert!(!format!("{d:?} {n:?}").contains("T0KENsecret42"));
    }
}
