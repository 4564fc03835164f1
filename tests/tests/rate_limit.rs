//! A client's requests-per-second ceiling holds across all its tasks.

use std::time::Duration;

use iotcard_facade::CardNumber;
use iotcard_tests::fixtures;
// Real sockets to the simulator: the clock cannot be paused, but tokio's is
// the one the rate limiter reads.
use tokio::time::Instant;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ceiling_is_shared_by_every_task_and_clone() {
    const RATE: f64 = 40.0;
    const CALLS: usize = 80;
    let sim = fixtures::simulator()
        .cards(CALLS as u64)
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::iotbos(&sim)
        .batch_size(1)
        .concurrency(16)
        .rate_limit(RATE)
        .build()
        .expect("client builds");
    let numbers: Vec<CardNumber> = sim.fleet().numbers().collect();

    let started = Instant::now();
    let tasks: Vec<_> = numbers
        .chunks(CALLS / 4)
        .map(|chunk| {
            let (client, chunk) = (client.clone(), chunk.to_vec());
            tokio::spawn(async move { client.status(chunk).await })
        })
        .collect();
    for task in tasks {
        let reports = task.await.expect("task ends");
        assert!(reports
            .iter()
            .all(|r| !r.result.as_ref().is_err_and(|p| p.is_failure())));
    }
    let took = started.elapsed();

    let sent = sim.stats().requests.total();
    assert_eq!(sent, CALLS as u64 + 1, "one call per card and a login");
    // A burst of one second's worth may go at once; the rest is spaced at
    // the rate, so the run cannot be faster than this.
    let floor = Duration::from_secs_f64((sent as f64 - RATE) / RATE);
    assert!(
        took >= floor.mul_f64(0.95),
        "{sent} requests in {took:?}, floor {floor:?}"
    );
}
