//! Tencent strictness: every refusal, sent with a plain HTTPS client.

mod common;

use common::{signed, signed_at, tencent_conn, tencent_target, unix_now, Answer, Conn};
use http::{Method, StatusCode};
use iotcard_sim::{tencent_codes as codes, RunningSimulator, Simulator};

async fn sim() -> RunningSimulator {
    Simulator::builder()
        .seed(2)
        .cards(1000)
        .start()
        .await
        .expect("sim starts")
}

/// Checks the refusal envelope and returns its message.
fn refused(answer: &Answer, status: StatusCode, code: u32) -> String {
    assert_eq!(answer.status, status, "{}", answer.text());
    let json = answer.json();
    assert_eq!(json["code"], code, "{json}");
    assert!(json.get("data").is_none(), "{json}");
    json["message"].as_str().expect("message").to_owned()
}

fn ok(answer: &Answer) -> serde_json::Value {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let json = answer.json();
    assert_eq!(json["code"], 0, "{json}");
    assert_eq!(json["message"], "OK");
    json
}

#[tokio::test]
async fn query_refusals() {
    let sim = sim().await;
    let creds = sim.credentials().clone();
    let mut conn = tencent_conn(&sim).await;
    let body = signed(&creds, "");
    let id = &creds.tencent_sdkappid;
    for (query, code) in [
        (String::new(), codes::SDKAPPID),
        ("?random=12".to_owned(), codes::SDKAPPID),
        ("?sdkappid=1400000000&random=12".to_owned(), codes::SDKAPPID),
        (format!("?sdkappid={id}"), codes::RANDOM),
        (format!("?sdkappid={id}&random="), codes::RANDOM),
        (format!("?sdkappid={id}&random=0"), codes::RANDOM),
        (format!("?sdkappid={id}&random=0123"), codes::RANDOM),
        (format!("?sdkappid={id}&random=-5"), codes::RANDOM),
        (format!("?sdkappid={id}&random=12a"), codes::RANDOM),
        (
            format!("?sdkappid={id}&random=99999999999999999999999"),
            codes::RANDOM,
        ),
    ] {
        let answer = conn
            .post(&format!("/v1/iotcard/getappinfo{query}"), &body)
            .await;
        refused(&answer, StatusCode::OK, code);
    }
    ok(&conn
        .post(
            &format!("/v1/iotcard/getappinfo?sdkappid={id}&random=123"),
            &body,
        )
        .await);
    let r = sim.stats().refusals;
    assert_eq!((r.sdkappid, r.random), (3, 7));
}

#[tokio::test]
async fn body_signature_and_time_refusals() {
    let sim = sim().await;
    let creds = sim.credentials().clone();
    let mut conn = tencent_conn(&sim).await;
    let target = tencent_target(&creds, "getappinfo");
    let now = unix_now();
    let good = common::sig(
        creds.tencent_appkey.expose(),
        &creds.tencent_sdkappid,
        &now.to_string(),
    );
    let cases: Vec<(String, u32)> = vec![
        (String::new(), codes::BODY),
        ("not json".into(), codes::BODY),
        ("[1,2]".into(), codes::BODY),
        (
            format!("{{\"sig\":\"{good}\",\"time\":\"{now}\""),
            codes::BODY,
        ),
        (format!("{{\"time\":\"{now}\"}}"), codes::SIG_MISSING),
        (
            format!("{{\"sig\":null,\"time\":\"{now}\"}}"),
            codes::SIG_MISSING,
        ),
        (
            format!("{{\"sig\":\"{}\",\"time\":\"{now}\"}}", good.to_uppercase()),
            codes::SIG_MISSING,
        ),
        (
            format!("{{\"sig\":\"{}\",\"time\":\"{now}\"}}", &good[..63]),
            codes::SIG_MISSING,
        ),
        (format!("{{\"sig\":\"{good}\"}}"), codes::TIME_INVALID),
        (
            format!("{{\"sig\":\"{good}\",\"time\":{now}}}"),
            codes::TIME_INVALID,
        ),
        (
            format!("{{\"sig\":\"{good}\",\"time\":\"{now}.0\"}}"),
            codes::TIME_INVALID,
        ),
        (
            format!("{{\"sig\":\"{good}\",\"time\":\"\"}}"),
            codes::TIME_INVALID,
        ),
        (signed_at(&creds, "", now - 301), codes::TIME_WINDOW),
        (signed_at(&creds, "", now + 301), codes::TIME_WINDOW),
        (
            format!("{{\"sig\":\"{good}\",\"time\":\"{}\"}}", now - 1),
            codes::SIG_MISMATCH,
        ),
        (
            format!("{{\"sig\":\"{}\",\"time\":\"{now}\"}}", "0".repeat(64)),
            codes::SIG_MISMATCH,
        ),
    ];
    for (body, code) in &cases {
        let answer = conn.post(&target, body).await;
        let message = refused(&answer, StatusCode::OK, *code);
        assert!(!message.is_empty());
    }
    // Inside the window either side, and unknown fields ignored.
    ok(&conn.post(&target, &signed_at(&creds, "", now - 290)).await);
    ok(&conn
        .post(&target, &signed_at(&creds, "\"extra\":[1],", now + 290))
        .await);
    // Over 64 KiB.
    let huge = signed(&creds, &format!("\"pad\":\"{}\",", "x".repeat(70_000)));
    refused(
        &conn.post(&target, &huge).await,
        StatusCode::OK,
        codes::BODY,
    );

    let r = sim.stats().refusals;
    assert_eq!(
        (
            r.body,
            r.sig_missing,
            r.time_invalid,
            r.time_window,
            r.sig_mismatch
        ),
        (5, 4, 4, 2, 2)
    );
}

