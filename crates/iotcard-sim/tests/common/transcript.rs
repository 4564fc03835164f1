//! A fixed script of requests on both platforms, and every answer to it
//! (status, `Content-Type`, body), for comparing a simulator's answers
//! across versions and settings.

use sha2::{Digest, Sha256};

use super::{
    data_target, iotbos_conn, login_target, signed, tencent_conn, tencent_target, Answer, Conn,
};
use http::Method;
use iotcard_model::Instant;
use iotcard_sim::{IotbosCall, RunningSimulator, Simulator, SimulatorBuilder};

/// The instant the transcripts are taken at.
pub fn frozen() -> Instant {
    chrono::DateTime::parse_from_rfc3339("2026-03-17T09:05:07+08:00").unwrap()
}

/// The transcripts' simulator: seed 77, 3000 cards, clock frozen.
pub fn builder() -> SimulatorBuilder {
    Simulator::builder()
        .seed(77)
        .cards(3000)
        .iotbos_max_batch(200)
        .freeze_clock(Some(frozen()))
}

/// One answer, as one line: `label<TAB>status<TAB>content-type<TAB>body`.
pub fn line(label: &str, a: &Answer) -> String {
    let ct = a
        .headers
        .get(http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("?").to_owned())
        .unwrap_or_default();
    format!(
        "{label}\t{}\t{ct}\t{}",
        a.status.as_u16(),
        String::from_utf8_lossy(&a.body)
    )
}

/// [`short_answers`] as lines.
pub async fn short(sim: &RunningSimulator) -> Vec<String> {
    short_answers(sim)
        .await
        .iter()
        .map(|(label, a)| line(label, a))
        .collect()
}

/// The numbers the short script asks IoTBOS about: every 97th card's
/// MSISDN, five ICCIDs (two in lower case), a number nobody has, an empty
/// piece and the first number again.
pub fn sample_numbers(sim: &RunningSimulator) -> Vec<String> {
    let fleet = sim.fleet();
    let mut numbers: Vec<String> = fleet
        .cards()
        .step_by(97)
        .map(|c| c.number().to_string())
        .collect();
    for i in [5u64, 6, 7, 8, 9] {
        let iccid = fleet.card(i).unwrap().iccid().to_string();
        numbers.push(if i % 2 == 0 {
            iccid.to_ascii_lowercase()
        } else {
            iccid
        });
    }
    numbers.extend(["1064000000000".into(), String::new(), numbers[0].clone()]);
    numbers
}

