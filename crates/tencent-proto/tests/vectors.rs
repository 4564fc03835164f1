//! The spec's own examples, verbatim, parse to the values the spec shows.

mod support;

use http::StatusCode;
use iotcard_model::{CardKind, CardStatus, DataAmount, Iccid, Msisdn, NetworkStatus, Operator};
use serde_json::Value;
use support::{api, check_envelope, receive, strip_line_comments, vector, TIME};
use tencent_proto::{
    parse_app_info, parse_card_info, parse_card_list, CardBrief, CardListQuery, Limit,
    OperatorFilter, Random, ReportedMsisdn, Teleoperator, TencentError,
};

/// `secs` after the Unix epoch, as the request builders take time.
fn at(secs: u64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs)
}

fn answer(name: &str) -> Vec<u8> {
    strip_line_comments(&vector(name)).into_bytes()
}

fn mb(text: &str) -> DataAmount {
    DataAmount::mb(text.parse().unwrap())
}

/// The spec's card, field by field as it prints it.
#[allow(clippy::too_many_arguments)]
fn card(
    iccid: &str,
    msisdn: &str,
    operator: Operator,
    kind: CardKind,
    status: CardStatus,
    network: NetworkStatus,
    used: &str,
    total: &str,
) -> CardBrief {
    CardBrief {
        iccid: Iccid::parse(iccid).unwrap(),
        msisdn: Some(ReportedMsisdn::Valid(Msisdn::parse(msisdn).unwrap())),
        operator: Some(Teleoperator::Known(operator)),
        kind: Some(kind),
        status: Some(status),
        network: Some(network),
        data_used_in_period: Some(mb(used)),
        data_total_in_period: Some(mb(total)),
        problems: Vec::new(),
    }
}

/// `Decimal`'s `==` ignores scale (14.97 == 14.970); the spec's three places
/// must survive, so amounts are also compared as text.
fn assert_amounts(card: &CardBrief, used: &str, total: &str) {
    let text = |a: Option<DataAmount>| a.map(|a| a.amount.to_string());
    assert_eq!(text(card.data_used_in_period).as_deref(), Some(used));
    assert_eq!(text(card.data_total_in_period).as_deref(), Some(total));
}

#[test]
fn comment_stripping_respects_strings() {
    let text = "{\"a\": \"x//y\", // note\n \"b\": \"q\\\"//\" // end\n}";
    assert_eq!(
        strip_line_comments(text),
        "{\"a\": \"x//y\",\n \"b\": \"q\\\"//\"\n}"
    );
}

#[test]
fn getappinfo_vector() {
    let info = parse_app_info(&support::ok(&answer("getappinfo.json"))).unwrap();
    assert_eq!(info.name, "售货机");
    assert_eq!(info.description, "星星街边售货机物联卡");
    let counts = info.card_counts;
    assert_eq!(
        (
            counts.china_mobile,
            counts.china_telecom,
            counts.china_unicom
        ),
        (10, 10, 10)
    );
    assert_eq!(counts.get(Operator::ChinaTelecom), 10);
    assert_eq!(counts.total(), 30);
}

#[test]
fn getcardlist_vector() {
    let page = parse_card_list(&support::ok(&answer("getcardlist.json"))).unwrap();
    assert!(page.rejected.is_empty(), "{:?}", page.rejected);
    use CardKind::Single;
    use CardStatus::Inactive;
    use Operator::ChinaMobile;
    let unknown = || NetworkStatus::Other("0".into());
    let expected = vec![
        card(
            "898602B7091701054333",
            "1064878384333",
            ChinaMobile,
            Single,
            Inactive,
            NetworkStatus::Off,
            "14.970",
            "30.000",
        ),
        card(
            "898607B0101730318875",
            "1064706584079",
            ChinaMobile,
            Single,
            Inactive,
            unknown(),
            "14.170",
            "30.000",
        ),
        card(
            "898607B0101730321069",
            "1064706586274",
            ChinaMobile,
            Single,
            Inactive,
            unknown(),
            "12.170",
            "30.000",
        ),
    ];
    assert_eq!(page.cards, expected);
    for (card, used) in page.cards.iter().zip(["14.970", "14.170", "12.170"]) {
        assert_amounts(card, used, "30.000");
    }
    assert_eq!(page.len(), 3);
}

#[test]
fn getcardinfo_vector_as_published_is_a_clear_parse_error() {
    for body in [
        answer("getcardinfo.json"),
        vector("getcardinfo.json").into_bytes(),
    ] {
        let e = parse_card_info(&support::ok(&body)).unwrap_err();
        assert!(matches!(e, TencentError::NotJson { .. }), "{e:?}");
        assert!(
            e.to_string()
                .starts_with("getcardinfo answer is not valid JSON: { \"code\": 0,"),
            "{e}"
        );
        assert!(e.is_transient());
    }
    // The stripped text fails exactly where the comma is missing: the cause,
    // one level down, says where.
    let e = parse_card_info(&support::ok(&answer("getcardinfo.json"))).unwrap_err();
    let cause = std::error::Error::source(&e)
        .expect("the JSON error")
        .to_string();
    assert!(cause.contains("line 13"), "{cause}");
}

#[test]
fn getcardinfo_vector_repaired() {
    let info = parse_card_info(&support::ok(&answer("getcardinfo.repaired.json"))).unwrap();
    assert_eq!(
        info.card,
        card(
            "898602B7091701054333",
            "1064878384333",
            Operator::ChinaMobile,
            CardKind::Single,
            CardStatus::Inactive,
            NetworkStatus::Off,
            "14.970",
            "30.000",
        )
    );
    assert_amounts(&info.card, "14.970", "30.000");
    assert_eq!(info.product_id.as_deref(), Some("xxxxxxxxxxxxxxxxx"));
    assert_eq!(info.pool_id.as_deref(), Some("yyyyyyyyyyyyyyyy"));
    let expires = info.product_expires_at.unwrap();
    assert_eq!(expires.timestamp(), 1506494258);
    assert_eq!(expires.to_rfc3339(), "2017-09-27T14:37:38+08:00");
}