#[tokio::test]
async fn card_list_parameter_refusals() {
    let sim = sim().await;
    let creds = sim.credentials().clone();
    let mut conn = tencent_conn(&sim).await;
    let target = tencent_target(&creds, "getcardlist");
    for (fields, code) in [
        ("\"limit\":20,\"offset\":0,", codes::FIELD),
        ("\"teleoperator\":1,\"offset\":0,", codes::FIELD),
        ("\"teleoperator\":1,\"limit\":20,", codes::FIELD),
        (
            "\"teleoperator\":\"1\",\"limit\":20,\"offset\":0,",
            codes::FIELD,
        ),
        (
            "\"teleoperator\":1,\"limit\":20.0,\"offset\":0,",
            codes::FIELD,
        ),
        (
            "\"teleoperator\":1,\"limit\":20,\"offset\":null,",
            codes::FIELD,
        ),
        (
            "\"teleoperator\":4,\"limit\":20,\"offset\":0,",
            codes::TELEOPERATOR,
        ),
        (
            "\"teleoperator\":-1,\"limit\":20,\"offset\":0,",
            codes::TELEOPERATOR,
        ),
        ("\"teleoperator\":1,\"limit\":0,\"offset\":0,", codes::LIMIT),
        (
            "\"teleoperator\":1,\"limit\":21,\"offset\":0,",
            codes::LIMIT,
        ),
        (
            "\"teleoperator\":1,\"limit\":-3,\"offset\":0,",
            codes::LIMIT,
        ),
        (
            "\"teleoperator\":1,\"limit\":20,\"offset\":-1,",
            codes::OFFSET,
        ),
    ] {
        let answer = conn.post(&target, &signed(&creds, fields)).await;
        refused(&answer, StatusCode::OK, code);
    }
    for limit in [1, 20] {
        let fields = format!("\"teleoperator\":0,\"limit\":{limit},\"offset\":0,");
        let json = ok(&conn.post(&target, &signed(&creds, &fields)).await);
        assert_eq!(
            json["data"]["card_brief_infos"].as_array().unwrap().len(),
            limit
        );
    }
    let r = sim.stats().refusals;
    assert_eq!((r.field, r.teleoperator, r.limit, r.offset), (6, 2, 3, 1));
}

