//! The envelope around every IoTBOS answer:
//! `{"status": 1|0, "info": string|null, "data": …, "createtime": "…"}`.

use std::borrow::Cow;

use http::StatusCode;
use iotcard_wire::{integer, Object};
use serde_json::value::RawValue;

use crate::{IotbosError, SECRET_NAMES};

/// A successful (`status` 1) answer's contents, still raw.
#[derive(Debug)]
pub(crate) struct Accepted<'a> {
    /// `data`, absent when missing or `null`.
    pub data: Option<&'a RawValue>,
    /// `createtime`, absent when missing or `null`.
    pub createtime: Option<&'a RawValue>,
}

/// The body as text, decoded as its `Content-Type` says (past a BOM, GBK
/// or GB18030 by `charset`, UTF-8 without one; the media type is not looked
/// at, so JSON labelled `text/html` is still read).
///
/// A body that cannot be decoded is [`IotbosError::UndecodableBody`] under
/// a 2xx (transient: a gateway's page, most likely), and
/// [`IotbosError::HttpStatus`] under any other status.
pub(crate) fn decode<'a>(
    call: &'static str,
    status: StatusCode,
    content_type: Option<&str>,
    body: &'a [u8],
) -> Result<Cow<'a, str>, IotbosError> {
    match iotcard_wire::decode(content_type, body) {
        Ok(text) => Ok(text),
        Err(_) if !status.is_success() => Err(http_status(call, status, body)),
        Err(source) => Err(IotbosError::UndecodableBody {
            call,
            status,
            body_snippet: snippet(body),
            source,
        }),
    }
}

/// The `Content-Type` of an answer, when it is text.
pub(crate) fn content_type(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
}

/// Reads the envelope of a body already decoded to text, whatever the HTTP
/// status, and returns what a successful answer carries.
///
/// Tolerant in form (the specs' README, "What real servers may do"): the
/// envelope's names match in any letter case (`Status`, `Info`, `Data`,
/// `CreateTime`), and `status` is read as an integer in any form (`1`,
/// `"1"`, `1.0`); when a name is sent twice the first is read.
///
/// Every status reaches this, because IoTBOS (or a gateway in front of it)
/// may refuse with its envelope under a 4xx: a body that is the refusal
/// envelope (`status` 0) is [`IotbosError::Refused`] under any HTTP status,
/// carrying it. Under a non-2xx status anything else, a success envelope
/// included (the status contradicts it, so it is not trusted), is
/// [`IotbosError::HttpStatus`] with a redacted snippet of the body. Under a
/// 2xx a body that is not JSON is [`IotbosError::InvalidJson`], JSON that is
/// no envelope [`IotbosError::UnexpectedShape`], each with a snippet.
pub(crate) fn open<'a>(
    call: &'static str,
    status: StatusCode,
    text: &'a str,
) -> Result<Accepted<'a>, IotbosError> {
    let envelope = read_envelope(text);
    if !status.is_success() {
        return Err(match envelope {
            Ok((envelope, Some(0))) => IotbosError::Refused {
                call,
                status,
                info: info(&envelope),
                retry_after: None,
            },
            _ => http_status(call, status, text.as_bytes()),
        });
    }
    let (envelope, code) = envelope.map_err(json_error(call, status, text.as_bytes()))?;
    match code {
        Some(1) => Ok(Accepted {
            data: envelope.get_present("data"),
            createtime: envelope.get_present("createtime"),
        }),
        Some(0) => Err(IotbosError::Refused {
            call,
            status,
            info: info(&envelope),
            retry_after: None,
        }),
        _ => Err(IotbosError::UnexpectedStatus {
            call,
            status,
            envelope_status: envelope
                .get("status")
                .map_or_else(String::new, |raw| raw.get().to_owned()),
            info: info(&envelope),
        }),
    }
}

/// Reads the envelope, which must be a JSON object with a `status`, and
/// that status as an integer when it is one (`None`: `null`, `true`, text).
fn read_envelope(text: &str) -> Result<(Object<'_>, Option<i64>), serde_json::Error> {
    let envelope = Object::parse(text)?;
    let status = envelope
        .get("status")
        .ok_or_else(|| <serde_json::Error as serde::de::Error>::missing_field("status"))?;
    let code = integer(status).ok().flatten();
    Ok((envelope, code))
}

/// The envelope's `info`, as text.
fn info(envelope: &Object<'_>) -> Option<String> {
    envelope.get_present("info").map(text)
}

/// The error for a non-2xx answer that is not a refusal.
pub(crate) fn http_status(call: &'static str, status: StatusCode, body: &[u8]) -> IotbosError {
    IotbosError::HttpStatus {
        call,
        status,
        body_snippet: snippet(body),
        retry_after: None,
    }
}

