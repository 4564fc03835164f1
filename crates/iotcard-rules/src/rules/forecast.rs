//! `forecast`: at the recent daily rate, the allowance runs out before the
//! period ends.

use chrono::{NaiveDate, TimeDelta};
use iotcard_model::{DataUnit, Decimal};

use super::{cst_date, mul, next_month, percent, CardCtx};
use crate::state::Check;
use crate::{AlertState, Figures, Measure, RuleConfig, Span};

/// At the card's mean daily use over the last `lookback` complete days
/// (7 unless told), the allowance runs out before the period ends (the
/// calendar month in China Standard Time). It resolves once the projected
/// use at the period's end falls below 100% less `hysteresis` percentage
/// points (5 unless told).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ForecastRule {
    /// Data or SMS.
    pub measure: Measure,
    /// Complete days the rate is taken over.
    pub lookback_days: u32,
    /// Percentage points below 100% before it resolves.
    pub hysteresis: Decimal,
}

impl ForecastRule {
    pub(crate) fn from_config(c: &RuleConfig) -> Result<Self, String> {
        let lookback = c.lookback.unwrap_or(Span::from_days(7));
        if lookback.as_secs() % 86_400 != 0 || lookback.whole_days() == 0 {
            return Err(format!(
                "`lookback` counts whole days (e.g. \"7d\"), not {lookback}"
            ));
        }
        if lookback.whole_days() > 62 {
            return Err("`lookback` is at most 62 days".into());
        }
        let hysteresis = c.hysteresis.unwrap_or(Decimal::from(5));
        if hysteresis.is_sign_negative() || hysteresis >= Decimal::ONE_HUNDRED {
            return Err(format!(
                "`hysteresis` is in percentage points: {hysteresis} is not between 0 and 100"
            ));
        }
        Ok(Self {
            measure: c.measure.unwrap_or_default(),
            lookback_days: lookback.whole_days() as u32,
            hysteresis,
        })
    }

    /// The use summed over the lookback days before today that have a
    /// figure (in the card's unit), and how many they are.
    fn window(&self, ctx: &CardCtx<'_>, unit: Option<DataUnit>) -> Option<(Decimal, u32)> {
        let first = ctx.today - TimeDelta::days(i64::from(self.lookback_days));
        let mut sum = Decimal::ZERO;
        let mut count = 0u32;
        for day in ctx.card.days.iter().rev() {
            if day.day >= ctx.today {
                continue;
            }
            if day.day < first {
                break;
            }
            let value = match self.measure {
                Measure::Data => day
                    .data_used
                    .filter(|d| Some(d.unit) == unit)
                    .map(|d| d.amount),
                Measure::Sms => day.sms_used.map(|n| Decimal::from(n.0)),
            };
            if let Some(v) = value.filter(|v| v.is_sign_positive()) {
                sum = sum.checked_add(v)?;
                count += 1;
            }
        }
        (count > 0).then_some((sum, count))
    }

    pub(crate) fn check(&self, ctx: &CardCtx<'_>, prev: Option<&AlertState>) -> Check {
        if !ctx.has_snapshot() {
            return Check::Unknown;
        }
        let Some((used, allowance, unit)) = ctx.usage(self.measure) else {
            return Check::Unknown;
        };
        if allowance <= Decimal::ZERO {
            return Check::Unknown;
        }
        let period_ends_on = next_month(ctx.today).pred_opt().unwrap_or(ctx.today);
        let figures = |used, daily_rate, projected_percent, runs_out_on: Option<NaiveDate>| {
            Figures::Forecast {
                measure: self.measure,
                used,
                allowance,
                unit,
                daily_rate,
                projected_percent,
                runs_out_on,
                period_ends_on,
            }
        };
        if ctx.stale_period {
            // A new month: nothing used yet, whatever the rate.
            return Check::clear(
                prev.map(|_| figures(Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, None)),
            );
        }
        let Some((sum, count)) = self.window(ctx, unit) else {
            return Check::Unknown;
        };
        let secs_left = Decimal::from(ctx.secs_to_month_end);
        let count = Decimal::from(count);
        let day = Decimal::from(86_400);
        // projected = used + sum / count × secs_left / 86400, compared with
        // limit% of the allowance without dividing (the common path).
        let limit = if prev.is_some() {
            Decimal::ONE_HUNDRED - self.hysteresis
        } else {
            Decimal::ONE_HUNDRED
        };
        let scaled = mul(mul(used, count), day).saturating_add(mul(sum, secs_left));
        let active =
            mul(scaled, Decimal::ONE_HUNDRED) >= mul(mul(mul(limit, allowance), count), day);
        if !active && prev.is_none() {
            return Check::Clear(None);
        }
        let rate = sum / count;
        let projected = used.saturating_add(mul(rate, secs_left) / day);
        let runs_out_on = if used >= allowance {
            Some(ctx.today)
        } else if rate > Decimal::ZERO {
            let days = (allowance - used) / rate;
            let secs = mul(days, Decimal::from(86_400));
            let secs: i64 = secs.trunc().try_into().unwrap_or(i64::MAX);
            TimeDelta::try_seconds(secs)
                .and_then(|d| ctx.now.checked_add_signed(d))
                .map(cst_date)
                .filter(|day| *day <= period_ends_on)
        } else {
            None
        };
        let f = figures(
            used,
            rate.round_dp(3),
            percent(projected, allowance),
            runs_out_on,
        );
        if active {
            Check::active(None, f)
        } else {
            Check::clear(Some(f))
        }
    }

    pub(crate) fn explain(&self) -> String {
        format!(
            "at the mean daily {} use of the last {} complete days, the allowance runs out \
             before the period (the calendar month, China Standard Time) ends; resolves once \
             the projection falls below {}%",
            self.measure.name(),
            self.lookback_days,
            (Decimal::ONE_HUNDRED - self.hysteresis).normalize()
        )
    }
}
