//! Daily usage from month-to-date counters.
//!
//! Providers report usage *in the current period*. A day's usage is the sum,
//! over each pair of consecutive snapshots whose later one falls on that
//! day, of how much the counter grew. When it dropped, the period restarted
//! and the later figure is all that was used since; for IoTBOS, whose
//! period is the calendar month in China Standard Time, a pair that spans
//! a month boundary counts the later figure alone even if it did not drop.
//! Days are China Standard Time days for every provider.
//!
//! A day without a snapshot has no row; the next day's row then covers the
//! gap and says so (`covers_from`). A card's first snapshot starts it off
//! and adds nothing.

use chrono::{Datelike, NaiveDate};
use iotcard_model::Decimal;

const CST_SECONDS: i64 = 8 * 3600;
const DAY_SECONDS: i64 = 86_400;

/// The China Standard Time day of an instant, as days since 1970-01-01.
pub(crate) fn day_of(seconds: i64) -> i64 {
    (seconds + CST_SECONDS).div_euclid(DAY_SECONDS)
}

/// [`day_of`] of `c.last_seen` in SQL, the same in SQLite and PostgreSQL:
/// both truncate `/` and `%` towards zero, so this floors by hand.
pub(crate) const LAST_SEEN_DAY: &str = "((c.last_seen + 28800) - \
     (((c.last_seen + 28800) % 86400) + 86400) % 86400) / 86400";

/// The date of a day number.
pub(crate) fn date(day: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(day))
}

/// The day number of a date.
pub(crate) fn day_number(date: NaiveDate) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("1970-01-01 is a date");
    (date - epoch).num_days()
}

fn cst_month(seconds: i64) -> (i32, u32) {
    let day = date(day_of(seconds)).unwrap_or_default();
    (day.year(), day.month())
}

/// One snapshot's counters, as daily usage sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Point {
    pub at: i64,
    /// Data used this period, and whether it is in the provider's unit.
    pub data: Option<(Decimal, bool)>,
    pub sms: Option<i64>,
}

/// What one pair of snapshots adds to the later one's day.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Contribution {
    pub data: Option<(Decimal, bool)>,
    pub sms: Option<i64>,
    pub reset: bool,
}

/// How much was used from `a` to `b` (`a` earlier).
pub(crate) fn contribution(a: &Point, b: &Point, monthly_cst: bool) -> Contribution {
    let new_month = monthly_cst && cst_month(a.at) != cst_month(b.at);
    let mut reset = false;
    let data = match (a.data, b.data) {
        // A unit change makes the two figures incomparable: count nothing.
        (Some((before, unit_a)), Some((after, unit_b))) if unit_a == unit_b => {
            if new_month || after < before {
                reset = true;
                Some((after, unit_b))
            } else {
                // A difference past what a decimal holds (figures no card
                // reports, but a provider may send) counts nothing.
                after.checked_sub(before).map(|used| (used, unit_b))
            }
        }
        _ => None,
    };
    let sms = match (a.sms, b.sms) {
        (Some(before), Some(after)) => {
            if new_month || after < before {
                reset = true;
                Some(after)
            } else {
                after.checked_sub(before)
            }
        }
        _ => None,
    };
    Contribution { data, sms, reset }
}

/// One row of `daily`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DailyRow {
    pub card_id: i64,
    pub day: i64,
    pub data: Option<Decimal>,
    /// Whether `data` is in the provider's unit (else MB).
    pub data_in_provider_unit: bool,
    pub sms: Option<i64>,
    pub snapshots: i64,
    pub covers_from: Option<i64>,
    pub reset: bool,
}

impl DailyRow {
    pub(crate) fn empty(card_id: i64, day: i64) -> Self {
        Self {
            card_id,
            day,
            data: None,
            data_in_provider_unit: false,
            sms: None,
            snapshots: 0,
            covers_from: None,
            reset: false,
        }
    }

    /// Adds one pair starting at `from`.
    pub(crate) fn add(&mut self, c: &Contribution, from: i64) {
        if let Some((amount, provider_unit)) = c.data {
            match self.data {
                // Past a decimal's range a day's sum stays at the bound, as
                // in `subtract`: wrong for figures that absurd, never a panic.
                Some(sum) if self.data_in_provider_unit == provider_unit => {
                    self.data = Some(sum.saturating_add(amount));
                }
                // A day whose unit changed keeps the later unit's figure.
                _ => {
                    self.data = Some(amount);
                    self.data_in_provider_unit = provider_unit;
                }
            }
        }
        if let Some(sms) = c.sms {
            self.sms = Some(self.sms.unwrap_or(0).saturating_add(sms));
        }
        self.reset |= c.reset;
        self.covers_from = Some(self.covers_from.map_or(from, |f| f.min(from)));
    }

