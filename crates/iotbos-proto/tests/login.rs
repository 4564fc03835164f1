//! The login answer: token, lifetime, and everything that can be wrong
//! with it.

mod support;

use std::time::{Duration, SystemTime};

use http::StatusCode;
use iotbos_proto::{parse_login, IotbosError, DEFAULT_TOKEN_MARGIN};

fn login_body(token: &str, expires: &str, created: &str) -> String {
    format!(
        r#"{{"status":1,"info":null,"data":{{"accessToken":{token},"expiresTime":{expires}}},"createtime":{created}}}"#
    )
}

fn parse(body: &str) -> Result<iotbos_proto::Login, IotbosError> {
    parse_login(&support::ok(body.as_bytes()))
}

#[test]
fn lifetime_is_the_servers_difference_whatever_the_local_zone() {
    // Across midnight and a month end, both in UTC+8.
    let login = parse(&login_body(
        r#""t""#,
        r#""2018/02/01 00:30:00""#,
        r#""2018/01/31 23:30:00""#,
    ))
    .unwrap();
    assert_eq!(login.lifetime(), Duration::from_secs(3600));
    let received = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    assert_eq!(
        login.usable_until(received, DEFAULT_TOKEN_MARGIN),
        received + Duration::from_secs(3600 - 60)
    );
}

#[test]
fn the_margin_never_eats_more_than_half_a_short_lifetime() {
    let login = parse(&login_body(
        r#""t""#,
        r#""2018/01/16 14:03:00""#,
        r#""2018/01/16 14:02:00""#,
    ))
    .unwrap();
    assert_eq!(login.lifetime(), Duration::from_secs(60));
    assert_eq!(
        login.usable_for(DEFAULT_TOKEN_MARGIN),
        Duration::from_secs(30)
    );
    assert_eq!(login.usable_for(Duration::ZERO), Duration::from_secs(60));
    assert_eq!(
        login.usable_for(Duration::from_secs(10)),
        Duration::from_secs(50)
    );
}

#[test]
fn a_token_that_does_not_outlive_its_answer_is_refused() {
    for expires in [r#""2018/01/16 14:02:08""#, r#""2018/01/16 14:02:07""#] {
        let e = parse(&login_body(r#""t""#, expires, r#""2018/01/16 14:02:08""#)).unwrap_err();
        assert!(matches!(e, IotbosError::TokenLifetime { .. }), "{e}");
        assert!(e.to_string().contains("not after"), "{e}");
    }
}

#[test]
fn missing_or_bad_fields_are_named() {
    let cases = [
        (
            login_body(
                "null",
                r#""2018/01/16 16:02:08""#,
                r#""2018/01/16 14:02:08""#,
            ),
            "no data.accessToken",
        ),
        (
            login_body(
                r#""""#,
                r#""2018/01/16 16:02:08""#,
                r#""2018/01/16 14:02:08""#,
            ),
            "no data.accessToken",
        ),
        (
            login_body(r#""t""#, "null", r#""2018/01/16 14:02:08""#),
            "no data.expiresTime",
        ),
        (
            login_body(r#""t""#, r#""2018/01/16 16:02:08""#, "null"),
            "no createtime",
        ),
        (
            login_body(
                r#""t""#,
                r#""2018-01-16T25:02:08Z""#,
                r#""2018/01/16 14:02:08""#,
            ),
            "data.expiresTime is invalid",
        ),
        (
            login_body(
                r#""t""#,
                r#""2018/01/16 16:02:08""#,
                r#""2018/02/30 14:02:08""#,
            ),
            "createtime is invalid",
        ),
        (
            login_body(r#""t""#, r#""2018/01/16 16:02:08""#, "5"),
            "does not have the documented shape",
        ),
        (
            login_body("7", r#""2018/01/16 16:02:08""#, r#""2018/01/16 14:02:08""#),
            "does not have the documented shape",
        ),
        (
            r#"{"status":1,"info":null,"data":null}"#.to_owned(),
            "no data",
        ),
    ];
    for (body, why) in cases {
        let e = parse(&body).unwrap_err().to_string();
        assert!(e.starts_with("login answer"), "{e}");
        assert!(e.contains(why), "{body}: {e}");
    }
}

#[test]
fn refusal_keeps_the_providers_words() {
    let e = parse(
        r#"{"status":0,"info":"账号或密码错误","data":null,"createtime":"2018/01/16 14:02:08"}"#,
    )
    .unwrap_err();
    match &e {
        IotbosError::Refused {
            call, status, info, ..
        } => {
            assert_eq!(*call, "login");
            assert_eq!(*status, StatusCode::OK);
            assert_eq!(info.as_deref(), Some("账号或密码错误"));
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        e.to_string(),
        "login call refused by IoTBOS: 账号或密码错误"
    );
    assert_eq!(e.provider_message(), Some("账号或密码错误"));
    assert_eq!(e.call(), Some("login"));
    // The same refusal under HTTP 401 (how a gateway may send it): still a
    // refusal, with the status.
    let body = r#"{"status":0,"info":"账号或密码错误","data":null}"#;
    let e = parse_login(&support::answer(StatusCode::UNAUTHORIZED, body.as_bytes())).unwrap_err();
    assert!(e.is_refused(), "{e}");
    assert_eq!(e.status(), Some(StatusCode::UNAUTHORIZED));
}

#[test]
fn unknown_fields_are_ignored_and_the_token_is_unescaped() {
    let body = r#"{"status":1,"extra":[1,{"a":null}],"info":"ok","data":{"accessToken":"a\"b\u0041","expiresTime":"2018/01/16 16:02:08","refresh":true},"createtime":"2018/01/16 14:02:08"}"#;
    let login = parse(body).unwrap();
    assert_eq!(login.token().expose(), "a\"bA");
}
