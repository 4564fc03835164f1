//! Reading and checking a Tencent request: query, JSON body, signature.

use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// The body fields any command may carry, each kept as raw JSON so its
/// type can be checked strictly (`time` must be a string, `limit` an
/// integer). Unknown fields are ignored, as the platform does.
#[derive(Deserialize, Default)]
pub(crate) struct Fields<'a> {
    #[serde(borrow, default)]
    pub(crate) sig: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) time: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) teleoperator: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) limit: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) offset: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) iccid: Option<&'a RawValue>,
}

/// A JSON string field's text, or `None` when it is not a string.
pub(crate) fn string(raw: &RawValue) -> Option<String> {
    serde_json::from_str::<String>(raw.get()).ok()
}

/// A JSON integer field, or `None` when it is not an integer token
/// (`1.0`, `"1"` and `1e0` are not).
pub(crate) fn integer(raw: &RawValue) -> Option<i64> {
    let text = raw.get();
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `random` as the spec wants it: a positive integer without leading zeros.
pub(crate) fn valid_random(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 20
        && text.bytes().all(|b| b.is_ascii_digit())
        && !text.starts_with('0')
        && text.parse::<u64>().is_ok()
}

/// `time` as the spec wants it: Unix seconds written in decimal digits.
pub(crate) fn unix_time(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `sig` is 64 lower-case hex digits.
pub(crate) fn well_formed_sig(sig: &str) -> bool {
    sig.len() == 64 && sig.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `hex(sha256("appkey={appkey}&sdkappid={sdkappid}&time={time}"))`.
pub(crate) fn expected_sig(appkey: &str, sdkappid: &str, time: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"appkey=");
    h.update(appkey.as_bytes());
    h.update(b"&sdkappid=");
    h.update(sdkappid.as_bytes());
    h.update(b"&time=");
    h.update(time.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specs_known_signature() {
        assert_eq!(
            expected_sig("dffdfd6029698a5fdf4", "1400009099", "1505812393"),
            "4ce121a0be98c7f6748496c9cef31f092381970cf07d5c65294986e0de87d2bd"
        );
    }

    #[test]
    fn strict_field_types() {
        let raw = |s: &str| RawValue::from_string(s.to_owned()).unwrap();
        assert_eq!(integer(&raw("20")), Some(20));
        assert_eq!(integer(&raw("-1")), Some(-1));
        for bad in [
            "1.0",
            "\"1\"",
            "1e0",
            "null",
            "true",
            "99999999999999999999",
        ] {
            assert_eq!(integer(&raw(bad)), None, "{bad}");
        }
        assert_eq!(string(&raw("\"15\"")), Some("15".into()));
        assert_eq!(string(&raw("15")), None);
        assert!(valid_random("7") && valid_random("123456789"));
        for bad in ["", "0", "007", "-1", "1a", "99999999999999999999999"] {
            assert!(!valid_random(bad), "{bad}");
        }
        assert_eq!(unix_time("1505812393"), Some(1_505_812_393));
        assert_eq!(unix_time("15058x2393"), None);
        assert!(!well_formed_sig(&"A".repeat(64)));
    }
}