    /// Takes back a pair [`DailyRow::add`] added (a snapshot arrived between
    /// its two ends). The reset flag stays: it may have come from another pair.
    pub(crate) fn subtract(&mut self, c: &Contribution) {
        if let (Some((amount, unit)), Some(sum)) = (c.data, self.data) {
            if unit == self.data_in_provider_unit {
                self.data = Some(sum.saturating_sub(amount));
            }
        }
        if let (Some(sms), Some(sum)) = (c.sms, self.sms) {
            self.sms = Some(sum.saturating_sub(sms));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp()
    }

    fn point(when: &str, data: &str, sms: i64) -> Point {
        Point {
            at: at(when),
            data: Some((data.parse().unwrap(), true)),
            sms: Some(sms),
        }
    }

    #[test]
    fn days_are_china_standard_time() {
        assert_eq!(
            date(day_of(at("2026-11-30T16:00:00Z")))
                .unwrap()
                .to_string(),
            "2026-12-01"
        );
        assert_eq!(
            date(day_of(at("2026-11-30T15:59:59Z")))
                .unwrap()
                .to_string(),
            "2026-11-30"
        );
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(date(day_number(d)), Some(d));
    }

    #[test]
    fn figures_at_the_ends_of_their_range_never_overflow() {
        let low = Point {
            at: at("2026-11-29T12:00:00+08:00"),
            data: Some((Decimal::MIN, true)),
            sms: Some(i64::MIN),
        };
        let high = Point {
            at: at("2026-11-30T12:00:00+08:00"),
            data: Some((Decimal::MAX, true)),
            sms: Some(i64::MAX),
        };
        // The difference does not fit: the pair counts nothing.
        let c = contribution(&low, &high, false);
        assert_eq!((c.data, c.sms, c.reset), (None, None, false));
        // Sums saturate, and taking back saturates too.
        let big = contribution(&point("2026-11-29T12:00:00+08:00", "0", 0), &high, false);
        assert_eq!(big.sms, Some(i64::MAX));
        let mut row = DailyRow::empty(1, day_of(high.at));
        row.add(&big, low.at);
        row.add(&big, low.at);
        assert_eq!((row.data, row.sms), (Some(Decimal::MAX), Some(i64::MAX)));
        let negative = Contribution {
            data: Some((Decimal::MIN, true)),
            sms: Some(i64::MIN),
            reset: false,
        };
        row.subtract(&big);
        row.subtract(&negative);
        row.add(&negative, low.at);
        row.add(&negative, low.at);
        assert!(row.data.is_some() && row.sms.is_some());
    }

    #[test]
    fn growth_drop_and_cst_month() {
        let a = point("2026-11-29T12:00:00+08:00", "10.50", 3);
        let b = point("2026-11-30T12:00:00+08:00", "14.970", 5);
        let c = contribution(&a, &b, true);
        assert_eq!(c.data.unwrap().0.to_string(), "4.470");
        assert_eq!((c.sms, c.reset), (Some(2), false));
        // A drop is a reset, for any provider.
        let drop = point("2026-11-30T13:00:00+08:00", "1", 0);
        let c = contribution(&b, &drop, false);
        assert_eq!((c.data.unwrap().0.to_string(), c.reset), ("1".into(), true));
        // 23:30 to 00:30 CST on Dec 1st (16:30 UTC Nov 30th): a new IoTBOS month,
        // although the counter grew; not for a provider without calendar months.
        let late = point("2026-11-30T23:30:00+08:00", "20", 5);
        let early = point("2026-12-01T00:30:00+08:00", "25", 6);
        let c = contribution(&late, &early, true);
        assert_eq!(
            (c.data.unwrap().0.to_string(), c.sms, c.reset),
            ("25".into(), Some(6), true)
        );
        let c = contribution(&late, &early, false);
        assert_eq!(
            (c.data.unwrap().0.to_string(), c.reset),
            ("5".into(), false)
        );
    }

    #[test]
    fn rows_add_and_take_back() {
        let mut row = DailyRow::empty(1, 0);
        let c = Contribution {
            data: Some(("1.5".parse().unwrap(), false)),
            sms: Some(2),
            reset: false,
        };
        row.add(&c, 100);
        row.add(&c, 50);
        assert_eq!(row.data.unwrap().to_string(), "3.0");
        assert_eq!((row.sms, row.covers_from), (Some(4), Some(50)));
        row.subtract(&c);
        assert_eq!(row.data.unwrap().to_string(), "1.5");
    }
}
