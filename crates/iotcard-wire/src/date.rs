//! Dates as the platforms' servers write them, in China Standard Time.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use iotcard_model::{china_standard_time, Instant};
use serde_json::value::RawValue;
use thiserror::Error;

use crate::scalar::text;
use crate::snippet::quote;

/// A date that is not in any style a server has been seen to write, or
/// names no real moment.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{input} is not a date: {reason}")]
pub struct DateError {
    /// What was sent, quoted and cut short.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Reads a date the way the platforms' servers write them, as an instant
/// shown in China Standard Time (UTC+8), the zone of every date without one.
///
/// Accepted: `2018/01/16 14:02:08` (the documented form), `-` for `/`, no
/// zero padding (`2018/1/6 6:02:08`), `T` for the space, fractional
/// seconds, no seconds, a date alone (its midnight), a zone written after
/// the time (`Z`, `+08:00`, `+0800`), and .NET's `/Date(1516082528000)/`
/// (milliseconds since 1970, an offset after it ignored as .NET does).
/// `Ok(None)`, no date: blank text, `0001-01-01…` (.NET's empty date),
/// `0000-00-00…` (MySQL's).
///
/// ```
/// use iotcard_wire::china_date;
/// let t = china_date("2018-1-6T6:02:08.250")?.unwrap();
/// assert_eq!(t.to_rfc3339(), "2018-01-06T06:02:08.250+08:00");
/// assert_eq!(china_date("/Date(1516082528000)/")?, china_date("2018/01/16 14:02:08")?);
/// assert_eq!(china_date("0001-01-01 00:00:00")?, None);
/// assert!(china_date("2018/02/30").is_err());
/// # Ok::<(), iotcard_wire::DateError>(())
/// ```
pub fn china_date(input: &str) -> Result<Option<Instant>, DateError> {
    let err = |reason| DateError {
        input: quote(&format!("{input:?}")),
        reason,
    };
    let text = input.trim();
    if text.is_empty() || text.starts_with("0001-01-01") || text.starts_with("0001/01/01") {
        return Ok(None);
    }
    if text.starts_with("0000-00-00") || text.starts_with("0000/00/00") {
        return Ok(None);
    }
    if let Some(inner) = text
        .strip_prefix("/Date(")
        .and_then(|t| t.strip_suffix(")/"))
    {
        return dotnet(inner).map_err(err);
    }
    let (date, rest) = match text.find([' ', 'T', 't']) {
        Some(at) => (&text[..at], Some(text[at + 1..].trim_start())),
        None => (text, None),
    };
    let date = read_date(date).map_err(err)?;
    let (time, zone) = match rest {
        None | Some("") => (NaiveTime::MIN, None),
        Some(rest) => read_time(rest).map_err(err)?,
    };
    let zone = zone.unwrap_or_else(china_standard_time);
    zone.from_local_datetime(&NaiveDateTime::new(date, time))
        .single()
        .map(|t| Some(t.with_timezone(&china_standard_time())))
        .ok_or_else(|| err("no such moment"))
}

/// [`china_date`] of a raw JSON value: a string as above, `null` as none,
/// and anything else an error.
pub fn date_value(raw: &RawValue) -> Result<Option<Instant>, DateError> {
    if !raw.get().starts_with('"') && raw.get() != "null" {
        return Err(DateError {
            input: quote(raw.get()),
            reason: "a date is sent as text",
        });
    }
    match text(raw) {
        Ok(Some(t)) => china_date(&t),
        Ok(None) => Ok(None),
        Err(_) => Err(DateError {
            input: quote(raw.get()),
            reason: "a date is sent as text",
        }),
    }
}

/// `Y/M/D` or `Y-M-D`, one separator throughout.
fn read_date(text: &str) -> Result<NaiveDate, &'static str> {
    let sep = if text.contains('/') { '/' } else { '-' };
    let mut parts = text.split(sep);
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the date is not year, month and day split by / or -");
    };
    let year = digits(y, 4..=4).ok_or("the year is not four digits")?;
    let month = digits(m, 1..=2).ok_or("the month is not one or two digits")?;
    let day = digits(d, 1..=2).ok_or("the day is not one or two digits")?;
    i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month, day))
        .ok_or("no such day")
}

/// `H:M[:S[.fraction]]`, then an optional zone.
fn read_time(text: &str) -> Result<(NaiveTime, Option<FixedOffset>), &'static str> {
    let (clock, zone) = split_zone(text)?;
    let (hms, fraction) = match clock.split_once(['.', ',']) {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    let mut parts = hms.split(':');
    let (Some(h), Some(m), s, None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the time is not hours and minutes split by :");
    };
    let hour = digits(h, 1..=2).ok_or("the hour is not one or two digits")?;
    let minute = digits(m, 1..=2).ok_or("the minutes are not one or two digits")?;
    let second = match s {
        Some(s) => digits(s, 1..=2).ok_or("the seconds are not one or two digits")?,
        None => 0,
    };
    let nanos = match fraction {
        None => 0,
        Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => {
            return Err("the fraction of a second is not digits")
        }
        // Past nanoseconds a server's digits mean nothing a card cares for.
        Some(f) => f
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(9)
            .fold(0, |n, b| n * 10 + u32::from(b - b'0')),
    };
    let time =
        NaiveTime::from_hms_nano_opt(hour, minute, second, nanos).ok_or("no such time of day")?;
    Ok((time, zone))
}

