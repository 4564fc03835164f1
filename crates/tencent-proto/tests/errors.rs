//! Every error says one thing: its own message, with the cause in
//! `source()` and never printed twice; and classifies itself.

mod support;

use std::error::Error as _;

use http::StatusCode;
use iotcard_model::{Iccid, Secret};
use tencent_proto::{
    parse_app_info, parse_card_info, parse_card_info_for, parse_card_list, Call, CardListPager,
    Credentials, Endpoint, Limit, OperatorFilter, Random, SdkAppId, TencentError,
};

/// Every error's `Display` holds none of the messages below it in its
/// `source()` chain (and says something).
fn assert_one_level(error: &TencentError) {
    let mut chain: Vec<String> = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = next {
        chain.push(e.to_string());
        next = e.source();
    }
    for (i, above) in chain.iter().enumerate() {
        assert!(!above.is_empty(), "{error:?}");
        for below in &chain[i + 1..] {
            assert!(
                !above.contains(below.as_str()),
                "{above:?} repeats its cause {below:?}"
            );
        }
    }
}

const CARD: &str = r#""iccid":"898602B7091701054333","msisdn":"1064878384333","teleoperator":1,"type":1,"card_status":2,"network_status":2,"data_used_in_period":1.5,"data_total_in_period":30"#;

