//! Provider-neutral vocabulary for fleets of IoT SIM cards (物联网卡).
//!
//! The protocol crates (`iotbos-proto`, `tencent-proto`) translate each
//! platform's wire format into these types; the facade and the CLI speak
//! only these. Identifiers validate on parse, money and data amounts are
//! exact decimals, and every enumeration keeps values it does not know.
//!
//! ```
//! use iotcard_model::{CardNumber, CardStatus, DataAmount, Money, Secret, Usage};
//!
//! let card: CardNumber = "1064804085884".parse()?;
//! let fee: Money = "1.00".parse()?;
//! let usage = Usage {
//!     sms_used: Some(iotcard_model::SmsCount(6)),
//!     data_used: Some(DataAmount::provider_unit(iotcard_model::decimal::parse_exact("-8359")?)),
//! };
//! assert_eq!(fee.to_string(), "1.00");
//! assert_eq!(usage.data_used.unwrap().amount.to_string(), "-8359");
//! assert_eq!(CardStatus::from_name("silent"), CardStatus::Silent);
//! assert_eq!(format!("{:?}", Secret::new("pw")), "Secret(***)");
//! # let _ = card;
//! # Ok::<(), iotcard_model::ModelError>(())
//! ```
//!
//! The serde names of every type are stable: they are the `iotcard` CLI's
//! JSON output.
#![deny(missing_docs)]

mod amount;
mod card;
pub mod decimal;
mod error;
mod field_problem;
mod ids;
mod operator;
mod problem;
mod redact;
mod secret;
mod status;
mod time;

pub use amount::{DataAmount, DataUnit, Money, SmsCount};
pub use card::{CardSnapshot, Expiry, Outcome, Plan, Remaining, Status, Usage};
pub use error::ModelError;
pub use field_problem::FieldProblem;
pub use ids::{CardNumber, Iccid, Msisdn};
pub use operator::Operator;
pub use problem::{CardProblem, ProblemKind};
pub use redact::{RedactedQuery, RedactedUrl, SecretNames, REDACTED};
pub use rust_decimal::Decimal;
pub use secret::Secret;
pub use status::{CardKind, CardStatus, NetworkStatus};
pub use time::{china_standard_time, Instant};
