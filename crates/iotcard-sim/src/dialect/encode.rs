//! The body as sent: its bytes (`bom`, `gbk`) and its `Content-Type`
//! (`text-html`, `gbk`), decided after the answer is written and before
//! any fault shapes how it goes out.

use http::HeaderValue;

use super::{answer_salt, Dialect, Variant};

/// The canonical label of every JSON answer.
pub(crate) const JSON_UTF8: &str = "application/json; charset=utf-8";

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `body` (UTF-8 JSON) and its `Content-Type`, as the dialect sends them.
///
/// * `gbk`: a body holding non-ASCII text is encoded in GBK (one answer in
///   four in GB18030), labelled `charset=GBK` (`charset=GB18030`). A body
///   the encoding cannot hold exactly stays UTF-8 (never a lossy body). An
///   ASCII body is the same in every charset and stays as it is.
/// * `bom`: a UTF-8 body gets a byte-order mark (a GBK body never does: a
///   UTF-8 mark would be two wrong characters in GBK).
/// * `text-html`: the type is `text/html` or `text/plain`, with the
///   body's charset (a UTF-8 body sometimes with none at all).
pub(crate) fn encode(body: Vec<u8>, d: Dialect) -> (Vec<u8>, HeaderValue) {
    if d.is_canonical() {
        return (body, HeaderValue::from_static(JSON_UTF8));
    }
    let salt = answer_salt(0, &body);
    let mut charset = "utf-8";
    let mut out = body;
    if d.has(Variant::Gbk) && !out.is_ascii() {
        let (encoding, name) = if salt % 4 == 3 {
            (encoding_rs::GB18030, "GB18030")
        } else {
            (encoding_rs::GBK, "GBK")
        };
        if let Ok(text) = std::str::from_utf8(&out) {
            let (bytes, _, lossy) = encoding.encode(text);
            if !lossy {
                let bytes = bytes.into_owned();
                out = bytes;
                charset = name;
            }
        }
    }
    if d.has(Variant::Bom) && charset == "utf-8" {
        let mut with_bom = Vec::with_capacity(BOM.len() + out.len());
        with_bom.extend_from_slice(BOM);
        with_bom.extend_from_slice(&out);
        out = with_bom;
    }
    let label = if d.has(Variant::TextHtml) {
        let kind = ["text/html", "text/plain", "text/html"][((salt >> 8) % 3) as usize];
        if (salt >> 8) % 3 == 2 && charset == "utf-8" {
            kind.to_owned()
        } else {
            format!("{kind}; charset={charset}")
        }
    } else {
        format!("application/json; charset={charset}")
    };
    let label = HeaderValue::from_str(&label).unwrap_or(HeaderValue::from_static(JSON_UTF8));
    (out, label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_is_untouched() {
        let body = "{\"info\":\"移动\"}".as_bytes().to_vec();
        let (out, ct) = encode(body.clone(), Dialect::CANONICAL);
        assert_eq!((out, ct.to_str().unwrap()), (body, JSON_UTF8));
    }

    #[test]
    fn gbk_round_trips_and_ascii_stays() {
        let text =
            "{\"ServiceName\":\"移动 \\\"畅联\\\" 100M\",\"info\":\"请求方式错误，仅支持GET\"}";
        let (out, ct) = encode(text.as_bytes().to_vec(), Dialect::only(Variant::Gbk));
        let ct = ct.to_str().unwrap();
        let label = ct.rsplit('=').next().unwrap();
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap();
        let (decoded, had_errors) = encoding.decode_without_bom_handling(&out);
        assert!(!had_errors);
        assert_eq!(decoded, text);
        assert_ne!(out, text.as_bytes());
        let (ascii, ct) = encode(b"{\"a\":1}".to_vec(), Dialect::only(Variant::Gbk));
        assert_eq!(
            (&ascii[..], ct.to_str().unwrap()),
            (&b"{\"a\":1}"[..], JSON_UTF8)
        );
    }

    #[test]
    fn what_gbk_cannot_hold_stays_utf8() {
        let text = "{\"x\":\"\u{1F600}\"}";
        let (out, ct) = encode(text.as_bytes().to_vec(), Dialect::only(Variant::Gbk));
        if ct.to_str().unwrap().ends_with("GBK") {
            panic!("GBK cannot hold an emoji, yet the body was encoded");
        }
        assert!(out == text.as_bytes() || ct.to_str().unwrap().ends_with("GB18030"));
    }

    #[test]
    fn bom_only_on_utf8() {
        let d = Dialect::only(Variant::Bom).with(Variant::Gbk);
        let (out, _) = encode(b"{}".to_vec(), d);
        assert_eq!(out, b"\xEF\xBB\xBF{}");
        let (out, ct) = encode("{\"a\":\"联通\"}".as_bytes().to_vec(), d);
        assert!(!out.starts_with(BOM));
        assert!(ct.to_str().unwrap().contains("GB"));
    }
}