/// One of every variant, each built the way callers meet it where the API
/// allows.
fn every_variant() -> Vec<TencentError> {
    let info = |body: &str| parse_card_info(&support::ok(body.as_bytes())).unwrap_err();
    let bad_uri = http::Request::builder().uri("\n").body(()).unwrap_err();
    let not_json = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
    let mut finished = CardListPager::new(OperatorFilter::All, Limit::new(2).unwrap());
    let short = parse_card_list(&support::ok(
        br#"{"code":0,"data":{"card_brief_infos":[]}}"#,
    ))
    .unwrap();
    finished.record(&short).unwrap();
    let full = |n: usize| {
        let cards: Vec<String> = (0..n)
            .map(|i| format!(r#"{{{}}}"#, CARD.replace("054333", &format!("05433{i}"))))
            .collect();
        let body = format!(
            r#"{{"code":0,"data":{{"card_brief_infos":[{}]}}}}"#,
            cards.join(",")
        );
        parse_card_list(&support::ok(body.as_bytes())).unwrap()
    };
    let mut repeating = CardListPager::new(OperatorFilter::All, Limit::new(2).unwrap());
    repeating.record(&full(2)).unwrap();
    let mut overflowing =
        CardListPager::starting_at(OperatorFilter::All, Limit::new(2).unwrap(), u32::MAX - 1);
    vec![
        SdkAppId::parse("14x").unwrap_err(),
        Credentials::new(SdkAppId::parse("1").unwrap(), Secret::new("")).unwrap_err(),
        Random::new(0).unwrap_err(),
        Endpoint::parse("ftp://me:pw@h").unwrap_err(),
        Limit::new(21).unwrap_err(),
        TencentError::BuildRequest {
            call: Call::GetCardInfo,
            source: bad_uri,
        },
        TencentError::EncodeBody {
            call: Call::GetCardInfo,
            source: not_json,
        },
        parse_app_info(&support::answer(StatusCode::BAD_GATEWAY, b"<html>")).unwrap_err(),
        info("{\"code\":0,"),
        info("{\"message\":\"OK\"}"),
        info(r#"{"code":1012,"message":"卡片不存在"}"#),
        info(r#"{"code":0,"data":null}"#),
        info(r#"{"code":0,"data":[1]}"#),
        parse_app_info(&support::ok(
            br#"{"code":0,"data":{"name":"n","yd_card_cnt":-1,"dx_card_cnt":0,"lt_card_cnt":0}}"#,
        ))
        .unwrap_err(),
        info(&format!(
            r#"{{"code":0,"data":{{{}}}}}"#,
            CARD.replace("898602B7091701054333", "x")
        )),
        CardListPager::new(OperatorFilter::All, Limit::new(1).unwrap())
            .record(&full(2))
            .unwrap_err(),
        repeating.record(&full(2)).unwrap_err(),
        overflowing.record(&full(2)).unwrap_err(),
        finished.record(&short).unwrap_err(),
        parse_card_info(
            &http::Response::builder()
                .header("Content-Type", "text/html; charset=gb18030")
                .body(&b"{\x81"[..])
                .unwrap(),
        )
        .unwrap_err(),
        info(r#"{"code":"zero","data":{}}"#),
        parse_card_info_for(
            &support::ok(format!(r#"{{"code":0,"data":{{{CARD}}}}}"#).as_bytes()),
            &Iccid::parse("898602B7091701054334").unwrap(),
        )
        .unwrap_err(),
        parse_card_list(&support::ok(br#"{"code":0,"data":{}}"#)).unwrap_err(),
    ]
}

#[test]
fn display_shows_one_level_and_the_cause_is_the_source() {
    let all = every_variant();
    let names: Vec<String> = all
        .iter()
        .map(|e| {
            format!("{e:?}")
                .split([' ', '{', '('])
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    for expected in [
        "InvalidSdkAppId",
        "EmptyAppKey",
        "InvalidRandom",
        "InvalidEndpoint",
        "LimitOutOfRange",
        "BuildRequest",
        "EncodeBody",
        "HttpStatus",
        "NotJson",
        "NotEnvelope",
        "Refused",
        "MissingData",
        "DataShape",
        "InvalidField",
        "InvalidValue",
        "PageTooLong",
        "PageRepeated",
        "OffsetOverflow",
        "PagerFinished",
        "NotText",
        "UnreadableField",
        "OtherCard",
        "MissingCardList",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "no {expected} in {names:?}"
        );
    }
    for e in &all {
        assert_one_level(e);
    }
    let e = &all[14];
    assert_eq!(e.to_string(), "getcardinfo field iccid is invalid");
    assert!(
        e.source().unwrap().to_string().contains("\"x\""),
        "{:?}",
        e.source()
    );
}

#[test]
fn errors_classify_themselves() {
    let all = every_variant();
    for e in &all {
        assert!(!(e.is_transient() && e.is_refused()), "{e}");
        assert_eq!(e.provider_code().is_some(), e.is_refused(), "{e}");
        assert_eq!(e.provider_message().is_some(), e.is_refused(), "{e}");
        if let Some(command) = e.call() {
            assert!(e.to_string().contains(command.name()), "{e}");
        }
    }
    let transient: Vec<usize> = (0..all.len()).filter(|&i| all[i].is_transient()).collect();
    assert_eq!(transient, [7, 8, 9, 11, 12, 19, 21, 22]);
    let with_status: Vec<usize> = (0..all.len())
        .filter(|&i| all[i].status().is_some())
        .collect();
    assert_eq!(with_status, (7..=14).chain(19..=22).collect::<Vec<_>>());
    for (status, transient) in [
        (400, false),
        (401, false),
        (408, true),
        (429, true),
        (500, true),
        (503, true),
    ] {
        let status = StatusCode::from_u16(status).unwrap();
        let e = parse_card_list(&support::answer(status, b"")).unwrap_err();
        assert_eq!(e.is_transient(), transient, "{status}");
        assert_eq!(e.status(), Some(status));
    }
}

#[test]
fn card_unknown_is_read_from_a_getcardinfo_refusal_message() {
    let refusal = |command: Call, message: &str| {
        let body = serde_json::json!({"code": 1012, "message": message}).to_string();
        match command {
            Call::GetCardInfo => parse_card_info(&support::ok(body.as_bytes())),
            _ => parse_app_info(&support::ok(body.as_bytes())).map(|_| unreachable!()),
        }
        .unwrap_err()
    };
    for message in [
        "卡片不存在 (no card with this iccid)",
        "卡片不存在",
        "该ICCID未找到",
        "无此卡",
        "iccid does not exist",
        "ICCID NOT EXIST",
        "Card Not Found",
        "no such card",
        "No card with this ICCID",
    ] {
        assert!(
            refusal(Call::GetCardInfo, message).is_card_unknown(),
            "{message}"
        );
        assert!(
            !refusal(Call::GetAppInfo, message).is_card_unknown(),
            "{message}"
        );
    }
    for message in [
        "sig error",
        "签名错误",
        "time expired",
        "",
        "card suspended",
        "频率超限",
    ] {
        assert!(
            !refusal(Call::GetCardInfo, message).is_card_unknown(),
            "{message}"
        );
    }
    // Not a refusal: never card-unknown, whatever the body says.
    let e = parse_card_info(&support::answer(
        StatusCode::NOT_FOUND,
        "卡片不存在 not found".as_bytes(),
    ))
    .unwrap_err();
    assert!(!e.is_card_unknown());
}

#[test]
fn retry_after_is_read_from_the_answers_headers() {
    use std::time::Duration;
    let with = |status: u16, headers: &[(&str, &str)], body: &'static str| {
        let mut builder = http::Response::builder().status(status);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(body.as_bytes()).unwrap()
    };
    let date = ("Date", "Sun, 06 Nov 1994 08:49:37 GMT");
    for (answer, expected) in [
        (with(429, &[("Retry-After", "7")], "slow down"), Some(7)),
        (with(503, &[("Retry-After", "120")], "<html>"), Some(120)),
        (
            with(
                503,
                &[("Retry-After", "Sun, 06 Nov 1994 08:50:37 GMT"), date],
                "",
            ),
            Some(60),
        ),
        (
            with(503, &[("Retry-After", "Sun, 06 Nov 1994 08:50:37 GMT")], ""),
            None,
        ),
        (with(502, &[("Retry-After", "7")], ""), None),
        (with(429, &[], ""), None),
        (
            with(
                400,
                &[("Retry-After", "30")],
                r#"{"code":1004,"message":"busy"}"#,
            ),
            Some(30),
        ),
        (
            with(
                200,
                &[("retry-after", "5")],
                r#"{"code":1,"message":"busy"}"#,
            ),
            Some(5),
        ),
        (with(200, &[("Retry-After", "5")], "{"), None),
    ] {
        let expected = expected.map(Duration::from_secs);
        for e in [
            tencent_proto::parse_app_info(&answer).unwrap_err(),
            tencent_proto::parse_card_list(&answer).unwrap_err(),
            tencent_proto::parse_card_info(&answer).unwrap_err(),
        ] {
            assert_eq!(e.retry_after(), expected, "{e}");
        }
    }
}
