//! The `{code, message, data}` envelope around every answer.

use std::borrow::Cow;

use http::StatusCode;
use serde::Deserialize;
use serde_json::error::Category;
use serde_json::value::RawValue;

use crate::error::snippet;
use crate::wire_value::integer;
use crate::{Command, TencentError};

#[derive(Deserialize)]
struct WireEnvelope<'a> {
    #[serde(borrow)]
    code: &'a RawValue,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

/// [`WireEnvelope`] with `data` read as `T` in the same pass.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
struct TypedEnvelope<'a, T> {
    #[serde(borrow)]
    code: &'a RawValue,
    // Read only so that a `message` the envelope refuses is refused here too.
    #[serde(borrow, default)]
    #[allow(dead_code)]
    message: Option<Cow<'a, str>>,
    #[serde(default)]
    data: Option<T>,
}

/// The common case in one pass: a successful answer whose `data` reads as
/// `T`, without scanning `data` once to find its end and again to read it.
/// `None` for anything else (an HTTP error, a refusal, a body that is not
/// UTF-8 or does not fit `T`): [`open`] and [`shape`] then say exactly what
/// is wrong, and read every answer this takes the same way.
pub(crate) fn open_typed<'a, T: Deserialize<'a>>(
    command: Command,
    status: StatusCode,
    body: &'a [u8],
) -> Option<T> {
    if !status.is_success() {
        return None;
    }
    // One check of the whole body, rather than one per string as
    // `from_slice` does.
    let text = std::str::from_utf8(body).ok()?;
    let envelope: TypedEnvelope<'a, T> = serde_json::from_str(text).ok()?;
    match integer(command, "code", envelope.code) {
        Ok(0) => envelope.data,
        _ => None,
    }
}

/// Checks the HTTP status and the envelope, and hands back `data` unparsed
/// (borrowed from `body`) for the command's own parser.
pub(crate) fn open(
    command: Command,
    status: StatusCode,
    body: &[u8],
) -> Result<&RawValue, TencentError> {
    if !status.is_success() {
        return Err(TencentError::HttpStatus {
            command,
            status,
            body: snippet(&String::from_utf8_lossy(body)),
        });
    }
    let envelope: WireEnvelope<'_> =
        serde_json::from_slice(body).map_err(|source| match source.classify() {
            Category::Data => TencentError::NotEnvelope { command, source },
            Category::Syntax | Category::Eof | Category::Io => {
                TencentError::NotJson { command, source }
            }
        })?;
    let code = integer(command, "code", envelope.code)?;
    if code != 0 {
        return Err(TencentError::Refused {
            command,
            code,
            message: envelope.message.map(Cow::into_owned).unwrap_or_default(),
        });
    }
    envelope.data.ok_or(TencentError::MissingData { command })
}

/// Parses `data` (or one element of it) into its borrowed wire struct.
pub(crate) fn shape<'a, T: Deserialize<'a>>(
    command: Command,
    raw: &'a RawValue,
) -> Result<T, TencentError> {
    serde_json::from_str(raw.get()).map_err(|source| TencentError::DataShape { command, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: Command = Command::GetAppInfo;

    #[test]
    fn refusal_keeps_code_and_message_verbatim() {
        let e = open(
            C,
            StatusCode::OK,
            br#"{"code":1001,"message":"sig \u9519\u8bef"}"#,
        );
        match e {
            Err(TencentError::Refused { code, message, .. }) => {
                assert_eq!((code, message.as_str()), (1001, "sig 错误"));
            }
            other => panic!("{other:?}"),
        }
        let e = open(C, StatusCode::OK, br#"{"code":-3,"data":null}"#);
        assert!(
            matches!(e, Err(TencentError::Refused { code: -3, ref message, .. }) if message.is_empty())
        );
    }

    #[test]
    fn http_status_error_carries_a_snippet() {
        let body = "x".repeat(1000);
        let e = open(C, StatusCode::BAD_GATEWAY, body.as_bytes()).unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("getappinfo answer has HTTP status 502 Bad Gateway: xxx"),
            "{text}"
        );
        assert!(text.len() < 300);
    }

    #[test]
    fn syntax_and_shape_are_told_apart() {
        let e = open(C, StatusCode::OK, b"{\"code\":0,").unwrap_err();
        assert!(matches!(e, TencentError::NotJson { .. }), "{e:?}");
        assert!(e
            .to_string()
            .starts_with("getappinfo answer is not valid JSON: "));
        let e = open(C, StatusCode::OK, b"[1,2]").unwrap_err();
        assert!(matches!(e, TencentError::NotEnvelope { .. }), "{e:?}");
        let e = open(C, StatusCode::OK, b"{\"message\":\"OK\"}").unwrap_err();
        assert!(e.to_string().contains("missing field `code`"), "{e}");
        let e = open(C, StatusCode::OK, b"{\"code\":0}").unwrap_err();
        assert!(matches!(e, TencentError::MissingData { .. }), "{e:?}");
        let e = open(C, StatusCode::OK, b"{\"code\":0,\"data\":null}").unwrap_err();
        assert!(matches!(e, TencentError::MissingData { .. }), "{e:?}");
        let e = open(C, StatusCode::OK, b"{\"code\":\"zero\",\"data\":{}}").unwrap_err();
        assert!(e.to_string().contains("field code"), "{e}");
    }

    #[test]
    fn hands_back_data() {
        let data = open(
            C,
            StatusCode::OK,
            br#"{"code":0,"message":"OK","data":{"a":1},"extra":[]}"#,
        );
        assert_eq!(data.unwrap().get(), r#"{"a":1}"#);
    }
}
