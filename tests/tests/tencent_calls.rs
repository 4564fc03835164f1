//! Every Tencent call end to end against the simulator over HTTPS, each
//! answer compared with the fleet's ground truth at a frozen clock.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use iotcard_facade::{
    CardBrief, CardInfo, CardKey, CardPlatform, CardProblem, CardSnapshot, Iccid, Operator,
    OperatorFilter, ProblemKind, Provider, Response, TencentClient, TENCENT_CAPABILITIES,
};
use iotcard_sim::{tencent_codes, RunningSimulator};
use iotcard_tests::errors::{assert_each_level_once, chain};
use iotcard_tests::expect::{self, Answer};
use iotcard_tests::fixtures;
use iotcard_tests::platform;
use iotcard_transport::ScriptedTransport;

const CARDS: u64 = 1000;
const PAGE: u64 = 20;

async fn start() -> (RunningSimulator, TencentClient) {
    let sim = fixtures::simulator()
        .cards(CARDS)
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::tencent(&sim).build().expect("client builds");
    (sim, client)
}

fn briefs(sim: &RunningSimulator, operator: Option<Operator>) -> Vec<CardBrief> {
    let at = sim.now();
    sim.fleet()
        .cards()
        .filter(|c| operator.is_none_or(|op| c.operator() == op))
        .map(|c| expect::brief(&c, &at))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_counts_match_the_fleet() {
    let (sim, client) = start().await;
    let info = client.account().await.expect("getappinfo answers");
    for op in Operator::ALL {
        assert_eq!(
            info.card_counts.get(op),
            sim.fleet().count(Some(op)),
            "{op}"
        );
    }
    assert_eq!(info.card_counts.total(), CARDS);
    assert!(!info.name.is_empty());
    assert_eq!(sim.stats().requests.tencent_getappinfo, 1);
    assert_eq!(sim.stats().refusals.total(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_card_by_iccid() {
    let (sim, client) = start().await;
    let at = sim.now();
    let fleet = sim.fleet();
    // Cards of every operator, kind, status and network code, including the
    // undocumented ones, are read and kept.
    let mut seen_codes = std::collections::HashSet::new();
    for card in fleet.cards() {
        let c = card.tencent_codes();
        if !seen_codes.insert((c.teleoperator, c.kind, c.card_status, c.network_status)) {
            continue;
        }
        let info = client.card_info(card.iccid()).await.expect("a fleet card");
        assert_eq!(info, expect::card_info(&card, &at), "card {}", card.iccid());
    }
    for (what, covered) in [
        ("type 3", seen_codes.iter().any(|c| c.1 == 3)),
        ("card_status 9", seen_codes.iter().any(|c| c.2 == 9)),
        ("network_status 0", seen_codes.iter().any(|c| c.3 == 0)),
        ("operator 3", seen_codes.iter().any(|c| c.0 == 3)),
    ] {
        assert!(covered, "no card with undocumented or rare {what} was read");
    }

    // An ICCID in lower case is the same card.
    let card = fleet.card(7).expect("card 7");
    let lower = Iccid::parse(&card.iccid().as_str().to_ascii_lowercase()).expect("valid");
    assert_eq!(
        client.card_info(&lower).await.expect("found"),
        expect::card_info(&card, &at)
    );

    // An ICCID the account does not have: an error that says so itself,
    // with the platform's refusal verbatim, not retried.
    let stranger = &fixtures::iccids_outside(fleet, 1)[0];
    let before = sim.stats().requests.tencent_getcardinfo;
    let error = client
        .card_info(stranger)
        .await
        .expect_err("not on this account");
    assert!(error.is_card_unknown(), "{error:?}");
    assert!(error.is_refused() && !error.is_transient(), "{error:?}");
    let code = tencent_codes::ICCID_UNKNOWN.to_string();
    assert!(chain(&error).contains(&code), "{}", chain(&error));
    assert_eq!(error.provider_code(), Some(code));
    assert!(error.provider_message().is_some_and(|m| !m.is_empty()));
    assert_each_level_once(&error);
    assert_eq!(
        sim.stats().requests.tencent_getcardinfo,
        before + 1,
        "refusals are not retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_cards_by_iccid_keep_order_and_drop_repeats() {
    let (sim, client) = start().await;
    let at = sim.now();
    let fleet = sim.fleet();
    let strangers = fixtures::iccids_outside(fleet, 2);
    let mut asked: Vec<Iccid> = fleet.iccids().step_by(7).collect();
    asked.reverse();
    asked.insert(3, strangers[0].clone());
    asked.push(strangers[1].clone());
    let distinct = asked.clone();
    asked.insert(10, asked[1].clone());
    asked.push(asked[0].clone());

    let reports = client.card_infos(asked).await;
    let got: Vec<&Iccid> = reports.iter().map(|r| &r.card).collect();
    assert_eq!(got, distinct.iter().collect::<Vec<_>>());
    for report in &reports {
        match fleet.index_of_iccid(report.card.as_str()) {
            Some(i) => {
                let card = fleet.card(i).expect("in the fleet");
                assert_eq!(
                    Answer::of(&report.result),
                    Answer::Value(expect::card_info(&card, &at))
                );
            }
            None => {
                // Not held by the account: "not found", as on IoTBOS.
                let problem = report.result.as_ref().map(|_| ()).unwrap_err();
                assert!(
                    matches!(problem, CardProblem::NotFound),
                    "{}: {problem:?}",
                    report.card
                );
                assert_eq!(problem.kind(), ProblemKind::NotFound);
                assert!(!problem.is_failure());
            }
        }
    }
    assert_eq!(
        sim.stats().requests.tencent_getcardinfo,
        distinct.len() as u64,
        "one request per distinct ICCID"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_gives_every_card_exactly_once() {
    let (sim, client) = start().await;
    let mut pages = 0;
    for op in Operator::ALL {
        let listed: Vec<CardBrief> = client
            .cards(OperatorFilter::Only(op))
            .try_collect()
            .await
            .expect("every page answers");
        let want = briefs(&sim, Some(op));
        assert_eq!(
            listed, want,
            "{op}: the fleet's cards, in its order, once each"
        );
        pages += want.len() as u64 / PAGE + 1;
    }
    let all: Vec<CardBrief> = client
        .cards(OperatorFilter::All)
        .try_collect()
        .await
        .expect("every page answers");
    assert_eq!(all, briefs(&sim, None));
    pages += CARDS / PAGE + 1;
    // A short page ends the listing; a full last page needs one empty page
    // after it to know it was the last.
    let sent = sim.stats().requests.tencent_getcardlist;
    assert!(
        sent <= pages && sent + 4 >= pages,
        "{sent} requests for about {pages} pages"
    );
    assert_eq!(sim.stats().refusals.total(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_is_lazy() {
    let (sim, client) = start().await;
    let first: Vec<CardBrief> = client
        .cards(OperatorFilter::All)
        .take(PAGE as usize + 1)
        .try_collect()
        .await
        .expect("two pages answer");
    assert_eq!(first, briefs(&sim, None)[..=PAGE as usize].to_vec());
    tokio::task::yield_now().await;
    assert_eq!(
        sim.stats().requests.tencent_getcardlist,
        2,
        "only the pages consumed were asked for"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detailed_listing_matches_the_fleet() {
    let (sim, client) = start().await;
    let at = sim.now();
    let op = Operator::ChinaUnicom;
    let details: Vec<(Iccid, Answer<CardInfo>)> = client
        .cards_with_info(OperatorFilter::Only(op))
        .map(|r| r.expect("the listing does not fail"))
        .map(|r| (r.card.clone(), Answer::of(&r.result)))
        .collect()
        .await;
    let want: Vec<(Iccid, Answer<CardInfo>)> = sim
        .fleet()
        .cards()
        .filter(|c| c.operator() == op)
        .map(|c| (c.iccid().clone(), Answer::Value(expect::card_info(&c, &at))))
        .collect();
    assert_eq!(details, want);
    assert_eq!(
        sim.stats().requests.tencent_getcardinfo,
        sim.fleet().count(Some(op))
    );
}

/// What a job generic over the platform sees of Tencent.
fn neutral_capabilities<P: CardPlatform>(platform: &P) {
    let caps = platform.capabilities();
    assert_eq!(caps, TENCENT_CAPABILITIES);
    assert_eq!(caps.provider, Provider::Tencent);
    assert_eq!(caps.looks_up_by, CardKey::Iccid);
    assert!(!caps.sms && caps.list_cards && caps.identity);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_through_the_neutral_trait() {
    let (sim, client) = start().await;
    let at = sim.now();
    let fleet = sim.fleet();
    neutral_capabilities(&client);

    let mut iccids: Vec<String> = fleet.iccids().take(60).map(|i| i.to_string()).collect();
    iccids.reverse();
    let stranger = fixtures::iccids_outside(fleet, 1)[0].to_string();
    iccids.push(stranger.clone());
    // A repeat: the stream reads lazily and asks it again, so it is
    // reported twice, in its place.
    iccids.push(iccids[0].clone());

    let reports = platform::snapshots(&client, &iccids)
        .await
        .expect("valid ICCIDs");
    let got: Vec<&str> = reports.iter().map(|r| r.card.as_str()).collect();
    assert_eq!(got, iccids.iter().map(String::as_str).collect::<Vec<_>>());
    for report in &reports {
        if report.card.as_str() == stranger {
            assert_eq!(Answer::of(&report.result), Answer::NotFound);
            continue;
        }
        let card = fleet
            .card(
                fleet
                    .index_of_iccid(report.card.as_str())
                    .expect("in the fleet"),
            )
            .expect("in the fleet");
        let want: CardSnapshot = expect::card_info(&card, &at).to_snapshot();
        assert_eq!(want.usage.as_ref().and_then(|u| u.sms_used), None);
        assert_eq!(Answer::of(&report.result), Answer::Value(want));
    }
    assert_eq!(
        sim.stats().requests.tencent_getcardinfo,
        iccids.len() as u64,
        "one request per card asked, the repeat too"
    );
}

/// The trait's listing: every card of the account with its snapshot, in
/// list order, equal to the fleet's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listed_snapshots_through_the_neutral_trait() {
    let (sim, client) = start().await;
    let at = sim.now();
    let listed: Vec<_> = client
        .listed_snapshots()
        .expect("Tencent lists its cards")
        .try_collect()
        .await
        .expect("every page answers");
    let want: Vec<(Iccid, Answer<CardSnapshot>)> = sim
        .fleet()
        .cards()
        .map(|c| {
            let snapshot = expect::card_info(&c, &at).to_snapshot();
            (c.iccid().clone(), Answer::Value(snapshot))
        })
        .collect();
    let got: Vec<(Iccid, Answer<CardSnapshot>)> = listed
        .iter()
        .map(|r| (r.card.clone(), Answer::of(&r.result)))
        .collect();
    assert_eq!(got, want);
    assert_eq!(sim.stats().requests.tencent_getcardinfo, CARDS);
}

/// The per-card queries of the trait agree with `card_info`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_neutral_stream_agrees_with_card_info() {
    let (sim, client) = start().await;
    let at = sim.now();
    let fleet = sim.fleet();
    let mut iccids: Vec<Iccid> = fleet.iccids().step_by(37).collect();
    iccids.push(fixtures::iccids_outside(fleet, 1)[0].clone());
    let truth = |iccid: &Iccid| -> Option<CardInfo> {
        let card = fleet.card(fleet.index_of_iccid(iccid.as_str())?)?;
        Some(expect::card_info(&card, &at))
    };

    let usage: Vec<_> = CardPlatform::usage_stream(&client, iccids.clone())
        .collect()
        .await;
    let status: Vec<_> = CardPlatform::status_stream(&client, iccids.clone())
        .collect()
        .await;
    let expiry: Vec<_> = CardPlatform::expiry_stream(&client, iccids.clone())
        .collect()
        .await;
    let plan: Vec<_> = CardPlatform::plan_stream(&client, iccids.clone())
        .collect()
        .await;
    let remaining: Vec<_> = CardPlatform::remaining_stream(&client, iccids.clone())
        .collect()
        .await;
    for (i, iccid) in iccids.iter().enumerate() {
        assert_eq!(&usage[i].card, iccid);
        assert_eq!(&status[i].card, iccid);
        assert_eq!(&expiry[i].card, iccid);
        assert_eq!(&plan[i].card, iccid);
        assert_eq!(&remaining[i].card, iccid);
        let Some(info) = truth(iccid) else {
            for kind in [
                usage[i].result.as_ref().map(|_| ()).unwrap_err().kind(),
                status[i].result.as_ref().map(|_| ()).unwrap_err().kind(),
                expiry[i].result.as_ref().map(|_| ()).unwrap_err().kind(),
                plan[i].result.as_ref().map(|_| ()).unwrap_err().kind(),
                remaining[i].result.as_ref().map(|_| ()).unwrap_err().kind(),
            ] {
                assert_eq!(kind, ProblemKind::NotFound, "{iccid}");
            }
            continue;
        };
        assert_eq!(usage[i].value(), Some(&info.card.usage()), "{iccid}");
        assert_eq!(
            remaining[i].value(),
            Some(&info.card.remaining()),
            "{iccid}"
        );
        assert_eq!(plan[i].value(), Some(&info.plan()), "{iccid}");
        let s = status[i].value().expect("a status");
        assert_eq!(s.status.as_ref(), info.card.status.as_ref(), "{iccid}");
        assert_eq!(s.network.as_ref(), info.card.network.as_ref(), "{iccid}");
        let e = expiry[i].value().expect("an expiry");
        assert_eq!(e.expires_at, info.product_expires_at, "{iccid}");
        assert_eq!(e.status.as_ref(), info.card.status.as_ref(), "{iccid}");
    }
}

/// Task (a) of the facade's reshaping: through `card_infos`, an ICCID the
/// account does not hold is `not_found`, the same kind as on IoTBOS, and
/// neither a failure nor retried; the cards around it are answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_infos_reports_an_iccid_not_on_the_account_as_not_found() {
    let (sim, client) = start().await;
    let at = sim.now();
    let fleet = sim.fleet();
    let stranger = fixtures::iccids_outside(fleet, 1)[0].clone();
    let known = fleet.card(0).expect("card 0");
    let reports = client
        .card_infos([known.iccid().clone(), stranger.clone()])
        .await;
    assert_eq!(reports.len(), 2);
    assert_eq!(
        Answer::of(&reports[0].result),
        Answer::Value(expect::card_info(&known, &at))
    );
    assert_eq!(reports[1].card, stranger);
    let problem = reports[1].result.as_ref().unwrap_err();
    assert_eq!(problem.kind(), ProblemKind::NotFound);
    assert_eq!(problem.kind().as_str(), "not_found");
    assert!(matches!(problem, CardProblem::NotFound), "{problem:?}");
    assert!(!problem.is_failure() && problem.error().is_none());
    assert_eq!(problem.to_string(), "no such card on this account");
    let stats = sim.stats();
    assert_eq!(stats.requests.tencent_getcardinfo, 2, "not retried");
    assert_eq!(stats.refusals.iccid_unknown, 1);
}

/// A `getcardlist` page of three records whose middle one cannot be read
/// (an ICCID of four digits), then a short last page.
fn pages_with_an_unreadable_record() -> (Arc<ScriptedTransport>, TencentClient) {
    let record = |iccid: &str| {
        format!(
            r#"{{"iccid":"{iccid}","msisdn":"1064878384333","teleoperator":1,"type":1,"card_status":2,"network_status":0,"data_used_in_period":14.970,"data_total_in_period":30.000}}"#
        )
    };
    let page = |records: &[String]| {
        format!(
            r#"{{"code":0,"message":"OK","data":{{"card_brief_infos":[{}]}}}}"#,
            records.join(",")
        )
    };
    let unreadable = r#"{"iccid":"1234","teleoperator":1,"type":1,"card_status":1,"network_status":1,"data_used_in_period":0,"data_total_in_period":0}"#;
    let transport = Arc::new(ScriptedTransport::new());
    // The account's count first (four records in all, one unreadable): the
    // listing then ends after the second page without an empty third.
    transport.push_response(Response::new(
        http::StatusCode::OK,
        r#"{"code":0,"message":"OK","data":{"name":"n","description":"","yd_card_cnt":4,"dx_card_cnt":0,"lt_card_cnt":0}}"#,
    ));
    transport.push_response(Response::new(
        http::StatusCode::OK,
        page(&[
            record("898602B7091701054331"),
            unreadable.to_owned(),
            record("898602B7091701054332"),
        ]),
    ));
    transport.push_response(Response::new(
        http::StatusCode::OK,
        page(&[record("898602B7091701054333")]),
    ));
    let client = TencentClient::builder()
        .sdkappid("1400009099")
        .appkey("k")
        .page_size(3)
        .transport(transport.clone())
        .build()
        .expect("client builds");
    (transport, client)
}

/// An unreadable record does not sink its page or end the listing: the
/// readable ones come through in order, the bad one as an error naming the
/// field, and the next page is still asked for.
#[tokio::test]
async fn an_unreadable_list_record_is_an_error_and_the_listing_goes_on() {
    let (transport, client) = pages_with_an_unreadable_record();
    let items: Vec<_> = client.cards(OperatorFilter::All).collect().await;
    let read: Vec<String> = items
        .iter()
        .filter_map(|i| i.as_ref().ok())
        .map(|b| b.iccid.to_string())
        .collect();
    assert_eq!(
        read,
        [
            "898602B7091701054331",
            "898602B7091701054332",
            "898602B7091701054333"
        ]
    );
    let errors: Vec<_> = items.iter().filter_map(|i| i.as_ref().err()).collect();
    assert_eq!(errors.len(), 1, "{items:?}");
    assert!(chain(errors[0]).contains("iccid"), "{}", chain(errors[0]));
    assert!(
        !errors[0].is_transient(),
        "asking again gives the same record"
    );
    assert_eq!(
        transport.request_count(),
        3,
        "getappinfo, then the listing went on to its second page"
    );
}

/// `TencentClient::cards` documents "an unreadable record is an `Err` item
/// where it stood": between the readable ones of its page, not after them.
#[tokio::test]
async fn an_unreadable_list_record_comes_out_where_it_stood() {
    let (_transport, client) = pages_with_an_unreadable_record();
    let items: Vec<_> = client.cards(OperatorFilter::All).collect().await;
    let shape: Vec<bool> = items.iter().map(Result::is_ok).collect();
    assert_eq!(shape, [true, false, true, true], "{items:?}");
}
