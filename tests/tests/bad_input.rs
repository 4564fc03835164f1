//! Input that cannot be valid is refused with a clear error naming it,
//! before any request is sent.

use std::sync::Arc;

use iotcard_facade::{
    CardNumber, CardPlatform, Error, Iccid, IotbosClient, ModelError, RetryConfig, Secret,
    TencentClient,
};
use iotcard_tests::errors::chain;
use iotcard_tests::platform;
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

const BAD_NUMBERS: [(&str, &str); 7] = [
    ("", "empty"),
    ("1064a04085884", "must be an ICCID"),
    ("1064804085884,1064804085885", "letters and digits only"),
    (" 1064804085884", "letters and digits only"),
    ("106480", "11 to 15 digits"),
    ("1064804085884123", "11 to 15 digits"),
    ("898600000000000000011", "19 or 20 characters"),
];

const BAD_ICCIDS: [(&str, &str); 4] = [
    ("898602B70917010543", "19 or 20 characters"),
    ("898602B7091701054333A", "19 or 20 characters"),
    ("", "19 or 20 characters"),
    ("898602B70917-1054333", "letters and digits"),
];

/// Through the neutral trait, as a job generic over the platform reads its
/// input: `platform.parse_card` refuses each bad card with the same words
/// as the typed parse, and a list holding one is refused whole, good cards
/// and all. The caller checks that nothing was sent.
///
/// `parse_card` trims surrounding whitespace (a line of a file), so a card
/// that is bad only for a leading space is read as the card it names: for
/// that one the typed parse alone refuses, and the trait must give the
/// trimmed card.
async fn refused_through_the_trait<P: CardPlatform>(
    platform: &P,
    good: &str,
    bad_inputs: &[(&str, &str)],
) {
    for &(bad, why) in bad_inputs {
        if bad.trim() != bad {
            let trimmed = platform.parse_card(bad).expect("read trimmed");
            assert_eq!(trimmed, platform.parse_card(bad.trim()).expect("valid"));
            continue;
        }
        let refused: ModelError = platform.parse_card(bad).expect_err(bad);
        assert_names(&Error::from(refused), bad, why);
        let error = platform::snapshots(platform, &[good, bad])
            .await
            .expect_err(bad);
        assert_names(&Error::from(error), bad, why);
    }
}

/// A list of good cards only is read and asked: this script has nothing to
/// answer with, so the card fails, and the transport counts the attempt,
/// which shows it would have counted one for the refused lists.
async fn a_good_list_is_sent<P: CardPlatform>(platform: &P, good: &str) {
    let reports = platform::snapshots(platform, &[good]).await.expect("valid");
    assert_eq!(reports.len(), 1);
    assert_eq!(
        reports[0].card,
        platform.parse_card(good).expect("a valid card")
    );
    assert!(reports[0].result.is_err(), "{:?}", reports[0].result);
}

#[tokio::test]
async fn bad_card_numbers_are_refused_before_sending() {
    let transport = nothing_may_be_sent();
    let client = iotbos(&transport).build().expect("client builds");
    for (bad, why) in BAD_NUMBERS {
        // The typed API cannot even be handed one…
        let parsed = bad.parse::<CardNumber>().map_err(Error::from);
        assert_names(&parsed.expect_err(bad), bad, why);
    }
    // …nor can the neutral trait, which refuses the whole list.
    refused_through_the_trait(&client, "1064804085884", &BAD_NUMBERS).await;
    assert_eq!(transport.request_count(), 0, "not even a login");
    assert_eq!(client.logins(), 0);
    a_good_list_is_sent(&client, "1064804085884").await;
    assert!(transport.request_count() > 0);
}

#[tokio::test]
async fn bad_iccids_are_refused_before_sending() {
    let transport = nothing_may_be_sent();
    let client = tencent(&transport).build().expect("client builds");
    for (bad, why) in BAD_ICCIDS {
        let parsed = bad.parse::<Iccid>().map_err(Error::from);
        assert_names(&parsed.expect_err(bad), bad, why);
    }
    refused_through_the_trait(&client, "898602B7091701054333", &BAD_ICCIDS).await;
    assert_eq!(transport.request_count(), 0);
    a_good_list_is_sent(&client, "898602B7091701054333").await;
    assert!(transport.request_count() > 0);
}

#[tokio::test]
async fn a_page_size_outside_1_to_20_is_refused_when_building() {
    let transport = nothing_may_be_sent();
    for limit in [0, 21, 1000] {
        let error = tencent(&transport)
            .page_size(limit)
            .build()
            .expect_err("limit out of range");
        let text = chain(&error);
        assert!(text.contains(&format!("limit {limit}")), "{text}");
        assert!(text.contains("1..=20"), "{text}");
    }
    for limit in [1, 20] {
        assert!(tencent(&transport).page_size(limit).build().is_ok());
    }
    assert_eq!(transport.request_count(), 0);
}

/// The setting a case's configuration error must name, or `None` where
/// the refusal is another part's own (the endpoint's, the sdkappid's, the
/// Tencent credentials', which refuse an empty appkey themselves).
fn expected_setting(case: &str) -> Option<&'static str> {
    match case {
        "batch 0" => Some("batch_size"),
        "concurrency 0" => Some("concurrency"),
        "0 attempts" => Some("retry.max_attempts"),
        "rate 0" | "rate NaN" | "rate < 0" => Some("rate_limit"),
        "no account" => Some("account"),
        "empty password" => Some("password"),
        "no appkey" | "empty appkey" => Some("appkey"),
        "sdkappid letters" | "bad endpoint" | "not a URL" => None,
        other => panic!("no expectation for case {other:?}"),
    }
}

/// `error` names `names` somewhere in its chain; where it is a
/// configuration error, its `setting` is the one named, and its Display
/// (one level) says it all.
fn assert_refused(case: &str, error: Error, names: &str) {
    let text = chain(&error);
    assert!(
        text.contains(names),
        "{case}: {text} does not name {names:?}"
    );
    assert!(
        !error.is_transient() && !error.is_refused(),
        "{case}: {error:?}"
    );
    assert_eq!(error.status(), None, "{case}");
    match (&error, expected_setting(case)) {
        (Error::Config { setting, problem }, Some(want)) => {
            assert_eq!(*setting, want, "{case}: {error:?}");
            assert!(!problem.is_empty());
            assert!(error.to_string().contains(setting), "{case}: {error}");
        }
        (Error::Config { .. }, None) => panic!("{case}: not a configuration error: {error:?}"),
        (_, Some(want)) => panic!("{case}: not a configuration error of {want}: {error:?}"),
        (_, None) => {}
    }
}

#[tokio::test]
async fn bad_settings_are_refused_when_building() {
    let transport = nothing_may_be_sent();
    let no_attempts = RetryConfig::default().max_attempts(0);
    let cases: Vec<(&str, Result<IotbosClient, Error>, &str)> = vec![
        (
            "batch 0",
            iotbos(&transport).batch_size(0).build(),
            "batch_size",
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
        assert_refused(case, result.expect_err(case), names);
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
        assert_refused(case, result.expect_err(case), names);
    }
    assert_eq!(transport.request_count(), 0);
}
