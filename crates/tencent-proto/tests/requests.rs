//! Known answers for the signer and every request builder, read back the way
//! the platform reads them.

mod support;

use iotcard_model::{Iccid, Operator, Secret};
use proptest::prelude::*;
use serde_json::json;
use support::{
    api, api_at, check_envelope, expected_sig, receive, APPKEY, KNOWN_SIG, SDKAPPID, TIME,
};
use tencent_proto::{sign, CardListQuery, Endpoint, Limit, OperatorFilter, Random, SdkAppId};

/// `secs` after the Unix epoch, as the request builders take time.
fn at(secs: u64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs)
}

#[test]
fn signer_known_answer() {
    let sig = sign(
        &Secret::new(APPKEY),
        &SdkAppId::parse(SDKAPPID).unwrap(),
        TIME,
    );
    assert_eq!(sig.as_str(), KNOWN_SIG);
    assert_eq!(
        expected_sig(APPKEY, SDKAPPID, &TIME.to_string()),
        KNOWN_SIG,
        "the test's own hash agrees"
    );
    assert_eq!(api().credentials().sign(TIME), sig);
}

#[test]
fn getappinfo_request() {
    let request = api()
        .app_info(at(TIME), Random::new(7_654_321).unwrap())
        .unwrap();
    let received = receive(&request);
    assert_eq!(
        (received.scheme.as_str(), received.authority.as_str()),
        ("https", "yun.tim.qq.com")
    );
    assert_eq!(received.query["random"], "7654321");
    let body = check_envelope(&received, "getappinfo");
    assert_eq!(
        serde_json::Value::Object(body),
        json!({"sig": KNOWN_SIG, "time": "1505812393"})
    );
}

#[test]
fn getcardlist_request_for_each_filter() {
    let filters = [
        (OperatorFilter::All, 0),
        (OperatorFilter::Only(Operator::ChinaMobile), 1),
        (OperatorFilter::Only(Operator::ChinaTelecom), 2),
        (OperatorFilter::Only(Operator::ChinaUnicom), 3),
    ];
    for (filter, code) in filters {
        let query = CardListQuery {
            filter,
            limit: Limit::new(17).unwrap(),
            offset: 340,
        };
        let request = api()
            .card_list(&query, at(TIME), Random::new(1).unwrap())
            .unwrap();
        let received = receive(&request);
        assert_eq!(received.query["random"], "1");
        let body = check_envelope(&received, "getcardlist");
        assert_eq!(
            serde_json::Value::Object(body),
            json!({"teleoperator": code, "limit": 17, "offset": 340, "sig": KNOWN_SIG, "time": "1505812393"})
        );
    }
}

#[test]
fn getcardinfo_request() {
    let iccid = Iccid::parse("898602b7091701054333").unwrap();
    let request = api()
        .card_info(&iccid, at(TIME), Random::new(u64::from(u32::MAX)).unwrap())
        .unwrap();
    let received = receive(&request);
    assert_eq!(received.query["random"], "4294967295");
    let body = check_envelope(&received, "getcardinfo");
    assert_eq!(
        serde_json::Value::Object(body),
        json!({"iccid": "898602B7091701054333", "sig": KNOWN_SIG, "time": "1505812393"})
    );
}

#[test]
fn endpoint_prefix_and_plain_http_for_simulators() {
    let api = api_at(Endpoint::parse("http://127.0.0.1:25854/tencent/").unwrap());
    let request = api.app_info(at(TIME), Random::new(9).unwrap()).unwrap();
    let received = receive(&request);
    assert_eq!(received.scheme, "http");
    assert_eq!(received.authority, "127.0.0.1:25854");
    assert_eq!(received.path, "/tencent/v1/iotcard/getappinfo");
}

#[test]
fn limits_outside_one_to_twenty_are_refused() {
    for bad in [0u64, 21, 255, 256, 1000] {
        let e = Limit::new(bad).unwrap_err().to_string();
        assert_eq!(
            e,
            format!("limit {bad} is outside the allowed range 1..=20")
        );
    }
}

#[test]
fn debug_output_never_shows_the_appkey() {
    let shown = format!("{:?}", api());
    assert!(!shown.contains(APPKEY), "{shown}");
}

proptest! {
    #[test]
    fn every_request_reads_back_with_a_valid_signature(
        // Any second a SystemTime can hold on every platform (to 9999).
        time in 0u64..=253_402_300_799,
        random in 1u64..=u64::from(u32::MAX),
        offset in any::<u32>(),
        limit in 1u64..=20,
        filter in prop_oneof![
            Just(OperatorFilter::All),
            proptest::sample::select(Operator::ALL.to_vec()).prop_map(OperatorFilter::Only),
        ],
        iccid in "89[0-9A-Z]{17,18}",
    ) {
        let api = api();
        let random = Random::new(random).unwrap();
        let query = CardListQuery { filter, limit: Limit::new(limit).unwrap(), offset };
        let iccid = Iccid::parse(&iccid).unwrap();
        for (command, request) in [
            ("getappinfo", api.app_info(at(time), random).unwrap()),
            ("getcardlist", api.card_list(&query, at(time), random).unwrap()),
            ("getcardinfo", api.card_info(&iccid, at(time), random).unwrap()),
        ] {
            let received = receive(&request);
            prop_assert_eq!(&received.query["random"], &random.to_string());
            let body = check_envelope(&received, command);
            let time_text = time.to_string();
            prop_assert_eq!(body["time"].as_str(), Some(time_text.as_str()));
            if command == "getcardlist" {
                prop_assert_eq!(body["offset"].as_u64(), Some(u64::from(offset)));
                prop_assert_eq!(body["limit"].as_u64(), Some(limit));
                prop_assert_eq!(body["teleoperator"].as_u64(), Some(u64::from(filter.code())));
            }
            if command == "getcardinfo" {
                prop_assert_eq!(body["iccid"].as_str(), Some(iccid.as_str()));
            }
        }
    }

    #[test]
    fn limits_above_twenty_are_refused(value in 21u64..) {
        let e = Limit::new(value).unwrap_err().to_string();
        prop_assert!(e.contains(&value.to_string()) && e.contains("1..=20"), "{}", e);
    }

    #[test]
    fn randoms_render_without_leading_zeros(value in 1u64..=u64::from(u32::MAX)) {
        let text = Random::new(value).unwrap().to_string();
        prop_assert!(!text.starts_with('0'));
        prop_assert_eq!(text.parse::<u64>().unwrap(), value);
    }
}
