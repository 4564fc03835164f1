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
use iotcard_watch::receivers::{Down, Robot, SmtpReceiver, TestCa};
use iotcard_watch::{Deliverer, ManualClock, RetryPolicy, WatchError};

const START: u64 = 1_796_000_000; // 2026-11-30

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(START),
    ))
}

fn deliverer(clock: &Arc<ManualClock>, retry: RetryPolicy) -> Deliverer {
    deliverer_trusting(clock, retry, None)
}

/// A deliverer that trusts `ca` for SMTP over TLS, beside the web roots.
fn deliverer_trusting(
    clock: &Arc<ManualClock>,
    retry: RetryPolicy,
    ca: Option<&TestCa>,
) -> Deliverer {
    let transport = HttpTransport::builder()
        .secret_names(iotcard_notify::URL_SECRETS)
        .connect_timeout(Duration::from_secs(5))
        .request_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut builder = Deliverer::builder(transport)
        .clock(clock.clone())
        .sleeper(clock.clone())
        .entropy(Entropy::Seed(7))
        .retry(retry)
        .smtp_timeout(Duration::from_secs(10));
    if let Some(ca) = ca {
        builder = builder.smtp_ca_pem(ca.pem());
    }
    builder.build().unwrap()
}

fn mail_to(host: &str, port: u16, tls: Tls, password: Option<&str>) -> Notifier {
    let mut server = SmtpServer::new(host, port, tls);
    if let Some(password) = password {
        server = server.with_login("iot", Secret::new(password));
    }
    Notifier::new(
        "mail",
        Channel::Email(Email::new(
            server,
            "iotcard <iotcard@example.com>".parse().unwrap(),
            vec!["ops@example.com".parse().unwrap()],
        )),
    )
}

/// Whether `done` holds within 5 s (checked every 10 ms of real time).
async fn eventually(done: impl Fn() -> bool) -> bool {
    for _ in 0..500 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    done()
}

/// Everything a delivery shows: its `Debug`, and each error's `Display`
/// and `Debug` down the `source()` chain.
fn shown(delivery: &iotcard_watch::Delivery) -> String {
    let mut shown = format!("{delivery:?}");
    for attempt in &delivery.attempts {
        let Err(e) = &attempt.outcome else { continue };
        shown.push_str(&format!(" {e} {e:?}"));
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            shown.push_str(&format!(" {c} {c:?}"));
            cause = c.source();
        }
    }
    shown
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

