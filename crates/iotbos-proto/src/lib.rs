#![doc = include_str!("../README.md")]
//!
//! # What is where
//!
//! - [`Endpoint`]: the validated base URL ([`Endpoint::DEFAULT_URL`]).
//! - [`Credentials`] and [`Api`]: [`Api::login`] and [`Api::query`] build
//!   every request.
//! - [`parse_login`], [`Login`]: the token and how long to use it;
//!   [`Session`] (in [`session`]) decides when to log in and what a refusal
//!   means.
//! - [`Call`]: the five data calls ([`Call::ALL`], [`Call::name`],
//!   [`Call::path`]); their parsers [`parse_usage`], [`parse_remaining`],
//!   [`parse_expiry`], [`parse_state`], [`parse_plan`], also reachable
//!   generically through [`Query`]. Every parser takes the whole
//!   `&http::Response<B>` (any `B: AsRef<[u8]>`), under any status.
//! - [`BatchPlan`] splits a list of cards into owned [`Batch`]es once
//!   (repeats dropped across the list), [`lazy_batches`] a list too long to
//!   hold (repeats dropped within a batch); [`Batch::assemble`] puts one
//!   call's answer back per card, in the batch's order, as
//!   `Result<T, CardProblem<T, E>>`.
//! - [`IotbosError`] classifies itself ([`IotbosError::is_transient`],
//!   [`IotbosError::is_refused`], [`IotbosError::status`],
//!   [`IotbosError::retry_after`], …); every HTTP status reaches the
//!   parsers, which read a refusal envelope under any.
//! - [`SECRET_NAMES`] and [`redact_uri`]: any request URL, fit for a log
//!   line.
//!
//! # The platform's API
//!
//! [`api_reading`] is the IoTBOS API in our own English words (this crate's
//! `API.md`): every call with its parameters and answer fields, the envelope
//! and `State` codes, dates and time zone, limits, errors, and each quirk of
//! the provider's document with the decision taken on it and where it is
//! implemented. The document's examples are this crate's test vectors
//! (`tests/vectors/`).
#![deny(missing_docs)]

#[doc = include_str!("../API.md")]
pub mod api_reading {}

/// The `bytes` crate whose `Bytes` the requests carry.
pub use bytes;
/// The `http` crate whose `Request` and `Response` this API speaks,
/// re-exported so callers name the very same version.
pub use http;
pub use iotcard_model::{
    CardKind, CardNumber, CardProblem, CardSnapshot, CardStatus, DataAmount, DataUnit, Decimal,
    Expiry, FieldProblem, Iccid, Instant, ModelError, Money, Msisdn, NetworkStatus, Operator,
    Outcome, Plan, ProblemKind, Remaining, Secret, SecretNames, SmsCount, Usage,
};

mod answers;
mod assemble;
mod batch;
mod batch_limit;
mod call;
mod calls;
mod date;
mod endpoint;
mod envelope;
mod error;
mod fast;
mod login;
mod request;
mod retry_after;
mod secrets;
pub mod session;
mod terminal_state;
mod token;
mod tolerant;

pub use answers::{CardAnswer, CardAnswers, EntryError};
pub use assemble::{Assembled, Stray};
pub use batch::{lazy_batches, Batch, BatchPlan, IntoBatches, LazyBatches, DEFAULT_BATCH_SIZE};
pub use batch_limit::{BatchLimit, Split};
pub use call::{Call, LOGIN_PATH};
pub use calls::{
    parse_expiry, parse_plan, parse_remaining, parse_state, parse_usage, ExpiryQuery, PlanQuery,
    Query, RemainingQuery, StateQuery, UsageQuery,
};
pub use date::{parse_china_time, DateError};
pub use endpoint::Endpoint;
pub use error::IotbosError;
pub use iotcard_model::REDACTED;
pub use login::{
    parse_login, DefaultReason, Lifetime, LifetimeBasis, Login, LoginTimes, Stamp,
    DEFAULT_TOKEN_LIFETIME, DEFAULT_TOKEN_MARGIN, MAX_BELIEVED_LIFETIME,
};
pub use request::{Api, Credentials};
pub use secrets::{redact_query, redact_text, redact_uri, SECRET_NAMES};
pub use session::{Accepted, Lease, Refusal, Refusals, Session, SessionConfig, Step, Ticket};
pub use terminal_state::{terminal_state_text, terminal_status};
pub use token::AccessToken;
