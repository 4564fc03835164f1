//! Input that cannot be valid is refused with a clear error naming it,
//! before any request is sent.

use std::sync::Arc;

use iotcard_facade::{CardPlatform, Error, IotbosClient, RetryConfig, TencentClient};
use iotcard_model::{CardNumber, Iccid, Secret};
use iotcard_transport::ScriptedTransport;

/// A transport that records requests and has nothing to answer with: any
/// request sent shows up in its count.
fn nothing_may_be_sent() -> Arc<ScriptedTransport> {
    Arc::new(ScriptedTransport::new())
}

fn iotbos(transport: &Arc<ScriptedTransport>) -> iotcard_facade::IotbosClientBuilder {
    IotbosClient::builder()
        .endpoint("http://127.0.0.1:9")
        .account("acct")
        .password(Secret::new("pw"))
        .transport(transport.clone())
}

fn tencent(transport: &Arc<ScriptedTransport>) -> iotcard_facade::TencentClientBuilder {
    TencentClient::builder()
        .endpoint("https://127.0.0.1:9")
        .sdkappid("1400000001")
        .appkey(Secret::new("key"))
        .transport(transport.clone())
}

/// `error` is an invalid-input error whose text quotes `input` and says
/// what is wrong with it (`why`).
fn assert_names(error: &Error, input: &str, why: &str) {
    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains(&format!("{input:?}")),
        "{text} does not quote {input:?}"
    );
    assert!(text.contains(why), "{text} does not say {why:?}");
}

const BAD_NUMBERS: [(&str, &str); 6] = [
    ("", "empty"),
    ("1064a04085884", "digits only"),
    ("1064804085884,1064804085885", "digits only"),
    (" 1064804085884", "digits only"),
    ("106480", "11 to 20 digits"),
    ("898600000000000000011", "11 to 20 digits"),
];

const BAD_ICCIDS: [(&str, &str); 4] = [
    ("898602B70917010543", "19 or 20 characters"),
    ("898602B7091701054333A", "19 or 20 characters"),
    ("", "19 or 20 characters"),
    ("898602B70917-1054333", "letters and digits"),
];

#[tokio::test]
async fn bad_card_numbers_are_refused_before_sending() {
    let transport = nothing_may_be_sent();
    let client = iotbos(&transport).build().expect("client builds");
    for (bad, why) in BAD_NUMBERS {
        // The typed API cannot even be handed one…
        let parsed = bad.parse::<CardNumber>().map_err(Error::from);
        assert_names(&parsed.expect_err(bad), bad, why);
        // …and the string API refuses the whole call, good numbers and all.
        let cards = vec!["1064804085884".to_owned(), bad.to_owned()];
        let error = client.snapshots(cards).await.expect_err(bad);
        assert_names(&error, bad, why);
    }
    assert_eq!(transport.request_count(), 0, "not even a login");
    assert_eq!(client.logins(), 0);
}

#[tokio::test]
async fn bad_iccids_are_refused_before_sending() {
    let transport = nothing_may_be_sent();
    let client = tencent(&transport).build().expect("client builds");
    for (bad, why) in BAD_ICCIDS {
        let parsed = bad.parse::<Iccid>().map_err(Error::from);
        assert_names(&parsed.expect_err(bad), bad, why);
        let cards = vec!["898602B7091701054333".to_owned(), bad.to_owned()];
        let error = client.snapshots(cards).await.expect_err(bad);
        assert_names(&error, bad, why);
    }
    assert_eq!(transport.request_count(), 0);
}

#[tokio::test]
async fn a_page_size_outside_1_to_20_is_refused_when_building() {
    let transport = nothing_may_be_sent();
    for limit in [0, 21, 1000] {
        let error = tencent(&transport)
            .page_size(limit)
            .build()
            .expect_err("limit out of range");
        let text = error.to_string();
        assert!(text.contains(&format!("limit {limit}")), "{text}");
        assert!(text.contains("1..=20"), "{text}");
    }
    for limit in [1, 20] {
        assert!(tencent(&transport).page_size(limit).build().is_ok());
    }
    assert_eq!(transport.request_count(), 0);
}

#[tokio::test]
async fn bad_settings_are_refused_when_building() {
    let transport = nothing_may_be_sent();
    let no_attempts = RetryConfig {
        max_attempts: 0,
        ..RetryConfig::default()
    };
    let cases: Vec<(&str, Result<IotbosClient, Error>, &str)> = vec![
        (
            "batch 0",
            iotbos(&transport).batch_size(0).build(),
            "batch size",
        ),
        (
            "concurrency 0",
            iotbos(&transport).concurrency(0).build(),
            "concurrency",
        ),
        (
            "0 attempts",
            iotbos(&transport).retry(no_attempts.clone()).build(),
            "max_attempts",
        ),
        ("rate 0", iotbos(&transport).rate_limit(0.0).build(), "rate"),
        (
            "rate NaN",
            iotbos(&transport).rate_limit(f64::NAN).build(),
            "rate",
        ),
        (
            "rate < 0",
            iotbos(&transport).rate_limit(-5.0).build(),
            "rate",
        ),
        (
            "no account",
            IotbosClient::builder()
                .password(Secret::new("pw"))
                .transport(transport.clone())
                .build(),
            "account",
        ),
        (
            "empty password",
            iotbos(&transport).password(Secret::new("")).build(),
            "password",
        ),
        (
            "bad endpoint",
            iotbos(&transport).endpoint("ftp://x").build(),
            "ftp",
        ),
        (
            "not a URL",
            iotbos(&transport).endpoint("not a url").build(),
            "not a url",
        ),
    ];
    for (case, result, names) in cases {
        let error = result.expect_err(case);
        let text = error.to_string();
        assert!(
            text.contains(names),
            "{case}: {text} does not name {names:?}"
        );
    }

    let cases: Vec<(&str, Result<TencentClient, Error>, &str)> = vec![
        (
            "sdkappid letters",
            tencent(&transport).sdkappid("14a0").build(),
            "14a0",
        ),
        (
            "no appkey",
            TencentClient::builder()
                .sdkappid("1400000001")
                .transport(transport.clone())
                .build(),
            "appkey",
        ),
        (
            "empty appkey",
            tencent(&transport).appkey(Secret::new("")).build(),
            "appkey",
        ),
        (
            "0 attempts",
            tencent(&transport).retry(no_attempts).build(),
            "max_attempts",
        ),
        (
            "bad endpoint",
            tencent(&transport).endpoint("ftp://x").build(),
            "ftp",
        ),
    ];
    for (case, result, names) in cases {
        let error = result.expect_err(case);
        let text = error.to_string();
        assert!(
            text.contains(names),
            "{case}: {text} does not name {names:?}"
        );
    }
    assert_eq!(transport.request_count(), 0);
}
