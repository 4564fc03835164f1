//! The login answer: token, lifetime, and everything that can be wrong
//! with it.

mod support;

use std::time::{Duration, SystemTime};

use http::StatusCode;
use iotbos_proto::{
    parse_login, DefaultReason, IotbosError, LifetimeBasis, Stamp, DEFAULT_TOKEN_MARGIN,
};

fn login_body(token: &str, expires: &str, created: &str) -> String {
    format!(
        r#"{{"status":1,"info":null,"data":{{"accessToken":{token},"expiresTime":{expires}}},"createtime":{created}}}"#
    )
}

fn parse(body: &str) -> Result<iotbos_proto::Login, IotbosError> {
    parse_login(&support::ok(body.as_bytes()))
}

const DEFAULT: Duration = Duration::from_secs(7200);

#[test]
fn lifetime_is_the_servers_difference_whatever_the_local_zone() {
    // Across midnight and a month end, both in UTC+8.
    let login = parse(&login_body(
        r#""t""#,
        r#""2018/02/01 00:30:00""#,
        r#""2018/01/31 23:30:00""#,
    ))
    .unwrap();
    let lifetime = login.lifetime(DEFAULT);
    assert_eq!(lifetime.duration, Duration::from_secs(3600));
    assert_eq!(lifetime.basis, LifetimeBasis::Stated);
    let received = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    assert_eq!(
        lifetime.usable_until(received, DEFAULT_TOKEN_MARGIN),
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
    let lifetime = login.lifetime(DEFAULT);
    assert_eq!(lifetime.duration, Duration::from_secs(60));
    assert_eq!(
        lifetime.usable_for(DEFAULT_TOKEN_MARGIN),
        Duration::from_secs(30)
    );
    assert_eq!(lifetime.usable_for(Duration::ZERO), Duration::from_secs(60));
    assert_eq!(
        lifetime.usable_for(Duration::from_secs(10)),
        Duration::from_secs(50)
    );
}

#[test]
fn names_in_any_case_and_dates_in_any_style_read_the_same() {
    for body in [
        r#"{"status":1,"data":{"accesstoken":"t","EXPIRESTIME":"2018-1-16 16:02:08"},"createtime":"2018/01/16 14:02:08"}"#,
        r#"{"status":1,"data":{"AccessToken":"t","ExpiresTime":"2018-01-16T16:02:08.000"},"createtime":"2018-01-16 14:02:08.000"}"#,
        r#"{"status":1,"data":{"accessToken":"t","expiresTime":"/Date(1516089728000)/"},"createtime":"2018/1/16 14:02:08"}"#,
    ] {
        let login = parse(body).unwrap();
        assert_eq!(login.token().expose(), "t", "{body}");
        let lifetime = login.lifetime(Duration::from_secs(1));
        assert_eq!(lifetime.duration, DEFAULT, "{body}");
        assert_eq!(lifetime.basis, LifetimeBasis::Stated, "{body}");
    }
    // A token sent as a number is its digits.
    let login = parse(&login_body("917", r#""2018/01/16 16:02:08""#, "null")).unwrap();
    assert_eq!(login.token().expose(), "917");
}

#[test]
fn without_createtime_the_lifetime_counts_from_the_date_header() {
    let body = r#"{"status":1,"info":null,"data":{"accessToken":"t","expiresTime":"2018/01/16 16:02:08"}}"#;
    let mut answer = support::ok(body.as_bytes());
    answer.headers_mut().insert(
        http::header::DATE,
        "Tue, 16 Jan 2018 06:32:08 GMT".parse().unwrap(),
    );
    let lifetime = parse_login(&answer).unwrap().lifetime(DEFAULT);
    assert_eq!(lifetime.duration, Duration::from_secs(5400));
    assert_eq!(lifetime.basis, LifetimeBasis::AgainstDate);
    // And with neither, the default.
    let lifetime = parse(body).unwrap().lifetime(DEFAULT);
    assert_eq!(
        lifetime.basis,
        LifetimeBasis::Default(DefaultReason::NoStart)
    );
}

#[test]
fn a_lifetime_that_cannot_be_believed_still_gives_a_token_with_the_default() {
    let created = r#""2018/01/16 14:02:08""#;
    for (expires, created, reason) in [
        (
            r#""2018/01/16 14:02:08""#,
            created,
            DefaultReason::NotPositive,
        ),
        (
            r#""2018/01/16 14:00:00""#,
            created,
            DefaultReason::NotPositive,
        ),
        (r#""2018/03/16 14:02:08""#, created, DefaultReason::TooLong),
        ("null", created, DefaultReason::NoExpiry),
        (r#""""#, created, DefaultReason::NoExpiry),
        (r#""0001-01-01 00:00:00""#, created, DefaultReason::NoExpiry),
        (r#""tomorrow""#, created, DefaultReason::UnreadableExpiry),
        ("5", created, DefaultReason::UnreadableExpiry),
        (r#""2018/01/16 16:02:08""#, "null", DefaultReason::NoStart),
        (
            r#""2018/01/16 16:02:08""#,
            r#""2018/02/30 14:02:08""#,
            DefaultReason::NoStart,
        ),
        (r#""2018/01/16 16:02:08""#, "5", DefaultReason::NoStart),
    ] {
        let body = login_body(r#""t""#, expires, created);
        let login = parse(&body).unwrap_or_else(|e| panic!("{body}: {e}"));
        assert_eq!(login.token().expose(), "t");
        let lifetime = login.lifetime(Duration::from_secs(1234));
        assert_eq!(lifetime.duration, Duration::from_secs(1234), "{body}");
        assert_eq!(lifetime.basis, LifetimeBasis::Default(reason), "{body}");
    }
    // Unreadable dates are kept, with what was wrong.
    let login = parse(&login_body(r#""t""#, r#""tomorrow""#, created)).unwrap();
    let Stamp::Unreadable(why) = &login.times().expires else {
        panic!("{:?}", login.times())
    };
    assert!(why.to_string().contains("tomorrow"), "{why}");
}

#[test]
fn only_a_missing_token_or_envelope_fails_the_login() {
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
            login_body("{}", r#""2018/01/16 16:02:08""#, r#""2018/01/16 14:02:08""#),
            "no data.accessToken",
        ),
        (
            r#"{"status":1,"info":null,"data":{"expiresTime":"2018/01/16 16:02:08"}}"#.to_owned(),
            "no data.accessToken",
        ),
        (
            r#"{"status":1,"info":null,"data":null}"#.to_owned(),
            "no data",
        ),
        (
            r#"{"status":1,"info":null,"data":["t"]}"#.to_owned(),
            "does not have the documented shape",
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
