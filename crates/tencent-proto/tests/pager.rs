//! The pager against a fake server that reads each request the way the
//! platform does and answers from an in-test fleet.

mod support;

use bytes::Bytes;
use http::{Request, StatusCode};
use iotcard_model::Operator;
use proptest::prelude::*;
use support::{api, check_envelope, receive};
use tencent_proto::{parse_card_list, CardListPager, Limit, OperatorFilter, Random, TencentError};

/// `secs` after the Unix epoch, as the request builders take time.
fn at(secs: u64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs)
}

/// A card in the fake fleet: its ICCID and operator code.
type FleetCard = (String, u8);

struct FakeServer {
    fleet: Vec<FleetCard>,
    requests: usize,
    /// When set, the server ignores `offset` (a broken server).
    ignore_offset: bool,
}

impl FakeServer {
    fn answer(&mut self, request: &Request<Bytes>) -> (StatusCode, Vec<u8>) {
        self.requests += 1;
        let body = check_envelope(&receive(request), "getcardlist");
        let filter = body["teleoperator"].as_u64().unwrap();
        let limit = body["limit"].as_u64().unwrap() as usize;
        let offset = if self.ignore_offset {
            0
        } else {
            body["offset"].as_u64().unwrap() as usize
        };
        assert!(
            (1..=20).contains(&limit),
            "the server never sees a bad limit"
        );
        let records: Vec<String> = self
            .fleet
            .iter()
            .filter(|(_, op)| filter == 0 || u64::from(*op) == filter)
            .skip(offset)
            .take(limit)
            .map(|(iccid, op)| {
                format!(
                    r#"{{"iccid":"{iccid}","msisdn":"1064878384333","teleoperator":{op},"type":1,"card_status":2,"network_status":2,"data_used_in_period":1.500,"data_total_in_period":30.000}}"#
                )
            })
            .collect();
        let body = format!(
            r#"{{"code":0,"message":"OK","data":{{"card_brief_infos":[{}]}}}}"#,
            records.join(",")
        );
        (StatusCode::OK, body.into_bytes())
    }
}

fn fleet(operators: &[u8]) -> Vec<FleetCard> {
    operators
        .iter()
        .enumerate()
        .map(|(i, op)| (format!("8986{i:016}"), *op))
        .collect()
}

/// Drives the pager to the end; returns the ICCIDs listed.
fn list_all(
    server: &mut FakeServer,
    filter: OperatorFilter,
    limit: Limit,
    expected: Option<u64>,
) -> Result<Vec<String>, TencentError> {
    let api = api();
    let mut pager = CardListPager::new(filter, limit);
    if let Some(cards) = expected {
        pager = pager.expecting(cards);
    }
    let mut listed = Vec::new();
    let mut time = 1_700_000_000;
    let bound = server.fleet.len() + 2;
    while let Some(request) = pager.next_request(&api, at(time), Random::new(time).unwrap()) {
        assert!(server.requests <= bound, "the pager must end");
        let (status, body) = server.answer(&request?);
        let page = parse_card_list(&support::answer(status, &body))?;
        pager.record(&page)?;
        listed.extend(page.cards.iter().map(|c| c.iccid.to_string()));
        time += 1;
    }
    assert!(pager.is_finished());
    assert_eq!(pager.records_received() as usize, listed.len());
    Ok(listed)
}

proptest! {
    #[test]
    fn every_card_exactly_once_in_the_fewest_requests(
        operators in prop::collection::vec(1u8..=3, 0..130),
        limit in 1u64..=20,
        filter in prop_oneof![
            Just(OperatorFilter::All),
            proptest::sample::select(Operator::ALL.to_vec()).prop_map(OperatorFilter::Only),
        ],
    ) {
        let limit = Limit::new(limit).unwrap();
        let wanted: Vec<String> = fleet(&operators)
            .iter()
            .filter(|(_, op)| filter.code() == 0 || *op == filter.code())
            .map(|(iccid, _)| iccid.clone())
            .collect();
        let pages = wanted.len().div_ceil(usize::from(limit.get()));
        // Without the account's count: every page, then an empty one.
        let mut server = FakeServer { fleet: fleet(&operators), requests: 0, ignore_offset: false };
        let listed = list_all(&mut server, filter, limit, None).unwrap();
        prop_assert_eq!(&listed, &wanted, "each card once, in the server's order");
        prop_assert_eq!(server.requests, pages + 1);
        // With it: no empty page asked for.
        let mut server = FakeServer { fleet: fleet(&operators), requests: 0, ignore_offset: false };
        let listed = list_all(&mut server, filter, limit, Some(wanted.len() as u64)).unwrap();
        prop_assert_eq!(&listed, &wanted);
        prop_assert_eq!(server.requests, pages);
    }

    #[test]
    fn a_server_ignoring_offset_is_caught(size in 0usize..60, limit in 1u64..=20) {
        let limit = Limit::new(limit).unwrap();
        let mut server = FakeServer { fleet: fleet(&vec![1; size]), requests: 0, ignore_offset: true };
        let result = list_all(&mut server, OperatorFilter::All, limit, None);
        if size == 0 {
            // One empty page: indistinguishable from a correct server, and correct.
            prop_assert_eq!(result.unwrap().len(), 0);
        } else {
            let repeated = matches!(result, Err(TencentError::PageRepeated { .. }));
            prop_assert!(repeated, "{:?}", result);
            prop_assert_eq!(server.requests, 2);
        }
    }
}

#[test]
fn a_limit_of_zero_or_twenty_one_never_reaches_a_pager() {
    assert!(matches!(
        Limit::new(0),
        Err(TencentError::LimitOutOfRange { value: 0, .. })
    ));
    assert!(matches!(
        Limit::new(21),
        Err(TencentError::LimitOutOfRange { value: 21, .. })
    ));
}
