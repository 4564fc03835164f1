//! Every fault, switched on, is observable by a plain client; faults replay
//! from their seed and never change the truth.

mod common;

use std::time::Duration;

use common::{
    data_target, iotbos_conn, login, login_target, read, signed, tencent_conn, tencent_target, Conn,
};
use http::{Method, StatusCode};
use http_body_util::BodyExt;
use iotcard_sim::{Faults, IotbosCall, Latency, RunningSimulator, Simulator};

async fn sim() -> RunningSimulator {
    let at = chrono::DateTime::parse_from_rfc3339("2018-01-16T14:02:08+08:00").unwrap();
    Simulator::builder()
        .seed(5)
        .cards(500)
        .freeze_clock(Some(at))
        .start()
        .await
        .unwrap()
}

/// A usage call for the first 50 cards, with a fresh token (taken with
/// faults off).
async fn usage_target(sim: &RunningSimulator) -> String {
    let mut conn = iotbos_conn(sim).await;
    let token = login(&mut conn, sim.credentials()).await;
    let numbers: Vec<String> = sim
        .fleet()
        .cards()
        .take(50)
        .map(|c| c.number().to_string())
        .collect();
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    data_target(IotbosCall::Usage.path(), &numbers, &token)
}

fn only(faults: Faults) -> Faults {
    faults
}

#[tokio::test]
async fn server_errors_and_too_many_requests() {
    let sim = sim().await;
    let target = usage_target(&sim).await;
    sim.set_faults(only(Faults {
        server_error: 1.0,
        ..Faults::default()
    }))
    .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut conn = iotbos_conn(&sim).await;
    for _ in 0..30 {
        let answer = conn.get(&target).await;
        assert!(answer.status.is_server_error(), "{}", answer.status);
        assert!(answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        seen.insert(answer.status.as_u16());
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), [500, 502, 503]);
    assert_eq!(sim.stats().faults.server_error, 30);

    sim.set_faults(Faults {
        too_many_requests: 1.0,
        retry_after: Duration::from_millis(1500),
        ..Faults::default()
    })
    .unwrap();
    let mut tencent = tencent_conn(&sim).await;
    let creds = sim.credentials().clone();
    let answer = tencent
        .post(&tencent_target(&creds, "getappinfo"), &signed(&creds, ""))
        .await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        answer.headers["retry-after"], "2",
        "rounded up to whole seconds"
    );
    assert_eq!(sim.stats().faults.too_many_requests, 1);
    // Requests are still counted per call.
    assert_eq!(sim.stats().requests.tencent_getappinfo, 1);
    assert_eq!(sim.stats().requests.iotbos_usage, 30);
}

#[tokio::test]
async fn resets_close_the_connection_before_any_answer() {
    let sim = sim().await;
    let target = usage_target(&sim).await;
    sim.set_faults(Faults {
        reset: 1.0,
        ..Faults::default()
    })
    .unwrap();
    for _ in 0..5 {
        let mut conn = iotbos_conn(&sim).await;
        let err = conn
            .request(Method::GET, &target, b"")
            .await
            .expect_err("no answer");
        let reset = std::error::Error::source(&err)
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionReset);
        assert!(reset, "{err:?}");
    }
    // Over TLS and HTTP/2 too.
    let creds = sim.credentials().clone();
    let mut conn = Conn::tls(sim.tencent_addr(), "localhost", sim.ca_pem(), &[b"h2"])
        .await
        .unwrap();
    let body = signed(&creds, "");
    assert!(conn
        .request(
            Method::POST,
            &tencent_target(&creds, "getappinfo"),
            body.as_bytes()
        )
        .await
        .is_err());
    assert_eq!(sim.stats().faults.reset, 6);
}

#[tokio::test]
async fn truncated_bodies_stop_short_of_their_length() {
    let sim = sim().await;
    let target = usage_target(&sim).await;
    let whole = iotbos_conn(&sim).await.get(&target).await.body;
    sim.set_faults(Faults {
        truncated: 1.0,
        ..Faults::default()
    })
    .unwrap();
    let mut conn = iotbos_conn(&sim).await;
    let response = conn
        .send(Method::GET, &target, b"")
        .await
        .expect("the head arrives");
    assert_eq!(response.status(), StatusCode::OK);
    let declared: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(declared, whole.len());
    let mut body = response.into_body();
    let mut received = Vec::new();
    let error = loop {
        match body.frame().await {
            Some(Ok(frame)) => {
                received.extend_from_slice(frame.data_ref().map_or(&[][..], |d| &d[..]))
            }
            Some(Err(e)) => break Some(e),
            None => break None,
        }
    };
    assert!(error.is_some(), "the body ends in an error");
    assert!(received.len() < declared);
    assert_eq!(
        &received[..],
        &whole[..received.len()],
        "what came is right"
    );
    assert_eq!(sim.stats().faults.truncated, 1);
}

