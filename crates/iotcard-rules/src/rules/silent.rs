//! `silent`: an active card used no data for N days.

use iotcard_model::{CardStatus, Decimal};

use super::CardCtx;
use crate::state::Check;
use crate::{AlertState, Figures, RuleConfig};

/// An active card used no data for `days` days: the days since the last
/// day (China Standard Time) with data used are at least `days`. A card
/// with no day of use in its history counts from the day before its
/// history starts. Resolves on the first day with use, or when the card is
/// no longer active.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SilentRule {
    /// Days without data.
    pub days: u32,
}

impl SilentRule {
    pub(crate) fn from_config(c: &RuleConfig) -> Result<Self, String> {
        let days = c
            .days
            .ok_or_else(|| "a silent rule needs `days` (e.g. days = 3)".to_owned())?;
        if days == 0 || days > 366 {
            return Err(format!("`days` must be between 1 and 366, not {days}"));
        }
        Ok(Self { days })
    }

    pub(crate) fn check(&self, ctx: &CardCtx<'_>, prev: Option<&AlertState>) -> Check {
        if !ctx.has_snapshot() {
            return Check::Unknown;
        }
        let Some(status) = ctx.card.snapshot.status.as_ref() else {
            return Check::Unknown;
        };
        let mut last_used = None;
        let mut earliest = None;
        for day in ctx.card.days.iter().rev() {
            let Some(used) = day.data_used else { continue };
            earliest = Some(day.day);
            if used.amount > Decimal::ZERO && day.day <= ctx.today {
                last_used = Some(day.day);
                break;
            }
        }
        let days = match (last_used, earliest) {
            (Some(d), _) => (ctx.today - d).num_days(),
            (None, Some(first)) => (ctx.today - first).num_days() + 1,
            (None, None) => return Check::Unknown,
        };
        let active = *status == CardStatus::Active && days >= i64::from(self.days);
        if !active && prev.is_none() {
            return Check::Clear(None);
        }
        let figures = Figures::Silent {
            days,
            last_used_on: last_used,
        };
        if active {
            Check::active(None, figures)
        } else {
            Check::clear(Some(figures))
        }
    }

    pub(crate) fn explain(&self) -> String {
        format!(
            "an active card used no data for {} days (days in China Standard Time)",
            self.days
        )
    }
}
