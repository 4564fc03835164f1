//! `spike`: a day's usage above k × the median of the previous 7 days.

use chrono::TimeDelta;
use iotcard_model::Decimal;

use super::{mul, CardCtx};
use crate::state::Check;
use crate::{AlertState, Figures, RuleConfig};

/// The card's latest day of data use (today or yesterday, China Standard
/// Time) is above `factor` × the median of its previous 7 days (at least
/// 3 of them with a figure), and at least `min_amount` (1 MB unless told,
/// so a card idling at a few kilobytes does not page anyone). The alert is
/// about that day: it resolves when a later day is not a spike.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SpikeRule {
    /// The factor k.
    pub factor: Decimal,
    /// A smaller day is never a spike.
    pub min_amount: Decimal,
}

/// Days a median needs.
const MIN_DAYS: usize = 3;

impl SpikeRule {
    pub(crate) fn from_config(c: &RuleConfig) -> Result<Self, String> {
        let factor = c
            .factor
            .ok_or_else(|| "a spike rule needs `factor` (k, e.g. factor = 3)".to_owned())?;
        if factor <= Decimal::ONE {
            return Err(format!("`factor` must be above 1, not {factor}"));
        }
        let min_amount = c.min_amount.map_or(Decimal::ONE, |a| a.0);
        Ok(Self { factor, min_amount })
    }

    pub(crate) fn check(&self, ctx: &CardCtx<'_>, prev: Option<&AlertState>) -> Check {
        if !ctx.has_snapshot() {
            return Check::Unknown;
        }
        let days = &ctx.card.days;
        let Some(latest_at) = days
            .iter()
            .rposition(|d| d.data_used.is_some() && d.day <= ctx.today)
        else {
            return Check::Unknown;
        };
        let latest = &days[latest_at];
        let Some(used) = latest.data_used else {
            return Check::Unknown;
        };
        if latest.day < ctx.today - TimeDelta::days(1) {
            // No figure for today or yesterday: no spike now.
            return Check::clear(prev.map(|p| p.figures.clone()));
        }
        let first = latest.day - TimeDelta::days(7);
        let mut window = [Decimal::ZERO; 7];
        let mut n = 0;
        for d in days[..latest_at].iter().rev() {
            if d.day < first || n == window.len() {
                break;
            }
            if d.day >= latest.day {
                continue;
            }
            if let Some(v) = d.data_used.filter(|v| v.unit == used.unit) {
                window[n] = v.amount;
                n += 1;
            }
        }
        if n < MIN_DAYS {
            return Check::Unknown;
        }
        let window = &mut window[..n];
        if prev.is_none() {
            // The median is at least the smallest day: no spike above k × that.
            let least = window.iter().copied().min().unwrap_or_default();
            if used.amount < self.min_amount || used.amount <= mul(self.factor, least) {
                return Check::Clear(None);
            }
        }
        window.sort_unstable();
        let median = if n % 2 == 1 {
            window[n / 2]
        } else {
            (window[n / 2 - 1] + window[n / 2]) / Decimal::TWO
        };
        let active = used.amount >= self.min_amount && used.amount > mul(self.factor, median);
        if !active && prev.is_none() {
            return Check::Clear(None);
        }
        let figures = Figures::Spike {
            day: latest.day,
            used: used.amount,
            median,
            factor: self.factor,
        };
        if active {
            Check::active(None, figures)
        } else {
            Check::clear(Some(figures))
        }
    }

    pub(crate) fn explain(&self) -> String {
        format!(
            "a day's data use above {} × the card's median of the previous 7 days \
             (and at least {} MB)",
            self.factor.normalize(),
            self.min_amount.normalize()
        )
    }
}
