//! The watcher's HTTP server on 127.0.0.1: a simulator-driven pass shows
//! on `/metrics`, `/healthz` and the status page; other paths and methods
//! are refused; cancelling stops it.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use iotcard_observe::PerCardSeries;
use iotcard_watch::{Server, StatusBoard, WatchPlan};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const QUOTA: &str = r#"
    [[rules]]
    name = "quota"
    kind = "quota"
    thresholds = [1]
    severity = "critical"
    notify = ["ops"]
"#;

struct Answer {
    status: u16,
    head: String,
    body: String,
}

/// One HTTP/1.1 request on its own connection, read to the end.
async fn request(addr: SocketAddr, method: &str, path: &str, extra: &str) -> Answer {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let text =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}\r\n");
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    Answer {
        status,
        head: head.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

/// The value of the series `name{labels}` in a text exposition.
fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_pass_is_served_on_metrics_healthz_and_the_page() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("h.sqlite3")).await;
    let clock = clock();
    let (robot, ops) = dingtalk_robot(clock.clone()).await;
    let interval = Duration::from_secs(3600);
    let plan = WatchPlan::new(rules(QUOTA), [ops])
        .account(account(&store, &sim, "acme", 20, interval).await);
    let board = Arc::new(
        StatusBoard::new(
            store.clone(),
            clock.clone(),
            "9.9.9-test",
            PerCardSeries {
                enabled: true,
                limit: 5,
            },
        )
        .unwrap(),
    );
    let watcher = iotcard_watch::Watcher::builder(store.clone(), deliverer(clock.clone()))
        .clock(clock.clone())
        .sleeper(clock.clone())
        .holder("w1")
        .status_board(board.clone())
        .build()
        .unwrap();
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), board.clone())
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    assert!(addr.ip().is_loopback());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));

    // Before any pass: an empty fleet, and healthy (the watcher just started).
    let page = request(addr, "GET", "/", "").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("No account in the store yet."),
        "{}",
        page.body
    );

    let report = watcher.once(&plan, never()).await.unwrap();
    let evaluation = report.account("acme").unwrap().evaluation.unwrap();
    assert!(evaluation.notifying >= 1, "{evaluation:?}");
    assert_eq!(robot.received().len(), 1);

    // The status page shows the firing alert, with its severity and account.
    let page = request(addr, "GET", "/", "").await;
    assert_eq!(page.status, 200);
    assert!(page.head.contains("content-type: text/html; charset=utf-8"));
    assert!(page.head.contains("cache-control: no-store"));
    assert!(page.body.contains("<td>quota</td>"), "{}", page.body);
    assert!(page
        .body
        .contains(r#"<span class="severity critical">critical</span>"#));
    assert!(page.body.contains("<td>acme</td>"));
    assert!(page
        .body
        .contains(r#"<span class="outcome finished">finished</span>"#));
    assert!(page.body.contains("Healthy"));
    assert!(!page
        .body
        .contains(sim.credentials().iotbos_account.as_str()));

    // /metrics: the figures equal the store's.
    let metrics = request(addr, "GET", "/metrics", "").await;
    assert_eq!(metrics.status, 200);
    assert!(metrics
        .head
        .contains("content-type: text/plain; version=0.0.4"));
    let fleet = store
        .fleet(
            &Default::default(),
            iotcard_sync::instant(clock.as_ref()).unwrap(),
        )
        .await
        .unwrap();
    let cards: f64 = metrics
        .body
        .lines()
        .filter(|l| l.starts_with("iotcard_cards{account=\"acme\""))
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<f64>().unwrap())
        .sum();
    assert_eq!(cards, fleet.len() as f64);
    let alerts = store.alert_rows(&[]).await.unwrap();
    let firing = alerts.iter().filter(|a| a.phase == "firing").count();
    assert!(
        metrics.body.contains(&format!(
            "iotcard_alerts_firing{{rule=\"quota\",severity=\"critical\"}} {firing}\n"
        )),
        "{}",
        metrics.body
    );
    let run = &store.sync_runs(&[], 1).await.unwrap()[0];
    assert!(metrics.body.contains(&format!(
        "iotcard_sync_cards{{account=\"acme\",outcome=\"answered\"}} {}\n",
        run.counts.answered
    )));
    assert_eq!(
        sample(
            &metrics.body,
            "iotcard_sync_last_success_timestamp_seconds{account=\"acme\"}"
        ),
        Some(run.ended_at.unwrap().timestamp() as f64)
    );
    assert!(metrics
        .body
        .contains("iotcard_notifications_total{notifier=\"ops\",outcome=\"delivered\"} 1\n"));
    assert!(metrics
        .body
        .contains("iotcard_build_info{version=\"9.9.9-test\"} 1\n"));
    // The client's requests, counted by the facade.
    assert!(
        metrics
            .body
            .lines()
            .any(|l| l.starts_with("iotcard_requests_total{account=\"acme\",call=")),
        "{}",
        metrics.body
    );
    let per_card = metrics
        .body
        .lines()
        .filter(|l| l.starts_with("iotcard_card_data_"))
        .count();
    assert_eq!(per_card, 5, "capped at per_card_limit");

    let om = request(
        addr,
        "GET",
        "/metrics",
        "Accept: application/openmetrics-text; version=1.0.0\r\n",
    )
    .await;
    assert!(om
        .head
        .contains("content-type: application/openmetrics-text"));
    assert!(om.body.ends_with("# EOF\n"));

    // /healthz: current now; 503 naming the account once two intervals
    // and the slack have passed without a pass.
    let healthy = request(addr, "GET", "/healthz", "").await;
    assert_eq!((healthy.status, healthy.body.as_str()), (200, "ok\n"));
    clock.advance(2 * interval + Duration::from_secs(301));
    let stale = request(addr, "GET", "/healthz", "").await;
    assert_eq!(stale.status, 503);
    assert!(stale.body.contains("account \"acme\""), "{}", stale.body);

    // HEAD has the headers and no body; other methods and paths are refused.
    let head = request(addr, "HEAD", "/metrics", "").await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let post = request(addr, "POST", "/metrics", "Content-Length: 0\r\n").await;
    assert_eq!(post.status, 405);
    assert!(post.head.contains("allow: get, head"));
    let missing = request(addr, "GET", "/metrics/extra", "").await;
    assert_eq!(missing.status, 404);

    // Cancelling stops the server: it returns, and the port is closed.
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), serving)
        .await
        .expect("the server stops on cancel")
        .unwrap();
    assert!(TcpStream::connect(addr).await.is_err());
    sim.shutdown().await;
}

