//! Many concurrent calls on a fresh IoTBOS client share one login.

use std::time::Duration;

use iotcard_facade::{CardNumber, ProblemKind};
use iotcard_tests::expect::{self, Answer};
use iotcard_tests::fixtures;

const CALLS: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_calls_make_one_login() {
    // Some latency keeps the login in flight while every call arrives.
    let sim = fixtures::simulator()
        .cards(500)
        .latency(Duration::from_millis(20), Duration::from_millis(10))
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::iotbos(&sim)
        .concurrency(CALLS)
        .build()
        .expect("client builds");
    let numbers: Vec<CardNumber> = sim.fleet().numbers().collect();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(CALLS));
    let tasks: Vec<_> = (0..CALLS)
        .map(|i| {
            let client = client.clone();
            let barrier = barrier.clone();
            let cards: Vec<CardNumber> = numbers.iter().skip(i * 5).take(5).cloned().collect();
            tokio::spawn(async move {
                barrier.wait().await;
                (cards.clone(), client.remaining(cards).await)
            })
        })
        .collect();
    let at = sim.now();
    for task in tasks {
        let (cards, reports) = task.await.expect("task ends");
        assert_eq!(reports.len(), cards.len());
        for (report, number) in reports.iter().zip(&cards) {
            assert_eq!(
                Answer::of(&report.result),
                expect::remaining(sim.fleet(), number, &at)
            );
        }
    }
    let stats = sim.stats();
    assert_eq!(stats.requests.iotbos_login, 1, "exactly one login request");
    assert_eq!(stats.logins, 1);
    assert_eq!(client.logins(), 1);
    assert_eq!(stats.requests.iotbos_remaining, CALLS as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_calls_share_one_refused_login() {
    let sim = fixtures::simulator()
        .cards(100)
        .latency(Duration::from_millis(20), Duration::ZERO)
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::iotbos(&sim)
        .password("wrong")
        .concurrency(CALLS)
        .build()
        .expect("client builds");
    let card = sim.fleet().card(0).expect("card 0").number().clone();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(CALLS));
    let tasks: Vec<_> = (0..CALLS)
        .map(|_| {
            let (client, barrier, card) = (client.clone(), barrier.clone(), card.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                client.usage([card]).await
            })
        })
        .collect();
    for task in tasks {
        let reports = task.await.expect("task ends");
        let Answer::Failure(ProblemKind::Failed, text) = Answer::of(&reports[0].result) else {
            panic!("{:?}", reports[0].result);
        };
        assert!(text.contains("IoTBOS login failed"), "{text}");
        let error = reports[0]
            .result
            .as_ref()
            .unwrap_err()
            .error()
            .expect("failed");
        assert!(error.is_refused() && !error.is_transient(), "{error:?}");
    }
    assert_eq!(
        sim.stats().requests.iotbos_login,
        1,
        "waiters share the refusal instead of knocking again"
    );
}