/// A short script touching every answer the simulator writes: logins and
/// their refusals, each data call with MSISDNs, ICCIDs in either case,
/// unknown, empty and repeated numbers, data-call refusals, wrong paths and
/// methods, and every Tencent command with its refusals; each answer with
/// its label.
pub async fn short_answers(sim: &RunningSimulator) -> Vec<(String, Answer)> {
    let creds = sim.credentials().clone();
    let mut out = Vec::new();
    let mut conn = iotbos_conn(sim).await;
    let login = conn.get(&login_target(&creds)).await;
    // Read tolerantly: the same script runs in every dialect.
    let token = super::tolerant::read(&login)
        .at("data")
        .at("accessToken")
        .str()
        .unwrap();
    out.push(("login".to_owned(), login));
    for (label, target) in [
        ("login-missing", "/Api/token".to_owned()),
        (
            "login-wrong",
            format!("/Api/token?account={}&password=x", creds.iotbos_account),
        ),
        (
            "token-missing",
            "/Api/TerminalInfo/Exceed?cardIdNums=1".to_owned(),
        ),
        (
            "token-unknown",
            "/Api/TerminalInfo/Exceed?cardIdNums=1&accessToken=nope".to_owned(),
        ),
        (
            "numbers-missing",
            format!("/Api/TerminalInfo/Exceed?accessToken={token}"),
        ),
        ("unknown-path", "/Api/Nothing".to_owned()),
    ] {
        out.push((label.to_owned(), conn.get(&target).await));
    }
    let wrong_method = conn
        .request(Method::POST, &login_target(&creds), b"")
        .await
        .unwrap();
    out.push(("wrong-method".to_owned(), wrong_method));

    let fleet = sim.fleet();
    let numbers = sample_numbers(sim);
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    for call in IotbosCall::ALL {
        let answer = conn.get(&data_target(call.path(), &numbers, &token)).await;
        out.push((call.path().to_owned(), answer));
    }
    let too_many: Vec<String> = fleet
        .cards()
        .take(201)
        .map(|c| c.number().to_string())
        .collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    out.push((
        "too-many".to_owned(),
        conn.get(&data_target(IotbosCall::Usage.path(), &too_many, &token))
            .await,
    ));

    let mut conn = tencent_conn(sim).await;
    out.push((
        "getappinfo".to_owned(),
        conn.post(&tencent_target(&creds, "getappinfo"), &signed(&creds, ""))
            .await,
    ));
    for (op, offset) in [(0, 0), (0, 20), (0, 2990), (1, 0), (2, 40), (3, 7)] {
        let fields = format!("\"teleoperator\":{op},\"limit\":20,\"offset\":{offset},");
        let answer = conn
            .post(
                &tencent_target(&creds, "getcardlist"),
                &signed(&creds, &fields),
            )
            .await;
        out.push((format!("getcardlist {op} {offset}"), answer));
    }
    for card in fleet.cards().step_by(149) {
        let fields = format!("\"iccid\":\"{}\",", card.iccid());
        let answer = conn
            .post(
                &tencent_target(&creds, "getcardinfo"),
                &signed(&creds, &fields),
            )
            .await;
        out.push(("getcardinfo".to_owned(), answer));
    }
    for (label, command, fields) in [
        (
            "iccid-unknown",
            "getcardinfo",
            "\"iccid\":\"89860000000000000000\",",
        ),
        (
            "limit",
            "getcardlist",
            "\"teleoperator\":0,\"limit\":21,\"offset\":0,",
        ),
        ("field", "getcardlist", "\"teleoperator\":0,"),
    ] {
        let answer = conn
            .post(&tencent_target(&creds, command), &signed(&creds, fields))
            .await;
        out.push((label.to_owned(), answer));
    }
    let bad_sig = conn
        .post(
            &tencent_target(&creds, "getappinfo"),
            &format!(
                "{{\"sig\":\"{}\",\"time\":\"{}\"}}",
                "0".repeat(64),
                super::unix_now()
            ),
        )
        .await;
    out.push(("sig-mismatch".to_owned(), bad_sig));
    out.push((
        "tencent-unknown-path".to_owned(),
        conn.post("/v1/iotcard/nothing", "{}").await,
    ));
    let get = conn
        .request(Method::GET, &tencent_target(&creds, "getappinfo"), b"")
        .await
        .unwrap();
    out.push(("tencent-wrong-method".to_owned(), get));
    out
}

/// Every card through every call and listing: the SHA-256 of all answers.
pub async fn long_digest(sim: &RunningSimulator) -> String {
    let creds = sim.credentials().clone();
    let mut hash = Sha256::new();
    let mut add = |label: &str, a: &Answer| {
        hash.update(line(label, a).as_bytes());
        hash.update(b"\n");
    };
    let mut conn: Conn = iotbos_conn(sim).await;
    let token = super::login(&mut conn, &creds).await;
    let numbers: Vec<String> = sim
        .fleet()
        .cards()
        .map(|c| c.number().to_string())
        .collect();
    for call in IotbosCall::ALL {
        for chunk in numbers.chunks(150) {
            let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
            add(
                call.path(),
                &conn.get(&data_target(call.path(), &chunk, &token)).await,
            );
        }
    }
    let mut conn = tencent_conn(sim).await;
    for op in 0..=3 {
        let mut offset = 0;
        loop {
            let fields = format!("\"teleoperator\":{op},\"limit\":20,\"offset\":{offset},");
            let answer = conn
                .post(
                    &tencent_target(&creds, "getcardlist"),
                    &signed(&creds, &fields),
                )
                .await;
            add("getcardlist", &answer);
            let listed = answer.json()["data"]["card_brief_infos"]
                .as_array()
                .map_or(0, Vec::len);
            if listed == 0 {
                break;
            }
            offset += listed;
        }
    }
    for card in sim.fleet().cards().step_by(3) {
        let fields = format!("\"iccid\":\"{}\",", card.iccid());
        add(
            "getcardinfo",
            &conn
                .post(
                    &tencent_target(&creds, "getcardinfo"),
                    &signed(&creds, &fields),
                )
                .await,
        );
    }
    hex::encode(hash.finalize())
}
