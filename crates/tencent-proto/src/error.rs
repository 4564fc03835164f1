use http::StatusCode;
use iotcard_model::ModelError;
use thiserror::Error;

use crate::Command;

/// Everything that can go wrong building a Tencent request or reading its
/// answer.
///
/// Provider codes and messages are kept verbatim; values copied from an
/// answer are cut to a short snippet so a hostile answer cannot flood a log.
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
    /// `random` must be a positive integer.
    #[error("random must be a positive integer, got {value}")]
    InvalidRandom {
        /// What was given.
        value: u64,
    },
    /// The base URL cannot serve as the Tencent endpoint.
    #[error("invalid Tencent endpoint {input:?}: {reason}")]
    InvalidEndpoint {
        /// What was given.
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
    #[error("could not build the {command} request: {source}")]
    BuildRequest {
        /// Which call.
        command: Command,
        /// Why.
        #[source]
        source: http::Error,
    },
    /// The request body could not be written as JSON.
    #[error("could not write the {command} request body: {source}")]
    EncodeBody {
        /// Which call.
        command: Command,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The server answered with a non-2xx HTTP status.
    #[error("{command} answer has HTTP status {status}: {body}")]
    HttpStatus {
        /// Which call.
        command: Command,
        /// The HTTP status.
        status: StatusCode,
        /// The start of the body, for diagnosis.
        body: String,
    },
    /// The body is not JSON at all.
    #[error("{command} answer is not valid JSON: {source}")]
    NotJson {
        /// Which call.
        command: Command,
        /// Where the JSON broke.
        #[source]
        source: serde_json::Error,
    },
    /// The body is JSON but not the `{code, message, data}` envelope.
    #[error("{command} answer is not a code/message/data envelope: {source}")]
    NotEnvelope {
        /// Which call.
        command: Command,
        /// What did not fit.
        #[source]
        source: serde_json::Error,
    },
    /// The platform answered with a non-zero `code`.
    #[error("{command} refused with code {code}: {message}")]
    Refused {
        /// Which call.
        command: Command,
        /// The platform's `code`, verbatim.
        code: i64,
        /// The platform's `message`, verbatim (empty if it sent none).
        message: String,
    },
    /// `code` was 0 but `data` was missing or null.
    #[error("{command} answer has code 0 but no data")]
    MissingData {
        /// Which call.
        command: Command,
    },
    /// `data` (or one card in it) does not have the documented shape.
    #[error("{command} data has an unexpected shape: {source}")]
    DataShape {
        /// Which call.
        command: Command,
        /// What did not fit (serde names missing fields).
        #[source]
        source: serde_json::Error,
    },
    /// A field holds a value its type cannot take.
    #[error("{command} field {field} has invalid value {value}: {reason}")]
    InvalidField {
        /// Which call.
        command: Command,
        /// The wire name of the field.
        field: &'static str,
        /// The raw JSON token (cut to a snippet).
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A field holds an identifier or amount the model refuses.
    #[error("{command} field {field}: {source}")]
    InvalidValue {
        /// Which call.
        command: Command,
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

/// The longest text copied from an answer into an error.
const SNIPPET_CHARS: usize = 200;

/// The first [`SNIPPET_CHARS`] characters of `text`, marked when cut.
pub(crate) fn snippet(text: &str) -> String {
    match text.char_indices().nth(SNIPPET_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_cuts_on_char_boundaries() {
        let long = "电".repeat(SNIPPET_CHARS + 5);
        let cut = snippet(&long);
        assert_eq!(cut.chars().count(), SNIPPET_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(snippet("short"), "short");
    }

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
