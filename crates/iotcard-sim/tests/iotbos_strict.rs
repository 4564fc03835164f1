//! IoTBOS strictness: every refusal, sent with a plain HTTP client.

mod common;

use std::time::Duration;

use common::{data_target, iotbos_conn, login, login_target, Conn};
use http::{Method, StatusCode};
use iotcard_sim::{IotbosCall, RunningSimulator, Simulator};

async fn sim() -> RunningSimulator {
    Simulator::builder()
        .seed(1)
        .cards(1000)
        .start()
        .await
        .expect("sim starts")
}

/// Checks the platform's refusal envelope and returns its `info`.
fn refused(answer: &common::Answer, status: StatusCode) -> String {
    assert_eq!(answer.status, status, "{}", answer.text());
    let json = answer.json();
    assert_eq!(json["status"], 0, "{json}");
    assert!(json["data"].is_null(), "{json}");
    assert!(json["createtime"].is_string(), "{json}");
    json["info"].as_str().expect("info text").to_owned()
}

#[tokio::test]
async fn login_refusals() {
    let sim = sim().await;
    let creds = sim.credentials().clone();
    let mut conn = iotbos_conn(&sim).await;

    let info = refused(&conn.get("/Api/token").await, StatusCode::OK);
    assert!(info.contains("account and password are required"), "{info}");
    let info = refused(
        &conn
            .get(&format!("/Api/token?account={}", creds.iotbos_account))
            .await,
        StatusCode::OK,
    );
    assert!(info.contains("required"), "{info}");
    let wrong = format!("/Api/token?account={}&password=wrong", creds.iotbos_account);
    let info = refused(&conn.get(&wrong).await, StatusCode::OK);
    assert!(info.contains("wrong account or password"), "{info}");
    let wrong = format!(
        "/Api/token?account=someone&password={}",
        creds.iotbos_password.expose()
    );
    refused(&conn.get(&wrong).await, StatusCode::OK);

    assert_eq!(sim.stats().refusals.bad_credentials, 4);
    assert_eq!(sim.stats().logins, 0);
    login(&mut conn, &creds).await;
    assert_eq!(sim.stats().logins, 1);
    assert_eq!(sim.stats().requests.iotbos_login, 5);
}

#[tokio::test]
async fn percent_encoded_credentials_are_decoded() {
    let sim = Simulator::builder()
        .iotbos_credentials("ops@example", "p&ss=word +%")
        .start()
        .await
        .unwrap();
    let mut conn = iotbos_conn(&sim).await;
    let answer = conn
        .get("/Api/token?account=ops%40example&password=p%26ss%3Dword%20%2B%25")
        .await;
    assert_eq!(answer.json()["status"], 1, "{}", answer.text());
}

#[tokio::test]
async fn token_refusals() {
    let sim = sim().await;
    let creds = sim.credentials().clone();
    let number = sim.fleet().card(0).unwrap().number().to_string();
    let mut conn = iotbos_conn(&sim).await;
    let path = IotbosCall::Usage.path();

    let info = refused(
        &conn.get(&format!("{path}?cardIdNums={number}")).await,
        StatusCode::OK,
    );
    assert!(info.contains("accessToken is required"), "{info}");
    let unknown = data_target(path, &[&number], "7dc1f8e0-4b67-466f-8312-2bb7d6e93f2d");
    let info = refused(&conn.get(&unknown).await, StatusCode::OK);
    assert!(info.contains("unknown accessToken"), "{info}");

    let token = login(&mut conn, &creds).await;
    let ok = conn.get(&data_target(path, &[&number], &token)).await;
    assert_eq!(ok.json()["status"], 1);
    sim.revoke_tokens();
    let info = refused(
        &conn.get(&data_target(path, &[&number], &token)).await,
        StatusCode::OK,
    );
    assert!(info.contains("revoked"), "{info}");

    let token = login(&mut conn, &creds).await;
    let info = refused(
        &conn.get(&format!("{path}?accessToken={token}")).await,
        StatusCode::OK,
    );
    assert!(info.contains("cardIdNums is required"), "{info}");
    let info = refused(
        &conn
            .get(&format!("{path}?cardIdNums=&accessToken={token}"))
            .await,
        StatusCode::OK,
    );
    assert!(info.contains("cardIdNums is required"), "{info}");

    let r = sim.stats().refusals;
    assert_eq!(
        (
            r.token_missing,
            r.token_unknown,
            r.token_revoked,
            r.missing_card_numbers
        ),
        (1, 1, 1, 2)
    );
}