/// Sorts a `serde_json` error into "not JSON" and "not the documented
/// shape", with a snippet of `body` (the answer as decoded) to show what
/// came.
pub(crate) fn json_error<'b>(
    call: &'static str,
    status: StatusCode,
    body: &'b [u8],
) -> impl Fn(serde_json::Error) -> IotbosError + 'b {
    move |source| match source.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            IotbosError::InvalidJson {
                call,
                status,
                body_snippet: snippet(body),
                source,
            }
        }
        serde_json::error::Category::Data | serde_json::error::Category::Io => {
            IotbosError::UnexpectedShape {
                call,
                status,
                body_snippet: snippet(body),
                source,
            }
        }
    }
}

/// A JSON value as text: a string's contents unescaped, anything else
/// (`info` is documented as a string, but a server may send a number) as
/// its JSON text.
pub(crate) fn text(raw: &RawValue) -> String {
    serde_json::from_str::<Cow<'_, str>>(raw.get())
        .map_or_else(|_| raw.get().to_owned(), Cow::into_owned)
}

/// The start of a body for an error message: one line, credentials
/// redacted, cut short ([`iotcard_wire::snippet`], the one renderer both
/// platforms share).
pub(crate) fn snippet(body: &[u8]) -> String {
    iotcard_wire::snippet(body, &SECRET_NAMES)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body decoded (UTF-8, no label) and opened; `data`, owned.
    fn read(
        call: &'static str,
        status: StatusCode,
        body: &[u8],
    ) -> Result<Option<String>, IotbosError> {
        let text = decode(call, status, None, body)?;
        open(call, status, &text).map(|a| a.data.map(|d| d.get().to_owned()))
    }

    fn open_ok(body: &str) -> Result<Option<String>, IotbosError> {
        read("usage", StatusCode::OK, body.as_bytes())
    }

    #[test]
    fn status_one_opens_the_data() {
        let data = open_ok(r#"{"status":1,"info":null,"data":{"date":[]},"createtime":"x"}"#);
        assert_eq!(data.unwrap().as_deref(), Some(r#"{"date":[]}"#));
        assert_eq!(open_ok(r#"{"status":1,"data":null}"#).unwrap(), None);
    }

    #[test]
    fn names_in_any_case_and_status_in_any_integer_form() {
        for body in [
            r#"{"Status":"1","Info":null,"Data":{"date":[]},"CreateTime":"x"}"#,
            r#"{"STATUS":1.0,"data":{"date":[]}}"#,
            r#"{"status":" 1 ","status":0,"data":{"date":[]}}"#,
        ] {
            assert_eq!(
                open_ok(body).unwrap().as_deref(),
                Some(r#"{"date":[]}"#),
                "{body}"
            );
        }
        let e = open_ok(r#"{"Status":"0","INFO":"accessToken expired"}"#).unwrap_err();
        assert_eq!(e.provider_message(), Some("accessToken expired"));
        assert!(e.is_refused());
        let e = read("usage", StatusCode::UNAUTHORIZED, br#"{"Status":0.0}"#).unwrap_err();
        assert!(e.is_refused(), "{e}");
        // A BOM is dropped before the envelope is read.
        let bom = read(
            "login",
            StatusCode::OK,
            b"\xEF\xBB\xBF{\"status\":1,\"data\":null}",
        );
        assert!(bom.unwrap().is_none());
    }

    #[test]
    fn bodies_that_are_no_text_are_transient_and_shown() {
        let e = read("login", StatusCode::OK, b"\xff\xfe{}").unwrap_err();
        assert!(matches!(e, IotbosError::UndecodableBody { .. }), "{e}");
        assert!(e.is_transient());
        assert!(e.to_string().contains("{}"), "{e}");
        let e = read("login", StatusCode::BAD_GATEWAY, b"\xff").unwrap_err();
        assert!(matches!(e, IotbosError::HttpStatus { .. }), "{e}");
    }

    #[test]
    fn status_zero_keeps_info_verbatim() {
        let e =
            open_ok(r#"{"status":0,"info":"accessToken 已过期 \"x\"","data":null}"#).unwrap_err();
        assert!(e.is_refused());
        match e {
            IotbosError::Refused {
                call, status, info, ..
            } => {
                assert_eq!(call, "usage");
                assert_eq!(status, StatusCode::OK);
                assert_eq!(info.as_deref(), Some("accessToken 已过期 \"x\""));
            }
            other => panic!("{other}"),
        }
        let e = open_ok(r#"{"status":0,"info":null,"data":"whatever"}"#).unwrap_err();
        assert!(matches!(e, IotbosError::Refused { info: None, .. }), "{e}");
        assert!(e.to_string().contains("no info given"), "{e}");
        let e = open_ok(r#"{"status":0,"info":42}"#).unwrap_err();
        assert!(
            matches!(e, IotbosError::Refused { info: Some(ref i), .. } if i == "42"),
            "{e}"
        );
    }

    #[test]
    fn other_statuses_are_kept() {
        for status in ["2", "-1", "\"2\"", "0.5", "true", "null", "\"\""] {
            let e = open_ok(&format!(r#"{{"status":{status},"info":"i"}}"#)).unwrap_err();
            match e {
                IotbosError::UnexpectedStatus {
                    envelope_status: kept,
                    info,
                    ..
                } => {
                    assert_eq!(kept, status);
                    assert_eq!(info.as_deref(), Some("i"));
                }
                other => panic!("{status}: {other}"),
            }
        }
    }

    #[test]
    fn broken_bodies_name_the_call() {
        let e = open_ok("{\"status\":").unwrap_err();
        assert!(matches!(e, IotbosError::InvalidJson { .. }));
        assert_eq!(
            e.to_string(),
            "usage answer is not valid JSON: \"{\\\"status\\\":\""
        );
        assert!(e.is_transient());
        assert_eq!(e.status(), Some(StatusCode::OK));
        let e = open_ok("<html>").unwrap_err();
        assert!(matches!(e, IotbosError::InvalidJson { .. }), "{e}");
        for shape in [
            "[]",
            "5",
            "\"text\"",
            r#"{"info":null}"#,
            "[1]",
            r#" [1,null,{"date":[]}]"#,
        ] {
            let e = open_ok(shape).unwrap_err();
            assert!(
                matches!(e, IotbosError::UnexpectedShape { .. }),
                "{shape}: {e}"
            );
            assert!(
                e.to_string().starts_with("usage answer does not have"),
                "{e}"
            );
        }
    }

    #[test]
    fn every_status_reaches_the_envelope() {
        // A refusal is a refusal whatever the status, and carries it.
        let e = read(
            "usage",
            StatusCode::UNAUTHORIZED,
            br#"{"status":0,"info":"accessToken expired"}"#,
        )
        .unwrap_err();
        match &e {
            IotbosError::Refused { status, info, .. } => {
                assert_eq!(*status, StatusCode::UNAUTHORIZED);
                assert_eq!(info.as_deref(), Some("accessToken expired"));
            }
            other => panic!("{other}"),
        }
        assert!(e.is_refused() && !e.is_transient());
        assert_eq!(
            e.to_string(),
            "usage call refused by IoTBOS (HTTP 401 Unauthorized): accessToken expired"
        );
        // A success envelope under an error status is not trusted, nor is
        // an undocumented status or anything that is not an envelope.
        for (status, body, transient) in [
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"status":1,"data":{"date":[]}}"#,
                true,
            ),
            (
                StatusCode::BAD_REQUEST,
                r#"{"status":1,"data":{"date":[]}}"#,
                false,
            ),
            (StatusCode::FORBIDDEN, r#"{"status":2,"info":"x"}"#, false),
            (StatusCode::TOO_MANY_REQUESTS, "slow down", true),
            (StatusCode::REQUEST_TIMEOUT, "", true),
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "<html><body>Service Unavailable</body></html>",
                true,
            ),
            (StatusCode::NOT_FOUND, r#"{"info":"no status"}"#, false),
            (StatusCode::MOVED_PERMANENTLY, r#"{"status":0"#, false),
            (
                StatusCode::UNAUTHORIZED,
                r#"[0,"an array is no envelope"]"#,
                false,
            ),
        ] {
            let e = read("plan", status, body.as_bytes()).unwrap_err();
            assert!(
                matches!(e, IotbosError::HttpStatus { status: s, .. } if s == status),
                "{status} {body}: {e}"
            );
            assert_eq!(e.is_transient(), transient, "{status} {body}");
            assert!(!e.is_refused());
            assert_eq!(e.status(), Some(status));
            assert_eq!(e.provider_code(), None);
        }
    }

    #[test]
    fn http_errors_keep_a_redacted_snippet() {
        let page = format!(
            "<h1>404.15 Query String Too Long</h1> /Api/TerminalInfo/Exceed?cardIdNums=1&accessToken=SENTINEL {}",
            "x".repeat(500)
        );
        let e = read("usage", StatusCode::NOT_FOUND, page.as_bytes()).unwrap_err();
        match &e {
            IotbosError::HttpStatus {
                status,
                body_snippet,
                ..
            } => {
                assert_eq!(*status, StatusCode::NOT_FOUND);
                assert!(body_snippet.starts_with("<h1>404.15"));
                assert!(body_snippet.ends_with('…'));
                assert!(body_snippet.chars().count() <= iotcard_wire::SNIPPET_CHARS + 1);
            }
            other => panic!("{other}"),
        }
        assert!(!e.to_string().contains("SENTINEL"), "{e}");
        // A multi-byte character cut by the limit does not panic.
        let cut = "密".repeat(100);
        assert!(read("plan", StatusCode::BAD_GATEWAY, cut.as_bytes()).is_err());
        // Control bytes and line breaks do not blow the message up.
        let noisy: Vec<u8> = (0u8..=255).cycle().take(1000).collect();
        let e = read("plan", StatusCode::BAD_GATEWAY, &noisy)
            .unwrap_err()
            .to_string();
        assert!(e.chars().count() < 600, "{e}");
        let e = read("plan", StatusCode::BAD_GATEWAY, b"line one\r\nline\ttwo").unwrap_err();
        assert_eq!(
            e.to_string(),
            "plan answer has HTTP status 502 Bad Gateway: \"line one line two\""
        );
    }
}
