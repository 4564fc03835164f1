//! IoTBOS tokens that expire or are revoked mid-run never cost a card.

use std::time::Duration;

use iotcard_facade::{CardNumber, CardProblem, Error};
use iotcard_tests::errors::chain;
use iotcard_tests::expect::{self, Answer};
use iotcard_tests::fixtures;
// Tokens live on the simulator's real clock, so time cannot be paused here;
// tokio's clock is the one the client's token cache reads.
use tokio::time::Instant;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_second_tokens_over_a_multi_second_run() {
    let sim = fixtures::simulator()
        .cards(300)
        .token_ttl(Duration::from_secs(1))
        .start()
        .await
        .expect("simulator starts");
    // One client renews early (the default margin, capped at half the
    // lifetime); the other uses each token to its last instant, so the
    // server sometimes refuses it as expired and it must log in again.
    let early = fixtures::iotbos(&sim)
        .batch_size(50)
        .build()
        .expect("client builds");
    let late = fixtures::iotbos(&sim)
        .batch_size(50)
        .token_margin(Duration::ZERO)
        .build()
        .expect("client builds");
    let fleet = sim.fleet();
    let at = sim.now();
    let numbers: Vec<CardNumber> = fleet.numbers().collect();

    let started = Instant::now();
    let mut rounds = 0;
    while started.elapsed() < Duration::from_secs(3) {
        let (a, b) = tokio::join!(early.usage(numbers.clone()), late.usage(numbers.clone()));
        for reports in [a, b] {
            assert_eq!(reports.len(), numbers.len());
            for (report, number) in reports.iter().zip(&numbers) {
                assert_eq!(&report.card, number);
                assert_eq!(
                    Answer::of(&report.result),
                    expect::usage(fleet, number, &at),
                    "round {rounds}, card {number}"
                );
            }
        }
        rounds += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let stats = sim.stats();
    eprintln!(
        "{rounds} rounds, logins {} (early {}, late {}), expired-token refusals {}",
        stats.logins,
        early.logins(),
        late.logins(),
        stats.refusals.token_expired
    );
    assert!(rounds >= 5, "only {rounds} rounds");
    // Tokens of 1 s over 3 s: each client logged in again several times.
    assert!(
        early.logins() >= 3,
        "{} logins in 3 s of 1 s tokens",
        early.logins()
    );
    assert!(
        late.logins() >= 3,
        "{} logins in 3 s of 1 s tokens",
        late.logins()
    );
    assert_eq!(stats.logins, early.logins() + late.logins());
    assert_eq!(stats.refusals.bad_credentials, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_means_one_new_login_and_no_lost_card() {
    let sim = fixtures::simulator()
        .cards(200)
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::iotbos(&sim).build().expect("client builds");
    let fleet = sim.fleet();
    let numbers: Vec<CardNumber> = fleet.numbers().collect();

    let first = client.status(numbers.clone()).await;
    assert!(first
        .iter()
        .all(|r| !matches!(Answer::of(&r.result), Answer::Failure(..))));
    assert_eq!(sim.stats().logins, 1);

    // The server forgets the client's token; the client does not know yet.
    sim.revoke_tokens();
    let second = client.status(numbers.clone()).await;
    for (report, number) in second.iter().zip(&numbers) {
        assert_eq!(Answer::of(&report.result), expect::status(fleet, number));
    }
    let stats = sim.stats();
    assert!(stats.refusals.token_revoked >= 1, "{:?}", stats.refusals);
    assert_eq!(stats.logins, 2, "one new login shared by every batch");
    assert_eq!(client.logins(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_login_is_reported_on_every_card_and_not_retried() {
    let sim = fixtures::simulator()
        .cards(100)
        .start()
        .await
        .expect("simulator starts");
    let client = fixtures::iotbos(&sim)
        .password("not-the-password")
        .build()
        .expect("client builds");
    let numbers: Vec<CardNumber> = sim.fleet().numbers().collect();
    let reports = client.usage(numbers.clone()).await;
    assert_eq!(reports.len(), numbers.len());
    for report in &reports {
        let Err(CardProblem::Failed(error)) = &report.result else {
            panic!("{}: {:?}", report.card, report.result);
        };
        assert!(error.is_refused() && !error.is_transient(), "{error:?}");
        assert!(matches!(**error, Error::Login(_)), "{error:?}");
        assert_eq!(error.to_string(), "IoTBOS login failed");
        let text = chain(&**error);
        assert!(
            text.contains(iotcard_sim::iotbos_info::LOGIN_WRONG),
            "{text}"
        );
        assert_eq!(
            error.provider_message(),
            Some(iotcard_sim::iotbos_info::LOGIN_WRONG)
        );
    }
    let stats = sim.stats();
    assert_eq!(
        stats.requests.iotbos_login, 1,
        "a refused login is not retried"
    );
    assert_eq!(stats.requests.iotbos_usage, 0);
    assert_eq!(stats.refusals.bad_credentials, 1);
}