#[tokio::test]
async fn tokens_expire_on_the_real_clock_even_when_the_fleet_clock_is_frozen() {
    let frozen = chrono::DateTime::parse_from_rfc3339("2018-01-16T14:02:08+08:00").unwrap();
    let sim = Simulator::builder()
        .token_ttl(Duration::from_secs(1))
        .freeze_clock(Some(frozen))
        .start()
        .await
        .unwrap();
    let creds = sim.credentials().clone();
    let mut conn = iotbos_conn(&sim).await;
    let answer = conn.get(&login_target(&creds)).await.json();
    // The lifetime is on the wire as expiresTime − createtime.
    assert_eq!(answer["createtime"], "2018/01/16 14:02:08");
    assert_eq!(answer["data"]["expiresTime"], "2018/01/16 14:02:09");
    let token = answer["data"]["accessToken"].as_str().unwrap().to_owned();
    let number = sim.fleet().card(3).unwrap().number().to_string();
    let target = data_target(IotbosCall::State.path(), &[&number], &token);
    assert_eq!(conn.get(&target).await.json()["status"], 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let info = refused(&conn.get(&target).await, StatusCode::OK);
    assert!(info.contains("expired"), "{info}");
    assert_eq!(sim.stats().refusals.token_expired, 1);
}

#[tokio::test]
async fn too_many_numbers_are_refused() {
    let sim = Simulator::builder()
        .iotbos_max_batch(3)
        .start()
        .await
        .unwrap();
    let creds = sim.credentials().clone();
    let mut conn = iotbos_conn(&sim).await;
    let token = login(&mut conn, &creds).await;
    let numbers: Vec<String> = (0..4)
        .map(|i| sim.fleet().card(i).unwrap().number().to_string())
        .collect();
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let info = refused(
        &conn
            .get(&data_target(IotbosCall::Plan.path(), &refs, &token))
            .await,
        StatusCode::OK,
    );
    assert!(info.contains("at most 3"), "{info}");
    let ok = conn
        .get(&data_target(IotbosCall::Plan.path(), &refs[..3], &token))
        .await;
    assert_eq!(ok.json()["data"]["date"].as_array().unwrap().len(), 3);
    assert_eq!(sim.stats().refusals.too_many_numbers, 1);
}

#[tokio::test]
async fn wrong_method_and_unknown_paths() {
    let sim = sim().await;
    let creds = sim.credentials().clone();
    let mut conn = iotbos_conn(&sim).await;
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::HEAD] {
        let answer = conn
            .request(method.clone(), &login_target(&creds), b"")
            .await
            .unwrap();
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(answer.headers["allow"], "GET");
        if method != Method::HEAD {
            let info = refused(&answer, StatusCode::METHOD_NOT_ALLOWED);
            assert!(info.contains("only GET"), "{info}");
        }
    }
    for path in [
        "/Api/%20token",
        "/Api/tokens",
        "/Api/token/",
        "/Api/TerminalInfo/Exceeds",
        "/Api/TerminalInfo",
        "/",
        "/v1/iotcard/getappinfo",
    ] {
        let info = refused(&conn.get(path).await, StatusCode::NOT_FOUND);
        assert!(info.contains("no such API"), "{path}: {info}");
    }
    let r = sim.stats().refusals;
    assert_eq!((r.wrong_method, r.unknown_path), (4, 7));
    assert_eq!(sim.stats().requests.unroutable, 7);
}

