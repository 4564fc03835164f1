//! The Tencent client on answers real servers send: cards listed twice,
//! answers about another card, bodies in other spellings, and refusals of a
//! request's time under a clock far off.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use http::{HeaderValue, StatusCode};
use iotcard_facade::{Error, FixedClock, OperatorFilter, RetryConfig, TencentClient};
use iotcard_model::{Iccid, Secret};
use iotcard_transport::{Response, ScriptedTransport};

fn client(transport: Arc<ScriptedTransport>, now: SystemTime) -> TencentClient {
    TencentClient::builder()
        .endpoint("https://127.0.0.1:9")
        .sdkappid("1400009099")
        .appkey(Secret::new("k"))
        .page_size(3)
        .retry(
            RetryConfig::default()
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(5)),
        )
        .clock(Arc::new(FixedClock::new(now)))
        .transport(transport)
        .build()
        .unwrap()
}

/// A fixed time: the scripted answers carry no `Date` unless a test says.
const AT: SystemTime = SystemTime::UNIX_EPOCH;

fn iccid(serial: u32) -> String {
    format!("8986000000000000{serial:04}")
}

fn record(serial: u32) -> String {
    format!(
        r#"{{"iccid":"{}","msisdn":"","teleoperator":1,"type":1,"card_status":2,"network_status":2,"data_used_in_period":1.000,"data_total_in_period":2.000}}"#,
        iccid(serial)
    )
}

fn page(serials: &[u32]) -> Response {
    let records: Vec<String> = serials.iter().map(|&s| record(s)).collect();
    Response::new(
        StatusCode::OK,
        format!(
            r#"{{"code":0,"message":"OK","data":{{"card_brief_infos":[{}]}}}}"#,
            records.join(",")
        ),
    )
}

fn app_info(count: u64) -> Response {
    Response::new(
        StatusCode::OK,
        format!(
            r#"{{"code":0,"message":"OK","data":{{"name":"n","yd_card_cnt":{count},"dx_card_cnt":0,"lt_card_cnt":0}}}}"#
        ),
    )
}

#[tokio::test]
async fn a_card_listed_twice_comes_out_once_and_the_listing_reaches_the_count() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push_response(app_info(5));
    // In one page, and across two; offsets count what was sent.
    for serials in [&[1, 2, 2][..], &[2, 3, 4], &[5]] {
        transport.push_response(page(serials));
    }
    let client = client(transport.clone(), AT);
    let items: Vec<_> = client.cards(OperatorFilter::All).collect().await;
    let listed: Vec<String> = items
        .iter()
        .map(|i| i.as_ref().unwrap().iccid.to_string())
        .collect();
    assert_eq!(listed, (1..=5).map(iccid).collect::<Vec<_>>());
    let offsets: Vec<u64> = transport
        .requests()
        .iter()
        .skip(1)
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
            body["offset"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(offsets, [0, 3, 6]);
}

