//! HTTPS works when the simulator's CA is trusted, and fails with an error
//! that says the certificate is not trusted when it is not.

use iotcard_facade::{CardNumber, CardProblem, Error, IotbosClient, TencentClient};
use iotcard_sim::RunningSimulator;
use iotcard_tests::errors::{assert_each_level_once, chain};
use iotcard_tests::expect::{self, Answer};
use iotcard_tests::fixtures;

async fn start() -> RunningSimulator {
    fixtures::simulator()
        .cards(50)
        .iotbos_tls(true)
        .start()
        .await
        .expect("simulator starts")
}

fn iotbos_without_ca(sim: &RunningSimulator) -> IotbosClient {
    let creds = sim.credentials();
    IotbosClient::builder()
        .endpoint(sim.iotbos_url())
        .account(creds.iotbos_account.clone())
        .password(creds.iotbos_password.clone())
        .build()
        .expect("client builds")
}

fn tencent_without_ca(sim: &RunningSimulator) -> TencentClient {
    let creds = sim.credentials();
    TencentClient::builder()
        .endpoint(sim.tencent_url())
        .sdkappid(creds.tencent_sdkappid.clone())
        .appkey(creds.tencent_appkey.clone())
        .build()
        .expect("client builds")
}

/// An untrusted certificate: it says so itself, its chain says so in
/// words (each level once), and it is neither transient nor a refusal.
fn assert_untrusted(error: &Error) {
    assert!(error.is_untrusted_certificate(), "{error:?}");
    assert!(
        !error.is_transient() && !error.is_refused() && !error.is_timeout(),
        "{error:?}"
    );
    assert_eq!(error.status(), None, "no answer came");
    let text = chain(error);
    assert!(text.contains("certificate is not trusted"), "{text}");
    assert_each_level_once(error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_works_with_the_simulators_ca() {
    let sim = start().await;
    assert!(sim.iotbos_url().starts_with("https://"));
    assert!(sim.tencent_url().starts_with("https://"));
    let at = sim.now();

    let iotbos = fixtures::iotbos(&sim)
        .extra_ca_pem(sim.ca_pem())
        .build()
        .expect("client builds");
    let numbers: Vec<CardNumber> = sim.fleet().numbers().collect();
    for (report, number) in iotbos.usage(numbers.clone()).await.iter().zip(&numbers) {
        assert_eq!(
            Answer::of(&report.result),
            expect::usage(sim.fleet(), number, &at)
        );
    }

    let tencent = fixtures::tencent(&sim).build().expect("client builds");
    let info = tencent.account().await.expect("getappinfo over HTTPS");
    assert_eq!(info.card_counts.total(), 50);
    let card = sim.fleet().card(3).expect("card 3");
    assert_eq!(
        tencent.card_info(card.iccid()).await.expect("getcardinfo"),
        expect::card_info(&card, &at)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_ca_the_certificate_is_not_trusted() {
    let sim = start().await;

    let error = tencent_without_ca(&sim)
        .account()
        .await
        .expect_err("untrusted");
    assert_untrusted(&error);
    assert!(
        chain(&error).contains("extra_ca_pem"),
        "says how to fix it: {}",
        chain(&error)
    );
    assert!(
        !matches!(error, Error::AttemptsExhausted { .. }),
        "an untrusted certificate is not retried: {error:?}"
    );

    let numbers: Vec<CardNumber> = sim.fleet().numbers().take(3).collect();
    let reports = iotbos_without_ca(&sim).usage(numbers).await;
    assert_eq!(reports.len(), 3);
    for report in reports {
        let Err(CardProblem::Failed(error)) = &report.result else {
            panic!("{:?}", report.result);
        };
        assert_untrusted(error);
    }
    // Nothing got past the handshake.
    assert_eq!(sim.stats().requests.total(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_simulators_ca_is_not_trusted_either() {
    let sim = start().await;
    let other = start().await;
    let client = fixtures::tencent(&sim)
        .extra_ca_pem(other.ca_pem())
        .build()
        .expect("client builds");
    assert_untrusted(&client.account().await.expect_err("wrong CA"));
    assert_eq!(sim.stats().requests.total(), 0);
}
