//! How many IoTBOS answers of 100 cards the simulator serves per second over
//! keep-alive HTTP/1.1 connections, with the load generator (a lean hyper
//! client) in the same process on the same two cores.
//!
//! `cargo bench -p iotcard-sim --bench throughput`; criterion reports the
//! throughput in answers per second ("elem/s").

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use iotcard_sim::{IotbosCall, RunningSimulator, Simulator};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

const CARDS_PER_ANSWER: usize = 100;
/// Distinct batches cycled through, so no two consecutive requests repeat.
const BATCHES: usize = 256;
/// Answers per connection per criterion iteration.
const ANSWERS_PER_CONNECTION: u64 = 16;

struct Setup {
    runtime: Runtime,
    sim: RunningSimulator,
    targets: Arc<Vec<String>>,
}

fn setup() -> Setup {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let (sim, targets) = runtime.block_on(async {
        let sim = Simulator::builder()
            .seed(1)
            .cards(1_000_000)
            .start()
            .await
            .expect("simulator starts");
        let creds = sim.credentials();
        let mut conn = connect(&sim).await;
        let login = format!(
            "/Api/token?account={}&password={}",
            creds.iotbos_account,
            creds.iotbos_password.expose()
        );
        let body = get(&mut conn, &sim, &login).await;
        let json: serde_json::Value = serde_json::from_slice(&body).expect("login JSON");
        let token = json["data"]["accessToken"]
            .as_str()
            .expect("token")
            .to_owned();
        let fleet = sim.fleet();
        let targets: Vec<String> = (0..BATCHES)
            .map(|b| {
                let numbers: Vec<String> = (0..CARDS_PER_ANSWER)
                    .map(|i| {
                        let index = ((b * CARDS_PER_ANSWER + i) as u64 * 3_779) % fleet.len();
                        fleet
                            .card(index)
                            .expect("in the fleet")
                            .number()
                            .to_string()
                    })
                    .collect();
                format!(
                    "{}?cardIdNums={}&accessToken={token}",
                    IotbosCall::Usage.path(),
                    numbers.join(",")
                )
            })
            .collect();
        // Check once, outside the measurement, that the answers are full.
        let answer = get(&mut conn, &sim, &targets[0]).await;
        let json: serde_json::Value = serde_json::from_slice(&answer).expect("usage JSON");
        assert_eq!(
            json["data"]["date"].as_array().map(Vec::len),
            Some(CARDS_PER_ANSWER)
        );
        (sim, targets)
    });
    Setup {
        runtime,
        sim,
        targets: Arc::new(targets),
    }
}

async fn connect(sim: &RunningSimulator) -> SendRequest<Empty<Bytes>> {
    let tcp = TcpStream::connect(sim.iotbos_addr())
        .await
        .expect("connect");
    tcp.set_nodelay(true).expect("nodelay");
    let (sender, conn) = http1::handshake(TokioIo::new(tcp))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    sender
}

async fn get(
    sender: &mut SendRequest<Empty<Bytes>>,
    sim: &RunningSimulator,
    target: &str,
) -> Bytes {
    let req = Request::get(target)
        .header(http::header::HOST, sim.iotbos_addr().to_string())
        .body(Empty::new())
        .expect("request");
    sender.ready().await.expect("connection ready");
    let response = sender.send_request(req).await.expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
}

fn throughput(c: &mut Criterion) {
    let Setup {
        runtime,
        sim,
        targets,
    } = setup();
    let sim = Arc::new(sim);
    let mut group = c.benchmark_group("iotbos_usage_100_cards");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(10));
    for connections in [4u64, 16] {
        group.throughput(Throughput::Elements(connections * ANSWERS_PER_CONNECTION));
        let mut senders: Vec<_> = runtime.block_on(async {
            let mut v = Vec::new();
            for _ in 0..connections {
                v.push(connect(&sim).await);
            }
            v
        });
        group.bench_function(
            BenchmarkId::new("keep_alive_connections", connections),
            |b| {
                b.iter_custom(|iters| {
                    let taken = std::mem::take(&mut senders);
                    let (elapsed, back) = runtime.block_on(async {
                        let started = tokio::time::Instant::now();
                        let tasks: Vec<_> = taken
                            .into_iter()
                            .enumerate()
                            .map(|(n, mut sender)| {
                                let sim = Arc::clone(&sim);
                                let targets = Arc::clone(&targets);
                                tokio::spawn(async move {
                                    for i in 0..iters * ANSWERS_PER_CONNECTION {
                                        let target =
                                            &targets[(n * 31 + i as usize) % targets.len()];
                                        let body = get(&mut sender, &sim, target).await;
                                        assert!(body.len() > CARDS_PER_ANSWER * 40);
                                    }
                                    sender
                                })
                            })
                            .collect();
                        let mut back = Vec::new();
                        for task in tasks {
                            back.push(task.await.expect("client task"));
                        }
                        (started.elapsed(), back)
                    });
                    senders = back;
                    elapsed
                });
            },
        );
    }
    group.finish();
    let stats = sim.stats();
    eprintln!(
        "simulator served {} usage answers ({} cards)",
        stats.requests.iotbos_usage, stats.cards_answered
    );
}

criterion_group!(benches, throughput);
criterion_main!(benches);
