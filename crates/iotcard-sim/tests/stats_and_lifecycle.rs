//! The counters at `GET /__sim/stats` on both listeners, and the handle's
//! life: explicit addresses, shutdown, run-until.

mod common;

use std::time::Duration;

use common::{data_target, iotbos_conn, login, tencent_conn, tencent_target};
use http::{Method, StatusCode};
use iotcard_sim::{Faults, IotbosCall, SimError, Simulator, StatsSnapshot, STATS_PATH};

#[tokio::test]
async fn stats_on_both_listeners_match_the_handle() {
    let sim = Simulator::builder()
        .seed(6)
        .cards(100)
        .start()
        .await
        .unwrap();
    let creds = sim.credentials().clone();
    let mut iotbos = iotbos_conn(&sim).await;
    let token = login(&mut iotbos, &creds).await;
    let numbers: Vec<String> = sim
        .fleet()
        .cards()
        .take(10)
        .map(|c| c.number().to_string())
        .collect();
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    iotbos
        .get(&data_target(IotbosCall::Usage.path(), &numbers, &token))
        .await;
    iotbos
        .get(&data_target(IotbosCall::Usage.path(), &numbers, "nope"))
        .await;
    let mut tencent = tencent_conn(&sim).await;
    tencent
        .post(&tencent_target(&creds, "getappinfo"), "{}")
        .await;

    // Faults never touch the stats path.
    sim.set_faults(Faults {
        server_error: 1.0,
        ..Faults::default()
    })
    .unwrap();
    let from_iotbos = iotbos.get(STATS_PATH).await;
    let from_tencent = tencent.get(STATS_PATH).await;
    for answer in [&from_iotbos, &from_tencent] {
        assert_eq!(answer.status, StatusCode::OK);
        let snapshot: StatsSnapshot = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(snapshot, sim.stats(), "reading the stats is not counted");
    }
    let s = sim.stats();
    assert_eq!(s.requests.iotbos_login, 1);
    assert_eq!(s.requests.iotbos_usage, 2);
    assert_eq!(s.requests.tencent_getappinfo, 1);
    assert_eq!(s.requests.total(), 4);
    assert_eq!(s.logins, 1);
    assert_eq!(s.cards_answered, 10);
    assert_eq!((s.refusals.token_unknown, s.refusals.sig_missing), (1, 1));
    assert_eq!(s.refusals.total(), 2);
    assert_eq!(s.faults.total(), 0);
    let json = from_iotbos.json();
    assert_eq!(json["requests"]["iotbos_usage"], 2);
    assert_eq!(json["refusals"]["sig_missing"], 1);

    let answer = iotbos.request(Method::POST, STATS_PATH, b"").await.unwrap();
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn explicit_addresses_and_busy_ports() {
    let first = Simulator::builder().start().await.unwrap();
    let busy = first.iotbos_addr();
    let err = Simulator::builder()
        .iotbos_addr(busy)
        .start()
        .await
        .expect_err("port in use");
    assert!(
        matches!(
            err,
            SimError::Bind {
                platform: "IoTBOS",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains(&busy.to_string()));
    first.shutdown().await;
    // The port is free again after shutdown, and can be asked for by number.
    let again = Simulator::builder()
        .iotbos_addr(busy)
        .start()
        .await
        .unwrap();
    assert_eq!(again.iotbos_addr(), busy);
    assert_eq!(again.iotbos_url(), format!("http://{busy}"));
    let wildcard = Simulator::builder()
        .tencent_addr("0.0.0.0:0".parse().unwrap())
        .start()
        .await
        .unwrap();
    assert!(
        wildcard.tencent_url().starts_with("https://127.0.0.1:"),
        "{}",
        wildcard.tencent_url()
    );
}

#[tokio::test]
async fn invalid_settings_are_refused() {
    for builder in [
        Simulator::builder().cards(1_000_000_001),
        Simulator::builder().token_ttl(Duration::ZERO),
        Simulator::builder().iotbos_max_batch(0),
        Simulator::builder().faults(Faults {
            malformed: -0.1,
            ..Faults::default()
        }),
        Simulator::builder().tencent_credentials("14x", "key"),
        Simulator::builder().iotbos_credentials("", "pw"),
    ] {
        let err = builder.start().await.expect_err("refused");
        assert!(!err.to_string().is_empty());
    }
}

#[tokio::test]
async fn run_until_stops_serving_and_closes_open_connections() {
    let sim = Simulator::builder().start().await.unwrap();
    let addr = sim.tencent_addr();
    let mut idle = tencent_conn(&sim).await;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(sim.run_until(async {
        let _ = rx.await;
    }));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!running.is_finished());
    tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(6), running)
        .await
        .expect("stops in time")
        .unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
    let creds_body = "{}";
    assert!(idle
        .request(
            Method::POST,
            "/v1/iotcard/getappinfo",
            creds_body.as_bytes()
        )
        .await
        .is_err());
}

#[tokio::test]
async fn dropping_the_handle_stops_the_listeners() {
    let sim = Simulator::builder().start().await.unwrap();
    let addr = sim.iotbos_addr();
    drop(sim);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
