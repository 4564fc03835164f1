//! Every Tencent call end to end against the simulator over HTTPS, each
//! answer compared with the fleet's ground truth at a frozen clock.

use futures::{StreamExt, TryStreamExt};
use iotcard_facade::{CardPlatform, TencentClient, TENCENT_CAPABILITIES};
use iotcard_model::{CardSnapshot, Iccid, Operator};
use iotcard_sim::{tencent_codes, RunningSimulator};
use iotcard_tests::expect::{self, Answer};
use iotcard_tests::fixtures;
use tencent_proto::{CardBrief, CardInfo, OperatorFilter};

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
        let info = client.card(card.iccid()).await.expect("a fleet card");
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
        client.card(&lower).await.expect("found"),
        expect::card_info(&card, &at)
    );

    // An ICCID the account does not have: the platform's refusal, verbatim,
    // not retried.
    let stranger = &fixtures::iccids_outside(fleet, 1)[0];
    let before = sim.stats().requests.tencent_getcardinfo;
    let error = client
        .card(stranger)
        .await
        .expect_err("not on this account");
    assert!(error.is_refused(), "{error:?}");
    assert!(
        error
            .to_string()
            .contains(&tencent_codes::ICCID_UNKNOWN.to_string()),
        "{error}"
    );
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

    let reports = client.cards_info(asked).await;
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
                let Err(iotcard_facade::CardProblem::Failed(e)) = &report.result else {
                    panic!("{}: {:?}", report.card, report.result);
                };
                assert!(e.is_refused(), "{e}");
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
        .cards_detailed(OperatorFilter::Only(op))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_through_the_neutral_trait() {
    let (sim, client) = start().await;
    let at = sim.now();
    let fleet = sim.fleet();
    let platform: &dyn CardPlatform = &client;
    assert_eq!(platform.capabilities(), TENCENT_CAPABILITIES);
    assert!(!platform.capabilities().sms && platform.capabilities().list_cards);

    let mut iccids: Vec<String> = fleet.iccids().take(60).map(|i| i.to_string()).collect();
    iccids.reverse();
    let stranger = fixtures::iccids_outside(fleet, 1)[0].to_string();
    iccids.push(stranger.clone());
    let mut asked = iccids.clone();
    asked.push(iccids[0].clone());

    let reports = platform.snapshots(asked).await.expect("valid ICCIDs");
    let got: Vec<&String> = reports.iter().map(|r| &r.card).collect();
    assert_eq!(got, iccids.iter().collect::<Vec<_>>());
    for report in &reports {
        if report.card == stranger {
            assert!(matches!(
                Answer::of(&report.result),
                Answer::Failure("failed", _)
            ));
            continue;
        }
        let card = fleet
            .card(fleet.index_of_iccid(&report.card).expect("in the fleet"))
            .expect("in the fleet");
        let want: CardSnapshot = expect::card_info(&card, &at).to_snapshot();
        assert_eq!(want.usage.as_ref().and_then(|u| u.sms_used), None);
        assert_eq!(Answer::of(&report.result), Answer::Value(want));
    }
}
