//! `expiry`: plan or service expiry within N days.

use iotcard_model::Decimal;

use super::{mul, CardCtx};
use crate::state::Check;
use crate::{AlertState, Figures, RuleConfig, Span};

/// The card's service or plan expires within `within` (already expired
/// included). Resolves once the expiry is more than `within` plus
/// `hysteresis` days away (0 unless told), as after a renewal.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ExpiryRule {
    /// How far ahead.
    pub within: Span,
    /// Days beyond `within` before it resolves.
    pub hysteresis_days: Decimal,
}

impl ExpiryRule {
    pub(crate) fn from_config(c: &RuleConfig) -> Result<Self, String> {
        let within = c.within.ok_or_else(|| {
            "an expiry rule needs `within` (how far ahead, e.g. within = \"30d\")".to_owned()
        })?;
        let hysteresis_days = c.hysteresis.unwrap_or_default();
        if hysteresis_days.is_sign_negative() || hysteresis_days > Decimal::from(366) {
            return Err("`hysteresis` (days) must be between 0 and 366".into());
        }
        Ok(Self {
            within,
            hysteresis_days,
        })
    }

    pub(crate) fn check(&self, ctx: &CardCtx<'_>, prev: Option<&AlertState>) -> Check {
        if !ctx.has_snapshot() {
            return Check::Unknown;
        }
        let Some(expires_at) = ctx.card.snapshot.expires_at else {
            // No expiry known for this card (providers give none for cards
            // that are not active).
            return Check::clear(prev.map(|_| Figures::Expiry {
                expires_at: None,
                days_left: None,
            }));
        };
        let secs_left = (expires_at - ctx.now).num_seconds();
        let mut limit = self.within.as_secs() as i64;
        if prev.is_some() {
            let extra: i64 = mul(self.hysteresis_days, Decimal::from(86_400))
                .trunc()
                .try_into()
                .unwrap_or(0);
            limit = limit.saturating_add(extra);
        }
        let active = secs_left <= limit;
        if !active && prev.is_none() {
            return Check::Clear(None);
        }
        let figures = Figures::Expiry {
            expires_at: Some(expires_at),
            days_left: Some(secs_left.div_euclid(86_400)),
        };
        if active {
            Check::active(None, figures)
        } else {
            Check::clear(Some(figures))
        }
    }

    pub(crate) fn explain(&self) -> String {
        let mut s = format!(
            "the card's service or plan expires within {} (or has expired)",
            self.within
        );
        if !self.hysteresis_days.is_zero() {
            s.push_str(&format!(
                "; resolves once it is more than {} days further off",
                self.hysteresis_days.normalize()
            ));
        }
        s
    }
}
