//! `quota`: used ≥ p% of the period's allowance, in steps.

use iotcard_model::Decimal;

use super::{mul, pct_list, percent, CardCtx};
use crate::state::Check;
use crate::{AlertState, Figures, Measure, RuleConfig};

/// Data (or SMS) used at or above a percentage of the period's allowance.
/// The alert is at the highest step crossed; it goes up a step (and
/// notifies) as usage grows, and comes down a step, or resolves, only once
/// usage is below the step less `hysteresis` percentage points (5 unless
/// told), so a value teetering on a threshold does not flap.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct QuotaRule {
    /// Data or SMS.
    pub measure: Measure,
    /// Percentages, ascending.
    pub thresholds: Vec<Decimal>,
    /// Percentage points below a step before it is left.
    pub hysteresis: Decimal,
}

impl QuotaRule {
    pub(crate) fn from_config(c: &RuleConfig) -> Result<Self, String> {
        let mut thresholds = c.thresholds.clone().ok_or_else(|| {
            "a quota rule needs `thresholds` (percentages, e.g. thresholds = [80, 90, 100])"
                .to_owned()
        })?;
        if thresholds.is_empty() {
            return Err("`thresholds` must list at least one percentage".into());
        }
        if let Some(bad) = thresholds
            .iter()
            .find(|t| **t <= Decimal::ZERO || **t > Decimal::from(1000))
        {
            return Err(format!(
                "`thresholds`: {bad} is not a percentage above 0 (and at most 1000)"
            ));
        }
        thresholds.sort();
        thresholds.dedup();
        let hysteresis = c.hysteresis.unwrap_or(Decimal::from(5));
        if hysteresis.is_sign_negative() || hysteresis >= Decimal::ONE_HUNDRED {
            return Err(format!(
                "`hysteresis` is in percentage points: {hysteresis} is not between 0 and 100"
            ));
        }
        Ok(Self {
            measure: c.measure.unwrap_or_default(),
            thresholds,
            hysteresis,
        })
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
        let used = if ctx.stale_period {
            Decimal::ZERO
        } else {
            used
        };
        // used × 100 ≥ t × allowance: no division on the common path.
        let used100 = mul(used, Decimal::ONE_HUNDRED);
        if prev.is_none() && used100 < mul(self.thresholds[0], allowance) {
            // Below the lowest step: the common case.
            return Check::Clear(None);
        }
        let crossed = self
            .thresholds
            .iter()
            .rev()
            .find(|t| used100 >= mul(**t, allowance))
            .copied();
        let held = prev.and_then(|p| p.step).and_then(|at| {
            self.thresholds
                .iter()
                .rev()
                .filter(|t| **t <= at)
                .find(|t| used100 >= mul(**t - self.hysteresis, allowance))
                .copied()
        });
        let step = crossed.max(held);
        if step.is_none() && prev.is_none() {
            return Check::Clear(None);
        }
        let figures = Figures::Quota {
            measure: self.measure,
            used,
            allowance,
            unit,
            percent: percent(used, allowance),
            step,
        };
        match step {
            Some(step) => Check::active(Some(step), figures),
            None => Check::clear(Some(figures)),
        }
    }

    pub(crate) fn explain(&self) -> String {
        format!(
            "{} used at {} of the period's allowance (the alert carries the highest step; \
             it steps down or resolves below the step less {} points)",
            self.measure.name(),
            pct_list(&self.thresholds),
            self.hysteresis.normalize()
        )
    }
}
