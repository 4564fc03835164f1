//! A first poll of both platforms, as a new user writes it: one dependency,
//! credentials from the environment. Run it against the simulator:
//!
//! ```sh
//! cargo run -p iotcard-cli -- sim        # prints the variables to export
//! cargo run -p iotcard-facade --example first_poll
//! ```
use futures::TryStreamExt;
use iotcard_facade::{CardNumber, IotbosClient, OperatorFilter, TencentClient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |k: &str| std::env::var(k);
    let iotbos = IotbosClient::builder()
        .endpoint(env("IOTCARD_IOTBOS_ENDPOINT")?)
        .account(env("IOTCARD_IOTBOS_ACCOUNT")?)
        .password(env("IOTCARD_IOTBOS_PASSWORD")?)
        .build()?;
    let cards: Vec<CardNumber> = vec!["1064804085884".parse()?];
    for report in iotbos.usage(cards).await {
        match report.result {
            Ok(usage) => println!("{} used {:?}", report.card, usage.data_used),
            Err(problem) => println!("{}: {problem}", report.card), // a std::error::Error
        }
    }
    let tencent = TencentClient::builder()
        .endpoint(env("IOTCARD_TENCENT_ENDPOINT")?)
        .sdkappid(env("IOTCARD_TENCENT_SDKAPPID")?)
        .appkey(env("IOTCARD_TENCENT_APPKEY")?)
        .extra_ca_pem(std::fs::read(env("IOTCARD_CA_FILE")?)?)
        .build()?;
    let mut cards = tencent.cards(OperatorFilter::All);
    while let Some(card) = cards.try_next().await? {
        println!("{} {:?}", card.iccid, card.status);
    }
    Ok(())
}
