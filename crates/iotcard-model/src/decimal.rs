//! Exact decimals from provider JSON.
//!
//! `serde_json` turns a JSON number into an `f64` unless told otherwise, which
//! loses `1.00`'s two places and can round money. These helpers read the
//! number's own text (through [`serde_json::value::RawValue`], borrowed, no
//! copy) and parse that text exactly, so `1.00` stays `1.00`, `14.970` keeps
//! three places and `-8359` stays negative.
//!
//! Use them with `#[serde(deserialize_with = "…")]` on structs deserialized
//! with `serde_json::from_slice`/`from_str` (they need borrowed input).

use rust_decimal::Decimal;
use serde::Deserializer;
use serde_json::value::RawValue;

use crate::ModelError;

/// Largest exponent accepted in `1e…` notation. Providers never send
/// exponents; the bound only keeps a hostile answer from asking for a number
/// a `Decimal` cannot hold.
const MAX_EXPONENT: i64 = 28;

/// Parses the text of a JSON number (or the inside of a JSON string holding
/// one) into an exact [`Decimal`], keeping its scale.
///
/// ```
/// use iotcard_model::decimal::parse_exact;
/// assert_eq!(parse_exact("1.00").unwrap().to_string(), "1.00");
/// assert_eq!(parse_exact("-8359").unwrap().to_string(), "-8359");
/// assert!(parse_exact("1,00").is_err());
/// ```
pub fn parse_exact(text: &str) -> Result<Decimal, ModelError> {
    if let Some(value) = parse_plain(text.as_bytes()) {
        return Ok(value);
    }
    parse_general(text)
}

/// The common case, by hand: `-?digits(.digits)?` with at most 18 digits,
/// which fits a `u64` mantissa exactly. Anything else (exponents, spaces,
/// long numbers, malformed text) returns `None` for the general path to
/// accept or to explain.
fn parse_plain(bytes: &[u8]) -> Option<Decimal> {
    let (negative, digits) = match bytes.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut scale: Option<u32> = None;
    let mut count = 0;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
                if let Some(s) = scale.as_mut() {
                    *s += 1;
                }
            }
            // A point needs digits on both sides.
            b'.' if scale.is_none() && i > 0 && i + 1 < digits.len() => scale = Some(0),
            _ => return None,
        }
    }
    if count > 18 {
        return None;
    }
    let signed = i64::try_from(mantissa).ok()?;
    let mut value = Decimal::new(signed, scale.unwrap_or(0));
    value.set_sign_negative(negative && mantissa != 0);
    Some(value)
}

fn parse_general(text: &str) -> Result<Decimal, ModelError> {
    let err = |reason: String| ModelError::InvalidDecimal {
        input: text.to_owned(),
        reason,
    };
    let t = text.trim();
    if t.is_empty() {
        return Err(err("is empty".into()));
    }
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    if !is_json_number_mantissa(mantissa) {
        return Err(err("is not a decimal number".into()));
    }
    let mut value = Decimal::from_str_exact(mantissa).map_err(|e| err(e.to_string()))?;
    if let Some(exp) = exponent {
        let exp: i64 = exp
            .parse()
            .map_err(|_| err("has an invalid exponent".into()))?;
        if exp.abs() > MAX_EXPONENT {
            return Err(err(format!("exponent beyond ±{MAX_EXPONENT}")));
        }
        let shift = exp.unsigned_abs() as u32;
        if exp >= 0 {
            let factor = Decimal::from_i128_with_scale(10i128.pow(shift), 0);
            value = value
                .checked_mul(factor)
                .ok_or_else(|| err("out of range".into()))?;
        } else {
            // Moving the point keeps the digits as written: 1.5e-1 is 0.15.
            let scale = value.scale() + shift;
            value
                .set_scale(scale)
                .map_err(|_| err("has too many decimal places".into()))?;
        }
    }
    Ok(value)
}

/// `-?digits(.digits)?`, the mantissa of a JSON number (leading zeros are
/// tolerated: some providers pad).
fn is_json_number_mantissa(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// Reads a JSON number, or a string holding one, as an exact decimal.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let raw: &'de RawValue = serde::Deserialize::deserialize(d)?;
    from_raw(raw.get()).map_err(serde::de::Error::custom)
}

/// Like [`deserialize`], with JSON `null` (or a missing field, with
/// `#[serde(default)]`) as `None`.
pub fn deserialize_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let raw: Option<&'de RawValue> = serde::Deserialize::deserialize(d)?;
    match raw {
        None => Ok(None),
        Some(r) if r.get() == "null" => Ok(None),
        Some(r) => from_raw(r.get())
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

fn from_raw(token: &str) -> Result<Decimal, ModelError> {
    let inner = token
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(token);
    parse_exact(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(deserialize_with = "deserialize")]
        v: Decimal,
        #[serde(default, deserialize_with = "deserialize_option")]
        o: Option<Decimal>,
    }

    fn probe(json: &str) -> Result<Probe, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn keeps_digits() {
        for (text, shown) in [
            ("1.00", "1.00"),
            ("0.10", "0.10"),
            ("14.970", "14.970"),
            ("-8359", "-8359"),
            ("0", "0"),
            ("\"2.50\"", "2.50"),
            ("1e3", "1000"),
            ("1.5E-1", "0.15"),
        ] {
            let p = probe(&format!("{{\"v\":{text}}}")).unwrap();
            assert_eq!(p.v.to_string(), shown, "{text}");
            assert!(p.o.is_none());
        }
        let p = probe("{\"v\":1,\"o\":null}").unwrap();
        assert!(p.o.is_none());
        let p = probe("{\"v\":1,\"o\":30.000}").unwrap();
        assert_eq!(p.o.unwrap().to_string(), "30.000");
    }

    #[test]
    fn refuses_non_numbers() {
        for bad in [
            "true",
            "\"abc\"",
            "[]",
            "{}",
            "\"\"",
            "\"1.\"",
            "1e999",
            "\"1e99999999999999999999\"",
        ] {
            let e = probe(&format!("{{\"v\":{bad}}}"));
            assert!(e.is_err(), "{bad} should fail");
        }
        assert!(probe("{\"v\":123456789012345678901234567890123}").is_err());
    }

    #[test]
    fn fast_and_general_paths_agree() {
        for text in [
            "0",
            "-0",
            "1.00",
            "-8359",
            "14.970",
            "0.10",
            "007",
            "123456789012345678",
            "1234567890123456789",
            "-999999999999999999.5",
            "1.",
            ".5",
            "-",
            "1..2",
            "1.2.3",
            "+1",
            " 1",
            "1e3",
            "",
        ] {
            let general = parse_general(text).ok();
            let fast = parse_plain(text.as_bytes());
            if let Some(f) = fast {
                assert_eq!(Some(f), general, "{text}");
                assert_eq!(
                    f.to_string(),
                    general.unwrap().to_string(),
                    "{text}: same scale"
                );
            }
            assert_eq!(parse_exact(text).ok(), general, "{text}");
        }
    }
}
