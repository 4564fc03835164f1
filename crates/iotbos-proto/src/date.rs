//! IoTBOS dates: documented as `YYYY/MM/DD HH:MM:SS`, no zone, meaning China
//! Standard Time; read in every style its servers have been seen to write
//! (the reading itself is [`iotcard_wire::china_date`], shared with the
//! Tencent crate).

use iotcard_model::Instant;

/// A date the provider sent that is in no style a server writes, or names no
/// real moment, or (for [`parse_china_time`], which needs a moment) is the
/// empty date. The wire crate's error: both platforms report dates alike.
pub use iotcard_wire::DateError;

/// Reads an IoTBOS date (`2018/01/16 14:02:08`) as an instant in China
/// Standard Time (UTC+8), whatever the local zone is.
///
/// Every style of the specs' README ("What real servers may do") is
/// accepted: `/` or `-` between the date's parts, no zero padding
/// (`2018/1/6 9:02:08`, .NET's `zh-CN` default: this server is ASP.NET),
/// `T` for the space, fractional seconds, no seconds, a date alone (its
/// midnight), a zone written after the time (`Z`, `+08:00`), and
/// `/Date(1516082528000)/`. Dates without a zone are China Standard Time.
///
/// A moment is required here (a token's creation and expiry), so the
/// values that mean "no date" (`""`, blanks, .NET's `0001-01-01 00:00:00`,
/// MySQL's `0000-00-00`) are a [`DateError`] saying so; the data calls,
/// where no date is an answer, read them as none (see
/// [`parse_expiry`](crate::parse_expiry)). Impossible dates (`2018/02/30`)
/// are refused.
///
/// ```
/// let t = iotbos_proto::parse_china_time("2018/01/16 14:02:08")?;
/// assert_eq!(t.to_rfc3339(), "2018-01-16T14:02:08+08:00");
/// assert_eq!(iotbos_proto::parse_china_time("2018-1-16T14:02:08.000")?, t);
/// assert!(iotbos_proto::parse_china_time("0001-01-01 00:00:00").is_err());
/// # Ok::<(), iotbos_proto::DateError>(())
/// ```
pub fn parse_china_time(text: &str) -> Result<Instant, DateError> {
    iotcard_wire::china_date(text)?.ok_or_else(|| DateError {
        input: format!("{text:?}"),
        reason: "it is the empty date, and a moment is needed here",
    })
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
    fn accepts_every_style_servers_write() {
        let want = parse_china_time("2018/01/06 09:02:08").unwrap();
        for style in [
            "2018/1/6 9:02:08",
            "2018-01-06 09:02:08",
            "2018-1-6 9:2:8",
            "2018-01-06T09:02:08",
            "2018-01-06T09:02:08.000",
            "2018-01-06T01:02:08Z",
            "/Date(1515200528000)/",
        ] {
            assert_eq!(parse_china_time(style).unwrap(), want, "{style}");
        }
        assert_eq!(
            parse_china_time("2018-01-06").unwrap().to_rfc3339(),
            "2018-01-06T00:00:00+08:00"
        );
    }

    #[test]
    fn refuses_bad_and_empty_dates_clearly() {
        for (bad, why) in [
            ("", "empty date"),
            ("0001-01-01 00:00:00", "empty date"),
            ("0000-00-00 00:00:00", "empty date"),
            ("18/01/16 14:02:08", "year"),
            ("2018/001/16 14:02:08", "month"),
            ("2018/01/16 14", "hours and minutes"),
            ("2018/02/30 14:02:08", "no such day"),
            ("2018/13/01 14:02:08", "no such day"),
            ("2018/01/16 24:00:00", "no such time"),
            ("２０１８/01/16 14:02:08", "year"),
            ("soon", "year, month and day"),
        ] {
            let e = parse_china_time(bad).unwrap_err();
            let shown = e.to_string();
            assert!(shown.contains(why), "{bad:?}: {shown}");
            assert!(e.input.contains(bad), "{bad:?}: {}", e.input);
        }
    }
}
