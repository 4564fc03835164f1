//! IoTBOS dates: `YYYY/MM/DD HH:MM:SS`, no zone, meaning China Standard Time.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use iotcard_model::{china_standard_time, Instant};
use thiserror::Error;

/// A date the provider sent that is not `YYYY/MM/DD HH:MM:SS` or names no
/// real moment.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{input:?} is not a date in the form YYYY/MM/DD HH:MM:SS: {reason}")]
pub struct DateError {
    /// What was sent.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Reads an IoTBOS date (`2018/01/16 14:02:08`) as an instant in China
/// Standard Time (UTC+8), whatever the local zone is.
///
/// Month, day and hour may also come with one digit (`2018/1/6 9:02:08`):
/// that is how .NET's `zh-CN` culture writes dates by default, and this
/// server is ASP.NET. Anything else (other separators, fractional seconds,
/// a zone, impossible dates such as `2018/02/30`) is refused.
///
/// ```
/// let t = iotbos_proto::parse_china_time("2018/01/16 14:02:08")?;
/// assert_eq!(t.to_rfc3339(), "2018-01-16T14:02:08+08:00");
/// assert!(iotbos_proto::parse_china_time("2018-01-16 14:02:08").is_err());
/// # Ok::<(), iotbos_proto::DateError>(())
/// ```
pub fn parse_china_time(text: &str) -> Result<Instant, DateError> {
    let err = |reason| DateError {
        input: text.to_owned(),
        reason,
    };
    let (date, time) = text
        .split_once(' ')
        .ok_or_else(|| err("no space between date and time"))?;
    let mut ymd = date.split('/');
    let (Some(y), Some(m), Some(d), None) = (ymd.next(), ymd.next(), ymd.next(), ymd.next()) else {
        return Err(err("the date is not YYYY/MM/DD"));
    };
    let mut hms = time.split(':');
    let (Some(h), Some(min), Some(s), None) = (hms.next(), hms.next(), hms.next(), hms.next())
    else {
        return Err(err("the time is not HH:MM:SS"));
    };
    let year = digits(y, 4..=4).ok_or_else(|| err("the year is not four digits"))?;
    let month = digits(m, 1..=2).ok_or_else(|| err("the month is not one or two digits"))?;
    let day = digits(d, 1..=2).ok_or_else(|| err("the day is not one or two digits"))?;
    let hour = digits(h, 1..=2).ok_or_else(|| err("the hour is not one or two digits"))?;
    let minute = digits(min, 2..=2).ok_or_else(|| err("the minutes are not two digits"))?;
    let second = digits(s, 2..=2).ok_or_else(|| err("the seconds are not two digits"))?;
    let date = i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month, day))
        .ok_or_else(|| err("no such day"))?;
    let time =
        NaiveTime::from_hms_opt(hour, minute, second).ok_or_else(|| err("no such time of day"))?;
    china_standard_time()
        .from_local_datetime(&NaiveDateTime::new(date, time))
        .single()
        .ok_or_else(|| err("no such moment in China Standard Time"))
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

    #[test]
    fn reads_the_spec_dates_as_utc_plus_8() {
        let created = parse_china_time("2018/01/16 14:02:08").unwrap();
        let expires = parse_china_time("2018/01/16 16:02:08").unwrap();
        assert_eq!(created.timestamp(), 1_516_082_528);
        assert_eq!(created.offset().local_minus_utc(), 8 * 3600);
        assert_eq!((expires - created).num_seconds(), 7200);
    }

    #[test]
    fn accepts_dotnet_short_fields() {
        let short = parse_china_time("2018/1/6 9:02:08").unwrap();
        assert_eq!(short, parse_china_time("2018/01/06 09:02:08").unwrap());
    }

    #[test]
    fn refuses_bad_dates_clearly() {
        for (bad, why) in [
            ("", "no space"),
            ("2018/01/16", "no space"),
            ("2018-01-16 14:02:08", "YYYY/MM/DD"),
            ("2018/01/16/1 14:02:08", "YYYY/MM/DD"),
            ("18/01/16 14:02:08", "year"),
            ("+2018/01/16 14:02:08", "year"),
            ("2018/001/16 14:02:08", "month"),
            ("2018/01/16 14:02", "HH:MM:SS"),
            ("2018/01/16 14:02:08.5", "seconds"),
            ("2018/01/16 14:2:08", "minutes"),
            ("2018/01/16  14:02:08", "hour"),
            ("2018/01/16 14:02:08 ", "seconds"),
            ("2018/02/30 14:02:08", "no such day"),
            ("2018/13/01 14:02:08", "no such day"),
            ("2018/00/01 14:02:08", "no such day"),
            ("2018/01/16 24:00:00", "no such time"),
            ("2018/01/16 23:60:00", "no such time"),
            ("２０１８/01/16 14:02:08", "year"),
        ] {
            let e = parse_china_time(bad).unwrap_err();
            assert_eq!(e.input, bad);
            let shown = e.to_string();
            assert!(shown.contains(why), "{bad:?}: {shown}");
            assert!(shown.contains("YYYY/MM/DD HH:MM:SS"), "{shown}");
        }
    }
}
