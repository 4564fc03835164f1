//! Sans-IO protocol for the IoTBOS IoT card platform (`http://sys.iotbos.com`).
//!
//! Builders return [`http::Request`] values, parsers take the HTTP status
//! and the body bytes; sending them is someone else's job. Time and
//! credentials come in as arguments, nothing here reads a clock.
//!
//! ```
//! use http::StatusCode;
//! use iotbos_proto::{parse_login, parse_remaining, redact_uri, BatchPlan, Call, Endpoint};
//! use iotcard_model::{CardNumber, Outcome, Secret};
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
//! // Ask what is left on a card.
//! let cards: Vec<CardNumber> = vec!["1064804085884".parse()?];
//! let plan = BatchPlan::new(cards, iotbos_proto::DEFAULT_BATCH_SIZE);
//! let batch = plan.batches().next().expect("one card, one batch");
//! let request = batch.request(Call::Remaining, &endpoint, login.token())?;
//! assert_eq!(request.uri().path(), "/Api/TerminalInfo/Surplus");
//!
//! let answers = parse_remaining(StatusCode::OK, br#"{"status":1,"info":null,"data":{"date":[
//!     {"num":"1064804085884","State":1,"Surplus":{"ResidualReceivesSms":4,"ResidualFlow":-8359}}]},
//!     "createtime":"2018/01/16 14:02:08"}"#)?;
//! let (card, answer) = &answers.cards[0];
//! let answer = answer.clone()?;
//! assert_eq!(card.as_str(), "1064804085884");
//! assert_eq!(answer.outcome, Outcome::Found);
//! let left = answer.payload.and_then(|r| r.data_left).expect("sent");
//! assert_eq!(left.amount.to_string(), "-8359");
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
//! - [`BatchPlan`] splits a list of cards into calls; [`Assembler`] puts the
//!   answers back per card, in the caller's order.
//! - [`redact_uri`]: any request URL, fit for a log line.
//!
//! Every quirk of the provider's document, and the decision taken on it, is
//! in the workspace's `specs/README.md`; the examples it shows are this
//! crate's test vectors (`tests/vectors/`).
#![deny(missing_docs)]

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
mod login;
mod redact;
mod request;
mod terminal_state;
mod token;

pub use answers::{CardAnswer, CardAnswers, EntryError};
pub use assemble::{Assembled, Assembler, CardResult, Stray};
pub use batch::{Batch, BatchPlan, DEFAULT_BATCH_SIZE};
pub use call::{Call, LOGIN_PATH};
pub use calls::{
    parse_expiry, parse_plan, parse_remaining, parse_state, parse_usage, ExpiryQuery, PlanQuery,
    Query, RemainingQuery, StateQuery, UsageQuery,
};
pub use date::{parse_china_time, DateError};
pub use endpoint::{Endpoint, DEFAULT_BASE_URL};
pub use error::IotbosError;
pub use login::{parse_login, Login, DEFAULT_TOKEN_MARGIN};
pub use redact::{redact_query, redact_text, redact_uri, RedactedQuery, RedactedUri, REDACTED};
pub use request::login_request;
pub use terminal_state::{terminal_state_text, terminal_status};
pub use token::AccessToken;
