//! Turnkey async clients for IoT card platforms: token cache with
//! single-flight refresh, batching, paging, retries with a budget, rate
//! limits, and one provider-neutral trait.
//!
//! # IoTBOS
//!
//! Log in happens on first use; any number of cards is split into batches,
//! run with bounded concurrency, and answered one result per distinct card in
//! your order. This example runs against the built-in simulator:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use iotcard_facade::{CardProblem, IotbosClient};
//! use iotcard_model::CardNumber;
//!
//! let sim = iotcard_sim::Simulator::builder().cards(1_000).start().await?;
//! let creds = sim.credentials().clone();
//! let client = IotbosClient::builder()
//!     .endpoint(sim.iotbos_url())
//!     .account(creds.iotbos_account)
//!     .password(creds.iotbos_password)
//!     .build()?;
//!
//! let mut cards: Vec<CardNumber> = sim.fleet().numbers().take(120).collect();
//! cards.push("10640000000000".parse()?); // not on this account
//! let reports = client.usage(cards.clone()).await;
//! assert_eq!(reports.len(), cards.len());
//! for report in &reports {
//!     match &report.result {
//!         Ok(usage) => println!("{}: {:?} SMS, {:?}", report.card, usage.sms_used, usage.data_used),
//!         Err(problem) => println!("{}: {problem} ({})", report.card, problem.kind()),
//!     }
//! }
//! assert!(matches!(reports.last().unwrap().result, Err(CardProblem::NotFound)));
//! assert_eq!(client.logins(), 1);
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Tencent
//!
//! Every request is signed with the current time and a fresh random; the
//! card list is paged lazily as a stream:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use futures::StreamExt;
//! use iotcard_facade::TencentClient;
//! use tencent_proto::OperatorFilter;
//!
//! let sim = iotcard_sim::Simulator::builder().cards(45).start().await?;
//! let creds = sim.credentials().clone();
//! let client = TencentClient::builder()
//!     .endpoint(sim.tencent_url())
//!     .sdkappid(creds.tencent_sdkappid)
//!     .appkey(creds.tencent_appkey)
//!     .extra_ca_pem(sim.ca_pem())
//!     .build()?;
//!
//! let account = client.account().await?;
//! let cards: Vec<_> = client.cards(OperatorFilter::All).collect().await;
//! assert_eq!(cards.len() as u64, account.card_counts.total());
//! let first = cards[0].as_ref().map_err(|e| e.to_string())?;
//! let info = client.card(&first.iccid).await?;
//! println!("{} expires {:?}", info.card.iccid, info.product_expires_at);
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # One job for both
//!
//! [`CardPlatform`] is what both answer: a [`iotcard_model::CardSnapshot`]
//! per card, with [`Capabilities`] saying which fields a platform can never
//! fill.
#![deny(missing_docs)]

mod classify;
mod error;
mod iotbos;
mod platform;
pub mod rate;
mod report;
pub mod retry;
mod sender;
mod settings;
mod tencent;
pub mod token;

pub use error::{Error, SharedError};
pub use iotbos::{IotbosClient, IotbosClientBuilder};
pub use platform::{Capabilities, CardPlatform, IOTBOS_CAPABILITIES, TENCENT_CAPABILITIES};
pub use report::{CardProblem, CardReport};
pub use retry::RetryConfig;
pub use settings::DEFAULT_CONCURRENCY;
pub use tencent::{TencentClient, TencentClientBuilder};
