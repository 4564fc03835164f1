//! A fleet of ten million cards starts at once and answers for its last
//! cards by number (IoTBOS) and by ICCID (Tencent).

mod common;

use common::{data_target, iotbos_conn, login, signed, tencent_conn, tencent_target};
use iotcard_sim::{IotbosCall, Outcome, SimCard, Simulator};

const CARDS: u64 = 10_000_000;

#[tokio::test]
async fn ten_million_cards() {
    let started = tokio::time::Instant::now();
    let sim = Simulator::builder()
        .seed(10)
        .cards(CARDS)
        .start()
        .await
        .unwrap();
    assert!(
        started.elapsed().as_secs() < 5,
        "starting does not walk the fleet"
    );
    let fleet = sim.fleet();
    assert_eq!(fleet.len(), CARDS);
    let creds = sim.credentials().clone();

    let last: Vec<SimCard> = (CARDS - 100..CARDS)
        .map(|i| fleet.card(i).unwrap())
        .collect();
    let mut conn = iotbos_conn(&sim).await;
    let token = login(&mut conn, &creds).await;
    let numbers: Vec<&str> = last.iter().map(|c| c.number().as_str()).collect();
    let json = conn
        .get(&data_target(IotbosCall::State.path(), &numbers, &token))
        .await
        .json();
    let entries = json["data"]["date"].as_array().unwrap();
    for (card, entry) in last.iter().zip(entries) {
        assert_eq!(entry["num"], card.number().as_str());
        let expected = match card.outcome(IotbosCall::State) {
            Outcome::Found => 1,
            Outcome::NoData => 2,
            Outcome::Unknown(c) => c,
            other => panic!("{other:?}"),
        };
        assert_eq!(entry["State"], expected);
        if expected == 1 {
            assert_eq!(entry["TerminalState"], card.terminal_state());
        }
    }
    // The same cards by ICCID on the IoTBOS side too, when all digits.
    for card in last
        .iter()
        .filter(|c| c.iccid().as_str().bytes().all(|b| b.is_ascii_digit()))
        .take(5)
    {
        assert_eq!(
            fleet.index_of_number(card.iccid().as_str()),
            Some(card.index())
        );
    }

    let mut conn = tencent_conn(&sim).await;
    let very_last = last.last().unwrap();
    let fields = format!("\"iccid\":\"{}\",", very_last.iccid());
    let json = conn
        .post(
            &tencent_target(&creds, "getcardinfo"),
            &signed(&creds, &fields),
        )
        .await
        .json();
    assert_eq!(json["data"]["msisdn"], very_last.msisdn().as_str());
    let fields = format!("\"teleoperator\":0,\"limit\":20,\"offset\":{},", CARDS - 5);
    let json = conn
        .post(
            &tencent_target(&creds, "getcardlist"),
            &signed(&creds, &fields),
        )
        .await
        .json();
    let page = json["data"]["card_brief_infos"].as_array().unwrap();
    assert_eq!(page.len(), 5, "a short last page");
    assert_eq!(page[4]["iccid"], very_last.iccid().as_str());
    let json = conn
        .post(&tencent_target(&creds, "getappinfo"), &signed(&creds, ""))
        .await
        .json();
    let d = &json["data"];
    let total: u64 = ["yd_card_cnt", "dx_card_cnt", "lt_card_cnt"]
        .iter()
        .map(|k| d[k].as_u64().unwrap())
        .sum();
    assert_eq!(total, CARDS);
}
