//! Typed values from raw JSON tokens, with errors that name the field.
//!
//! Numeric fields are read as borrowed raw tokens and converted here rather
//! than by serde, so a bad value is reported as "field `x` has value `y`"
//! instead of a bare line and column, and so amounts never pass through `f64`.

use iotcard_model::decimal::parse_exact;
use iotcard_model::{china_standard_time, DataAmount, Instant};
use serde_json::value::RawValue;

use crate::error::{snippet, Answer};
use crate::TencentError;

/// The token's text, without the quotes if the provider quoted a number.
fn unquoted(raw: &RawValue) -> &str {
    let token = raw.get();
    token
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(token)
}

fn invalid(at: Answer, field: &'static str, raw: &RawValue, reason: &'static str) -> TencentError {
    TencentError::InvalidField {
        call: at.call,
        status: at.status,
        field,
        value: snippet(raw.get()),
        reason,
    }
}

/// A JSON integer (or a string holding one): an optional `-` and digits.
pub(crate) fn integer(
    at: Answer,
    field: &'static str,
    raw: &RawValue,
) -> Result<i64, TencentError> {
    let text = unquoted(raw);
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(at, field, raw, "is not an integer"));
    }
    text.parse()
        .map_err(|_| invalid(at, field, raw, "is out of the 64-bit integer range"))
}

/// A count: a non-negative integer.
pub(crate) fn count(at: Answer, field: &'static str, raw: &RawValue) -> Result<u64, TencentError> {
    let value = integer(at, field, raw)?;
    u64::try_from(value).map_err(|_| invalid(at, field, raw, "is negative, but it is a count"))
}

/// An exact amount in megabytes; `14.970` keeps its three places.
pub(crate) fn megabytes(
    at: Answer,
    field: &'static str,
    raw: &RawValue,
) -> Result<DataAmount, TencentError> {
    parse_exact(unquoted(raw))
        .map(DataAmount::mb)
        .map_err(|source| TencentError::InvalidValue {
            call: at.call,
            status: at.status,
            field,
            source,
        })
}

/// The last second of year 9999: later instants have no RFC 3339 form.
const LATEST_UNIX_SECONDS: i64 = 253_402_300_799;

/// Unix seconds as an instant shown in China Standard Time, the platform's
/// zone. Before 1970 or after 9999 is refused: no product expires then.
pub(crate) fn unix_instant(
    at: Answer,
    field: &'static str,
    raw: &RawValue,
) -> Result<Instant, TencentError> {
    let seconds = integer(at, field, raw)?;
    if !(0..=LATEST_UNIX_SECONDS).contains(&seconds) {
        return Err(invalid(at, field, raw, "is outside years 1970 to 9999"));
    }
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|utc| utc.with_timezone(&china_standard_time()))
        .ok_or_else(|| invalid(at, field, raw, "is outside years 1970 to 9999"))
}

/// A `product_expired_time`: Unix seconds, or milliseconds when above
/// 10^11 (a server writing JavaScript time; 10^11 seconds is past the year
/// 5000); `0`, `null` and `""` are no expiry.
pub(crate) fn expiry_instant(
    at: Answer,
    field: &'static str,
    raw: &RawValue,
) -> Result<Option<Instant>, TencentError> {
    match raw.get().trim() {
        "null" | "\"\"" | "0" | "\"0\"" => return Ok(None),
        _ => {}
    }
    let value = integer(at, field, raw)?;
    if value > 100_000_000_000 {
        let (seconds, millis) = (value / 1000, value % 1000);
        return chrono::DateTime::from_timestamp(seconds, (millis as u32) * 1_000_000)
            .filter(|_| seconds <= LATEST_UNIX_SECONDS)
            .map(|utc| Some(utc.with_timezone(&china_standard_time())))
            .ok_or_else(|| invalid(at, field, raw, "is outside years 1970 to 9999"));
    }
    unix_instant(at, field, raw).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    use http::StatusCode;

    use crate::Call;

    const C: Answer = Answer {
        call: Call::GetCardInfo,
        status: StatusCode::OK,
    };

    fn raw(token: &str) -> Box<RawValue> {
        RawValue::from_string(token.to_owned()).unwrap()
    }

    #[test]
    fn integers() {
        assert_eq!(integer(C, "f", &raw("12")).unwrap(), 12);
        assert_eq!(integer(C, "f", &raw("-3")).unwrap(), -3);
        assert_eq!(integer(C, "f", &raw("\"7\"")).unwrap(), 7);
        for bad in [
            "1.0",
            "1e2",
            "null",
            "true",
            "\"\"",
            "\"+1\"",
            "\"-\"",
            "[1]",
            "99999999999999999999",
        ] {
            let e = integer(C, "type", &raw(bad)).unwrap_err().to_string();
            assert!(e.contains("field type") && e.contains(bad), "{e}");
        }
        assert!(count(C, "n", &raw("-1"))
            .unwrap_err()
            .to_string()
            .contains("negative"));
    }

    #[test]
    fn megabytes_keep_scale() {
        assert_eq!(
            megabytes(C, "f", &raw("14.970")).unwrap().to_string(),
            "14.970 MB"
        );
        assert_eq!(
            megabytes(C, "f", &raw("\"30.000\"")).unwrap().to_string(),
            "30.000 MB"
        );
        let e = megabytes(C, "data_used_in_period", &raw("\"lots\"")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "getcardinfo field data_used_in_period is invalid"
        );
        let cause = std::error::Error::source(&e).unwrap().to_string();
        assert!(cause.contains("lots"), "{cause}");
    }

    #[test]
    fn instants_in_china_standard_time() {
        let t = unix_instant(C, "f", &raw("1506494258")).unwrap();
        assert_eq!(t.to_rfc3339(), "2017-09-27T14:37:38+08:00");
        assert_eq!(t.timestamp(), 1506494258);
        assert!(unix_instant(C, "f", &raw("-1")).is_err());
        assert!(unix_instant(C, "f", &raw("253402300800")).is_err());
        assert!(unix_instant(C, "f", &raw("253402300799")).is_ok());
    }

    #[test]
    fn expiries_read_zero_and_blank_as_none_and_big_values_as_milliseconds() {
        assert_eq!(expiry_instant(C, "t", &raw("0")).unwrap(), None);
        assert_eq!(expiry_instant(C, "t", &raw("null")).unwrap(), None);
        assert_eq!(expiry_instant(C, "t", &raw("\"\"")).unwrap(), None);
        let seconds = expiry_instant(C, "t", &raw("1506494258")).unwrap().unwrap();
        let millis = expiry_instant(C, "t", &raw("1506494258000"))
            .unwrap()
            .unwrap();
        assert_eq!(seconds, millis);
        assert_eq!(seconds.to_rfc3339(), "2017-09-27T14:37:38+08:00");
        let fraction = expiry_instant(C, "t", &raw("1506494258250"))
            .unwrap()
            .unwrap();
        assert_eq!(fraction.timestamp_subsec_millis(), 250);
        assert!(expiry_instant(C, "t", &raw("-1")).is_err());
        assert!(expiry_instant(C, "t", &raw("\"soon\"")).is_err());
    }
}
