//! Scalars as servers send them: numbers, numeric strings, integral floats.
//!
//! Each reader takes a raw JSON value and gives `Ok(None)` for no value
//! (`null`, `""` or a string of blanks), the value when the text means one
//! without doubt, and a [`ValueError`] naming what came otherwise. None of
//! them passes a number through `f64`.

use std::borrow::Cow;

use iotcard_model::decimal::parse_exact;
use iotcard_model::Decimal;
use serde_json::value::RawValue;
use thiserror::Error;

use crate::snippet::quote;

/// A value that is not of the kind its field holds.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("expected {expected}, found {found}")]
pub struct ValueError {
    /// What the field holds (`"an integer"`).
    pub expected: &'static str,
    /// What came, as JSON, cut short.
    pub found: String,
}

impl ValueError {
    fn new(expected: &'static str, raw: &RawValue) -> Self {
        Self {
            expected,
            found: quote(raw.get()),
        }
    }
}

/// A scalar's text: a string's contents (unescaped, trimmed) or a number's
/// or literal's token; `None` for `null` and blank strings. Arrays and
/// objects are `Err(())`.
fn scalar_text(raw: &RawValue) -> Result<Option<Cow<'_, str>>, ()> {
    let token = raw.get();
    match token.as_bytes().first() {
        Some(b'"') => {
            let text: Cow<'_, str> = serde_json::from_str(token).map_err(|_| ())?;
            let trimmed = text.trim();
            if trimmed.is_empty() {
                Ok(None)
            } else if trimmed.len() == text.len() {
                Ok(Some(text))
            } else {
                Ok(Some(Cow::Owned(trimmed.to_owned())))
            }
        }
        Some(b'[' | b'{') | None => Err(()),
        _ if token == "null" => Ok(None),
        _ => Ok(Some(Cow::Borrowed(token))),
    }
}

/// An integer: `6`, `"6"`, `6.0`, `"6.00"`, `6e0`, `" -8359 "`. A fraction
/// that is not zero (`6.5`), text that is not a number, a boolean or a
/// value outside `i64` is an error.
///
/// ```
/// use iotcard_wire::{integer, RawValue};
/// let raw = |t: &str| -> Box<RawValue> { RawValue::from_string(t.into()).unwrap() };
/// assert_eq!(integer(&raw(r#""1""#))?, Some(1));
/// assert_eq!(integer(&raw("6.0"))?, Some(6));
/// assert_eq!(integer(&raw("null"))?, None);
/// assert!(integer(&raw("6.5")).is_err());
/// # Ok::<(), iotcard_wire::ValueError>(())
/// ```
pub fn integer(raw: &RawValue) -> Result<Option<i64>, ValueError> {
    let err = || ValueError::new("an integer", raw);
    let Some(text) = scalar_text(raw).map_err(|()| err())? else {
        return Ok(None);
    };
    if let Ok(value) = text.parse::<i64>() {
        return Ok(Some(value));
    }
    let text = text.strip_prefix('+').unwrap_or(&text);
    let value = parse_exact(text).map_err(|_| err())?;
    if !value.fract().is_zero() {
        return Err(err());
    }
    i64::try_from(value.trunc()).map(Some).map_err(|_| err())
}

/// An exact decimal, keeping the scale it was written with (`1.00` stays
/// `1.00`), from a number or a string holding one.
///
/// ```
/// use iotcard_wire::{decimal, RawValue};
/// let raw = |t: &str| -> Box<RawValue> { RawValue::from_string(t.into()).unwrap() };
/// assert_eq!(decimal(&raw(r#""1.00""#))?.unwrap().to_string(), "1.00");
/// assert_eq!(decimal(&raw("-8359"))?.unwrap().to_string(), "-8359");
/// assert_eq!(decimal(&raw(r#""""#))?, None);
/// # Ok::<(), iotcard_wire::ValueError>(())
/// ```
pub fn decimal(raw: &RawValue) -> Result<Option<Decimal>, ValueError> {
    let err = || ValueError::new("a decimal number", raw);
    let Some(text) = scalar_text(raw).map_err(|()| err())? else {
        return Ok(None);
    };
    if matches!(text.as_ref(), "true" | "false") {
        return Err(err());
    }
    let text = text.strip_prefix('+').unwrap_or(&text);
    parse_exact(text).map(Some).map_err(|_| err())
}

