//! Every example answer of the IoTBOS spec parses to exactly what it shows.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use http::StatusCode;
use iotbos_proto::{
    parse_expiry, parse_login, parse_plan, parse_remaining, parse_state, parse_usage, CardAnswer,
    CardAnswers, IotbosError,
};
use iotcard_model::{CardStatus, DataUnit, Expiry, Outcome};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn vector(name: &str) -> Vec<u8> {
    let path = vectors().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The one answer of a single-card vector, which must be readable.
fn only<T: Clone + std::fmt::Debug>(answers: &CardAnswers<T>) -> (String, CardAnswer<T>) {
    assert!(
        answers.unattributed.is_empty(),
        "{:?}",
        answers.unattributed
    );
    assert_eq!(answers.cards.len(), 1, "{answers:?}");
    let (card, result) = &answers.cards[0];
    (card.to_string(), result.clone().expect("readable entry"))
}

#[test]
fn login() {
    let login = parse_login(&support::ok(&vector("login.json"))).unwrap();
    assert_eq!(
        login.token().expose(),
        "7dc1f8e0-4b67-466f-8312-2bb7d6e93f2d"
    );
    assert_eq!(
        login.times().created.instant().unwrap().to_rfc3339(),
        "2018-01-16T14:02:08+08:00"
    );
    assert_eq!(
        login.times().expires.instant().unwrap().to_rfc3339(),
        "2018-01-16T16:02:08+08:00"
    );
    let lifetime = login.lifetime(Duration::from_secs(60));
    assert_eq!(lifetime.duration, Duration::from_secs(2 * 3600));
    assert_eq!(lifetime.basis, iotbos_proto::LifetimeBasis::Stated);
    assert!(!format!("{login:?}").contains("7dc1f8e0"), "token in Debug");
}

#[test]
fn usage() {
    let answers = parse_usage(&support::ok(&vector("usage.json"))).unwrap();
    assert!(answers.unattributed.is_empty());
    let cards: Vec<_> = answers.cards.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(cards, ["1060000000001", "1060000000002"]);
    for (_, result) in &answers.cards {
        let answer = result.as_ref().unwrap();
        assert_eq!(answer.outcome, Outcome::Found);
        let usage = answer.payload.clone().unwrap();
        assert_eq!(usage.sms_used.unwrap().0, 6);
        let data = usage.data_used.unwrap();
        assert_eq!(data.unit, DataUnit::ProviderUnit);
        assert_eq!(data.amount.to_string(), "8359");
    }
}

#[test]
fn remaining() {
    let (card, answer) = only(&parse_remaining(&support::ok(&vector("remaining.json"))).unwrap());
    assert_eq!(card, "1064804085884");
    assert_eq!(answer.outcome, Outcome::Found);
    let left = answer.payload.unwrap();
    assert_eq!(left.sms_left.unwrap().0, 4);
    let data = left.data_left.unwrap();
    assert_eq!(data.unit, DataUnit::ProviderUnit);
    assert_eq!(data.amount.to_string(), "-8359");
    assert!(data.amount.is_sign_negative());
}

#[test]
fn expiry_keeps_the_status_sent_beside_state_2() {
    let (card, answer) = only(&parse_expiry(&support::ok(&vector("expiry.json"))).unwrap());
    assert_eq!(card, "1064804085884");
    assert_eq!(answer.outcome, Outcome::NoData);
    assert_eq!(
        answer.payload,
        Some(Expiry {
            status: Some(CardStatus::Disabled),
            expires_at: None,
        })
    );
}

#[test]
fn state_with_null_terminal_state() {
    let (card, answer) = only(&parse_state(&support::ok(&vector("state.json"))).unwrap());
    assert_eq!(card, "1064804085884");
    assert_eq!(answer.outcome, Outcome::NoData);
    assert_eq!(answer.payload, None);
}

#[test]
fn plan_keeps_every_decimal_place() {
    let (card, answer) = only(&parse_plan(&support::ok(&vector("plan.json"))).unwrap());
    assert_eq!(card, "1064804085884");
    assert_eq!(answer.outcome, Outcome::Found);
    let plan = answer.payload.unwrap();
    assert_eq!(plan.name.as_deref(), Some("移动 10 条"));
    let shown = |m: Option<iotcard_model::Money>| m.map(|m| m.to_string());
    assert_eq!(shown(plan.monthly_fee).as_deref(), Some("1.00"));
    assert_eq!(plan.included_sms.map(|s| s.0), Some(10));
    assert_eq!(shown(plan.sms_overage_price).as_deref(), Some("0.10"));
    let data = plan.included_data.unwrap();
    assert_eq!(
        (data.amount.to_string(), data.unit),
        ("0".into(), DataUnit::ProviderUnit)
    );
    assert_eq!(shown(plan.data_overage_price).as_deref(), Some("0.00"));
    assert_eq!((plan.product_id, plan.pool_id), (None, None));
}

#[test]
fn the_same_bodies_under_an_error_status_are_http_errors() {
    for (name, status) in [
        ("usage.json", StatusCode::INTERNAL_SERVER_ERROR),
        ("plan.json", StatusCode::NOT_FOUND),
        ("state.json", StatusCode::MOVED_PERMANENTLY),
    ] {
        let body = vector(name);
        let e = match name {
            "usage.json" => parse_usage(&support::answer(status, &body)).unwrap_err(),
            "plan.json" => parse_plan(&support::answer(status, &body)).unwrap_err(),
            _ => parse_state(&support::answer(status, &body)).unwrap_err(),
        };
        assert!(
            matches!(e, IotbosError::HttpStatus { status: s, .. } if s == status),
            "{e}"
        );
    }
    let e = parse_login(&support::answer(
        StatusCode::UNAUTHORIZED,
        &vector("login.json"),
    ))
    .unwrap_err();
    assert!(!e.to_string().contains("7dc1f8e0"), "token echoed in {e}");
}

#[test]
fn a_data_answer_read_as_another_call_does_not_invent_data() {
    // The remaining example read as usage: the card is found, but usage has
    // no `Exceed`, so there is no payload (and no error).
    let answers = parse_usage(&support::ok(&vector("remaining.json"))).unwrap();
    let (_, answer) = only(&answers);
    assert_eq!((answer.outcome, answer.payload), (Outcome::Found, None));
    assert!(parse_usage(&support::ok(&vector("login.json"))).is_err());
}

/// The vectors are the spec's text: four verbatim, two without the page
/// breaks the PDF extraction put inside them (see tests/vectors/README.md).
#[test]
fn vectors_are_copied_from_the_spec() {
    let spec_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/specs/iotbos-api.zh.txt");
    let Ok(spec) = std::fs::read_to_string(&spec_path) else {
        eprintln!("{} not found: copy check skipped", spec_path.display());
        return;
    };
    let text = |name| String::from_utf8(vector(name)).unwrap();
    for name in ["usage.json", "remaining.json", "expiry.json", "state.json"] {
        assert!(spec.contains(&text(name)), "{name} is not verbatim");
    }
    let without = |drop: &[&str]| {
        spec.lines()
            .filter(|line| !drop.iter().any(|d| line.starts_with(d)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let login_page_break = "http://sys.iotbos.com/";
    let plan_page_break = "http://localhost:25853/Api/TerminalInfo/ReturnOperatorServicePackage?cardIdNums=1064804085884&accessToken";
    for (name, page_break) in [
        ("login.json", login_page_break),
        ("plan.json", plan_page_break),
    ] {
        // With the page-break lines gone, the vector's lines appear in the
        // spec in order (blank lines aside, which the page break doubled).
        let clean = without(&[page_break]);
        let squeeze = |s: &str| {
            s.lines()
                .filter(|l| !l.trim().is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(squeeze(&clean).contains(&squeeze(&text(name))), "{name}");
        assert!(!text(name).contains("http"), "{name} keeps a page break");
    }
}

fn refusal(e: &IotbosError) -> Option<&str> {
    e.is_refused().then(|| e.provider_message()).flatten()
}

#[test]
fn a_refusal_under_401_is_a_refusal() {
    let body = vector("status/401-refused.json");
    for status in [StatusCode::UNAUTHORIZED, StatusCode::OK] {
        let e = parse_usage(&support::answer(status, &body)).unwrap_err();
        assert!(matches!(e, IotbosError::Refused { .. }), "{e}");
        assert_eq!(refusal(&e), Some("accessToken expired"));
        assert_eq!(e.status(), Some(status));
        assert_eq!(e.provider_code().as_deref(), Some("0"));
        assert!(!e.is_transient());
        let e = parse_login(&support::answer(status, &body)).unwrap_err();
        assert_eq!(refusal(&e), Some("accessToken expired"), "{e}");
    }
}

#[test]
fn an_iis_503_page_is_a_transient_http_error_without_the_token() {
    let body = vector("status/503.html");
    let e = parse_plan(&support::answer(StatusCode::SERVICE_UNAVAILABLE, &body)).unwrap_err();
    match &e {
        IotbosError::HttpStatus {
            status,
            body_snippet,
            ..
        } => {
            assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE);
            assert!(body_snippet.starts_with("<!DOCTYPE HTML"), "{body_snippet}");
        }
        other => panic!("{other}"),
    }
    assert!(e.is_transient() && !e.is_refused());
    assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!((e.provider_code(), e.provider_message()), (None, None));
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("917B38E2"), "{shown}");
    // The same page under 200 (a proxy that says OK): not JSON, transient.
    let e = parse_plan(&support::ok(&body)).unwrap_err();
    assert!(matches!(e, IotbosError::InvalidJson { .. }), "{e}");
    assert!(e.is_transient());
}