#[tokio::test]
async fn an_answer_about_another_card_is_never_taken_for_the_asked_one() {
    let transport = Arc::new(ScriptedTransport::new());
    let info = |serial| {
        Response::new(
            StatusCode::OK,
            format!(r#"{{"code":0,"data":{}}}"#, record(serial)),
        )
    };
    transport.push_response(info(9));
    transport.push_response(info(1));
    let client = client(transport.clone(), AT);
    let asked = Iccid::parse(&iccid(1)).unwrap();
    let got = client.card_info(&asked).await.unwrap();
    assert_eq!(got.card.iccid, asked);
    assert_eq!(transport.request_count(), 2, "asked again");

    let transport = Arc::new(ScriptedTransport::from_fn(move |_| Ok(info(9))));
    let client = self::client(transport, AT);
    let e = client.card_info(&asked).await.unwrap_err();
    assert!(e.is_transient(), "{e:?}");
    let text = format!("{:?}", e.root());
    assert!(text.contains("OtherCard"), "{text}");
}

#[tokio::test]
async fn other_spellings_read_to_the_same_cards() {
    let gbk = encoding_rs::GBK
        .encode(
            r#"{"CODE":"0","Message":"成功","DATA":{"Card_Brief_Infos":[{"ICCID":"89860000000000000001","Teleoperator":"1","TYPE":2.0,"CARD_STATUS":"2","network_status":2,"data_used_in_period":"1.000","data_total_in_period":null}]}}"#,
        )
        .0
        .into_owned();
    let transport = Arc::new(ScriptedTransport::new());
    transport.push_response(app_info(1));
    let mut answer = Response::new(StatusCode::OK, gbk);
    answer = answer.with_header(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=GBK"),
    );
    transport.push_response(answer);
    let client = client(transport, AT);
    let items: Vec<_> = client.cards(OperatorFilter::All).collect().await;
    assert_eq!(items.len(), 1);
    let card = items[0].as_ref().unwrap();
    assert_eq!(card.iccid.as_str(), "89860000000000000001");
    assert_eq!(card.kind, Some(iotcard_model::CardKind::Pooled));
    assert_eq!(
        card.data_total_in_period, None,
        "null is none, not a problem"
    );
    assert!(card.problems.is_empty(), "{:?}", card.problems);
    let snapshot = card.to_snapshot();
    assert_eq!(snapshot.remaining.unwrap().data_left, None);
}

/// The server's `Date`, and a client clock `offset` seconds from it.
fn refused_time(server: SystemTime) -> Response {
    Response::new(
        StatusCode::OK,
        r#"{"code":1004,"message":"请求发起时间不正常 (time is more than 300 s from the server's clock)"}"#,
    )
    .with_header(
        http::header::DATE,
        HeaderValue::from_str(&httpdate::fmt_http_date(server)).unwrap(),
    )
}

#[tokio::test]
async fn a_refused_time_under_a_clock_far_off_says_how_far() {
    let server = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000);
    for (local, shown) in [
        (server - Duration::from_secs(312), "5 min 12 s behind"),
        (server + Duration::from_secs(3600), "1 h 0 min 0 s ahead of"),
    ] {
        let transport = Arc::new(ScriptedTransport::from_fn(move |_| {
            Ok(refused_time(server))
        }));
        let client = client(transport.clone(), local);
        let e = client.account().await.unwrap_err();
        assert!(matches!(e, Error::ClockSkew { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!("the local clock is {shown} the Tencent server's; the platform refused the request's time/signature")
        );
        assert!(e.is_refused() && !e.is_transient());
        assert_eq!(e.provider_code().as_deref(), Some("1004"));
        let cause = std::error::Error::source(&e).unwrap().to_string();
        assert!(cause.contains("refused with code 1004"), "{cause}");
        assert_eq!(transport.request_count(), 1, "a refusal is not retried");

        // Every call says so: a card, and a listing's page.
        let e = client
            .card_info(&Iccid::parse(&iccid(1)).unwrap())
            .await
            .unwrap_err();
        assert!(matches!(e, Error::ClockSkew { .. }), "{e:?}");
        let items: Vec<_> = client.cards(OperatorFilter::All).collect().await;
        let last = items.last().unwrap().as_ref().unwrap_err();
        assert!(matches!(last, Error::ClockSkew { .. }), "{last:?}");
    }
    // Within a minute, the refusal as it came.
    let transport = Arc::new(ScriptedTransport::from_fn(move |_| {
        Ok(refused_time(server))
    }));
    let client = client(transport, server + Duration::from_secs(59));
    let e = client.account().await.unwrap_err();
    assert!(matches!(e, Error::Tencent(_)), "{e:?}");
}

#[tokio::test]
async fn a_field_that_cannot_be_read_is_a_problem_of_the_report_not_a_lost_card() {
    let transport = Arc::new(ScriptedTransport::new());
    let broken = record(1).replace(r#""card_status":2"#, r#""card_status":"lots""#);
    transport.push_response(Response::new(
        StatusCode::OK,
        format!(r#"{{"code":0,"data":{broken}}}"#),
    ));
    let client = client(transport, AT);
    let asked = Iccid::parse(&iccid(1)).unwrap();
    let reports = client.snapshots([asked.clone()]).await;
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    let snapshot = report.value().expect("the card is kept");
    assert_eq!(snapshot.status, None, "the unreadable field is empty");
    assert!(snapshot.usage.is_some(), "the other fields are kept");
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert_eq!(report.problems[0].field, "card_status");
    assert!(
        report.problems[0].problem.contains("lots"),
        "{:?}",
        report.problems
    );
}