#[tokio::test]
async fn an_address_in_use_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("h.sqlite3")).await;
    let board = Arc::new(StatusBoard::new(store, clock(), "0", PerCardSeries::default()).unwrap());
    let first = Server::bind("127.0.0.1:0".parse().unwrap(), board.clone())
        .await
        .unwrap();
    let taken = first.local_addr().unwrap();
    let error = Server::bind(taken, board).await.unwrap_err();
    assert_eq!(error.to_string(), format!("could not listen on {taken}"));
    assert!(std::error::Error::source(&error).is_some());
}

/// The status page of a simulator pass in headless Chromium at a phone's
/// and a desktop's width: nothing wider than the viewport, no console
/// error, the firing alert shown; screenshots under target/ to look at.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_fits_a_phone_and_a_desktop_in_chromium() {
    let Some(browser) = iotcard_headless::Browser::launch_or_skip().await.unwrap() else {
        return;
    };
    let sim = sim(20).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("h.sqlite3")).await;
    let clock = clock();
    let (_robot, ops) = dingtalk_robot(clock.clone()).await;
    // A long profile name: the accounts table must scroll inside its box.
    let profile = "acme-production-fleet-north-china-region";
    let plan = WatchPlan::new(rules(QUOTA), [ops])
        .account(account(&store, &sim, profile, 20, Duration::from_secs(3600)).await);
    let board = Arc::new(
        StatusBoard::new(
            store.clone(),
            clock.clone(),
            "0.1.0",
            PerCardSeries::default(),
        )
        .unwrap(),
    );
    let watcher = iotcard_watch::Watcher::builder(store, deliverer(clock.clone()))
        .clock(clock.clone())
        .sleeper(clock.clone())
        .holder("w1")
        .status_board(board.clone())
        .build()
        .unwrap();
    watcher.once(&plan, never()).await.unwrap();
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), board)
        .await
        .unwrap();
    let url = format!("http://{}/", server.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("status-page");
    for (width, height) in [(390, 844), (1280, 800)] {
        let page = browser.check(&url, width, height).await.unwrap();
        assert!(
            page.console_errors.is_empty(),
            "{width}px: {:?}",
            page.console_errors
        );
        assert!(
            page.overflowing.is_empty(),
            "{width}px: wider than the viewport: {:?}",
            page.overflowing
        );
        assert_eq!(page.title, "iotcard watcher");
        assert!(page.text.contains("Firing alerts"), "{}", page.text);
        assert!(
            page.text.contains("quota") && page.text.contains("critical"),
            "{}",
            page.text
        );
        assert!(page.text.contains(profile));
        let shot = page
            .save_screenshot(shots.join(format!("status-{width}.png")))
            .unwrap();
        eprintln!("screenshot: {}", shot.display());
    }
    browser.close().await.unwrap();
    stop.send(()).unwrap();
    serving.await.unwrap();
    sim.shutdown().await;
}