/// The clock and the zone written after it, if any.
fn split_zone(text: &str) -> Result<(&str, Option<FixedOffset>), &'static str> {
    if let Some(clock) = text.strip_suffix(['Z', 'z']) {
        return Ok((clock.trim_end(), FixedOffset::east_opt(0)));
    }
    let Some(at) = text.rfind(['+', '-']) else {
        return Ok((text, None));
    };
    let (clock, zone) = (text[..at].trim_end(), &text[at + 1..]);
    let sign = if text.as_bytes()[at] == b'-' { -1 } else { 1 };
    let zone = zone.replace(':', "");
    let (h, m) = match zone.len() {
        2 => (&zone[..2], "0"),
        4 => (&zone[..2], &zone[2..]),
        _ => return Err("the zone is not ±HH, ±HHMM or ±HH:MM"),
    };
    let (Some(h), Some(m)) = (digits(h, 1..=2), digits(m, 1..=2)) else {
        return Err("the zone is not ±HH, ±HHMM or ±HH:MM");
    };
    let seconds = i32::try_from(h * 3600 + m * 60).map_err(|_| "the zone is out of range")?;
    let offset = FixedOffset::east_opt(sign * seconds).ok_or("the zone is out of range")?;
    Ok((clock, Some(offset)))
}

/// The inside of `/Date(…)/`: milliseconds, maybe signed, maybe followed by
/// an offset that only says how the writer would have shown it.
fn dotnet(inner: &str) -> Result<Option<Instant>, &'static str> {
    let digits_end = inner
        .char_indices()
        .skip(1)
        .find(|(_, c)| matches!(c, '+' | '-'))
        .map_or(inner.len(), |(at, _)| at);
    let ms: i64 = inner[..digits_end]
        .parse()
        .map_err(|_| "the /Date(…)/ value is not milliseconds")?;
    // .NET's DateTime.MinValue: the empty date in this form.
    if ms <= -62_135_596_800_000 {
        return Ok(None);
    }
    DateTime::from_timestamp_millis(ms)
        .map(|t| Some(t.with_timezone(&china_standard_time())))
        .ok_or("the /Date(…)/ value is out of range")
}

/// The value of `text` if it is only ASCII digits, as many as `len` allows.
fn digits(text: &str, len: std::ops::RangeInclusive<usize>) -> Option<u32> {
    if !len.contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> String {
        china_date(text).unwrap().unwrap().to_rfc3339()
    }

    #[test]
    fn every_style_reads_to_the_same_moment() {
        let want = "2018-01-06T06:02:08+08:00";
        for style in [
            "2018/01/06 06:02:08",
            "2018/1/6 6:02:08",
            "2018-01-06 06:02:08",
            "2018-1-6 6:2:8",
            "2018-01-06T06:02:08",
            " 2018-01-06T06:02:08 ",
            "2018-01-06T06:02:08+08:00",
            "2018-01-06T06:02:08+0800",
            "2018-01-05T22:02:08Z",
            "2018-01-05T22:02:08.000Z",
            "2018-01-05 17:02:08-05:00",
            "/Date(1515189728000)/",
            "/Date(1515189728000+0800)/",
        ] {
            assert_eq!(at(style), want, "{style}");
        }
    }

    #[test]
    fn partial_forms() {
        assert_eq!(at("2018-01-16"), "2018-01-16T00:00:00+08:00");
        assert_eq!(at("2018/1/16 14:02"), "2018-01-16T14:02:00+08:00");
        assert_eq!(
            at("2018-01-16 14:02:08.1234567"),
            "2018-01-16T14:02:08.123456700+08:00"
        );
    }

    #[test]
    fn empty_dates_are_none() {
        for text in [
            "",
            "  ",
            "0001-01-01 00:00:00",
            "0001/01/01 0:00:00",
            "0000-00-00 00:00:00",
            "/Date(-62135596800000)/",
        ] {
            assert_eq!(china_date(text), Ok(None), "{text}");
        }
    }

    #[test]
    fn wrong_dates_are_named() {
        for (text, reason) in [
            ("2018/02/30 00:00:00", "no such day"),
            ("18/01/16", "the year is not four digits"),
            ("2018/01/16 25:00:00", "no such time of day"),
            (
                "2018/01/16 10:00:00 +8h",
                "the zone is not ±HH, ±HHMM or ±HH:MM",
            ),
            (
                "2018/01/16 10:00:00.x",
                "the fraction of a second is not digits",
            ),
            (
                "yesterday",
                "the date is not year, month and day split by / or -",
            ),
            ("/Date(soon)/", "the /Date(…)/ value is not milliseconds"),
        ] {
            assert_eq!(china_date(text).unwrap_err().reason, reason, "{text}");
        }
    }

    #[test]
    fn values() {
        let raw = |t: &str| RawValue::from_string(t.to_owned()).unwrap();
        assert_eq!(date_value(&raw("null")), Ok(None));
        assert_eq!(date_value(&raw(r#""""#)), Ok(None));
        assert!(date_value(&raw("20180116")).is_err());
        assert!(date_value(&raw(r#""2018/01/16 14:02:08""#))
            .unwrap()
            .is_some());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,40}") {
            let _ = china_date(&text);
        }

        #[test]
        fn padded_and_unpadded_agree(
            y in 1970i32..2100, mo in 1u32..=12, d in 1u32..=28,
            h in 0u32..24, mi in 0u32..60, s in 0u32..60,
        ) {
            let padded = china_date(&format!("{y}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02}")).unwrap();
            for other in [
                format!("{y}/{mo}/{d} {h}:{mi:02}:{s:02}"),
                format!("{y}-{mo}-{d}T{h}:{mi}:{s}"),
                format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.000+08:00"),
            ] {
                proptest::prop_assert_eq!(china_date(&other).unwrap(), padded);
            }
        }
    }
}
