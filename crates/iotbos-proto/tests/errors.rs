//! Every error says one thing: its own message, with the cause in
//! `source()` and never printed twice; and classifies itself.

mod support;

use std::error::Error as _;

use http::StatusCode;
use iotbos_proto::{
    parse_login, parse_usage, AccessToken, Call, Credentials, Endpoint, IotbosError,
};

/// Each message of the chain below `error`, walked from the top; every
/// error's `Display` must hold none of the messages below it (and say
/// something).
fn assert_one_level(error: &IotbosError) {
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

/// One of every variant, each built the way callers meet it where the API
/// allows.
fn every_variant() -> Vec<IotbosError> {
    let bad_uri = http::Request::builder().uri("\n").body(()).unwrap_err();
    let login = |body: &str| parse_login(&support::ok(body.as_bytes())).unwrap_err();
    vec![
        Endpoint::parse("ftp://me:pw@h").unwrap_err(),
        support::api(Endpoint::default())
            .query(Call::Usage, &[], &AccessToken::new("t"))
            .unwrap_err(),
        Credentials::new("", "pw").unwrap_err(),
        IotbosError::BuildRequest {
            call: "usage",
            source: bad_uri,
        },
        parse_usage(&support::answer(StatusCode::BAD_GATEWAY, b"<html>")).unwrap_err(),
        parse_usage(&support::ok(b"{\"status\":")).unwrap_err(),
        parse_usage(&support::ok(b"[]")).unwrap_err(),
        parse_usage(&support::ok(b"\xff{}")).unwrap_err(),
        parse_usage(&support::ok(br#"{"status":0,"info":"no"}"#)).unwrap_err(),
        parse_usage(&support::ok(br#"{"status":7,"info":"odd"}"#)).unwrap_err(),
        parse_usage(&support::ok(br#"{"status":1,"data":null}"#)).unwrap_err(),
        login(r#"{"status":1,"data":{"expiresTime":"2018/01/16 16:02:08"}}"#),
        // No reader of this crate fails a whole answer over a date any more
        // (a login's falls back to the default lifetime); the variant is
        // built as a caller meets it from their own reader.
        IotbosError::InvalidDate {
            call: "login",
            status: StatusCode::OK,
            field: "data.expiresTime",
            source: iotbos_proto::parse_china_time("2018-02-30").unwrap_err(),
        },
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
        "InvalidEndpoint",
        "NoCards",
        "EmptyCredential",
        "BuildRequest",
        "HttpStatus",
        "InvalidJson",
        "UnexpectedShape",
        "UndecodableBody",
        "Refused",
        "UnexpectedStatus",
        "MissingCardList",
        "MissingField",
        "InvalidDate",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "no {expected} in {names:?}"
        );
    }
    for e in &all {
        assert_one_level(e);
    }
    // The causes are still there, one level down.
    let e = parse_usage(&support::ok(b"{\"status\":")).unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"usage answer is not valid JSON: "{\"status\":""#
    );
    assert!(
        e.source().unwrap().to_string().contains("EOF"),
        "{:?}",
        e.source()
    );
    let e = &all[12];
    assert_eq!(e.to_string(), "login answer's data.expiresTime is invalid");
    assert!(e.source().unwrap().to_string().contains("2018-02-30"));
}

#[test]
fn errors_classify_themselves() {
    for e in every_variant() {
        // A refusal is never worth resending as is; nothing is both.
        assert!(!(e.is_transient() && e.is_refused()), "{e}");
        let from_answer = !matches!(
            e,
            IotbosError::InvalidEndpoint { .. }
                | IotbosError::NoCards { .. }
                | IotbosError::EmptyCredential { .. }
                | IotbosError::BuildRequest { .. }
        );
        assert_eq!(e.status().is_some(), from_answer, "{e}");
        assert_eq!(
            e.provider_code().is_some(),
            matches!(
                e,
                IotbosError::Refused { .. } | IotbosError::UnexpectedStatus { .. }
            ),
            "{e}"
        );
        if let Some(call) = e.call() {
            assert!(e.to_string().starts_with(call), "{e}");
        }
    }
    let transient: Vec<bool> = every_variant()
        .iter()
        .map(IotbosError::is_transient)
        .collect();
    assert_eq!(
        transient,
        [false, false, false, false, true, true, true, true, false, false, true, false, false]
    );
    let e = parse_usage(&support::ok(br#"{"status":7,"info":"odd"}"#)).unwrap_err();
    assert_eq!(
        (e.provider_code().as_deref(), e.provider_message()),
        (Some("7"), Some("odd"))
    );
    // Client errors without an envelope are not transient; 5xx, 408 and 429
    // are.
    for (status, transient) in [
        (400, false),
        (404, false),
        (408, true),
        (429, true),
        (500, true),
        (504, true),
    ] {
        let status = StatusCode::from_u16(status).unwrap();
        let e = parse_usage(&support::answer(status, b"")).unwrap_err();
        assert_eq!(e.is_transient(), transient, "{status}");
    }
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
        // Delay-seconds on a 429 and a 503, from any parser.
        (with(429, &[("Retry-After", "7")], "slow down"), Some(7)),
        (with(503, &[("Retry-After", "120")], "<html>"), Some(120)),
        // An HTTP-date, against the answer's own `Date`: no clock is read.
        (
            with(
                503,
                &[("Retry-After", "Sun, 06 Nov 1994 08:50:37 GMT"), date],
                "",
            ),
            Some(60),
        ),
        // A date without a `Date` to measure it by is unknown, not a guess.
        (
            with(503, &[("Retry-After", "Sun, 06 Nov 1994 08:50:37 GMT")], ""),
            None,
        ),
        // Only 429 and 503 carry one among the HTTP-status errors.
        (with(502, &[("Retry-After", "7")], ""), None),
        (with(429, &[], ""), None),
        // A refusal keeps the one it came with, under any status.
        (
            with(
                401,
                &[("Retry-After", "30")],
                r#"{"status":0,"info":"busy"}"#,
            ),
            Some(30),
        ),
        (
            with(
                200,
                &[("retry-after", "5")],
                r#"{"status":0,"info":"busy"}"#,
            ),
            Some(5),
        ),
        // Nothing else has one.
        (with(200, &[("Retry-After", "5")], "{"), None),
    ] {
        let from_usage = parse_usage(&answer).unwrap_err();
        let from_login = parse_login(&answer).unwrap_err();
        let expected = expected.map(Duration::from_secs);
        assert_eq!(from_usage.retry_after(), expected, "{from_usage}");
        assert_eq!(from_login.retry_after(), expected, "{from_login}");
    }
}
