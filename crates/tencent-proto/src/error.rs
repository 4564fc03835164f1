use std::fmt;
use std::time::Duration;

use http::{HeaderMap, StatusCode};
use iotcard_model::ModelError;
use thiserror::Error;

use crate::Call;

/// Everything that can go wrong building a Tencent request or reading its
/// answer.
///
/// Provider codes and messages are kept verbatim; values copied from an
/// answer are cut to a short snippet so a hostile answer cannot flood a log.
///
/// Each error says what to make of it, so callers never match variants to
/// decide: [`is_transient`](Self::is_transient) (worth sending again),
/// [`is_refused`](Self::is_refused) (the platform said no),
/// [`is_card_unknown`](Self::is_card_unknown) (the account does not hold
/// the ICCID asked about), [`status`](Self::status) (the answer's HTTP
/// status), [`provider_code`](Self::provider_code) and
/// [`provider_message`](Self::provider_message) (what the platform said),
/// [`retry_after`](Self::retry_after) (how long the answer asked to wait),
/// [`call`](Self::call) (which call).
///
/// `Display` shows this layer's message only; the cause (a `serde_json`
/// error, the model's reason) is [`source`](std::error::Error::source), so a
/// chain printer shows each once.
///
/// ```
/// use http::{Response, StatusCode};
/// let e = tencent_proto::parse_card_info(&Response::new(
///     "{\"code\":1012,\"message\":\"卡片不存在 (no card with this iccid)\"}")).unwrap_err();
/// assert!(e.is_refused() && e.is_card_unknown() && !e.is_transient());
/// assert_eq!(e.provider_code().as_deref(), Some("1012"));
/// assert_eq!(e.status(), Some(StatusCode::OK));
///
/// let e = tencent_proto::parse_app_info(&Response::builder().status(StatusCode::BAD_REQUEST)
///     .body(br#"{"code":1004,"message":"time"}"#)?).unwrap_err();
/// assert!(e.is_refused());
/// assert_eq!((e.provider_code().as_deref(), e.provider_message()), (Some("1004"), Some("time")));
/// # Ok::<(), http::Error>(())
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TencentError {
    /// The `sdkappid` is not a non-empty string of ASCII digits.
    #[error("invalid sdkappid {input:?}: {reason}")]
    InvalidSdkAppId {
        /// What was given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The `appkey` is empty.
    #[error("the appkey is empty")]
    EmptyAppKey,
    /// A request was to be signed at a time before 1970, which the
    /// platform's `time` (Unix seconds) cannot say.
    #[error("cannot sign a request at a time before the Unix epoch")]
    TimeBeforeEpoch,
    /// `random` must be a positive integer.
    #[error("random must be a positive integer, got {value}")]
    InvalidRandom {
        /// What was given.
        value: u64,
    },
    /// The base URL cannot serve as the Tencent endpoint.
    #[error("invalid Tencent endpoint {input:?}: {reason}")]
    InvalidEndpoint {
        /// What was given, with any user-info and secret query values
        /// replaced by `***`.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A `getcardlist` page size outside what the platform accepts.
    #[error("limit {value} is outside the allowed range {min}..={max}")]
    LimitOutOfRange {
        /// What was given.
        value: u64,
        /// The smallest page size.
        min: u8,
        /// The largest page size the platform documents.
        max: u8,
    },
    /// The `http` crate refused the request being built.
    #[error("could not build the {call} request")]
    BuildRequest {
        /// Which call.
        call: Call,
        /// Why.
        #[source]
        source: http::Error,
    },
    /// The request body could not be written as JSON.
    #[error("could not write the {call} request body")]
    EncodeBody {
        /// Which call.
        call: Call,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The server answered with a non-2xx HTTP status and a body that is
    /// not the platform's refusal envelope: an error page, a gateway's
    /// answer, or a `code` 0 envelope that the status contradicts (not
    /// trusted).
    #[error("{call} answer has HTTP status {status}: {body}")]
    HttpStatus {
        /// Which call.
        call: Call,
        /// The HTTP status.
        status: StatusCode,
        /// The start of the body, for diagnosis, credentials redacted.
        body: String,
        /// The wait the answer asked for with `Retry-After`, read for a 429
        /// or a 503 (see [`TencentError::retry_after`]).
        retry_after: Option<Duration>,
    },
    /// The body is not text in the charset its `Content-Type` names (or,
    /// without one, not UTF-8): a garbled answer.
    #[error("{call} answer is not text in its charset: {body}")]
    NotText {
        /// Which call.
        call: Call,
        /// The answer's HTTP status.
        status: StatusCode,
        /// The start of the body, for diagnosis, credentials redacted.
        body: String,
        /// Which charset, and what is wrong.
        #[source]
        source: iotcard_wire::BodyError,
    },
    /// The body is not JSON at all (an empty body, a gateway's HTML page, an
    /// answer cut short).
    #[error("{call} answer is not valid JSON: {body}")]
    NotJson {
        /// Which call.
        call: Call,
        /// The answer's HTTP status.
        status: StatusCode,
        /// The start of the body, for diagnosis, credentials redacted
        /// (`(empty body)` for none).
        body: String,
        /// Where the JSON broke.
        #[source]
        source: serde_json::Error,
    },
    /// The body is JSON but not the `{code, message, data}` envelope.
    #[error("{call} answer is not a code/message/data envelope: {body}")]
    NotEnvelope {
        /// Which call.
        call: Call,
        /// The answer's HTTP status.
        status: StatusCode,
        /// The start of the body, for diagnosis, credentials redacted.
        body: String,
        /// What did not fit.
        #[source]
        source: serde_json::Error,
    },
    /// The platform answered with a non-zero `code`, under whatever HTTP
    /// status it came.
    #[error("{call} refused with code {code}{}: {message}", HttpNote(*status))]
    Refused {
        /// Which call.
        call: Call,
        /// The answer's HTTP status.
        status: StatusCode,
        /// The platform's `code`, verbatim.
        code: i64,
        /// The platform's `message`, verbatim (empty if it sent none).
        message: String,
        /// The wait the answer asked for with `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
    },
    /// `code` was 0 but `data` was missing or null.
    #[error("{call} answer has code 0 but no data")]
    MissingData {
        /// Which call.
        call: Call,
        /// The answer's HTTP status.
        status: StatusCode,
    },
    /// A `getcardlist` answer's `data` has no `card_brief_infos` list (or
    /// it is `null`): not an empty page, which would end a listing early.
    #[error("{call} data has no card_brief_infos list")]
    MissingCardList {
        /// Which call.
        call: Call,
        /// The answer's HTTP status.
        status: StatusCode,
    },
    /// `data` (or one card in it) does not have the documented shape.
    #[error("{call} data has an unexpected shape")]
    DataShape {
        /// Which call.
        call: Call,
        /// The answer's HTTP status.
        status: StatusCode,
        /// What did not fit (serde names missing fields).
        #[source]
        source: serde_json::Error,
    },
    /// A field holds a value its type cannot take.
    #[error("{call} field {field} has invalid value {value}: {reason}")]
    InvalidField {
        /// Which call.
        call: Call,
        /// The answer's HTTP status.
        status: StatusCode,
        /// The wire name of the field.
        field: &'static str,
        /// The raw JSON token (cut to a snippet).
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A field the answer cannot do without (the envelope's `code`, an
    /// account's card count, a record's `iccid`) holds a value that is not
    /// of its kind in any spelling.
    #[error("{call} field {field} cannot be read")]
    UnreadableField {
        /// Which call.
        call: Call,
        /// The answer's HTTP status.
        status: StatusCode,
        /// The wire name of the field.
        field: &'static str,
        /// What was expected, and what came.
        #[source]
        source: iotcard_wire::ValueError,
    },
    /// A `getcardinfo` answer describes another card than the one asked
    /// (see [`crate::parse_card_info_for`]): its values are not the asked
    /// card's, and asking again may get the right answer.
    #[error("getcardinfo for {asked} answered about another card, {answered}")]
    OtherCard {
        /// The answer's HTTP status.
        status: StatusCode,
        /// The ICCID asked about.
        asked: iotcard_model::Iccid,
        /// The ICCID the answer is about.
        answered: iotcard_model::Iccid,
    },
    /// A field holds an identifier or amount the model refuses.
    #[error("{call} field {field} is invalid")]
    InvalidValue {
        /// Which call.
        call: Call,
        /// The answer's HTTP status.
        status: StatusCode,
        /// The wire name of the field.
        field: &'static str,
        /// The model's reason, naming the value.
        #[source]
        source: ModelError,
    },
    /// A page held more cards than asked for: the offset arithmetic can no
    /// longer be trusted, so the pager stops.
    #[error("getcardlist page at offset {offset} has {len} cards, more than the limit {limit}")]
    PageTooLong {
        /// The page's offset.
        offset: u32,
        /// The page size asked for.
        limit: u8,
        /// The page size received.
        len: usize,
    },
    /// A full page repeated the previous page's cards: the server ignores
    /// `offset`, and paging on would never end.
    #[error(
        "getcardlist page at offset {offset} repeats the previous page: the server ignores offset"
    )]
    PageRepeated {
        /// The offset of the repeated page.
        offset: u32,
    },
    /// The next offset does not fit the counter (more than 4 294 967 295 cards).
    #[error("getcardlist offset {offset} plus {len} cards overflows")]
    OffsetOverflow {
        /// The page's offset.
        offset: u32,
        /// The page size received.
        len: usize,
    },
    /// A page was fed to a pager that had already stopped.
    #[error("getcardlist pager has already finished; no page was expected")]
    PagerFinished,
}

/// ` (HTTP 400 Bad Request)` after a refusal that came under a non-2xx
/// status, nothing under a 2xx: the status is worth seeing only when it is
/// not the usual one.
struct HttpNote(StatusCode);

impl fmt::Display for HttpNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_success() {
            Ok(())
        } else {
            write!(f, " (HTTP {})", self.0)
        }
    }
}

/// What a `getcardinfo` refusal says when the account does not hold the
/// ICCID: the platform documents no code for it, so the message decides.
/// Chinese phrases are matched as written; the English ones ignoring ASCII
/// case.
const CARD_UNKNOWN_ZH: [&str; 3] = ["不存在", "未找到", "无此卡"];
const CARD_UNKNOWN_EN: [&str; 4] = ["not exist", "not found", "no such card", "no card"];

/// What a refusal of the request's `time` or `sig` says: the platform
/// documents no codes, so the message decides. Chinese words as written,
/// the field names ignoring ASCII case.
const TIME_OR_SIG_ZH: [&str; 2] = ["时间", "签名"];
const TIME_OR_SIG_EN: [&str; 2] = ["time", "sig"];

impl TencentError {
    /// Whether sending the same request again may succeed: a body that is
    /// not JSON or is cut short, JSON that is not the envelope, a `data`
    /// not in the documented shape or missing, and an HTTP 5xx, 408 or 429
    /// without a refusal envelope. Never a refusal (a bad signature will be
    /// refused again), bad input, or a request that could not be built.
    pub fn is_transient(&self) -> bool {
        match self {
            TencentError::NotText { .. }
            | TencentError::NotJson { .. }
            | TencentError::NotEnvelope { .. }
            | TencentError::OtherCard { .. }
            | TencentError::DataShape { .. }
            | TencentError::MissingData { .. }
            | TencentError::MissingCardList { .. } => true,
            TencentError::HttpStatus { status, .. } => {
                status.is_server_error()
                    || *status == StatusCode::REQUEST_TIMEOUT
                    || *status == StatusCode::TOO_MANY_REQUESTS
            }
            // Listed, not `_`: a new variant must be decided on.
            TencentError::InvalidSdkAppId { .. }
            | TencentError::EmptyAppKey
            | TencentError::TimeBeforeEpoch
            | TencentError::InvalidRandom { .. }
            | TencentError::InvalidEndpoint { .. }
            | TencentError::LimitOutOfRange { .. }
            | TencentError::BuildRequest { .. }
            | TencentError::EncodeBody { .. }
            | TencentError::Refused { .. }
            | TencentError::InvalidField { .. }
            | TencentError::UnreadableField { .. }
            | TencentError::InvalidValue { .. }
            | TencentError::PageTooLong { .. }
            | TencentError::PageRepeated { .. }
            | TencentError::OffsetOverflow { .. }
            | TencentError::PagerFinished => false,
        }
    }

    /// Whether the platform refused the call: its envelope with a non-zero
    /// `code`, under any HTTP status.
    pub fn is_refused(&self) -> bool {
        matches!(self, TencentError::Refused { .. })
    }

    /// Whether this is a `getcardinfo` refusal meaning "the account does
    /// not hold this ICCID".
    ///
    /// The platform documents no code for it, so the rule reads the
    /// message: it contains `不存在`, `未找到` or `无此卡`, or, ignoring ASCII
    /// case, `not exist`, `not found`, `no such card` or `no card`. Only a
    /// refusal of `getcardinfo` qualifies (another command's "not found" is
    /// about something else, e.g. the API itself).
    ///
    /// ```
    /// use http::StatusCode;
    /// use tencent_proto::parse_card_info;
    /// let refusal = |body: &str| parse_card_info(&http::Response::new(body)).unwrap_err();
    /// assert!(refusal(r#"{"code":1012,"message":"卡片不存在 (no card with this iccid)"}"#).is_card_unknown());
    /// assert!(refusal(r#"{"code":77,"message":"ICCID Not Found"}"#).is_card_unknown());
    /// assert!(!refusal(r#"{"code":1001,"message":"sig error"}"#).is_card_unknown());
    /// ```
    pub fn is_card_unknown(&self) -> bool {
        match self {
            TencentError::Refused {
                call: Call::GetCardInfo,
                message,
                ..
            } => {
                let lower = message.to_ascii_lowercase();
                CARD_UNKNOWN_ZH.iter().any(|p| message.contains(p))
                    || CARD_UNKNOWN_EN.iter().any(|p| lower.contains(p))
            }
            _ => false,
        }
    }

    /// Whether this is a refusal of the request's `time` or `sig` (which
    /// a local clock far off the platform's causes: the signature covers
    /// the time, and the platform refuses a time outside its window).
    ///
    /// The platform documents no codes, so the rule reads the message: it
    /// contains `时间` or `签名`, or, ignoring ASCII case, `time` or `sig`.
    ///
    /// ```
    /// let refusal = |body: &str| tencent_proto::parse_app_info(&http::Response::new(body)).unwrap_err();
    /// assert!(refusal(r#"{"code":1004,"message":"请求发起时间不正常"}"#).is_time_or_signature_refused());
    /// assert!(refusal(r#"{"code":1001,"message":"SIG mismatch"}"#).is_time_or_signature_refused());
    /// assert!(!refusal(r#"{"code":1007,"message":"sdkappid无效"}"#).is_time_or_signature_refused());
    /// ```
    pub fn is_time_or_signature_refused(&self) -> bool {
        match self {
            TencentError::Refused { message, .. } => {
                let lower = message.to_ascii_lowercase();
                TIME_OR_SIG_ZH.iter().any(|p| message.contains(p))
                    || TIME_OR_SIG_EN.iter().any(|p| lower.contains(p))
            }
            _ => false,
        }
    }

    /// The HTTP status of the answer this error was read from; `None` for
    /// errors that came from no answer (bad input, a request that could not
    /// be built, the pager's own checks).
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            TencentError::HttpStatus { status, .. }
            | TencentError::NotText { status, .. }
            | TencentError::NotJson { status, .. }
            | TencentError::NotEnvelope { status, .. }
            | TencentError::Refused { status, .. }
            | TencentError::MissingData { status, .. }
            | TencentError::MissingCardList { status, .. }
            | TencentError::DataShape { status, .. }
            | TencentError::InvalidField { status, .. }
            | TencentError::UnreadableField { status, .. }
            | TencentError::OtherCard { status, .. }
            | TencentError::InvalidValue { status, .. } => Some(*status),
            TencentError::InvalidSdkAppId { .. }
            | TencentError::EmptyAppKey
            | TencentError::TimeBeforeEpoch
            | TencentError::InvalidRandom { .. }
            | TencentError::InvalidEndpoint { .. }
            | TencentError::LimitOutOfRange { .. }
            | TencentError::BuildRequest { .. }
            | TencentError::EncodeBody { .. }
            | TencentError::PageTooLong { .. }
            | TencentError::PageRepeated { .. }
            | TencentError::OffsetOverflow { .. }
            | TencentError::PagerFinished => None,
        }
    }

    /// The platform's `code` of a refusal, verbatim, as text.
    pub fn provider_code(&self) -> Option<String> {
        match self {
            TencentError::Refused { code, .. } => Some(code.to_string()),
            _ => None,
        }
    }

    /// The platform's `message` of a refusal, verbatim (empty if it sent
    /// none).
    pub fn provider_message(&self) -> Option<&str> {
        match self {
            TencentError::Refused { message, .. } => Some(message),
            _ => None,
        }
    }

    /// How long the answer asked to wait before asking again, from its
    /// `Retry-After` header: delay-seconds, or an HTTP-date measured against
    /// the answer's own `Date` header (no clock is read). Kept on an
    /// [`HttpStatus`](TencentError::HttpStatus) error for a 429 or a 503, and
    /// on a [`Refused`](TencentError::Refused) that came with one; `None`
    /// otherwise. A caller that retries (see
    /// [`is_transient`](Self::is_transient)) waits at least this long.
    ///
    /// ```
    /// use std::time::Duration;
    /// let answer = http::Response::builder()
    ///     .status(503)
    ///     .header("Retry-After", "Sun, 06 Nov 1994 08:50:37 GMT")
    ///     .header("Date", "Sun, 06 Nov 1994 08:49:37 GMT")
    ///     .body(&b"<html>busy</html>"[..])?;
    /// let e = tencent_proto::parse_app_info(&answer).unwrap_err();
    /// assert!(e.is_transient());
    /// assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
    /// # Ok::<(), http::Error>(())
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            TencentError::HttpStatus { retry_after, .. }
            | TencentError::Refused { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The error with the `Retry-After` of the answer's `headers` kept,
    /// where [`retry_after`](Self::retry_after) says it belongs. Read only
    /// on that error path: a successful answer's headers are never looked at.
    pub(crate) fn with_headers(mut self, headers: &HeaderMap) -> Self {
        match &mut self {
            TencentError::HttpStatus {
                status,
                retry_after,
                ..
            } if *status == StatusCode::TOO_MANY_REQUESTS
                || *status == StatusCode::SERVICE_UNAVAILABLE =>
            {
                *retry_after = crate::retry_after::retry_after(headers);
            }
            TencentError::Refused { retry_after, .. } => {
                *retry_after = crate::retry_after::retry_after(headers);
            }
            _ => {}
        }
        self
    }

    /// The call the error is about, when it is about one.
    pub fn call(&self) -> Option<Call> {
        match self {
            TencentError::BuildRequest { call, .. }
            | TencentError::EncodeBody { call, .. }
            | TencentError::HttpStatus { call, .. }
            | TencentError::NotText { call, .. }
            | TencentError::NotJson { call, .. }
            | TencentError::NotEnvelope { call, .. }
            | TencentError::Refused { call, .. }
            | TencentError::MissingData { call, .. }
            | TencentError::MissingCardList { call, .. }
            | TencentError::DataShape { call, .. }
            | TencentError::InvalidField { call, .. }
            | TencentError::UnreadableField { call, .. }
            | TencentError::InvalidValue { call, .. } => Some(*call),
            TencentError::OtherCard { .. } => Some(Call::GetCardInfo),
            TencentError::PageTooLong { .. }
            | TencentError::PageRepeated { .. }
            | TencentError::OffsetOverflow { .. }
            | TencentError::PagerFinished => Some(Call::GetCardList),
            _ => None,
        }
    }
}

/// Which answer a value is read from: the command and the HTTP status,
/// carried into every error read from it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Answer {
    pub(crate) call: Call,
    pub(crate) status: StatusCode,
}

/// The answer's `Content-Type`, when it is text (a label that is not is
/// read as none: UTF-8).
pub(crate) fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_error_names_value_and_range() {
        let e = TencentError::LimitOutOfRange {
            value: 21,
            min: 1,
            max: 20,
        };
        assert_eq!(
            e.to_string(),
            "limit 21 is outside the allowed range 1..=20"
        );
    }
}