#[test]
fn repaired_copy_differs_from_the_original_only_by_the_comma() {
    let original = vector("getcardinfo.json");
    let repaired = vector("getcardinfo.repaired.json");
    let differing: Vec<(&str, &str)> = original
        .lines()
        .zip(repaired.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(differing.len(), 1, "{differing:?}");
    let (a, b) = differing[0];
    assert_eq!(a.replacen("30.000 ", "30.000,", 1), b);
    assert_eq!(original.lines().count(), repaired.lines().count());
}

/// The spec's request examples: a built request has the same fields, with
/// the same JSON types (the examples' `sig` used an unpublished appkey, so
/// only its form is compared).
#[test]
fn built_requests_match_the_spec_request_shapes() {
    let api = api();
    let random = Random::new(1).unwrap();
    let iccid = Iccid::parse("898602B7091701054333").unwrap();
    let query = CardListQuery {
        filter: OperatorFilter::Only(Operator::ChinaMobile),
        limit: Limit::new(20).unwrap(),
        offset: 0,
    };
    let built = [
        ("getappinfo", api.app_info(at(TIME), random).unwrap()),
        (
            "getcardlist",
            api.card_list(&query, at(TIME), random).unwrap(),
        ),
        (
            "getcardinfo",
            api.card_info(&iccid, at(TIME), random).unwrap(),
        ),
    ];
    for (command, request) in built {
        let body = check_envelope(&receive(&request), command);
        let example: Value = serde_json::from_str(&strip_line_comments(&vector(&format!(
            "{command}.request.json"
        ))))
        .unwrap();
        let example = example.as_object().unwrap();
        let keys = |m: &serde_json::Map<String, Value>| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&body), keys(example), "{command}");
        for (key, value) in example {
            let ours = &body[key];
            let same_type = std::mem::discriminant(ours) == std::mem::discriminant(value);
            assert!(same_type, "{command}.{key}: {ours} vs {value}");
            if key != "sig" {
                assert_eq!(ours, value, "{command}.{key}");
            }
        }
    }
}

#[test]
fn a_refusal_under_400_is_a_refusal() {
    let body = vector("status/400-refused.json").into_bytes();
    for status in [StatusCode::BAD_REQUEST, StatusCode::OK] {
        for e in [
            parse_app_info(&support::answer(status, &body)).unwrap_err(),
            parse_card_info(&support::answer(status, &body)).unwrap_err(),
            parse_card_list(&support::answer(status, &body)).unwrap_err(),
        ] {
            assert!(
                matches!(e, TencentError::Refused { code: 1004, .. }),
                "{e:?}"
            );
            assert!(e.is_refused() && !e.is_transient() && !e.is_card_unknown());
            assert_eq!(e.status(), Some(status));
            assert_eq!(e.provider_code().as_deref(), Some("1004"));
            assert_eq!(e.provider_message(), Some("time"));
        }
    }
}

#[test]
fn an_iccid_the_account_does_not_hold_is_told_apart() {
    let body = vector("status/getcardinfo-unknown.json").into_bytes();
    let e = parse_card_info(&support::ok(&body)).unwrap_err();
    assert!(e.is_card_unknown() && e.is_refused(), "{e:?}");
    assert_eq!(e.provider_code().as_deref(), Some("1012"));
    assert_eq!(
        e.provider_message(),
        Some("卡片不存在 (no card with this iccid)")
    );
    // Another command's refusal with the same words is about something else.
    assert!(!parse_app_info(&support::ok(&body))
        .unwrap_err()
        .is_card_unknown());
}

#[test]
fn a_gateway_502_page_is_a_transient_http_error_without_the_signature() {
    let body = vector("status/502.html").into_bytes();
    let e = parse_card_info(&support::answer(StatusCode::BAD_GATEWAY, &body)).unwrap_err();
    match &e {
        TencentError::HttpStatus { status, body, .. } => {
            assert_eq!(*status, StatusCode::BAD_GATEWAY);
            assert!(body.starts_with("<html>"), "{body}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.is_transient() && !e.is_refused());
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("4ce121a0"), "{shown}");
}

#[test]
fn answers_serialize_with_their_exact_values_and_unknown_codes_kept() {
    let info = parse_card_info(&support::ok(&answer("getcardinfo.repaired.json"))).unwrap();
    let json = serde_json::to_value(&info).unwrap();
    assert_eq!(json["card"]["iccid"], info.card.iccid.as_str());
    // Exact decimals stay strings with their digits.
    assert_eq!(
        json["card"]["data_used_in_period"]["amount"],
        info.card.data_used_in_period.unwrap().amount.to_string()
    );
    assert_eq!(json["product_id"], serde_json::json!(info.product_id));
    let list = parse_card_list(&support::ok(&answer("getcardlist.json"))).unwrap();
    let json = serde_json::to_value(&list).unwrap();
    assert_eq!(json["cards"].as_array().unwrap().len(), list.cards.len());
    // The document's own `network_status: 0` is kept, not refused.
    let shown: Vec<String> = list
        .cards
        .iter()
        .filter_map(|c| c.network.as_ref().map(ToString::to_string))
        .collect();
    assert!(shown.iter().any(|n| n == "unknown (0)"), "{shown:?}");
    let app = parse_app_info(&support::ok(&answer("getappinfo.json"))).unwrap();
    let json = serde_json::to_value(app).unwrap();
    assert!(json["card_counts"]["china_mobile"].is_u64(), "{json}");
}
