//! One module per kind of rule: its settings, its validation, its check
//! and its sentence.

use chrono::{Datelike, NaiveDate, TimeZone as _};
use iotcard_model::{china_standard_time, DataUnit, Decimal, Instant};

use crate::{AccountInput, CardInput, Measure, PeriodKind};

mod expiry;
mod forecast;
mod quota;
mod remaining;
mod silent;
mod spike;
mod status;
mod sync;

pub use expiry::ExpiryRule;
pub use forecast::ForecastRule;
pub use quota::QuotaRule;
pub use remaining::RemainingRule;
pub use silent::SilentRule;
pub use spike::SpikeRule;
pub use status::{StatusMode, StatusRule};
pub use sync::SyncRule;

/// What every card rule knows of the card it checks: computed once per card.
#[derive(Debug)]
pub(crate) struct CardCtx<'a> {
    pub now: Instant,
    /// Today in China Standard Time.
    pub today: NaiveDate,
    pub card: &'a CardInput,
    /// The snapshot describes an earlier usage period than today's (a
    /// calendar-month provider, a snapshot of an earlier month): this
    /// period has used nothing yet.
    pub stale_period: bool,
    /// Seconds from `now` to the end of the calendar month (CST).
    pub secs_to_month_end: i64,
}

/// What every card's context shares in one evaluation: computed once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    pub now: Instant,
    pub today: NaiveDate,
    pub today_month: i32,
    pub secs_to_month_end: i64,
}

impl Clock {
    pub(crate) fn new(now: Instant) -> Self {
        let today = cst_date(now);
        Self {
            now,
            today,
            today_month: month_index(today),
            secs_to_month_end: (cst_midnight(next_month(today)) - now).num_seconds().max(0),
        }
    }
}

impl<'a> CardCtx<'a> {
    pub(crate) fn new(clock: &Clock, account: &AccountInput, card: &'a CardInput) -> Self {
        let stale_period = account.period == PeriodKind::CalendarMonth
            && card
                .taken_at
                .is_some_and(|t| month_index(cst_date(t)) < clock.today_month);
        Self {
            now: clock.now,
            today: clock.today,
            card,
            stale_period,
            secs_to_month_end: clock.secs_to_month_end,
        }
    }

    /// Whether the card has a snapshot at all.
    pub(crate) fn has_snapshot(&self) -> bool {
        self.card.taken_at.is_some()
    }

    /// Used and the allowance of the period, in one unit (`None` for SMS):
    /// the plan's included amount, or used plus left when the plan gives
    /// none. `None` when not known, or in two different units.
    pub(crate) fn usage(&self, measure: Measure) -> Option<(Decimal, Decimal, Option<DataUnit>)> {
        let snap = &self.card.snapshot;
        match measure {
            Measure::Data => {
                let used = snap.usage.as_ref()?.data_used?;
                let included = snap
                    .plan
                    .as_ref()
                    .and_then(|p| p.included_data)
                    .filter(|d| d.amount > Decimal::ZERO);
                let allowance = match included {
                    Some(d) => d,
                    None => {
                        let left = snap.remaining.as_ref()?.data_left?;
                        (left.unit == used.unit).then_some(())?;
                        iotcard_model::DataAmount::new(
                            used.amount.checked_add(left.amount)?,
                            used.unit,
                        )
                    }
                };
                (allowance.unit == used.unit).then_some((
                    used.amount,
                    allowance.amount,
                    Some(used.unit),
                ))
            }
            Measure::Sms => {
                let used = snap.usage.as_ref()?.sms_used?;
                let included = snap
                    .plan
                    .as_ref()
                    .and_then(|p| p.included_sms)
                    .filter(|n| n.0 > 0);
                let allowance = match included {
                    Some(n) => n.0,
                    None => used.0.checked_add(snap.remaining.as_ref()?.sms_left?.0)?,
                };
                Some((Decimal::from(used.0), Decimal::from(allowance), None))
            }
        }
    }
}

/// The day of an instant in China Standard Time.
pub(crate) fn cst_date(t: Instant) -> NaiveDate {
    t.with_timezone(&china_standard_time()).date_naive()
}

/// Months since year 0, to compare months.
pub(crate) fn month_index(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

/// The first day of the month after `d`'s.
pub(crate) fn next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MAX)
}

/// Midnight China Standard Time at the start of `d`.
pub(crate) fn cst_midnight(d: NaiveDate) -> Instant {
    let cst = china_standard_time();
    cst.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .single()
        .unwrap_or_else(|| cst.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN)))
}

/// `a × b`, saturating.
pub(crate) fn mul(a: Decimal, b: Decimal) -> Decimal {
    a.checked_mul(b)
        .unwrap_or(if a.is_sign_negative() == b.is_sign_negative() {
            Decimal::MAX
        } else {
            Decimal::MIN
        })
}

/// `a / b × 100`, two places; zero when `b` is zero.
pub(crate) fn percent(a: Decimal, b: Decimal) -> Decimal {
    a.checked_div(b)
        .map(|r| mul(r, Decimal::ONE_HUNDRED).round_dp(2))
        .unwrap_or_default()
}

/// A percentage in words: `80%`.
pub(crate) fn pct_list(values: &[Decimal]) -> String {
    values
        .iter()
        .map(|v| format!("{}%", v.normalize()))
        .collect::<Vec<_>>()
        .join(", ")
}