#[tokio::test]
async fn mail_goes_over_starttls_and_over_implicit_tls_with_the_test_ca() {
    let clock = clock();
    let c: Arc<dyn Clock> = clock.clone();
    let ca = TestCa::new("iotcard watch test CA").unwrap();
    let d = deliverer_trusting(&clock, RetryPolicy::default(), Some(&ca));
    let password = "tls-pass-31337";
    let starttls = SmtpReceiver::builder(c.clone())
        .login("iot", password)
        .starttls(&ca)
        .start()
        .await
        .unwrap();
    let implicit = SmtpReceiver::builder(c.clone())
        .login("iot", password)
        .implicit_tls(&ca)
        .start()
        .await
        .unwrap();
    let digest = digest("expiring", 1);
    // By IP for one (the certificate's IP name), by DNS name for the other.
    for (receiver, notifier) in [
        (
            &starttls,
            mail_to("127.0.0.1", starttls.port(), Tls::Starttls, Some(password)),
        ),
        (
            &implicit,
            mail_to("localhost", implicit.port(), Tls::Tls, Some(password)),
        ),
    ] {
        let delivery = d.deliver(&notifier, &digest).await;
        assert!(delivery.is_delivered(), "{:?}", delivery.attempts);
        assert_eq!(delivery.attempts.len(), 1);
        let mails = receiver.mails();
        assert_eq!(mails.len(), 1);
        assert!(mails[0].tls, "{:?}", receiver.commands());
        assert_eq!(mails[0].login.as_deref(), Some("iot"));
        assert_eq!(mails[0].to, vec!["ops@example.com".to_owned()]);
        assert!(mails[0]
            .header("Message-ID")
            .unwrap()
            .contains(notifier.idempotency_key(&digest).as_str()));
        assert!(!shown(&delivery).contains(password));
        assert!(!format!("{notifier:?} {d:?}").contains(password));
    }
    // STARTTLS: only EHLO and STARTTLS in the clear, the login encrypted.
    assert_eq!(
        starttls.commands(),
        [
            "EHLO",
            "STARTTLS",
            "EHLO (tls)",
            "AUTH (tls)",
            "MAIL (tls)",
            "RCPT (tls)",
            "DATA (tls)",
            "QUIT (tls)"
        ]
    );
    assert!(implicit.commands().iter().all(|c| c.ends_with("(tls)")));
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_refused_and_not_retried() {
    let clock = clock();
    let c: Arc<dyn Clock> = clock.clone();
    let theirs = TestCa::new("a CA nobody trusts").unwrap();
    let ours = TestCa::new("the CA the deliverer trusts").unwrap();
    let password = "never-shown-4242";
    // Told of another CA, and told of none (the web roots only).
    for trusted in [Some(&ours), None] {
        let d = deliverer_trusting(&clock, RetryPolicy::default(), trusted);
        let starttls = SmtpReceiver::builder(c.clone())
            .login("iot", password)
            .starttls(&theirs)
            .start()
            .await
            .unwrap();
        let implicit = SmtpReceiver::builder(c.clone())
            .login("iot", password)
            .implicit_tls(&theirs)
            .start()
            .await
            .unwrap();
        for (receiver, tls) in [(&starttls, Tls::Starttls), (&implicit, Tls::Tls)] {
            let notifier = mail_to("127.0.0.1", receiver.port(), tls, Some(password));
            let delivery = d.deliver(&notifier, &digest("quota", 1)).await;
            // One attempt of the six the policy allows: not transient.
            assert_eq!(
                delivery.attempts.len(),
                1,
                "{tls:?}: {:?}",
                delivery.attempts
            );
            assert!(!delivery.attempts[0].reached);
            let e = delivery.error().unwrap();
            assert!(
                matches!(e, WatchError::SmtpCertificate { .. }),
                "{tls:?}: {e:?}"
            );
            assert!(!e.is_transient() && e.is_refused(), "{tls:?}: {e:?}");
            assert!(e.to_string().contains("is not trusted"), "{e}");
            let cause = std::error::Error::source(e).unwrap().to_string();
            assert!(cause.contains("UnknownIssuer"), "{tls:?}: {cause}");
            assert_eq!(receiver.connections(), 1, "{tls:?}");
            // The receiver's side of the handshake ends a moment after the
            // client's: wait for it.
            assert!(
                eventually(|| receiver.handshake_failures() == 1).await,
                "{tls:?}: {} handshake failures",
                receiver.handshake_failures()
            );
            assert!(receiver.mails().is_empty());
            // The login was never sent.
            assert!(!receiver.commands().iter().any(|c| c.starts_with("AUTH")));
            assert!(!shown(&delivery).contains(password));
        }
    }
}

#[tokio::test]
async fn starttls_against_a_server_without_it_fails_and_sends_nothing_in_plain_text() {
    let clock = clock();
    let c: Arc<dyn Clock> = clock.clone();
    let ca = TestCa::new("iotcard watch test CA").unwrap();
    let d = deliverer_trusting(&clock, RetryPolicy::default(), Some(&ca));
    let password = "plain-text-never-99";
    let plain = SmtpReceiver::start(Some(("iot", password)), c.clone())
        .await
        .unwrap();

    let notifier = mail_to("127.0.0.1", plain.port(), Tls::Starttls, Some(password));
    let delivery = d.deliver(&notifier, &digest("quota", 1)).await;
    assert_eq!(delivery.attempts.len(), 1, "{:?}", delivery.attempts);
    let e = delivery.error().unwrap();
    assert!(matches!(e, WatchError::SmtpNoStarttls { .. }), "{e:?}");
    assert!(!e.is_transient() && e.is_refused());
    let text = e.to_string();
    assert!(
        text.contains("does not offer STARTTLS") && text.contains(&plain.port().to_string()),
        "{text}"
    );
    // The greeting and EHLO, then goodbye: no login, no mail.
    assert_eq!(plain.commands(), ["EHLO", "QUIT"]);
    assert!(plain.mails().is_empty());
    assert!(!shown(&delivery).contains(password));

    // Implicit TLS against a plain server: the handshake fails, not retried.
    let notifier = mail_to("127.0.0.1", plain.port(), Tls::Tls, Some(password));
    let delivery = d.deliver(&notifier, &digest("quota", 1)).await;
    assert_eq!(delivery.attempts.len(), 1, "{:?}", delivery.attempts);
    let e = delivery.error().unwrap();
    assert!(matches!(e, WatchError::SmtpHandshake { .. }), "{e:?}");
    assert!(!e.is_transient());
    assert!(plain.mails().is_empty());
}

#[tokio::test]
async fn a_starttls_server_refuses_a_client_that_does_not_upgrade() {
    let clock = clock();
    let c: Arc<dyn Clock> = clock.clone();
    let ca = TestCa::new("iotcard watch test CA").unwrap();
    let d = deliverer(&clock, RetryPolicy::default());
    let password = "wants-tls-first";
    let server = SmtpReceiver::builder(c.clone())
        .login("iot", password)
        .starttls(&ca)
        .start()
        .await
        .unwrap();

    // Without a login: MAIL before STARTTLS gets 530, a refusal.
    let delivery = d
        .deliver(
            &mail_to("127.0.0.1", server.port(), Tls::None, None),
            &digest("quota", 1),
        )
        .await;
    assert_eq!(delivery.attempts.len(), 1, "{:?}", delivery.attempts);
    assert!(delivery.attempts[0].reached);
    let e = delivery.error().unwrap();
    assert!(e.is_refused() && !e.is_transient(), "{e:?}");
    let cause = std::error::Error::source(e).unwrap().to_string();
    assert!(
        cause.contains("530") && cause.contains("STARTTLS"),
        "{cause}"
    );

    // With one: AUTH is not offered before TLS, so the client cannot log in.
    let delivery = d
        .deliver(
            &mail_to("127.0.0.1", server.port(), Tls::None, Some(password)),
            &digest("quota", 1),
        )
        .await;
    assert_eq!(delivery.attempts.len(), 1, "{:?}", delivery.attempts);
    let e = delivery.error().unwrap();
    assert!(
        matches!(e, WatchError::Smtp { .. }) && !e.is_transient(),
        "{e:?}"
    );
    assert!(!shown(&delivery).contains(password));
    assert!(server.mails().is_empty());
    assert!(!server.commands().iter().any(|c| c.starts_with("AUTH")));
}

#[tokio::test]
async fn an_smtp_ca_that_is_not_pem_is_refused_when_the_deliverer_is_built() {
    let transport = HttpTransport::builder().build().unwrap();
    let e = Deliverer::builder(transport)
        .smtp_ca_pem("not a certificate")
        .build()
        .unwrap_err();
    assert!(matches!(e, WatchError::CaPem { .. }), "{e:?}");
    assert!(e.to_string().contains("smtp_ca_pem #1"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(
        &path,
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let transport = HttpTransport::builder().build().unwrap();
    let e = Deliverer::builder(transport)
        .smtp_ca_pem_file(&path)
        .build()
        .unwrap_err();
    assert!(matches!(e, WatchError::CaPem { .. }), "{e:?}");
    assert!(e.to_string().contains("ca.pem"), "{e}");

    let transport = HttpTransport::builder().build().unwrap();
    let e = Deliverer::builder(transport)
        .smtp_ca_pem_file(dir.path().join("missing.pem"))
        .build()
        .unwrap_err();
    assert!(matches!(e, WatchError::CaFile { .. }), "{e:?}");
}

#[tokio::test]
async fn an_smtp_server_that_never_answers_is_given_up_on_after_the_timeout() {
    let clock = clock();
    let transport = HttpTransport::builder().build().unwrap();
    let d = Deliverer::builder(transport)
        .clock(clock.clone())
        .sleeper(clock.clone())
        .retry(RetryPolicy::once())
        .smtp_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    // Accepts, then says nothing (no greeting).
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            open.push(stream);
        }
    });
    let delivery = tokio::time::timeout(
        Duration::from_secs(10),
        d.deliver(
            &mail_to("127.0.0.1", port, Tls::None, None),
            &digest("quota", 1),
        ),
    )
    .await
    .expect("the SMTP timeout bounds the whole conversation");
    held.abort();
    let e = delivery.error().unwrap();
    assert!(
        matches!(e, WatchError::Smtp { .. }) && e.is_transient(),
        "{e:?}"
    );
    assert!(!delivery.attempts[0].reached);
}
