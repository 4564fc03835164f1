//! `remaining`: data left below an amount.

use iotcard_model::Decimal;

use super::CardCtx;
use crate::state::Check;
use crate::{AlertState, Figures, RuleConfig};

/// Data left this period below `amount`. Resolves once data left is at
/// least `amount` plus `hysteresis` (a tenth of `amount` unless told); a
/// new calendar-month period resolves it too.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RemainingRule {
    /// The amount (MB, or the provider's unit).
    pub amount: Decimal,
    /// How far above `amount` data left must climb to resolve.
    pub hysteresis: Decimal,
}

impl RemainingRule {
    pub(crate) fn from_config(c: &RuleConfig) -> Result<Self, String> {
        let amount = c
            .amount
            .ok_or_else(|| {
                "a remaining rule needs `amount` (data in MB, e.g. amount = \"100MB\")".to_owned()
            })?
            .0;
        if amount <= Decimal::ZERO {
            return Err("`amount` must be above 0".into());
        }
        let hysteresis = c.hysteresis.unwrap_or(amount / Decimal::TEN);
        if hysteresis.is_sign_negative() {
            return Err("`hysteresis` (an amount of data) must not be negative".into());
        }
        Ok(Self { amount, hysteresis })
    }

    pub(crate) fn check(&self, ctx: &CardCtx<'_>, prev: Option<&AlertState>) -> Check {
        if !ctx.has_snapshot() {
            return Check::Unknown;
        }
        let Some(left) = ctx
            .card
            .snapshot
            .remaining
            .as_ref()
            .and_then(|r| r.data_left)
        else {
            return Check::Unknown;
        };
        if ctx.stale_period {
            // A new period gives a new allowance.
            return Check::clear(prev.map(|p| p.figures.clone()));
        }
        let limit = if prev.is_some() {
            self.amount.saturating_add(self.hysteresis)
        } else {
            self.amount
        };
        let active = left.amount < limit;
        if !active && prev.is_none() {
            return Check::Clear(None);
        }
        let figures = Figures::Remaining {
            left: left.amount,
            unit: left.unit,
            below: self.amount,
        };
        if active {
            Check::active(None, figures)
        } else {
            Check::clear(Some(figures))
        }
    }

    pub(crate) fn explain(&self) -> String {
        format!(
            "data left this period below {} MB (resolves at {} MB or more)",
            self.amount.normalize(),
            self.amount.saturating_add(self.hysteresis).normalize()
        )
    }
}
