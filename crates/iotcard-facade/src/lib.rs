//! Turnkey async clients for IoT card platforms (物联网卡): token cache with
//! single-flight refresh, batching, paging, retries with a budget, rate
//! limits, and one provider-neutral trait.
//!
//! Everything a public signature here mentions is re-exported from this
//! crate: card ids, [`Secret`], amounts, statuses, snapshots, the Tencent
//! records, the errors. One dependency is enough.
//!
//! # IoTBOS
//!
//! Logging in happens on first use; any number of cards is split into
//! batches, run with bounded concurrency, and answered one report per
//! distinct card in your order. This example runs against the built-in
//! simulator:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use iotcard_facade::{CardNumber, CardProblem, IotbosClient, ProblemKind};
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
//! let last = reports.last().unwrap();
//! assert!(matches!(last.result, Err(CardProblem::NotFound)));
//! assert_eq!(last.result.as_ref().unwrap_err().kind(), ProblemKind::NotFound);
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
//! use futures::TryStreamExt;
//! use iotcard_facade::{OperatorFilter, TencentClient};
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
//! let cards: Vec<_> = client.cards(OperatorFilter::All).try_collect().await?;
//! assert_eq!(cards.len() as u64, account.card_counts.total());
//! let info = client.card_info(&cards[0].iccid).await?;
//! println!("{} expires {:?}", info.card.iccid, info.product_expires_at);
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # One job for both
//!
//! [`CardPlatform`] is what both answer, with the same names on both:
//! `usage`, `remaining`, `expiry`, `status`, `plan` and `snapshot` streams of
//! [`CardReport`]s, and the account's listing where the platform has one;
//! [`Capabilities`] says which fields a platform can never fill.
//!
//! # Errors
//!
//! [`Error`] shows one level in Display and chains its causes in
//! `source()`; it says itself whether it is transient, a timeout or a
//! refusal, and keeps the provider's code and message verbatim. A card
//! without a value carries a [`CardProblem`] (a [`std::error::Error`] too),
//! whose [`ProblemKind`] is the stable name scripts see.
#![deny(missing_docs)]

mod clock;
mod drive;
mod error;
mod iotbos;
mod ordered;
mod platform;
pub mod rate;
mod report;
pub mod retry;
mod sender;
mod settings;
mod stats;
mod stream;
mod tencent;

pub use clock::{Clock, Entropy, FixedClock, SystemClock};
pub use error::{Error, SharedError};
pub use iotbos::{IotbosClient, IotbosClientBuilder, IotbosReports};
pub use platform::{
    Capabilities, CardKey, CardPlatform, PlatformCard, Provider, IOTBOS_CAPABILITIES,
    TENCENT_CAPABILITIES,
};
pub use rate::RateBudget;
pub use report::{CardProblem, CardReport};
pub use retry::RetryConfig;
pub use settings::{Tuning, DEFAULT_CONCURRENCY};
pub use stats::CallStats;
pub use stream::{CardStream, TryCardStream};
pub use tencent::{TencentClient, TencentClientBuilder};

pub use iotbos_proto::IotbosError;
/// Card numbers per IoTBOS call unless set (see there why).
pub use iotbos_proto::DEFAULT_BATCH_SIZE;
pub use iotcard_model::{
    CardKind, CardNumber, CardSnapshot, CardStatus, DataAmount, DataUnit, Decimal, Expiry,
    FieldProblem, Iccid, Instant, ModelError, Money, Msisdn, NetworkStatus, Operator, Plan,
    ProblemKind, Remaining, Secret, SmsCount, Status, Usage,
};
pub use iotcard_transport::{
    ClockSkew, HttpTransport, HttpTransportBuilder, Response, TimeoutPhase, Transport,
    TransportError,
};
pub use tencent_proto::{
    AppInfo, CardBrief, CardCounts, CardInfo, OperatorFilter, ReportedMsisdn, Teleoperator,
    TencentError,
};
