//! Typed values from raw JSON tokens, read with `iotcard-wire`'s tolerant
//! scalars: a JSON number, a numeric string and an integral float (`6.0`)
//! alike, decimals exact, never through `f64`.
//!
//! A card record's field that cannot be read is a [`FieldProblem`] kept in
//! the record ([`Fields`]), not an error: it costs that field, never the
//! card. Only the values an answer cannot do without (the envelope's
//! `code`, the account's card counts) are errors here.

use iotcard_model::decimal::parse_exact;
use iotcard_model::{china_standard_time, DataAmount, FieldProblem, Instant};
use iotcard_wire::{decimal, integer, RawValue};

use crate::card::Sent;

use crate::error::Answer;
use crate::TencentError;

/// The problems met while reading one record's fields.
#[derive(Default)]
pub(crate) struct Fields {
    pub(crate) problems: Vec<FieldProblem>,
}

impl Fields {
    #[inline]
    /// `read` of the field's value. `None` when it reads as no value
    /// (`null`, `""`), when it is absent, and when it cannot be read; the
    /// last, and the absence of a `required` field, are kept as problems.
    pub(crate) fn read<R, T>(
        &mut self,
        field: &'static str,
        raw: Option<R>,
        required: bool,
        read: impl FnOnce(R) -> Result<Option<T>, String>,
    ) -> Option<T> {
        let Some(raw) = raw else {
            if required {
                self.problems.push(FieldProblem::new(field, "missing"));
            }
            return None;
        };
        match read(raw) {
            Ok(value) => value,
            Err(problem) => {
                self.problems.push(FieldProblem::new(field, problem));
                None
            }
        }
    }
}

/// An enumeration's code (or any integer field of a record): any integer
/// (unknown codes are kept by the mapping, never refused here).
///
/// The token every documented answer sends, a few plain digits, is read
/// here in one pass; any other goes to `iotcard_wire::integer`, which reads
/// it the same (tested) and says what is wrong. This keeps the canonical
/// page within its time budget (see `benches/parse.rs`).
#[inline]
pub(crate) fn code(raw: &RawValue) -> Result<Option<i64>, String> {
    let token = raw.get().as_bytes();
    if (1..=18).contains(&token.len()) && token.iter().all(u8::is_ascii_digit) {
        // At most 18 digits cannot overflow an i64.
        let value = token.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        return Ok(Some(value));
    }
    integer(raw).map_err(|e| e.to_string())
}

/// An exact amount in megabytes; `14.970` keeps its three places.
///
/// A bare JSON number (what every documented answer sends) is read from its
/// own text at once; anything else, or a number the exact reader refuses,
/// goes to `iotcard_wire::decimal`, which reads it the same and says what
/// is wrong.
#[inline]
pub(crate) fn megabytes(raw: &RawValue) -> Result<Option<DataAmount>, String> {
    let token = raw.get();
    if token.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        if let Ok(amount) = parse_exact(token) {
            return Ok(Some(DataAmount::mb(amount)));
        }
    }
    decimal(raw)
        .map(|d| d.map(DataAmount::mb))
        .map_err(|e| e.to_string())
}

/// Text as sent (a number's digits as written), trimmed; blank is none.
pub(crate) fn id_text(sent: &Sent<'_>) -> Result<Option<String>, String> {
    sent.text()
        .map(|t| t.map(std::borrow::Cow::into_owned))
        .map_err(|e| e.to_string())
}

/// The last second of year 9999: later instants have no RFC 3339 form.
const LATEST_UNIX_SECONDS: i64 = 253_402_300_799;

/// Values above this are milliseconds: 10^11 seconds is past the year 5000,
/// so no product expires then, while JavaScript time passed it in 1973.
const MILLISECONDS_ABOVE: i64 = 100_000_000_000;

/// A `product_expired_time`: Unix seconds, or milliseconds when above
/// 10^11 (a server writing JavaScript time), in any integer quoting;
/// `0`, `null` and `""` are no expiry (not 1970-01-01). Before 1970 or
/// after 9999 cannot be a product's expiry and is a problem.
pub(crate) fn expiry(raw: &RawValue) -> Result<Option<Instant>, String> {
    let Some(value) = code(raw)? else {
        return Ok(None);
    };
    let outside = || format!("{} is outside years 1970 to 9999", raw.get());
    let (seconds, nanos) = match value {
        0 => return Ok(None),
        v if v > MILLISECONDS_ABOVE => (v / 1000, (v % 1000) as u32 * 1_000_000),
        v => (v, 0),
    };
    if !(0..=LATEST_UNIX_SECONDS).contains(&seconds) {
        return Err(outside());
    }
    chrono::DateTime::from_timestamp(seconds, nanos)
        .map(|utc| Some(utc.with_timezone(&china_standard_time())))
        .ok_or_else(outside)
}