/// ASP.NET on IIS, which serves the real platform, routes ignoring ASCII
/// case, and the spec says nothing against it: any casing is served as the
/// canonical path is, and a path that is wrong otherwise is still refused.
#[tokio::test]
async fn paths_are_served_whatever_their_ascii_case() {
    let frozen = chrono::DateTime::parse_from_rfc3339("2018-01-16T14:02:08+08:00").unwrap();
    let sim = Simulator::builder()
        .seed(1)
        .cards(1000)
        .freeze_clock(Some(frozen))
        .start()
        .await
        .expect("sim starts");
    let creds = sim.credentials().clone();
    let mut conn = iotbos_conn(&sim).await;

    let login_query = login_target(&creds).replacen("/Api/token", "", 1);
    let answer = conn.get(&format!("/api/TOKEN{login_query}")).await;
    assert_eq!(answer.status, StatusCode::OK);
    let token = answer.json()["data"]["accessToken"]
        .as_str()
        .expect("a token from a lower-case login path")
        .to_owned();
    assert_eq!(sim.stats().logins, 1);

    let numbers: Vec<String> = (0..3)
        .map(|i| sim.fleet().card(i).unwrap().number().to_string())
        .collect();
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let canonical = conn
        .get(&data_target(IotbosCall::Remaining.path(), &numbers, &token))
        .await;
    assert_eq!(canonical.status, StatusCode::OK);
    assert_eq!(canonical.json()["status"], 1, "{}", canonical.text());
    let recased = [
        "/api/terminalinfo/surplus",
        "/API/TERMINALINFO/SURPLUS",
        "/aPI/tERMINALiNFO/sURPLUS",
    ];
    for path in recased {
        let answer = conn.get(&data_target(path, &numbers, &token)).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(answer.body, canonical.body, "{path}");
    }
    assert_eq!(sim.stats().requests.iotbos_remaining, 4);

    for path in [
        "/api/terminalinfo/surplus/",
        "/api/terminalinfo/surplu",
        "/api/terminalinfo/surplusx",
        "/api/terminal/surplus",
    ] {
        let answer = conn.get(&data_target(path, &numbers, &token)).await;
        let info = refused(&answer, StatusCode::NOT_FOUND);
        assert!(info.contains("no such API"), "{path}: {info}");
    }
    let stats = sim.stats();
    assert_eq!(stats.requests.iotbos_remaining, 4);
    assert_eq!(stats.requests.unroutable, 4);
    assert_eq!(stats.refusals.unknown_path, 4);
}

#[tokio::test]
async fn entries_follow_the_order_asked_with_unknowns_duplicates_and_iccids() {
    let sim = sim().await;
    let creds = sim.credentials().clone();
    let mut conn = iotbos_conn(&sim).await;
    let token = login(&mut conn, &creds).await;
    let fleet = sim.fleet();
    let all_digit_iccid = fleet
        .cards()
        .map(|c| c.iccid().to_string())
        .find(|i| i.bytes().all(|b| b.is_ascii_digit()))
        .expect("some ICCIDs are all digits");
    let a = fleet.card(10).unwrap().number().to_string();
    let b = fleet.card(999).unwrap().number().to_string();
    let outsider = Simulator::builder()
        .seed(1)
        .cards(2000)
        .fleet()
        .unwrap()
        .card(1500)
        .unwrap();
    let asked = [
        b.as_str(),
        "1060000000001",
        a.as_str(),
        b.as_str(),
        outsider.number().as_str(),
        all_digit_iccid.as_str(),
        "",
    ];
    for call in IotbosCall::ALL {
        let json = conn
            .get(&data_target(call.path(), &asked, &token))
            .await
            .json();
        let entries = json["data"]["date"].as_array().unwrap();
        let nums: Vec<&str> = entries.iter().map(|e| e["num"].as_str().unwrap()).collect();
        assert_eq!(nums, asked, "{call:?}");
        let states: Vec<i64> = entries
            .iter()
            .map(|e| e["State"].as_i64().unwrap())
            .collect();
        assert_eq!(states[1], 0, "not a fleet number");
        assert_eq!(states[4], 0, "outside the fleet");
        assert_eq!(states[6], 0, "empty piece");
        assert_eq!(
            entries[0], entries[3],
            "a duplicate is answered the same, in place"
        );
        let by_iccid = fleet
            .card(fleet.index_of_iccid(&all_digit_iccid).unwrap())
            .unwrap();
        assert_eq!(states[5], outcome_code(by_iccid.outcome(call)));
    }
    assert_eq!(sim.stats().cards_answered, 5 * asked.len() as u64);
}

fn outcome_code(outcome: iotcard_sim::Outcome) -> i64 {
    match outcome {
        iotcard_sim::Outcome::Found => 1,
        iotcard_sim::Outcome::NotFound => 0,
        iotcard_sim::Outcome::NoData => 2,
        iotcard_sim::Outcome::Unknown(code) => code,
        other => panic!("unexpected outcome {other:?}"),
    }
}

#[tokio::test]
async fn plain_connections_keep_alive_and_https_works_when_asked() {
    let sim = Simulator::builder().iotbos_tls(true).start().await.unwrap();
    assert!(sim.iotbos_url().starts_with("https://127.0.0.1:"));
    let creds = sim.credentials().clone();
    let mut conn = Conn::tls(
        sim.iotbos_addr(),
        "localhost",
        sim.ca_pem(),
        &[b"h2", b"http/1.1"],
    )
    .await
    .unwrap();
    assert!(conn.is_h2(), "ALPN picks HTTP/2");
    for _ in 0..3 {
        login(&mut conn, &creds).await;
    }
    assert_eq!(sim.stats().logins, 3);
}
