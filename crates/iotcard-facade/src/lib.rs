//! Turnkey async clients for IoT card platforms: token cache with
//! single-flight refresh, batching, paging, retries with a budget, rate
//! limits, and one provider-neutral trait.
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
