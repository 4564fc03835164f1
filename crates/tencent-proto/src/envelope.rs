//! The `{code, message, data}` envelope around every answer, read two ways:
//! a fast pass that takes only the documented spelling, and a tolerant one
//! that takes every spelling real servers send (see the specs' README,
//! "What real servers may do").

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::error::Category;
use serde_json::value::RawValue;

use iotcard_wire::{decode, integer, snippet, text, Object};

use crate::error::Answer;
use crate::{TencentError, SECRET_NAMES};

/// The envelope exactly as documented: lower-case names, nothing else. Any
/// other name (`Code`, an extra field) makes the fast pass step aside, so
/// that it never reads an answer differently from the tolerant pass (which
/// takes the first of two names that differ only in case).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
struct CanonicalEnvelope<'a, T> {
    #[serde(borrow)]
    code: &'a RawValue,
    // Read only so that the field is allowed; a refusal goes the tolerant way.
    #[serde(borrow, default)]
    #[allow(dead_code)]
    message: Option<&'a RawValue>,
    #[serde(default)]
    data: Option<T>,
}

/// The body as text, by the `charset` of its `Content-Type` (GBK and
/// GB18030 included), past a UTF-8 BOM; the media type is not looked at
/// (`text/html` JSON is JSON). Borrowed from `body` for UTF-8, which costs
/// one validation pass. Bytes that are not text in that charset are
/// [`TencentError::NotText`] (transient: a garbled answer), or
/// [`TencentError::HttpStatus`] under a non-2xx status.
pub(crate) fn body_text<'a>(
    at: Answer,
    content_type: Option<&str>,
    body: &'a [u8],
) -> Result<Cow<'a, str>, TencentError> {
    decode(content_type, body).map_err(|source| {
        if at.status.is_success() {
            TencentError::NotText {
                call: at.call,
                status: at.status,
                body: snippet(body, &SECRET_NAMES),
                source,
            }
        } else {
            http_status(at, body)
        }
    })
}

/// The common case in one pass: a 2xx answer in the documented spelling,
/// `code` 0, whose `data` reads as `T`. `None` for anything else, which
/// [`open`] then reads the tolerant way (and reads every answer this takes
/// to the same values).
pub(crate) fn open_canonical<'a, T: Deserialize<'a>>(at: Answer, text: &'a str) -> Option<T> {
    if !at.status.is_success() || !is_object(text) {
        return None;
    }
    let envelope: CanonicalEnvelope<'a, T> = serde_json::from_str(text).ok()?;
    match integer(envelope.code) {
        Ok(Some(0)) => envelope.data,
        _ => None,
    }
}

/// Reads the envelope, whatever the HTTP status, field names in any letter
/// case and `code` in any quoting (`"0"`, `0.0`), and hands back `data`
/// unparsed (borrowed from `text`) for the command's own reader.
///
/// Every status reaches this, because the platform (or a gateway in front
/// of it) may refuse with its envelope under a 4xx: a body that is the
/// envelope with a non-zero `code` is [`TencentError::Refused`] under any
/// HTTP status, carrying it. Under a non-2xx status anything else, a `code`
/// 0 envelope included (the status contradicts it, so it is not trusted),
/// is [`TencentError::HttpStatus`] with a redacted snippet of the body.
/// Under a 2xx status, a body that is not JSON (an empty one, a gateway's
/// HTML page) is [`TencentError::NotJson`] and JSON that is not the
/// envelope [`TencentError::NotEnvelope`], both transient and both showing
/// a redacted snippet of what came.
pub(crate) fn open(at: Answer, text: &str) -> Result<&RawValue, TencentError> {
    let Answer { call, status } = at;
    let envelope = Object::parse(text);
    if !status.is_success() {
        let refusal = envelope.ok().and_then(|e| {
            let code = integer(e.get("code")?).ok()??;
            Some((code, e))
        });
        return Err(match refusal {
            Some((code, e)) if code != 0 => refused(at, code, &e),
            _ => http_status(at, text.as_bytes()),
        });
    }
    let shown = || snippet(text.as_bytes(), &SECRET_NAMES);
    let envelope = envelope.map_err(|source| match source.classify() {
        Category::Data => TencentError::NotEnvelope {
            call,
            status,
            body: shown(),
            source,
        },
        Category::Syntax | Category::Eof | Category::Io => TencentError::NotJson {
            call,
            status,
            body: shown(),
            source,
        },
    })?;
    let not_envelope = |why: &str| TencentError::NotEnvelope {
        call,
        status,
        body: shown(),
        source: serde::de::Error::custom(why),
    };
    let code = envelope
        .get("code")
        .ok_or_else(|| not_envelope("missing field `code`"))?;
    let code = integer(code)
        .map_err(|source| TencentError::UnreadableField {
            call,
            status,
            field: "code",
            source,
        })?
        .ok_or_else(|| not_envelope("`code` is null"))?;
    if code != 0 {
        return Err(refused(at, code, &envelope));
    }
    envelope
        .get_present("data")
        .ok_or(TencentError::MissingData { call, status })
}

