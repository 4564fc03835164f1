//! Fidelity of values: what the wire says equals the fleet's ground truth
//! (iotcard-model types) for the same clock, digit for digit — read here
//! with serde and exact decimals, not with the protocol crates.

mod common;

use chrono::DateTime;
use common::{data_target, iotbos_conn, login, signed, tencent_conn, tencent_target, Conn};
use iotcard_model::decimal;
use iotcard_model::{CardStatus, Decimal, Instant};
use iotcard_sim::{IotbosCall, Outcome, RunningSimulator, SimCard, Simulator};
use serde::Deserialize;

fn frozen() -> Instant {
    DateTime::parse_from_rfc3339("2018-01-16T14:02:08+08:00").unwrap()
}

async fn sim() -> RunningSimulator {
    Simulator::builder()
        .seed(4)
        .cards(5000)
        .freeze_clock(Some(frozen()))
        .start()
        .await
        .unwrap()
}

#[derive(Deserialize)]
struct Envelope<T> {
    status: i64,
    info: Option<String>,
    data: Batch<T>,
    createtime: String,
}

#[derive(Deserialize)]
struct Batch<T> {
    date: Vec<T>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    num: String,
    #[serde(rename = "State")]
    state: i64,
    #[serde(rename = "Exceed", default, deserialize_with = "present")]
    exceed: Option<Option<Exceed>>,
    #[serde(rename = "Surplus", default, deserialize_with = "present")]
    surplus: Option<Option<Surplus>>,
    #[serde(rename = "TerminalState", default, deserialize_with = "present")]
    terminal_state: Option<Option<String>>,
    #[serde(rename = "ExpireDate", default, deserialize_with = "present")]
    expire_date: Option<Option<String>>,
    #[serde(rename = "ServicePackage", default, deserialize_with = "present")]
    package: Option<Option<Package>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct Exceed {
    receives_sms_num: i64,
    #[serde(deserialize_with = "decimal::deserialize")]
    use_flow: Decimal,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct Surplus {
    residual_receives_sms: i64,
    #[serde(deserialize_with = "decimal::deserialize")]
    residual_flow: Decimal,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct Package {
    service_name: String,
    #[serde(deserialize_with = "decimal::deserialize")]
    cost: Decimal,
    default_sms: i64,
    #[serde(deserialize_with = "decimal::deserialize")]
    exceed_sms_price: Decimal,
    default_flow: i64,
    #[serde(deserialize_with = "decimal::deserialize")]
    exceed_flow_price: Decimal,
}

/// Tells a key sent as `null` (`Some(None)`) from a key not sent (`None`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Exact equality: same value and same digits (`1.00` is not `1`).
fn same(wire: Decimal, truth: Decimal, what: &str) {
    assert_eq!(wire.to_string(), truth.to_string(), "{what}");
}

fn cst_text(at: &Instant) -> String {
    at.with_timezone(&iotcard_model::china_standard_time())
        .format("%Y/%m/%d %H:%M:%S")
        .to_string()
}

fn check_entry(call: IotbosCall, card: &SimCard, e: &Entry, at: &Instant) {
    let outcome = card.outcome(call);
    let code = match outcome {
        Outcome::Found => 1,
        Outcome::NoData => 2,
        Outcome::Unknown(c) => c,
        other => panic!("fleet card with {other:?}"),
    };
    assert_eq!(e.state, code, "{call:?} {}", card.number());
    let found = outcome == Outcome::Found;
    match call {
        IotbosCall::Usage => {
            let payload = e.exceed.as_ref().expect("Exceed key present");
            assert_eq!(payload.is_some(), found);
            if let Some(x) = payload {
                let truth = card.usage(at);
                assert_eq!(x.receives_sms_num, truth.sms_used.unwrap().0);
                same(x.use_flow, truth.data_used.unwrap().amount, "UseFlow");
            }
        }
        IotbosCall::Remaining => {
            let payload = e.surplus.as_ref().expect("Surplus key present");
            assert_eq!(payload.is_some(), found);
            if let Some(x) = payload {
                let truth = card.remaining(at);
                assert_eq!(x.residual_receives_sms, truth.sms_left.unwrap().0);
                same(
                    x.residual_flow,
                    truth.data_left.unwrap().amount,
                    "ResidualFlow",
                );
            }
        }
        IotbosCall::Expiry => {
            let status = e.terminal_state.clone().expect("TerminalState key present");
            let date = e.expire_date.clone().expect("ExpireDate key present");
            let truth = card.expiry();
            match outcome {
                Outcome::Found | Outcome::NoData => {
                    assert_eq!(status.as_deref(), Some(card.terminal_state()));
                    assert_eq!(truth.status.as_ref(), Some(&card.iotbos_status()));
                }
                _ => assert_eq!(status, None),
            }
            let expected = if found {
                truth.expires_at.as_ref().map(cst_text)
            } else {
                None
            };
            assert_eq!(date, expected, "ExpireDate of {}", card.number());
            if found && card.iotbos_status() == CardStatus::Active {
                assert!(date.is_some(), "an activated card has a date");
            }
        }
        IotbosCall::State => {
            let status = e.terminal_state.clone().expect("TerminalState key present");
            assert_eq!(status.as_deref(), found.then(|| card.terminal_state()));
        }
        IotbosCall::Plan => {
            let payload = e.package.as_ref().expect("ServicePackage key present");
            assert_eq!(payload.is_some(), found);
            if let Some(p) = payload {
                let truth = card.plan();
                assert_eq!(Some(&p.service_name), truth.name.as_ref());
                same(p.cost, truth.monthly_fee.unwrap().yuan(), "Cost");
                assert_eq!(p.default_sms, truth.included_sms.unwrap().0);
                same(
                    p.exceed_sms_price,
                    truth.sms_overage_price.unwrap().yuan(),
                    "ExceedSmsPrice",
                );
                assert_eq!(
                    Decimal::from(p.default_flow),
                    truth.included_data.unwrap().amount
                );
                same(
                    p.exceed_flow_price,
                    truth.data_overage_price.unwrap().yuan(),
                    "ExceedFlowPrice",
                );
            }
        }
    }
}

async fn batch(
    conn: &mut Conn,
    call: IotbosCall,
    cards: &[SimCard],
    token: &str,
) -> Envelope<Entry> {
    let numbers: Vec<&str> = cards.iter().map(|c| c.number().as_str()).collect();
    let answer = conn.get(&data_target(call.path(), &numbers, token)).await;
    serde_json::from_slice(&answer.body)
        .unwrap_or_else(|e| panic!("{call:?}: {e}: {}", answer.text()))
}

#[tokio::test]
async fn iotbos_answers_equal_the_ground_truth() {
    let sim = sim().await;
    let at = sim.now();
    assert_eq!(at, frozen());
    let creds = sim.credentials().clone();
    let mut conn = iotbos_conn(&sim).await;
    let token = login(&mut conn, &creds).await;
    let cards: Vec<SimCard> = sim.fleet().cards().step_by(7).collect();
    let mut seen_undocumented = false;
    for chunk in cards.chunks(100) {
        for call in IotbosCall::ALL {
            let answer = batch(&mut conn, call, chunk, &token).await;
            assert_eq!((answer.status, answer.info.as_deref()), (1, None));
            assert_eq!(answer.createtime, "2018/01/16 14:02:08");
            assert_eq!(answer.data.date.len(), chunk.len());
            for (card, entry) in chunk.iter().zip(&answer.data.date) {
                assert_eq!(entry.num, card.number().as_str());
                check_entry(call, card, entry, &at);
                seen_undocumented |= entry.state == 3;
            }
        }
    }
    assert!(
        seen_undocumented,
        "some cards carry the undocumented State 3"
    );
}

#[tokio::test]
async fn usage_moves_with_the_fleet_clock() {
    let sim = sim().await;
    let creds = sim.credentials().clone();
    let mut conn = iotbos_conn(&sim).await;
    let token = login(&mut conn, &creds).await;
    let cards: Vec<SimCard> = sim
        .fleet()
        .cards()
        .filter(|c| c.outcome(IotbosCall::Usage) == Outcome::Found)
        .take(50)
        .collect();
    let read = |answer: Envelope<Entry>| -> Vec<Decimal> {
        answer
            .data
            .date
            .iter()
            .map(|e| e.exceed.as_ref().unwrap().as_ref().unwrap().use_flow)
            .collect()
    };
    let before = read(batch(&mut conn, IotbosCall::Usage, &cards, &token).await);
    let later = frozen() + chrono::Duration::days(10);
    sim.set_clock(Some(later));
    let after_answer = batch(&mut conn, IotbosCall::Usage, &cards, &token).await;
    assert_eq!(after_answer.createtime, "2018/01/26 14:02:08");
    let after = read(after_answer);
    assert!(before.iter().zip(&after).all(|(b, a)| a >= b));
    assert!(
        before.iter().zip(&after).filter(|(b, a)| a > b).count() > 40,
        "polling sees movement"
    );
    for (card, value) in cards.iter().zip(&after) {
        same(
            *value,
            card.usage(&later).data_used.unwrap().amount,
            "UseFlow after",
        );
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TencentCard {
    iccid: String,
    msisdn: String,
    teleoperator: u8,
    #[serde(rename = "type")]
    kind: u8,
    card_status: u8,
    network_status: u8,
    #[serde(deserialize_with = "decimal::deserialize")]
    data_used_in_period: Decimal,
    #[serde(deserialize_with = "decimal::deserialize")]
    data_total_in_period: Decimal,
    product_id: Option<String>,
    pool_id: Option<String>,
    product_expired_time: Option<i64>,
}

fn check_tencent(card: &SimCard, wire: &TencentCard, at: &Instant, detailed: bool) {
    assert_eq!(wire.iccid, card.iccid().as_str());
    assert_eq!(wire.msisdn, card.msisdn().as_str());
    let codes = card.tencent_codes();
    assert_eq!(
        (
            wire.teleoperator,
            wire.kind,
            wire.card_status,
            wire.network_status
        ),
        (
            codes.teleoperator,
            codes.kind,
            codes.card_status,
            codes.network_status
        )
    );
    same(
        wire.data_used_in_period,
        card.data_used_in_period(at).amount,
        "data_used_in_period",
    );
    same(
        wire.data_total_in_period,
        card.data_total_in_period().amount,
        "data_total_in_period",
    );
    if detailed {
        assert_eq!(wire.product_id.as_deref(), Some(card.product_id()));
        assert_eq!(wire.pool_id.as_deref(), Some(card.pool_id().as_str()));
        assert_eq!(
            wire.product_expired_time,
            Some(card.product_expired_at().timestamp())
        );
    } else {
        assert!(
            wire.product_id.is_none()
                && wire.pool_id.is_none()
                && wire.product_expired_time.is_none()
        );
    }
}

#[derive(Deserialize)]
struct TencentEnvelope<T> {
    code: i64,
    message: String,
    data: T,
}

#[derive(Deserialize)]
struct Page {
    card_brief_infos: Vec<TencentCard>,
}

#[tokio::test]
async fn tencent_pages_and_cards_equal_the_ground_truth() {
    let sim = sim().await;
    let at = sim.now();
    let creds = sim.credentials().clone();
    // HTTP/2, as a client offering it by ALPN gets.
    let mut conn = Conn::tls(sim.tencent_addr(), "127.0.0.1", sim.ca_pem(), &[b"h2"])
        .await
        .unwrap();
    assert!(conn.is_h2());
    let fleet = sim.fleet();
    for teleoperator in 0..=3u8 {
        let operator = iotcard_model::Operator::ALL
            .get(usize::from(teleoperator).wrapping_sub(1))
            .copied();
        let mut offset = 0;
        let mut listed = 0;
        loop {
            let fields =
                format!("\"teleoperator\":{teleoperator},\"limit\":20,\"offset\":{offset},");
            let answer = conn
                .post(
                    &tencent_target(&creds, "getcardlist"),
                    &signed(&creds, &fields),
                )
                .await;
            let page: TencentEnvelope<Page> = serde_json::from_slice(&answer.body).unwrap();
            assert_eq!((page.code, page.message.as_str()), (0, "OK"));
            let truth = fleet.list(operator, offset, 20);
            assert_eq!(page.data.card_brief_infos.len(), truth.len());
            for (wire, card) in page.data.card_brief_infos.iter().zip(&truth) {
                if let Some(op) = operator {
                    assert_eq!(card.operator(), op);
                }
                check_tencent(card, wire, &at, false);
            }
            listed += truth.len() as u64;
            offset += 20;
            if truth.len() < 20 {
                break;
            }
        }
        assert_eq!(listed, fleet.count(operator), "teleoperator {teleoperator}");
    }
    let mut conn = tencent_conn(&sim).await;
    for card in fleet.cards().step_by(97) {
        let fields = format!("\"iccid\":\"{}\",", card.iccid());
        let answer = conn
            .post(
                &tencent_target(&creds, "getcardinfo"),
                &signed(&creds, &fields),
            )
            .await;
        let info: TencentEnvelope<TencentCard> = serde_json::from_slice(&answer.body).unwrap();
        check_tencent(&card, &info.data, &at, true);
    }
}
