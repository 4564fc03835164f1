#![doc = include_str!("../README.md")]
//!
//! # In short
//!
//! To list every card, drive a [`CardListPager`] with
//! [`parse_card_list`]'s pages. Every answer is the `{code, message, data}`
//! envelope, read whatever the HTTP status: a non-zero `code` is
//! [`TencentError::Refused`] with the code, the message and the HTTP status
//! verbatim, and anything else under a non-2xx status is
//! [`TencentError::HttpStatus`]. Errors classify themselves
//! ([`TencentError::is_transient`], [`TencentError::is_refused`],
//! [`TencentError::is_card_unknown`], [`TencentError::status`], …).
//! Enumerations keep codes they do not know, amounts are exact decimals in
//! MB, and unknown fields are ignored. [`SECRET_NAMES`], [`redact_uri`] and
//! [`redact_text`] show requests and bodies without their credentials.
//!
//! What this platform cannot tell: SMS usage, state history, and anything
//! beyond the three commands above.
//!
//! # The platform's API
//!
//! [`api_reading`] is the Tencent IoT card API in our own English words (this
//! crate's `API.md`): the request line, signing, every command with its body
//! and answer fields, the envelope, paging, limits, errors, and each quirk of
//! the provider's document with the decision taken on it and where it is
//! implemented. The document's examples are this crate's test vectors
//! (`tests/vectors/`).
#![deny(missing_docs)]

#[doc = include_str!("../API.md")]
pub mod api_reading {}

mod app_info;
mod call;
mod card;
mod card_info;
mod card_list;
mod card_list_query;
pub mod codes;
mod credentials;
mod endpoint;
mod envelope;
mod error;
mod pager;
mod random;
mod request;
mod retry_after;
mod secrets;
mod signature;
mod snapshot;
mod wire_value;

/// The `bytes` crate whose `Bytes` the requests carry.
pub use bytes;
/// The `http` crate whose `Request` and `StatusCode` this API speaks,
/// re-exported so callers name the very same version.
pub use http;
pub use iotcard_model::{
    CardKind, CardNumber, CardProblem, CardSnapshot, CardStatus, DataAmount, DataUnit, Decimal,
    Expiry, FieldProblem, Iccid, Instant, ModelError, Money, Msisdn, NetworkStatus, Operator,
    Outcome, Plan, ProblemKind, Remaining, Secret, SecretNames, SmsCount, Usage, REDACTED,
};
/// The `rand_core` (0.6) whose `RngCore` [`Random::generate`] takes.
pub use rand_core;

pub use app_info::{parse_app_info, AppInfo, CardCounts};
pub use call::Call;
pub use card::{CardBrief, ReportedMsisdn};
pub use card_info::{parse_card_info, parse_card_info_for, CardInfo};
pub use card_list::{parse_card_list, CardList, RejectedCard};
pub use card_list_query::{CardListQuery, Limit, OperatorFilter};
pub use codes::Teleoperator;
pub use credentials::{Credentials, SdkAppId};
pub use endpoint::Endpoint;
pub use error::TencentError;
pub use pager::CardListPager;
pub use random::Random;
pub use request::Api;
pub use secrets::{redact_query, redact_text, redact_uri, SECRET_NAMES};
pub use signature::{sign, Signature};

/// Answers as the parsers take them, for the unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use http::{Response, StatusCode};

    /// A 200 answer with `body` and no headers.
    pub(crate) fn ok<B: AsRef<[u8]> + ?Sized>(body: &B) -> Response<&[u8]> {
        Response::new(body.as_ref())
    }

    /// An answer with `status`, `body` and no headers.
    pub(crate) fn answer<B: AsRef<[u8]> + ?Sized>(status: StatusCode, body: &B) -> Response<&[u8]> {
        let mut response = Response::new(body.as_ref());
        *response.status_mut() = status;
        response
    }
}