/// Text: a string's contents, or a number's digits as written (an MSISDN
/// sent as a JSON number is still its digits). Blanks around it are
/// dropped; blank text is none. Booleans, arrays and objects are errors.
///
/// ```
/// use iotcard_wire::{text, RawValue};
/// let raw = |t: &str| -> Box<RawValue> { RawValue::from_string(t.into()).unwrap() };
/// assert_eq!(text(&raw(r#"" 1060000000001 ""#))?.as_deref(), Some("1060000000001"));
/// assert_eq!(text(&raw("14812345678"))?.as_deref(), Some("14812345678"));
/// # Ok::<(), iotcard_wire::ValueError>(())
/// ```
pub fn text(raw: &RawValue) -> Result<Option<Cow<'_, str>>, ValueError> {
    let err = || ValueError::new("text", raw);
    match scalar_text(raw).map_err(|()| err())? {
        Some(t) if raw.get().starts_with('"') => Ok(Some(t)),
        Some(t) if matches!(t.as_ref(), "true" | "false") => Err(err()),
        other => Ok(other),
    }
}

/// A boolean: `true`/`false`, `1`/`0` (as numbers, strings or integral
/// floats) or the words `"true"`/`"false"` in any case.
///
/// ```
/// use iotcard_wire::{boolean, RawValue};
/// let raw = |t: &str| -> Box<RawValue> { RawValue::from_string(t.into()).unwrap() };
/// assert_eq!(boolean(&raw(r#""1""#))?, Some(true));
/// assert_eq!(boolean(&raw(r#""False""#))?, Some(false));
/// assert!(boolean(&raw("2")).is_err());
/// # Ok::<(), iotcard_wire::ValueError>(())
/// ```
pub fn boolean(raw: &RawValue) -> Result<Option<bool>, ValueError> {
    let err = || ValueError::new("a boolean", raw);
    let Some(text) = scalar_text(raw).map_err(|()| err())? else {
        return Ok(None);
    };
    if text.eq_ignore_ascii_case("true") {
        return Ok(Some(true));
    }
    if text.eq_ignore_ascii_case("false") {
        return Ok(Some(false));
    }
    match integer(raw) {
        Ok(Some(1)) => Ok(Some(true)),
        Ok(Some(0)) => Ok(Some(false)),
        _ => Err(err()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(t: &str) -> Box<RawValue> {
        RawValue::from_string(t.to_owned()).unwrap()
    }

    #[test]
    fn integers_in_every_form() {
        for (t, v) in [
            ("1", 1),
            ("-8359", -8359),
            (r#""1""#, 1),
            (r#"" 2 ""#, 2),
            ("6.0", 6),
            (r#""6.00""#, 6),
            ("6e0", 6),
            ("6E1", 60),
            (r#""+3""#, 3),
            ("9223372036854775807", i64::MAX),
        ] {
            assert_eq!(integer(&raw(t)), Ok(Some(v)), "{t}");
        }
        for t in ["null", r#""""#, r#""  ""#] {
            assert_eq!(integer(&raw(t)), Ok(None), "{t}");
        }
        for t in [
            "6.5",
            "true",
            r#""one""#,
            "[1]",
            "{}",
            "9223372036854775808",
            r#""1,000""#,
            r#""0x10""#,
        ] {
            let e = integer(&raw(t)).unwrap_err();
            assert_eq!(e.expected, "an integer", "{t}");
        }
    }

    #[test]
    fn decimals_keep_their_scale() {
        for (t, v) in [
            ("1.00", "1.00"),
            (r#""14.970""#, "14.970"),
            ("0", "0"),
            ("-0.5", "-0.5"),
        ] {
            assert_eq!(decimal(&raw(t)).unwrap().unwrap().to_string(), v);
        }
        assert!(decimal(&raw("false")).is_err());
        assert!(decimal(&raw(r#""1.2.3""#)).is_err());
    }

    #[test]
    fn text_and_errors_say_what_came() {
        assert_eq!(text(&raw(r#""\u5df2""#)).unwrap().as_deref(), Some("已"));
        assert_eq!(text(&raw("null")).unwrap(), None);
        let e = text(&raw("[1,2]")).unwrap_err();
        assert_eq!(e.to_string(), "expected text, found [1,2]");
        assert!(text(&raw("true")).is_err());
    }

    #[test]
    fn booleans() {
        for (t, v) in [
            ("true", true),
            ("0", false),
            ("1.0", true),
            (r#""TRUE""#, true),
        ] {
            assert_eq!(boolean(&raw(t)), Ok(Some(v)), "{t}");
        }
        assert!(boolean(&raw(r#""yes""#)).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(t in ".{0,40}") {
            if let Ok(raw) = RawValue::from_string(t) {
                let _ = (integer(&raw), decimal(&raw), text(&raw), boolean(&raw));
            }
        }

        #[test]
        fn an_integer_reads_the_same_in_any_form(v in proptest::num::i64::ANY) {
            for form in [v.to_string(), format!("\"{v}\""), format!("{v}.0"), format!("\" {v}.000\"")] {
                proptest::prop_assert_eq!(integer(&raw(&form)), Ok(Some(v)));
            }
        }
    }
}
