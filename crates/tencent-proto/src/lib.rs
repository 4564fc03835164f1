//! Sans-IO protocol for the Tencent IoT card platform (腾讯物联卡平台):
//! `getappinfo`, `getcardlist`, `getcardinfo`.
//!
//! An [`Api`] turns typed arguments into signed [`http::Request`]s; parsers
//! turn an [`http::Response`] (status, headers and body) into typed answers. Nothing here opens a
//! socket, reads the clock or draws randomness: the signing time (a
//! [`SystemTime`](std::time::SystemTime)) and the [`Random`] come in as
//! arguments, so every request is reproducible. Everything the signatures
//! use is re-exported: the model's ids, amounts and statuses, [`Secret`],
//! [`bytes`], [`http`], and the [`rand_core`] that [`Random::generate`]
//! takes.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use tencent_proto::http::{Response, StatusCode};
//! use tencent_proto::{parse_card_info, Api, Credentials, Endpoint, Iccid, Random, Secret};
//!
//! // Sign: the known answer (see `api_reading`).
//! let credentials = Credentials::new("1400009099".parse()?, Secret::new("dffdfd6029698a5fdf4"))?;
//! assert_eq!(
//!     credentials.sign(1505812393).as_str(),
//!     "4ce121a0be98c7f6748496c9cef31f092381970cf07d5c65294986e0de87d2bd",
//! );
//!
//! // Build: a signed POST, ready for any HTTP client.
//! let api = Api::new(Endpoint::default(), credentials);
//! let iccid: Iccid = "898602B7091701054333".parse()?;
//! let signed_at = UNIX_EPOCH + Duration::from_secs(1505812393);
//! let request = api.card_info(&iccid, signed_at, Random::new(4242)?)?;
//! assert_eq!(
//!     request.uri().to_string(),
//!     "https://yun.tim.qq.com/v1/iotcard/getcardinfo?sdkappid=1400009099&random=4242",
//! );
//! assert!(std::str::from_utf8(request.body())?.contains(r#""time":"1505812393""#));
//!
//! // Parse: what the platform answers.
//! let body = br#"{"code":0,"message":"OK","data":{
//!     "iccid":"898602B7091701054333","msisdn":"1064878384333","teleoperator":1,"type":1,
//!     "card_status":2,"network_status":0,"data_used_in_period":14.970,
//!     "data_total_in_period":30.000,"product_id":"p1","pool_id":"",
//!     "product_expired_time":1506494258}}"#;
//! let info = parse_card_info(&Response::new(body))?;
//! assert_eq!(info.card.data_used_in_period.to_string(), "14.970 MB");
//! assert_eq!(info.card.network.to_string(), "unknown (0)"); // unknown code, kept
//! let snapshot = info.to_snapshot();
//! assert_eq!(snapshot.remaining.unwrap().data_left.unwrap().to_string(), "15.030 MB");
//! assert_eq!(snapshot.expires_at.unwrap().to_rfc3339(), "2017-09-27T14:37:38+08:00");
//!
//! // A refusal, under whatever HTTP status: the platform's words, verbatim.
//! let answer = Response::builder().status(StatusCode::BAD_REQUEST)
//!     .body(br#"{"code":1004,"message":"time"}"#)?;
//! let e = parse_card_info(&answer).unwrap_err();
//! assert!(e.is_refused() && !e.is_transient());
//! assert_eq!(e.provider_code().as_deref(), Some("1004"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
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
    Expiry, Iccid, Instant, ModelError, Money, Msisdn, NetworkStatus, Operator, Outcome, Plan,
    ProblemKind, Remaining, Secret, SecretNames, SmsCount, Usage, REDACTED,
};
/// The `rand_core` (0.6) whose `RngCore` [`Random::generate`] takes.
pub use rand_core;

pub use app_info::{parse_app_info, AppInfo, CardCounts};
pub use call::Call;
pub use card::{CardBrief, ReportedMsisdn};
pub use card_info::{parse_card_info, CardInfo};
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