#[tokio::test]
async fn card_info_refusals() {
    let sim = sim().await;
    let creds = sim.credentials().clone();
    let mut conn = tencent_conn(&sim).await;
    let target = tencent_target(&creds, "getcardinfo");
    refused(
        &conn.post(&target, &signed(&creds, "")).await,
        StatusCode::OK,
        codes::FIELD,
    );
    refused(
        &conn
            .post(&target, &signed(&creds, "\"iccid\":89860,"))
            .await,
        StatusCode::OK,
        codes::FIELD,
    );
    let card = sim.fleet().card(999).unwrap();
    // An MSISDN is not an ICCID; an ICCID one digit off is nobody's.
    let msisdn = format!("\"iccid\":\"{}\",", card.msisdn());
    refused(
        &conn.post(&target, &signed(&creds, &msisdn)).await,
        StatusCode::OK,
        codes::ICCID_UNKNOWN,
    );
    let mut other = card.iccid().to_string();
    let last = other.pop().unwrap();
    other.push(if last == '9' { '0' } else { '9' });
    let fields = format!("\"iccid\":\"{other}\",");
    refused(
        &conn.post(&target, &signed(&creds, &fields)).await,
        StatusCode::OK,
        codes::ICCID_UNKNOWN,
    );
    let fields = format!("\"iccid\":\"{}\",", card.iccid());
    let json = ok(&conn.post(&target, &signed(&creds, &fields)).await);
    assert_eq!(json["data"]["iccid"], card.iccid().as_str());
    let r = sim.stats().refusals;
    assert_eq!((r.field, r.iccid_unknown), (2, 2));
}

#[tokio::test]
async fn wrong_method_and_unknown_paths() {
    let sim = sim().await;
    let creds = sim.credentials().clone();
    let mut conn = tencent_conn(&sim).await;
    let body = signed(&creds, "");
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let answer = conn
            .request(
                method,
                &tencent_target(&creds, "getappinfo"),
                body.as_bytes(),
            )
            .await
            .unwrap();
        assert_eq!(answer.headers["allow"], "POST");
        refused(&answer, StatusCode::METHOD_NOT_ALLOWED, codes::WRONG_METHOD);
    }
    for command in ["getAppInfo", "getcardinfos", "", "../getappinfo"] {
        let answer = conn.post(&tencent_target(&creds, command), &body).await;
        refused(&answer, StatusCode::NOT_FOUND, codes::UNKNOWN_PATH);
    }
    let id = &creds.tencent_sdkappid;
    for path in [
        format!("/v2/iotcard/getappinfo?sdkappid={id}&random=1"),
        format!("/iotcard/getappinfo?sdkappid={id}&random=1"),
        format!("/v1/iotcard/getappinfo/?sdkappid={id}&random=1"),
        "/Api/token".to_owned(),
    ] {
        refused(
            &conn.post(&path, &body).await,
            StatusCode::NOT_FOUND,
            codes::UNKNOWN_PATH,
        );
    }
    let r = sim.stats().refusals;
    assert_eq!((r.wrong_method, r.unknown_path), (3, 8));
    assert_eq!(sim.stats().requests.tencent_getappinfo, 3);
}

#[tokio::test]
async fn https_by_name_and_address_over_http1_and_http2() {
    let sim = sim().await;
    assert!(sim.tencent_url().starts_with("https://127.0.0.1:"));
    let creds = sim.credentials().clone();
    let target = tencent_target(&creds, "getappinfo");
    for (name, alpn, h2) in [
        ("localhost", &[&b"h2"[..], b"http/1.1"][..], true),
        ("127.0.0.1", &[&b"http/1.1"[..]][..], false),
        ("127.0.0.1", &[][..], false),
    ] {
        let mut conn = Conn::tls(sim.tencent_addr(), name, sim.ca_pem(), alpn)
            .await
            .unwrap();
        assert_eq!(conn.is_h2(), h2, "{name}");
        let json = ok(&conn.post(&target, &signed(&creds, "")).await);
        let d = &json["data"];
        let total = d["yd_card_cnt"].as_u64().unwrap()
            + d["dx_card_cnt"].as_u64().unwrap()
            + d["lt_card_cnt"].as_u64().unwrap();
        assert_eq!(total, 1000);
    }
    // Another CA is not trusted.
    let other = Simulator::builder().start().await.unwrap();
    let err = Conn::tls(sim.tencent_addr(), "localhost", other.ca_pem(), &[])
        .await
        .err()
        .expect("untrusted");
    assert!(err.to_string().contains("certificate"), "{err}");
    // Plain HTTP when asked.
    let plain = Simulator::builder()
        .tencent_tls(false)
        .start()
        .await
        .unwrap();
    assert!(plain.tencent_url().starts_with("http://"));
    let mut conn = Conn::plain(plain.tencent_addr()).await;
    let creds = plain.credentials().clone();
    ok(&conn
        .post(&tencent_target(&creds, "getappinfo"), &signed(&creds, ""))
        .await);
}
