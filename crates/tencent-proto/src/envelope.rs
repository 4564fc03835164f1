//! The `{code, message, data}` envelope around every answer.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::error::Category;
use serde_json::value::RawValue;

use crate::error::{snippet, Answer, SNIPPET_CHARS};
use crate::wire_value::integer;
use crate::{redact_text, TencentError};

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
pub(crate) fn open_typed<'a, T: Deserialize<'a>>(at: Answer, body: &'a [u8]) -> Option<T> {
    if !at.status.is_success() {
        return None;
    }
    // One check of the whole body, rather than one per string as
    // `from_slice` does.
    let text = std::str::from_utf8(body).ok()?;
    let envelope: TypedEnvelope<'a, T> = serde_json::from_str(text).ok()?;
    if !is_object(body) {
        return None;
    }
    match integer(at, "code", envelope.code) {
        Ok(0) => envelope.data,
        _ => None,
    }
}

/// Reads the envelope, whatever the HTTP status, and hands back `data`
/// unparsed (borrowed from `body`) for the command's own parser.
///
/// Every status reaches this, because the platform (or a gateway in front
/// of it) may refuse with its envelope under a 4xx: a body that is the
/// envelope with a non-zero `code` is [`TencentError::Refused`] under any
/// HTTP status, carrying it. Under a non-2xx status anything else, a `code`
/// 0 envelope included (the status contradicts it, so it is not trusted),
/// is [`TencentError::HttpStatus`] with a redacted snippet of the body.
pub(crate) fn open(at: Answer, body: &[u8]) -> Result<&RawValue, TencentError> {
    let Answer { call, status } = at;
    let envelope = read_envelope(body);
    if !status.is_success() {
        let refusal = envelope
            .ok()
            .and_then(|e| Some((integer(at, "code", e.code).ok()?, e.message)));
        return Err(match refusal {
            Some((code, message)) if code != 0 => refused(at, code, message),
            _ => TencentError::HttpStatus {
                call,
                status,
                body: body_snippet(body),
                retry_after: None,
            },
        });
    }
    let envelope = envelope.map_err(|source| match source.classify() {
        Category::Data => TencentError::NotEnvelope {
            call,
            status,
            source,
        },
        Category::Syntax | Category::Eof | Category::Io => TencentError::NotJson {
            call,
            status,
            source,
        },
    })?;
    let code = integer(at, "code", envelope.code)?;
    if code != 0 {
        return Err(refused(at, code, envelope.message));
    }
    envelope
        .data
        .ok_or(TencentError::MissingData { call, status })
}

/// Reads the envelope, which must be a JSON object: serde would also take a
/// struct from an array (`[1]` as `code` 1), and an array is no envelope,
/// least of all a refusal.
fn read_envelope(body: &[u8]) -> Result<WireEnvelope<'_>, serde_json::Error> {
    let envelope = serde_json::from_slice::<WireEnvelope<'_>>(body)?;
    if is_object(body) {
        Ok(envelope)
    } else {
        Err(serde::de::Error::custom(
            "invalid type: array, expected the answer envelope (a JSON object)",
        ))
    }
}

/// Whether a body that parsed as JSON is an object: its first byte past
/// JSON whitespace is `{`.
fn is_object(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|b| *b == b'{')
}

/// The start of an error body, fit for a log line: cut first (a character
/// is at most four bytes, so the bytes kept always fill the snippet), then
/// credentials redacted, which also covers a value cut at the end.
fn body_snippet(body: &[u8]) -> String {
    let head = &body[..body.len().min(SNIPPET_CHARS * 4 + 4)];
    redact_text(&snippet(&String::from_utf8_lossy(head)))
}

fn refused(at: Answer, code: i64, message: Option<Cow<'_, str>>) -> TencentError {
    TencentError::Refused {
        call: at.call,
        status: at.status,
        code,
        message: message.map(Cow::into_owned).unwrap_or_default(),
        retry_after: None,
    }
}

/// Parses `data` (or one element of it) into its borrowed wire struct.
pub(crate) fn shape<'a, T: Deserialize<'a>>(
    at: Answer,
    raw: &'a RawValue,
) -> Result<T, TencentError> {
    serde_json::from_str(raw.get()).map_err(|source| TencentError::DataShape {
        call: at.call,
        status: at.status,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use http::StatusCode;

    use crate::Call;

    const C: Call = Call::GetAppInfo;

    fn open(call: Call, status: StatusCode, body: &[u8]) -> Result<&RawValue, TencentError> {
        super::open(Answer { call, status }, body)
    }

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
        assert_eq!(e.to_string(), "getappinfo answer is not valid JSON");
        assert!(e.is_transient());
        for array in ["[1,2]", "[1]", r#" [0,"OK",{}]"#] {
            let e = open(C, StatusCode::OK, array.as_bytes()).unwrap_err();
            assert!(
                matches!(e, TencentError::NotEnvelope { .. }),
                "{array}: {e:?}"
            );
        }
        let e = open(C, StatusCode::OK, b"{\"message\":\"OK\"}").unwrap_err();
        let cause = std::error::Error::source(&e).map(ToString::to_string);
        assert!(
            cause.unwrap_or_default().contains("missing field `code`"),
            "{e:?}"
        );
        let e = open(C, StatusCode::OK, b"{\"code\":0}").unwrap_err();
        assert!(matches!(e, TencentError::MissingData { .. }), "{e:?}");
        let e = open(C, StatusCode::OK, b"{\"code\":0,\"data\":null}").unwrap_err();
        assert!(matches!(e, TencentError::MissingData { .. }), "{e:?}");
        let e = open(C, StatusCode::OK, b"{\"code\":\"zero\",\"data\":{}}").unwrap_err();
        assert!(e.to_string().contains("field code"), "{e}");
    }

    #[test]
    fn every_status_reaches_the_envelope() {
        let e = open(
            C,
            StatusCode::BAD_REQUEST,
            br#"{"code":1004,"message":"time"}"#,
        )
        .unwrap_err();
        match &e {
            TencentError::Refused {
                status,
                code,
                message,
                ..
            } => {
                assert_eq!(*status, StatusCode::BAD_REQUEST);
                assert_eq!((*code, message.as_str()), (1004, "time"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            e.to_string(),
            "getappinfo refused with code 1004 (HTTP 400 Bad Request): time"
        );
        assert!(e.is_refused() && !e.is_transient());
        for (status, body, transient) in [
            (StatusCode::BAD_GATEWAY, r#"{"code":0,"data":{}}"#, true),
            (StatusCode::FORBIDDEN, r#"{"code":0,"data":{}}"#, false),
            (
                StatusCode::FORBIDDEN,
                r#"{"code":"x","message":"m"}"#,
                false,
            ),
            (StatusCode::SERVICE_UNAVAILABLE, "<html>busy</html>", true),
            (StatusCode::TOO_MANY_REQUESTS, "", true),
            (StatusCode::REQUEST_TIMEOUT, "{", true),
            (StatusCode::NOT_FOUND, "[1]", false),
        ] {
            let e = open(C, status, body.as_bytes()).unwrap_err();
            assert!(
                matches!(e, TencentError::HttpStatus { status: s, .. } if s == status),
                "{status} {body}: {e:?}"
            );
            assert_eq!(e.is_transient(), transient, "{status} {body}");
            assert_eq!(e.status(), Some(status));
        }
        // A body echoing the signature shows it redacted.
        let e = open(
            C,
            StatusCode::BAD_GATEWAY,
            br#"{"sig":"SENTINEL","time":"1"}"#,
        )
        .unwrap_err();
        assert!(!e.to_string().contains("SENTINEL"), "{e}");
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
