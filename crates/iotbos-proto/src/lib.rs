//! Sans-IO protocol for the IoTBOS IoT card platform (`http://sys.iotbos.com`).
//!
//! Builders return [`http::Request`] values, parsers take the HTTP status
//! and the body bytes; sending them is someone else's job. Time and
//! credentials come in as arguments, nothing here reads a clock.
//!
//! ```
//! use http::StatusCode;
//! use iotbos_proto::{parse_login, parse_remaining, redact_uri, BatchPlan, Call, Endpoint};
//! use iotcard_model::{CardNumber, CardProblem, Secret};
//!
//! let endpoint: Endpoint = "http://localhost:25853".parse()?;
//!
//! // Log in; the answer gives the token and its lifetime.
//! let login = iotbos_proto::login_request(&endpoint, "alice", &Secret::new("hunter2"))?;
//! assert_eq!(redact_uri(login.uri()), "http://localhost:25853/Api/token?account=alice&password=***");
//! let login = parse_login(StatusCode::OK, br#"{"status":1,"info":null,
//!     "data":{"accessToken":"917B38E2-0CBD-47D3-9264-50B8D022C179","expiresTime":"2018/01/16 16:02:08"},
//!     "createtime":"2018/01/16 14:02:08"}"#)?;
//! assert_eq!(login.lifetime().as_secs(), 2 * 3600);
//!
//! // Ask what is left on two cards: planned once, whatever the calls.
//! let cards: Vec<CardNumber> = vec!["1064804085884".parse()?, "1060000000002".parse()?];
//! let plan = BatchPlan::new(cards, iotbos_proto::DEFAULT_BATCH_SIZE);
//! let batch = plan.into_batches().next().expect("two cards, one batch");
//! let request = batch.request(Call::Remaining, &endpoint, login.token())?;
//! assert_eq!(request.uri().path(), "/Api/TerminalInfo/Surplus");
//!
//! // The answer, matched back to the batch by number: one result per card.
//! let answer = parse_remaining(StatusCode::OK, br#"{"status":1,"info":null,"data":{"date":[
//!     {"num":"1064804085884","State":1,"Surplus":{"ResidualReceivesSms":4,"ResidualFlow":-8359}}]},
//!     "createtime":"2018/01/16 14:02:08"}"#);
//! let done = batch.assemble(answer.map_err(std::sync::Arc::new));
//! let left = done.results[0].as_ref().expect("found").data_left.expect("sent");
//! assert_eq!(left.amount.to_string(), "-8359");
//! assert!(matches!(done.results[1], Err(CardProblem::Missing)));
//!
//! // Errors say what they are: a refusal under HTTP 401 is still a refusal.
//! let refused = parse_remaining(StatusCode::UNAUTHORIZED,
//!     br#"{"status":0,"info":"accessToken expired"}"#).unwrap_err();
//! assert!(refused.is_refused() && !refused.is_transient());
//! assert_eq!(refused.provider_message(), Some("accessToken expired"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is where
//!
//! - [`Endpoint`]: the validated base URL.
//! - [`login_request`], [`parse_login`], [`Login`]: the token and how long
//!   to use it.
//! - [`Call`]: the five data calls ([`Call::request`] builds one); their
//!   parsers [`parse_usage`], [`parse_remaining`], [`parse_expiry`],
//!   [`parse_state`], [`parse_plan`], also reachable generically through
//!   [`Query`].
//! - [`BatchPlan`] splits a list of cards into owned [`Batch`]es once
//!   (repeats dropped across the list), [`lazy_batches`] a list too long to
//!   hold (repeats dropped within a batch); [`Batch::assemble`] puts one
//!   call's answer back per card, in the batch's order, as
//!   `Result<T, CardProblem<T, E>>`.
//! - [`IotbosError`] classifies itself ([`IotbosError::is_transient`],
//!   [`IotbosError::is_refused`], [`IotbosError::status`], …); every HTTP
//!   status reaches the parsers, which read a refusal envelope under any.
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

/// The `http` crate whose types the builders and parsers use.
pub use http;

mod answers;
mod assemble;
mod batch;
mod call;
mod calls;
mod date;
mod endpoint;
mod envelope;
mod error;
mod fast;
mod login;
mod request;
mod secrets;
mod terminal_state;
mod token;

pub use answers::{CardAnswer, CardAnswers, EntryError};
pub use assemble::{Assembled, Stray};
pub use batch::{lazy_batches, Batch, BatchPlan, IntoBatches, LazyBatches, DEFAULT_BATCH_SIZE};
pub use call::{Call, LOGIN_PATH};
pub use calls::{
    parse_expiry, parse_plan, parse_remaining, parse_state, parse_usage, ExpiryQuery, PlanQuery,
    Query, RemainingQuery, StateQuery, UsageQuery,
};
pub use date::{parse_china_time, DateError};
pub use endpoint::{Endpoint, DEFAULT_BASE_URL};
pub use error::IotbosError;
pub use iotcard_model::REDACTED;
pub use login::{parse_login, Login, DEFAULT_TOKEN_MARGIN};
pub use request::login_request;
pub use secrets::{redact_query, redact_text, redact_uri, SECRET_NAMES};
pub use terminal_state::{terminal_state_text, terminal_status};
pub use token::AccessToken;
