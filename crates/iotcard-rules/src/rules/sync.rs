//! `sync`: an account's last successful sync is older than a duration, or
//! its last pass failed for more than a share of its cards.

use iotcard_model::{Decimal, Instant};

use super::mul;
use crate::state::Check;
use crate::{AccountInput, AlertState, Figures, RuleConfig, Span};

/// The account's syncs are stale (the last successful pass ended more
/// than `older_than` ago, or none ever did though a pass ran) or failing
/// (the last pass failed for more than `share` of the cards it asked; it
/// resolves once at most `share` less `hysteresis` percentage points
/// fail, 5 unless told). One alert per account, however many passes fail.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SyncRule {
    /// Stale after this.
    pub older_than: Option<Span>,
    /// Failing above this share (a fraction).
    pub share: Option<Decimal>,
    /// Points (percent) below `share` before a failing alert resolves.
    pub hysteresis: Decimal,
}

impl SyncRule {
    pub(crate) fn from_config(c: &RuleConfig) -> Result<Self, String> {
        if c.older_than.is_none() && c.share.is_none() {
            return Err(
                "a sync rule needs `older_than` (e.g. \"2h\"), `share` (e.g. 0.5), or both".into(),
            );
        }
        if c.older_than.is_some_and(Span::is_zero) {
            return Err("`older_than` must be longer than 0s".into());
        }
        let hysteresis = c.hysteresis.unwrap_or(Decimal::from(5));
        if hysteresis.is_sign_negative() || hysteresis >= Decimal::ONE_HUNDRED {
            return Err(format!(
                "`hysteresis` is in percentage points: {hysteresis} is not between 0 and 100"
            ));
        }
        Ok(Self {
            older_than: c.older_than,
            share: c.share.map(|s| s.0),
            hysteresis,
        })
    }

    pub(crate) fn check(
        &self,
        account: &AccountInput,
        now: Instant,
        prev: Option<&AlertState>,
    ) -> Check {
        let sync = &account.sync;
        let pass = sync.last_pass.as_ref();
        let age = sync.last_success.map(|t| (now - t).num_seconds());
        let stale = self.older_than.and_then(|limit| match age {
            Some(age) => Some(age > limit.as_secs() as i64),
            // Never succeeded: stale once a pass has run.
            None => pass.map(|_| true),
        });
        let failing = self.share.and_then(|share| {
            let pass = pass.filter(|p| p.asked > 0)?;
            // The margin holds a failing alert, not one stale only.
            let was_failing =
                prev.is_some_and(|p| matches!(p.figures, Figures::Sync { failing: true, .. }));
            let limit = if was_failing {
                share - self.hysteresis / Decimal::ONE_HUNDRED
            } else {
                share
            };
            // failed / asked > limit, without dividing.
            Some(Decimal::from(pass.failed) > mul(limit, Decimal::from(pass.asked)))
        });
        let (stale_b, failing_b) = (stale == Some(true), failing == Some(true));
        if !stale_b && !failing_b && stale.is_none() && failing.is_none() {
            return Check::Unknown;
        }
        let active = stale_b || failing_b;
        if !active && prev.is_none() {
            return Check::Clear(None);
        }
        let figures = Figures::Sync {
            last_success: sync.last_success,
            age_seconds: age,
            asked: pass.map_or(0, |p| p.asked),
            failed: pass.map_or(0, |p| p.failed),
            stale: stale_b,
            failing: failing_b,
        };
        if active {
            Check::active(None, figures)
        } else {
            Check::clear(Some(figures))
        }
    }

    pub(crate) fn explain(&self) -> String {
        let mut parts = Vec::new();
        if let Some(o) = self.older_than {
            parts.push(format!(
                "the account's last successful sync is older than {o}"
            ));
        }
        if let Some(s) = self.share {
            parts.push(format!(
                "its last pass failed for more than {}% of its cards (resolves at {}% or less)",
                mul(s, Decimal::ONE_HUNDRED).normalize(),
                (mul(s, Decimal::ONE_HUNDRED) - self.hysteresis)
                    .max(Decimal::ZERO)
                    .normalize()
            ));
        }
        format!("{} (one alert per account)", parts.join(", or "))
    }
}
