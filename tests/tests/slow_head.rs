//! Every ordered path hands reports out in input order without stalling
//! behind a slow head: with the first batch (or card) held up for 2 s, all
//! the others are asked and answered meanwhile, so the moment the head's
//! answer arrives, the rest of the stream follows at once.
//!
//! Paused tokio time and a transport whose delays the test chooses make the
//! timings exact.

use std::time::Duration;

use futures::StreamExt;
use iotcard_facade::{CardNumber, CardReport, Iccid, IotbosClient, TencentClient};
use iotcard_tests::scripted::{self, Paced, Sent};
use tokio::time::Instant;

const SLOW: Duration = Duration::from_secs(2);
/// How long every other request takes.
const QUICK: Duration = Duration::from_millis(10);
/// Requests in flight; the ordered window holds 16 jobs per slot, so 40
/// jobs fit in it whole.
const CONCURRENCY: usize = 4;
const JOBS: usize = 40;

/// Drains `stream`, noting when (since `started`) each report came out.
async fn drain<C, T>(
    mut stream: impl futures::Stream<Item = CardReport<C, T>> + Unpin,
    started: Instant,
) -> Vec<(CardReport<C, T>, Duration)> {
    let mut out = Vec::new();
    while let Some(report) = stream.next().await {
        out.push((report, started.elapsed()));
    }
    out
}

/// The checks both platforms share: in input order, every value there; the
/// head's reports out when its answer came (2 s), every other request
/// answered before that, and nothing after the head waited any longer.
fn assert_no_stall<C: PartialEq + std::fmt::Debug, T: std::fmt::Debug>(
    out: &[(CardReport<C, T>, Duration)],
    asked: &[C],
    head_reports: usize,
    sent: &[Sent],
    is_head: impl Fn(&Sent) -> bool,
    started: Instant,
) {
    let cards: Vec<&C> = out.iter().map(|(r, _)| &r.card).collect();
    assert_eq!(cards, asked.iter().collect::<Vec<_>>(), "input order");
    for (report, _) in out {
        assert!(report.result.is_ok(), "{:?}", report.result);
    }
    for (_, when) in &out[..head_reports] {
        assert_eq!(*when, SLOW, "the head's reports leave when it is answered");
    }
    let last = out.last().expect("reports").1;
    assert_eq!(last, SLOW, "the rest was ready when the head was: no stall");

    let (head, others): (Vec<&Sent>, Vec<&Sent>) = sent.iter().partition(|s| is_head(s));
    assert_eq!(head.len(), 1);
    assert_eq!(head[0].answered_at - started, SLOW);
    assert_eq!(others.len(), JOBS - 1);
    let latest = others
        .iter()
        .map(|s| s.answered_at - started)
        .max()
        .expect("others");
    assert!(
        latest < SLOW,
        "every other batch was answered before the head ({latest:?})"
    );
}

#[tokio::test(start_paused = true)]
async fn iotbos_usage_stream_does_not_wait_behind_a_slow_head_batch() {
    const BATCH: usize = 10;
    let cards: Vec<CardNumber> = (0..(JOBS * BATCH) as u64)
        .map(|i| (1_064_800_000_000 + i).to_string().parse().expect("valid"))
        .collect();
    let head_card = cards[0].to_string();
    let transport = std::sync::Arc::new(Paced::new(move |req| {
        if scripted::is_iotbos_login(req) {
            return (Duration::ZERO, scripted::ok(scripted::iotbos_login("T")));
        }
        let asked = scripted::query(req, "cardIdNums").expect("cards");
        let delay = if asked.split(',').any(|c| c == head_card) {
            SLOW
        } else {
            QUICK
        };
        (delay, scripted::ok(scripted::iotbos_usage(&asked)))
    }));
    let client = IotbosClient::builder()
        .account("alice")
        .password("pw")
        .batch_size(BATCH)
        .concurrency(CONCURRENCY)
        .transport(transport.clone())
        .build()
        .expect("client builds");

    let started = Instant::now();
    let out = drain(client.usage_stream(cards.clone()), started).await;
    let head_card = cards[0].to_string();
    let sent: Vec<Sent> = transport
        .sent()
        .into_iter()
        .filter(|s| !scripted::is_iotbos_login(&s.request))
        .collect();
    assert_no_stall(
        &out,
        &cards,
        BATCH,
        &sent,
        |s| {
            scripted::query(&s.request, "cardIdNums")
                .is_some_and(|a| a.split(',').any(|c| c == head_card))
        },
        started,
    );
}

#[tokio::test(start_paused = true)]
async fn tencent_card_info_stream_does_not_wait_behind_a_slow_head_card() {
    let iccids: Vec<Iccid> = (0..JOBS)
        .map(|i| format!("898602B709170105{i:04}").parse().expect("valid"))
        .collect();
    let head = iccids[0].to_string();
    let h = head.clone();
    let transport = std::sync::Arc::new(Paced::new(move |req| {
        let asked = scripted::body_string(req, "iccid").expect("an iccid");
        let delay = if asked == h { SLOW } else { QUICK };
        (delay, scripted::ok(scripted::tencent_card_info(&asked)))
    }));
    let client = TencentClient::builder()
        .sdkappid("1400009099")
        .appkey("k")
        .concurrency(CONCURRENCY)
        .transport(transport.clone())
        .build()
        .expect("client builds");

    let started = Instant::now();
    let out = drain(client.card_info_stream(iccids.clone()), started).await;
    for (report, _) in &out {
        let info = report.value().expect("a value");
        assert_eq!(
            info.card.iccid, report.card,
            "each answer matched to its card"
        );
    }
    assert_no_stall(
        &out,
        &iccids,
        1,
        &transport.sent(),
        |s| scripted::body_string(&s.request, "iccid").as_deref() == Some(head.as_str()),
        started,
    );
}