/// A count the answer cannot do without (an account's cards): a
/// non-negative integer in any quoting; absent, `null` or unreadable is an
/// error, because a guessed count would end a listing at the wrong place.
pub(crate) fn count(
    at: Answer,
    field: &'static str,
    raw: Option<&RawValue>,
) -> Result<u64, TencentError> {
    let value = raw
        .map(integer)
        .transpose()
        .map_err(|source| TencentError::UnreadableField {
            call: at.call,
            status: at.status,
            field,
            source,
        })?
        .flatten()
        .ok_or_else(|| crate::envelope::shape_error(at, format!("missing field `{field}`")))?;
    u64::try_from(value).map_err(|_| TencentError::InvalidField {
        call: at.call,
        status: at.status,
        field,
        value: value.to_string(),
        reason: "is negative, but it is a count",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use http::StatusCode;

    use crate::Call;

    const C: Answer = Answer {
        call: Call::GetAppInfo,
        status: StatusCode::OK,
    };

    fn raw(token: &str) -> Box<RawValue> {
        RawValue::from_string(token.to_owned()).unwrap()
    }

    #[test]
    fn codes_in_any_quoting() {
        for (t, v) in [
            ("12", 12),
            ("-3", -3),
            ("\"7\"", 7),
            ("1.0", 1),
            ("\" 2 \"", 2),
        ] {
            assert_eq!(code(&raw(t)), Ok(Some(v)), "{t}");
        }
        assert_eq!(code(&raw("null")), Ok(None));
        for bad in ["1.5", "true", "\"one\"", "[1]", "99999999999999999999"] {
            let e = code(&raw(bad)).unwrap_err();
            assert!(e.contains("expected an integer"), "{e}");
        }
    }

    #[test]
    fn counts_are_required_and_not_negative() {
        assert_eq!(count(C, "n", Some(&raw("\"10\""))).unwrap(), 10);
        assert_eq!(count(C, "n", Some(&raw("10.0"))).unwrap(), 10);
        let e = count(C, "yd_card_cnt", Some(&raw("-1"))).unwrap_err();
        assert!(e.to_string().contains("negative"), "{e}");
        let e = count(C, "yd_card_cnt", None).unwrap_err();
        assert!(matches!(e, TencentError::DataShape { .. }), "{e:?}");
        let e = count(C, "yd_card_cnt", Some(&raw("null"))).unwrap_err();
        assert!(matches!(e, TencentError::DataShape { .. }), "{e:?}");
        let e = count(C, "yd_card_cnt", Some(&raw("\"ten\""))).unwrap_err();
        assert_eq!(e.to_string(), "getappinfo field yd_card_cnt cannot be read");
    }

    proptest::proptest! {
        /// The shortcuts read every token as the general readers do.
        #[test]
        fn the_shortcuts_agree_with_iotcard_wire(token in "-?[0-9]{1,22}(\\.[0-9]{0,4})?([eE][0-9])?|\"[0-9]{1,3}\"|null|-|00") {
            let Ok(raw) = RawValue::from_string(token.clone()) else { return Ok(()) };
            proptest::prop_assert_eq!(code(&raw).ok(), integer(&raw).ok(), "{}", token);
            let general = decimal(&raw).ok().map(|d| d.map(|d| d.to_string()));
            let ours = megabytes(&raw).ok().map(|d| d.map(|d| d.amount.to_string()));
            proptest::prop_assert_eq!(ours, general, "{}", token);
        }
    }

    #[test]
    fn megabytes_keep_scale() {
        let mb = |t| megabytes(&raw(t)).unwrap().unwrap().to_string();
        assert_eq!(mb("14.970"), "14.970 MB");
        assert_eq!(mb("\"30.000\""), "30.000 MB");
        assert_eq!(megabytes(&raw("null")), Ok(None));
        let e = megabytes(&raw("\"lots\"")).unwrap_err();
        assert!(e.contains("lots"), "{e}");
    }

    #[test]
    fn expiries_read_zero_and_blank_as_none_and_big_values_as_milliseconds() {
        for none in ["0", "\"0\"", "0.0", "null", "\"\"", "\" \""] {
            assert_eq!(expiry(&raw(none)), Ok(None), "{none}");
        }
        let seconds = expiry(&raw("1506494258")).unwrap().unwrap();
        for same in ["1506494258000", "\"1506494258\"", "1506494258.0"] {
            assert_eq!(expiry(&raw(same)).unwrap(), Some(seconds), "{same}");
        }
        assert_eq!(seconds.to_rfc3339(), "2017-09-27T14:37:38+08:00");
        let fraction = expiry(&raw("1506494258250")).unwrap().unwrap();
        assert_eq!(fraction.timestamp_subsec_millis(), 250);
        assert!(expiry(&raw("253402300799")).is_ok());
        for bad in ["-1", "\"soon\"", "1.5", "253402300800000000"] {
            assert!(expiry(&raw(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_field_costs_itself_and_says_why() {
        let mut fields = Fields::default();
        assert_eq!(fields.read("a", Some(&*raw("\"1\"")), true, code), Some(1));
        assert_eq!(fields.read("b", Some(&*raw("null")), true, code), None);
        assert_eq!(fields.read("c", None, false, code), None);
        assert!(fields.problems.is_empty());
        assert_eq!(fields.read("d", None, true, code), None);
        assert_eq!(fields.read("e", Some(&*raw("\"x\"")), false, code), None);
        let shown: Vec<String> = fields.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "field d: missing",
                "field e: expected an integer, found \"x\""
            ]
        );
    }
}
