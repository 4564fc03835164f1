//! The fleet's clock, and calendar arithmetic in China Standard Time.
//!
//! Everything a card reports (usage, `createtime`) is a function of this
//! clock, so freezing it makes answers byte-identical; leaving it real makes
//! usage grow while a client polls. Token lifetimes and the Tencent `time`
//! window do not use it: they follow the real clock, as a real server's do.
//!
//! This is also where the system's clocks are read, and nowhere else.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::TimeZone;
use iotcard_model::{china_standard_time, Instant};

pub(crate) use system::{monotonic_now, system_unix_seconds};

const CST_OFFSET_SECONDS: i64 = 8 * 3600;
const DAY: i64 = 86_400;
/// Marks "not frozen": no instant a `chrono` date can hold is this far back.
const REAL: i64 = i64::MIN;

/// The system's wall and monotonic clocks. A live fleet clock, token
/// lifetimes, the Tencent `time` window and added latency need real time;
/// reading it only here keeps one seam where a fake clock could go.
#[allow(clippy::disallowed_methods)] // the one place that reads the system clock: every other module asks here
mod system {
    use std::time::{Instant, SystemTime, UNIX_EPOCH};

    /// Seconds since the Unix epoch by the system clock.
    pub(crate) fn system_unix_seconds() -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
        }
    }

    /// Now on the monotonic clock, for lifetimes and deadlines that must
    /// not jump when the wall clock is set.
    pub(crate) fn monotonic_now() -> Instant {
        Instant::now()
    }
}

/// An instant at whole-second resolution in UTC+8, as the providers write it.
pub(crate) fn cst_instant(unix_seconds: i64) -> Instant {
    china_standard_time()
        .timestamp_opt(unix_seconds, 0)
        .single()
        .unwrap_or_else(|| china_standard_time().timestamp_opt(0, 0).unwrap())
}

/// The clock answers are rendered at: real, or frozen at one instant.
#[derive(Debug)]
pub(crate) struct FleetClock {
    frozen: AtomicI64,
}

impl FleetClock {
    pub(crate) fn new(frozen: Option<Instant>) -> Self {
        let clock = Self {
            frozen: AtomicI64::new(REAL),
        };
        clock.set(frozen);
        clock
    }

    /// Freezes the clock at `at` (whole seconds), or lets it run with `None`.
    pub(crate) fn set(&self, at: Option<Instant>) {
        let value = at.map_or(REAL, |t| t.timestamp());
        self.frozen.store(value, Ordering::Relaxed);
    }

    /// Now, in Unix seconds.
    pub(crate) fn unix_seconds(&self) -> i64 {
        match self.frozen.load(Ordering::Relaxed) {
            REAL => system_unix_seconds(),
            frozen => frozen,
        }
    }
}

/// A calendar date and time of day.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Civil {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
}

impl Civil {
    /// The China Standard Time calendar reading of a Unix instant.
    pub(crate) fn cst(unix_seconds: i64) -> Self {
        let local = unix_seconds.saturating_add(CST_OFFSET_SECONDS);
        let days = local.div_euclid(DAY);
        let secs = local.rem_euclid(DAY) as u32;
        let (year, month, day) = civil_from_days(days);
        Self {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
        }
    }
}

/// The billing period (calendar month in UTC+8) holding `unix_seconds`:
/// its start in Unix seconds and its length in seconds.
pub(crate) fn month_period(unix_seconds: i64) -> (i64, i64) {
    let c = Civil::cst(unix_seconds);
    let start = days_from_civil(c.year, c.month, 1);
    let (next_year, next_month) = if c.month == 12 {
        (c.year + 1, 1)
    } else {
        (c.year, c.month + 1)
    };
    let end = days_from_civil(next_year, next_month, 1);
    (start * DAY - CST_OFFSET_SECONDS, (end - start) * DAY)
}

/// Where an instant lies in its billing period, computed once per answer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Period {
    elapsed: i64,
    len: i64,
}

impl Period {
    pub(crate) fn at(unix_seconds: i64) -> Self {
        let (start, len) = month_period(unix_seconds);
        Self {
            elapsed: (unix_seconds - start).clamp(0, len),
            len,
        }
    }

    /// The part of `whole` (a month's amount, at most about 10^12) used so
    /// far: the period's usage grows evenly from its start.
    pub(crate) fn share(&self, whole: i64) -> i64 {
        // elapsed < 2^22 and whole < 2^40, so the product fits in an i64.
        whole * self.elapsed / self.len
    }
}

/// The last second of a month in UTC+8 (`YYYY/MM/last 23:59:59`), as Unix seconds.
pub(crate) fn cst_month_end(year: i64, month: u32) -> i64 {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    days_from_civil(next_year, next_month, 1) * DAY - CST_OFFSET_SECONDS - 1
}

// Howard Hinnant's algorithms (proleptic Gregorian), exact for every i64 day
// a chrono date can hold.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Timelike};

    #[test]
    fn civil_matches_chrono_over_centuries() {
        let mut t = -4_000_000_000i64;
        while t < 8_000_000_000 {
            let c = Civil::cst(t);
            let d = cst_instant(t);
            assert_eq!(
                (c.year, c.month, c.day, c.hour, c.minute, c.second),
                (
                    i64::from(d.year()),
                    d.month(),
                    d.day(),
                    d.hour(),
                    d.minute(),
                    d.second()
                ),
                "{t}"
            );
            t += 7_777_777;
        }
    }

    #[test]
    fn month_periods_are_cst_months() {
        // 2018/01/16 14:02:08 CST lies in January 2018 (31 days), which
        // begins 2017-12-31T16:00:00Z.
        let (start, len) = month_period(1_516_082_528);
        assert_eq!(start, 1_514_736_000);
        assert_eq!(len, 31 * DAY);
        // February 2024 (leap) has 29 days.
        let (_, len) = month_period(1_708_000_000);
        assert_eq!(len, 29 * DAY);
        // The last second of a month belongs to it; the next one does not.
        let end = cst_month_end(2018, 1);
        assert_eq!(month_period(end).0, start);
        assert_ne!(month_period(end + 1).0, start);
        assert_eq!(Civil::cst(end).day, 31);
        assert_eq!((Civil::cst(end).hour, Civil::cst(end).second), (23, 59));
    }

    #[test]
    fn frozen_clock_stays() {
        let at = cst_instant(1_516_082_528);
        let clock = FleetClock::new(Some(at));
        assert_eq!(clock.unix_seconds(), 1_516_082_528);
        clock.set(None);
        assert!(clock.unix_seconds() > 1_600_000_000);
    }
}
