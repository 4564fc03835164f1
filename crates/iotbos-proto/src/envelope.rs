//! The envelope around every IoTBOS answer:
//! `{"status": 1|0, "info": string|null, "data": …, "createtime": "…"}`.

use std::borrow::Cow;

use http::StatusCode;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::{redact_text, IotbosError};

/// How much of an error body is kept in [`IotbosError::HttpStatus`]: enough
/// to recognise an IIS or proxy error page, short enough for a log line.
const SNIPPET_BYTES: usize = 200;

/// The envelope's fields, borrowed. `data` stays raw until the status says
/// what it holds (a refusal may carry anything there).
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    status: &'a RawValue,
    #[serde(borrow, default)]
    info: Option<&'a RawValue>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    createtime: Option<&'a RawValue>,
}

/// A successful (`status` 1) answer's contents, still raw.
#[derive(Debug)]
pub(crate) struct Accepted<'a> {
    /// `data`, absent when missing or `null`.
    pub data: Option<&'a RawValue>,
    /// `createtime`, absent when missing or `null`.
    pub createtime: Option<&'a RawValue>,
}

/// Reads the envelope, whatever the HTTP status, and returns what a
/// successful answer carries.
///
/// Every status reaches this, because IoTBOS (or a gateway in front of it)
/// may refuse with its envelope under a 4xx: a body that is the refusal
/// envelope (`status` 0) is [`IotbosError::Refused`] under any HTTP status,
/// carrying it. Under a non-2xx status anything else, a success envelope
/// included (the status contradicts it, so it is not trusted), is
/// [`IotbosError::HttpStatus`] with a redacted snippet of the body.
pub(crate) fn open<'a>(
    call: &'static str,
    status: StatusCode,
    body: &'a [u8],
) -> Result<Accepted<'a>, IotbosError> {
    let envelope = read_envelope(body);
    if !status.is_success() {
        return Err(match envelope {
            Ok(envelope) if envelope.status.get() == "0" => IotbosError::Refused {
                call,
                status,
                info: envelope.info.map(text),
                retry_after: None,
            },
            _ => http_status(call, status, body),
        });
    }
    let envelope = envelope.map_err(json_error(call, status))?;
    match envelope.status.get() {
        "1" => Ok(Accepted {
            data: envelope.data,
            createtime: envelope.createtime,
        }),
        "0" => Err(IotbosError::Refused {
            call,
            status,
            info: envelope.info.map(text),
            retry_after: None,
        }),
        other => Err(IotbosError::UnexpectedStatus {
            call,
            status,
            envelope_status: other.to_owned(),
            info: envelope.info.map(text),
        }),
    }
}

/// Reads the envelope, which must be a JSON object: serde would also take a
/// struct from an array (`[0]` as `status` 0), and an array is no envelope,
/// least of all a refusal.
fn read_envelope(body: &[u8]) -> Result<Envelope<'_>, serde_json::Error> {
    let envelope = serde_json::from_slice::<Envelope<'_>>(body)?;
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
pub(crate) fn is_object(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|b| *b == b'{')
}

/// The error for a non-2xx answer that is not a refusal.
fn http_status(call: &'static str, status: StatusCode, body: &[u8]) -> IotbosError {
    IotbosError::HttpStatus {
        call,
        status,
        body_snippet: snippet(body),
        retry_after: None,
    }
}

/// Sorts a `serde_json` error into "not JSON" and "not the documented shape".
pub(crate) fn json_error(
    call: &'static str,
    status: StatusCode,
) -> impl Fn(serde_json::Error) -> IotbosError {
    move |source| match source.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            IotbosError::InvalidJson {
                call,
                status,
                source,
            }
        }
        serde_json::error::Category::Data | serde_json::error::Category::Io => {
            IotbosError::UnexpectedShape {
                call,
                status,
                source,
            }
        }
    }
}

/// A JSON value as text: a string's contents unescaped, anything else
/// (`info` is documented as a string, but a server may send a number) as
/// its JSON text. `null` never gets here: serde maps it to `None`.
pub(crate) fn text(raw: &RawValue) -> String {
    serde_json::from_str::<Cow<'_, str>>(raw.get())
        .map_or_else(|_| raw.get().to_owned(), Cow::into_owned)
}

/// The start of an error body for humans, fit for one log line: lossy
/// UTF-8, whitespace as spaces, characters that would print as escapes
/// replaced by `�` (so the quoted message stays short), credentials
/// redacted.
fn snippet(body: &[u8]) -> String {
    let head = &body[..body.len().min(SNIPPET_BYTES)];
    let text: String = String::from_utf8_lossy(head)
        .chars()
        .map(|c| match c {
            '"' | '\\' => c,
            c if c.is_whitespace() => ' ',
            c if c.escape_debug().count() > 1 => char::REPLACEMENT_CHARACTER,
            c => c,
        })
        .collect();
    let mut shown = redact_text(&text);
    if body.len() > SNIPPET_BYTES {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_ok(body: &str) -> Result<Option<String>, IotbosError> {
        open("usage", StatusCode::OK, body.as_bytes()).map(|a| a.data.map(|d| d.get().to_owned()))
    }

    #[test]
    fn status_one_opens_the_data() {
        let data = open_ok(r#"{"status":1,"info":null,"data":{"date":[]},"createtime":"x"}"#);
        assert_eq!(data.unwrap().as_deref(), Some(r#"{"date":[]}"#));
        assert_eq!(open_ok(r#"{"status":1,"data":null}"#).unwrap(), None);
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
        for status in ["2", "-1", "\"1\"", "1.0", "true", "null"] {
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
        assert_eq!(e.to_string(), "usage answer is not valid JSON");
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
        let e = open(
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
            let e = open("plan", status, body.as_bytes()).unwrap_err();
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
        let e = open("usage", StatusCode::NOT_FOUND, page.as_bytes()).unwrap_err();
        match &e {
            IotbosError::HttpStatus {
                status,
                body_snippet,
                ..
            } => {
                assert_eq!(*status, StatusCode::NOT_FOUND);
                assert!(body_snippet.starts_with("<h1>404.15"));
                assert!(body_snippet.ends_with('…'));
                assert!(body_snippet.chars().count() <= SNIPPET_BYTES + 1);
            }
            other => panic!("{other}"),
        }
        assert!(!e.to_string().contains("SENTINEL"), "{e}");
        // A multi-byte character cut by the limit does not panic.
        let cut = "密".repeat(100);
        assert!(open("plan", StatusCode::BAD_GATEWAY, cut.as_bytes()).is_err());
        // Control bytes and line breaks do not blow the message up.
        let noisy: Vec<u8> = (0u8..=255).cycle().take(1000).collect();
        let e = open("plan", StatusCode::BAD_GATEWAY, &noisy)
            .unwrap_err()
            .to_string();
        assert!(e.chars().count() < 600, "{e}");
        let e = open("plan", StatusCode::BAD_GATEWAY, b"line one\r\nline\ttwo").unwrap_err();
        assert_eq!(
            e.to_string(),
            "plan answer has HTTP status 502 Bad Gateway: \"line one  line two\""
        );
    }
}
