//! A body's bytes as text: past a BOM, in the charset its label names.

use std::borrow::Cow;

use encoding_rs::Encoding;
use thiserror::Error;

/// Why a body is not text this crate can read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The `charset` parameter names no encoding known to the WHATWG
    /// Encoding Standard.
    #[error("the body's charset {label:?} is not an encoding iotcard knows")]
    UnknownCharset {
        /// The label, as sent.
        label: String,
    },
    /// The bytes are not valid in the encoding they are labelled with (or
    /// in UTF-8, without a label).
    #[error("the body is not valid {encoding}")]
    Malformed {
        /// The encoding the bytes were read as.
        encoding: &'static str,
    },
}

/// The `charset` parameter of a `Content-Type` value, if it has one, without
/// quotes.
///
/// ```
/// assert_eq!(iotcard_wire::charset("text/html; Charset=\"GBK\""), Some("GBK"));
/// assert_eq!(iotcard_wire::charset("application/json"), None);
/// ```
pub fn charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).trim())
            .filter(|v| !v.is_empty())
    })
}

/// The body as text: a leading UTF-8 BOM dropped, the bytes decoded from
/// the encoding the `Content-Type`'s `charset` names (GBK and GB18030 are
/// the ones Chinese servers use; any WHATWG label is accepted), UTF-8
/// without one. The media type itself is not looked at: JSON labelled
/// `text/html` or `text/plain` is still JSON.
///
/// Borrows the body in the usual case (UTF-8, no BOM), so the caller pays
/// one validation pass and no copy.
///
/// ```
/// use iotcard_wire::decode;
/// // "已激活" in GBK
/// let gbk = b"{\"TerminalState\":\"\xD2\xD1\xBC\xA4\xBB\xEE\"}";
/// assert_eq!(decode(Some("text/html;charset=gbk"), gbk)?, "{\"TerminalState\":\"已激活\"}");
/// assert_eq!(decode(None, b"\xEF\xBB\xBF{}")?, "{}");
/// assert!(decode(None, b"\xD2\xD1").is_err());
/// # Ok::<(), iotcard_wire::BodyError>(())
/// ```
pub fn decode<'a>(content_type: Option<&str>, body: &'a [u8]) -> Result<Cow<'a, str>, BodyError> {
    let label = content_type.and_then(charset);
    let encoding = match label {
        None => encoding_rs::UTF_8,
        Some(label) => {
            Encoding::for_label(label.as_bytes()).ok_or_else(|| BodyError::UnknownCharset {
                label: label.to_owned(),
            })?
        }
    };
    if encoding == encoding_rs::UTF_8 {
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        return std::str::from_utf8(body)
            .map(Cow::Borrowed)
            .map_err(|_| BodyError::Malformed { encoding: "UTF-8" });
    }
    // A BOM overrides the label (as browsers do): a server that says GBK
    // but writes UTF-8 with a BOM has said what it wrote.
    let (text, used, had_errors) = encoding.decode(body);
    if had_errors {
        return Err(BodyError::Malformed {
            encoding: used.name(),
        });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_borrows() {
        assert!(matches!(decode(None, b"{}").unwrap(), Cow::Borrowed("{}")));
        assert!(matches!(
            decode(Some("application/json; charset=UTF-8"), b"\xEF\xBB\xBF{}").unwrap(),
            Cow::Borrowed("{}")
        ));
    }

    #[test]
    fn gb18030_and_its_aliases() {
        for label in ["gbk", "GB2312", "gb18030", "x-gbk"] {
            let ct = format!("text/plain; charset={label}");
            assert_eq!(
                decode(Some(&ct), b"\xB2\xE2\xCA\xD4\xC6\xDA").unwrap(),
                "测试期"
            );
        }
    }

    #[test]
    fn a_bom_overrides_the_label() {
        let body = "\u{feff}{\"a\":\"静默期\"}".as_bytes();
        assert_eq!(
            decode(Some("text/html; charset=gbk"), body).unwrap(),
            "{\"a\":\"静默期\"}"
        );
    }

    #[test]
    fn unknown_and_malformed_are_named() {
        assert_eq!(
            decode(Some("text/html; charset=klingon"), b"{}"),
            Err(BodyError::UnknownCharset {
                label: "klingon".into()
            })
        );
        assert_eq!(
            decode(None, b"\xff"),
            Err(BodyError::Malformed { encoding: "UTF-8" })
        );
        assert_eq!(
            decode(Some("text/html; charset=gb18030"), b"\x81"),
            Err(BodyError::Malformed {
                encoding: "gb18030"
            })
        );
    }

    #[test]
    fn charset_parameter() {
        assert_eq!(charset("text/html;charset=gbk"), Some("gbk"));
        assert_eq!(
            charset("text/html; boundary=x; CHARSET = 'utf-8'"),
            Some("utf-8")
        );
        assert_eq!(charset("text/html; charset="), None);
        assert_eq!(charset("charset=gbk"), None);
    }
}
