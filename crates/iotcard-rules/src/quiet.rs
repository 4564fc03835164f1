//! Quiet hours: a daily window, in a time zone, during which notifications
//! wait.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveTime, TimeDelta, TimeZone as _};
use chrono_tz::Tz;
use iotcard_model::Instant;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::RulesError;

/// A daily window `HH:MM-HH:MM`, which may wrap midnight (`22:00-08:00`).
///
/// A notification due inside the window is deferred to the window's end,
/// never dropped.
///
/// ```
/// use iotcard_rules::{QuietHours, TimeZone};
/// let quiet: QuietHours = "22:00-08:00".parse()?;
/// let tz = TimeZone::default(); // Asia/Shanghai
/// let at = "2026-03-01T23:30:00+08:00".parse().unwrap();
/// assert_eq!(quiet.release(at, tz).to_rfc3339(), "2026-03-02T08:00:00+08:00");
/// let day = "2026-03-01T12:00:00+08:00".parse().unwrap();
/// assert_eq!(quiet.release(day, tz), day);
/// # Ok::<(), iotcard_rules::RulesError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct QuietHours {
    start: NaiveTime,
    end: NaiveTime,
}

impl QuietHours {
    /// The window from `start` to `end` (local times); `None` if they are
    /// equal (an empty or a whole-day window says nothing useful).
    pub fn new(start: NaiveTime, end: NaiveTime) -> Option<Self> {
        (start != end).then_some(Self { start, end })
    }

    /// When the window opens, local time.
    pub fn start(&self) -> NaiveTime {
        self.start
    }

    /// When the window closes, local time.
    pub fn end(&self) -> NaiveTime {
        self.end
    }

    /// Whether a local time of day is inside the window (its start
    /// included, its end not).
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// When a notification due at `at` may go: `at` itself outside the
    /// window, the window's end inside it. The result keeps `at`'s offset.
    pub fn release(&self, at: Instant, tz: TimeZone) -> Instant {
        let local = at.with_timezone(&tz.0);
        let time = local.time();
        if !self.contains(time) {
            return at;
        }
        let mut day = local.date_naive();
        if self.start > self.end && time >= self.start {
            day = day.succ_opt().unwrap_or(day);
        }
        let end = day.and_time(self.end);
        // A zone whose clocks jump over the end time (daylight saving)
        // releases at the first valid instant after it.
        let released = (0..3)
            .find_map(|h| {
                tz.0.from_local_datetime(&(end + TimeDelta::hours(h)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&at.timezone()))
            .unwrap_or(at);
        released.max(at)
    }
}

impl FromStr for QuietHours {
    type Err = RulesError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| RulesError::InvalidQuietHours {
            input: s.to_owned(),
            reason,
        };
        let (a, b) = s
            .trim()
            .split_once('-')
            .ok_or_else(|| err("expected HH:MM-HH:MM, e.g. \"22:00-08:00\""))?;
        let time = |t: &str| {
            NaiveTime::parse_from_str(t.trim(), "%H:%M")
                .map_err(|_| err("a time is not HH:MM (00:00 to 23:59)"))
        };
        QuietHours::new(time(a)?, time(b)?).ok_or_else(|| err("start and end are the same time"))
    }
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

impl Serialize for QuietHours {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for QuietHours {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A time zone by its IANA name; `Asia/Shanghai` unless told.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TimeZone(pub Tz);

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone(Tz::Asia__Shanghai)
    }
}

impl FromStr for TimeZone {
    type Err = RulesError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse::<Tz>()
            .map(TimeZone)
            .map_err(|_| RulesError::UnknownTimeZone {
                input: s.to_owned(),
            })
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

impl Serialize for TimeZone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.name())
    }
}

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Instant {
        s.parse().unwrap()
    }

    #[test]
    fn a_window_over_midnight_defers_to_its_end_in_its_zone() {
        let q: QuietHours = "22:00-08:00".parse().unwrap();
        let tz = TimeZone::default();
        // 23:30 CST (15:30 UTC) goes at 08:00 CST the next day, in UTC.
        assert_eq!(
            q.release(at("2026-01-31T15:30:00Z"), tz),
            at("2026-02-01T00:00:00Z")
        );
        // 03:00 CST goes at 08:00 CST the same day.
        assert_eq!(
            q.release(at("2026-02-01T03:00:00+08:00"), tz),
            at("2026-02-01T08:00:00+08:00")
        );
        // The end itself is outside; the start inside.
        let end = at("2026-02-01T08:00:00+08:00");
        assert_eq!(q.release(end, tz), end);
        assert_eq!(
            q.release(at("2026-02-01T22:00:00+08:00"), tz),
            at("2026-02-02T08:00:00+08:00")
        );
        assert_eq!(q.to_string(), "22:00-08:00");
    }

    #[test]
    fn a_daytime_window_and_another_zone() {
        let q: QuietHours = "12:00-13:30".parse().unwrap();
        let berlin: TimeZone = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            q.release(at("2026-06-01T10:15:00Z"), berlin), // 12:15 CEST
            at("2026-06-01T11:30:00Z")
        );
        assert_eq!(
            q.release(at("2026-06-01T09:59:00Z"), berlin),
            at("2026-06-01T09:59:00Z")
        );
    }

    #[test]
    fn refuses_bad_windows_and_zones() {
        for bad in ["22:00", "25:00-08:00", "08:00-08:00", "8-9", ""] {
            assert!(bad.parse::<QuietHours>().is_err(), "{bad}");
        }
        let e = "Mars/Olympus".parse::<TimeZone>().unwrap_err();
        assert!(e.to_string().contains("Mars/Olympus"));
    }
}
