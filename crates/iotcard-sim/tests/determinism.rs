//! The same seed gives byte-identical answers (with a frozen clock); another
//! seed gives other cards.

mod common;

use common::{data_target, iotbos_conn, login_target, signed, tencent_conn, tencent_target};
use iotcard_sim::{IotbosCall, RunningSimulator, Simulator};

async fn sim(seed: u64) -> RunningSimulator {
    let at = chrono::DateTime::parse_from_rfc3339("2024-02-29T23:59:59+08:00").unwrap();
    Simulator::builder()
        .seed(seed)
        .cards(3000)
        .freeze_clock(Some(at))
        .start()
        .await
        .unwrap()
}

/// A fixed script of calls on both platforms; every answer body, in order.
async fn transcript(sim: &RunningSimulator) -> Vec<bytes::Bytes> {
    let creds = sim.credentials().clone();
    let mut out = Vec::new();
    let mut conn = iotbos_conn(sim).await;
    let login = conn.get(&login_target(&creds)).await;
    let token = login.json()["data"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    out.push(login.body);
    let numbers: Vec<String> = sim
        .fleet()
        .cards()
        .step_by(15)
        .map(|c| c.number().to_string())
        .collect();
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    for call in IotbosCall::ALL {
        out.push(
            conn.get(&data_target(call.path(), &numbers, &token))
                .await
                .body,
        );
    }
    let mut conn = tencent_conn(sim).await;
    out.push(
        conn.post(&tencent_target(&creds, "getappinfo"), &signed(&creds, ""))
            .await
            .body,
    );
    for offset in [0, 20, 2990] {
        let fields = format!("\"teleoperator\":0,\"limit\":20,\"offset\":{offset},");
        out.push(
            conn.post(
                &tencent_target(&creds, "getcardlist"),
                &signed(&creds, &fields),
            )
            .await
            .body,
        );
    }
    for card in sim.fleet().cards().step_by(301) {
        let fields = format!("\"iccid\":\"{}\",", card.iccid());
        out.push(
            conn.post(
                &tencent_target(&creds, "getcardinfo"),
                &signed(&creds, &fields),
            )
            .await
            .body,
        );
    }
    out
}

#[tokio::test]
async fn same_seed_same_bytes() {
    let (a, b) = (sim(77).await, sim(77).await);
    assert_eq!(a.credentials(), b.credentials());
    let (ta, tb) = (transcript(&a).await, transcript(&b).await);
    assert_eq!(ta.len(), tb.len());
    for (i, (x, y)) in ta.iter().zip(&tb).enumerate() {
        assert_eq!(x, y, "answer {i} differs");
    }
    // Leap day, last second of February: the month's usage is complete.
    assert!(std::str::from_utf8(&ta[1])
        .unwrap()
        .contains("\"createtime\":\"2024/02/29 23:59:59\""));
}

#[tokio::test]
async fn another_seed_other_cards() {
    let (a, c) = (sim(77).await, sim(78).await);
    assert_ne!(
        a.fleet().card(0).unwrap().number(),
        c.fleet().card(0).unwrap().number()
    );
    assert_ne!(a.credentials(), c.credentials());
    assert_ne!(transcript(&a).await, transcript(&c).await);
}