#[tokio::test]
async fn malformed_bodies_are_complete_but_not_json() {
    let sim = sim().await;
    let target = usage_target(&sim).await;
    sim.set_faults(Faults {
        malformed: 1.0,
        ..Faults::default()
    })
    .unwrap();
    let answer = iotbos_conn(&sim).await.get(&target).await;
    assert_eq!(answer.status, StatusCode::OK);
    let declared: usize = answer.headers["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(declared, answer.body.len());
    assert!(serde_json::from_slice::<serde_json::Value>(&answer.body).is_err());
    assert_eq!(sim.stats().faults.malformed, 1);
}

#[tokio::test]
async fn trickled_bodies_are_slow_and_right() {
    let sim = sim().await;
    let target = usage_target(&sim).await;
    let whole = iotbos_conn(&sim).await.get(&target).await.body;
    sim.set_faults(Faults {
        trickle: 1.0,
        trickle_duration: Duration::from_millis(600),
        ..Faults::default()
    })
    .unwrap();
    let mut conn = iotbos_conn(&sim).await;
    let started = tokio::time::Instant::now();
    let response = conn.send(Method::GET, &target, b"").await.unwrap();
    let head_after = started.elapsed();
    let answer = read(response).await.unwrap();
    let elapsed = started.elapsed();
    assert!(
        head_after < Duration::from_millis(300),
        "the head comes at once: {head_after:?}"
    );
    assert!(elapsed >= Duration::from_millis(550), "{elapsed:?}");
    assert_eq!(answer.body, whole);
    assert_eq!(sim.stats().faults.trickled, 1);
}

#[tokio::test]
async fn revoked_tokens_and_latency() {
    let sim = sim().await;
    let target = usage_target(&sim).await;
    sim.set_faults(Faults {
        token_revocation: 1.0,
        ..Faults::default()
    })
    .unwrap();
    let mut conn = iotbos_conn(&sim).await;
    let json = conn.get(&target).await.json();
    assert_eq!(json["status"], 0);
    assert!(json["info"].as_str().unwrap().contains("revoked"));
    assert_eq!(sim.stats().faults.token_revoked, 1);
    assert_eq!(sim.stats().refusals.token_revoked, 1);
    // Logins still work, and a new token is revoked on its first use.
    let token = login(&mut conn, sim.credentials()).await;
    let number = sim.fleet().card(0).unwrap().number().to_string();
    let json = conn
        .get(&data_target(IotbosCall::Plan.path(), &[&number], &token))
        .await
        .json();
    assert_eq!(json["status"], 0);

    sim.set_faults(Faults::default()).unwrap();
    sim.set_latency(Latency {
        fixed: Duration::from_millis(150),
        jitter: Duration::from_millis(50),
    });
    let started = tokio::time::Instant::now();
    let answer = conn.get(&login_target(sim.credentials())).await;
    let elapsed = started.elapsed();
    assert_eq!(answer.json()["status"], 1);
    assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
    assert_eq!(sim.stats().faults.delayed, 1);
    assert!(sim
        .set_faults(Faults {
            reset: 2.0,
            ..Faults::default()
        })
        .is_err());
}

/// What a client sees for one request: an answer's status and body, or a
/// broken connection.
async fn outcome(sim: &RunningSimulator, target: &str) -> Result<(u16, Vec<u8>), ()> {
    let mut conn = iotbos_conn(sim).await;
    match conn.request(Method::GET, target, b"").await {
        Ok(answer) => Ok((answer.status.as_u16(), answer.body.to_vec())),
        Err(_) => Err(()),
    }
}

#[tokio::test]
async fn faults_replay_from_their_seed_and_never_change_the_truth() {
    let mixed = Faults {
        server_error: 0.15,
        too_many_requests: 0.05,
        reset: 0.1,
        truncated: 0.1,
        malformed: 0.1,
        retry_after: Duration::ZERO,
        ..Faults::default()
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let sim = sim().await;
        let target = usage_target(&sim).await;
        let clean = iotbos_conn(&sim).await.get(&target).await.body.to_vec();
        sim.set_faults(mixed.clone()).unwrap();
        let mut seen = Vec::new();
        for _ in 0..60 {
            let o = outcome(&sim, &target).await;
            if let Ok((200, body)) = &o {
                if serde_json::from_slice::<serde_json::Value>(body).is_ok() {
                    assert_eq!(body, &clean, "a good answer is the true answer");
                }
            }
            seen.push(o);
        }
        let f = sim.stats().faults;
        assert!(
            f.server_error > 0 && f.reset > 0 && f.truncated > 0 && f.malformed > 0,
            "{f:?}"
        );
        runs.push(seen);
    }
    assert_eq!(runs[0], runs[1], "the same seed replays the same faults");
}