/// Whether a body that parsed as JSON is an object: its first character
/// past JSON whitespace is `{`. (Serde also takes a struct from an array,
/// `[0]` as `code` 0, and an array is no envelope.)
fn is_object(text: &str) -> bool {
    text.trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{')
}

fn http_status(at: Answer, body: &[u8]) -> TencentError {
    TencentError::HttpStatus {
        call: at.call,
        status: at.status,
        body: snippet(body, &SECRET_NAMES),
        retry_after: None,
    }
}

/// A refusal, its `message` verbatim: text as sent, a number's digits, any
/// other JSON as written (a refusal is reported whatever its message is).
fn refused(at: Answer, code: i64, envelope: &Object<'_>) -> TencentError {
    let message = envelope
        .get("message")
        .map_or_else(String::new, |raw| match text(raw) {
            Ok(Some(t)) => t.into_owned(),
            Ok(None) => String::new(),
            Err(_) => raw.get().to_owned(),
        });
    TencentError::Refused {
        call: at.call,
        status: at.status,
        code,
        message,
        retry_after: None,
    }
}

/// `data` (or a part of it) as an object whose names match in any case;
/// anything else is [`TencentError::DataShape`].
pub(crate) fn object<'a>(at: Answer, raw: &'a RawValue) -> Result<Object<'a>, TencentError> {
    Object::parse(raw.get()).map_err(|source| TencentError::DataShape {
        call: at.call,
        status: at.status,
        source,
    })
}

/// A [`TencentError::DataShape`] saying what is missing or wrong.
pub(crate) fn shape_error(at: Answer, why: impl std::fmt::Display) -> TencentError {
    TencentError::DataShape {
        call: at.call,
        status: at.status,
        source: serde::de::Error::custom(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use http::StatusCode;

    use crate::Call;

    const C: Call = Call::GetAppInfo;

    fn open(call: Call, status: StatusCode, body: &[u8]) -> Result<String, TencentError> {
        let at = Answer { call, status };
        let text = body_text(at, None, body)?;
        super::open(at, &text).map(|raw| raw.get().to_owned())
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
        let e = open(C, StatusCode::OK, br#"{"Code":"1004","MESSAGE":7}"#);
        assert!(
            matches!(e, Err(TencentError::Refused { code: 1004, ref message, .. }) if message == "7"),
            "{e:?}"
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
    fn syntax_and_shape_are_told_apart_and_show_what_came() {
        let e = open(C, StatusCode::OK, b"{\"code\":0,").unwrap_err();
        assert!(matches!(e, TencentError::NotJson { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "getappinfo answer is not valid JSON: {\"code\":0,"
        );
        assert!(e.is_transient());
        let e = open(C, StatusCode::OK, b"").unwrap_err();
        assert_eq!(
            e.to_string(),
            "getappinfo answer is not valid JSON: (empty body)"
        );
        assert!(e.is_transient());
        let page = b"<html><body>502 Bad Gateway sig=SENTINEL</body></html>";
        let e = open(C, StatusCode::OK, page).unwrap_err();
        assert!(
            e.is_transient() && !e.to_string().contains("SENTINEL"),
            "{e}"
        );
        assert!(e.to_string().contains("<html><body>502"), "{e}");
        for array in ["[1,2]", "[1]", r#" [0,"OK",{}]"#, "null", "\"OK\""] {
            let e = open(C, StatusCode::OK, array.as_bytes()).unwrap_err();
            assert!(
                matches!(e, TencentError::NotEnvelope { .. }),
                "{array}: {e:?}"
            );
            assert!(e.is_transient());
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
    fn names_in_any_case_code_in_any_quoting() {
        for body in [
            r#"{"Code":0,"Message":"OK","Data":{"a":1}}"#,
            r#"{"CODE":"0","DATA":{"a":1}}"#,
            r#"{"code":0.0,"data":{"a":1},"request_id":"x"}"#,
            "\u{feff}{\"code\":0,\"data\":{\"a\":1}}",
        ] {
            assert_eq!(
                open(C, StatusCode::OK, body.as_bytes()).unwrap(),
                r#"{"a":1}"#,
                "{body}"
            );
        }
    }

    #[test]
    fn a_body_not_in_its_charset_is_transient_and_shown() {
        let at = Answer {
            call: C,
            status: StatusCode::OK,
        };
        let e = body_text(at, Some("text/html; charset=gb18030"), b"{\x81").unwrap_err();
        assert!(matches!(e, TencentError::NotText { .. }), "{e:?}");
        assert!(e.is_transient());
        assert!(
            e.to_string()
                .starts_with("getappinfo answer is not text in its charset: {"),
            "{e}"
        );
        let cause = std::error::Error::source(&e).unwrap().to_string();
        assert!(cause.contains("gb18030"), "{cause}");
        let gbk = body_text(
            at,
            Some("text/plain;charset=GBK"),
            b"{\"message\":\"\xD2\xD1\xBC\xA4\xBB\xEE\"}",
        )
        .unwrap();
        assert_eq!(gbk, "{\"message\":\"已激活\"}");
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
        assert_eq!(data.unwrap(), r#"{"a":1}"#);
    }

    #[test]
    fn the_canonical_pass_takes_only_the_documented_spelling() {
        let at = Answer {
            call: C,
            status: StatusCode::OK,
        };
        let take = |t: &str| open_canonical::<&RawValue>(at, t).map(|r| r.get().to_owned());
        assert_eq!(
            take(r#"{"code":0,"message":"OK","data":{}}"#).as_deref(),
            Some("{}")
        );
        assert_eq!(take(r#"{"code":"0","data":{}}"#).as_deref(), Some("{}"));
        for other in [
            r#"{"Code":0,"data":{}}"#,
            r#"{"code":0,"data":{},"extra":1}"#,
            r#"{"code":0,"code":1,"data":{}}"#,
            r#"{"code":1,"data":{}}"#,
            r#"[0,"OK",{}]"#,
        ] {
            assert_eq!(take(other), None, "{other}");
        }
    }
}
