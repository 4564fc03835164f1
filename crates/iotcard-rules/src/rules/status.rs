//! `status`: a card's status changed (optionally from/to given values), or
//! is in a given status.

use iotcard_model::CardStatus;

use super::CardCtx;
use crate::state::Check;
use crate::{AlertState, Figures, RuleConfig, Span};

/// What a `status` rule looks for.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum StatusMode {
    /// The card is in this status (`status = "disabled"`).
    Is(CardStatus),
    /// The card's latest status change matches (`from`, `to`, either or
    /// neither), and the card is still in the status it changed to.
    Changed {
        /// The status it changed from, any when `None`.
        from: Option<CardStatus>,
        /// The status it changed to, any when `None`.
        to: Option<CardStatus>,
    },
}

/// A status, or a status change. A change alert holds while the card stays
/// in the status it changed to (and, with `within`, while the change is
/// that recent); it resolves when the status changes again.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StatusRule {
    /// Is in, or changed.
    pub mode: StatusMode,
    /// How long a change counts, for a change rule; for ever when `None`.
    pub within: Option<Span>,
}

impl StatusRule {
    pub(crate) fn from_config(c: &RuleConfig) -> Result<Self, String> {
        let mode = match (&c.status, &c.from, &c.to) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(
                    "give `status` (the card is in it) or `from`/`to` (a change), not both".into(),
                )
            }
            (Some(s), None, None) => StatusMode::Is(s.clone()),
            (None, from, to) => {
                if from.is_some() && from == to {
                    return Err(format!(
                        "`from` and `to` are both {:?}: that is no change",
                        from.as_ref().map(CardStatus::as_str).unwrap_or_default()
                    ));
                }
                StatusMode::Changed {
                    from: from.clone(),
                    to: to.clone(),
                }
            }
        };
        if c.within.is_some() && matches!(mode, StatusMode::Is(_)) {
            return Err(
                "`within` applies to a status change (`from`/`to`), not to `status`".into(),
            );
        }
        if c.within.is_some_and(Span::is_zero) {
            return Err("`within` must be longer than 0s".into());
        }
        Ok(Self {
            mode,
            within: c.within,
        })
    }

    pub(crate) fn check(&self, ctx: &CardCtx<'_>, prev: Option<&AlertState>) -> Check {
        if !ctx.has_snapshot() {
            return Check::Unknown;
        }
        let Some(current) = ctx.card.snapshot.status.as_ref() else {
            return Check::Unknown;
        };
        let (active, from, changed_at) = match &self.mode {
            StatusMode::Is(want) => (current == want, None, None),
            StatusMode::Changed { from, to } => match ctx.card.status_changes.last() {
                Some(change) => {
                    let matches = change.to.as_ref() == Some(current)
                        && from
                            .as_ref()
                            .is_none_or(|f| change.from.as_ref() == Some(f))
                        && to.as_ref().is_none_or(|t| t == current)
                        && self
                            .within
                            .is_none_or(|w| change.at + w.as_delta() >= ctx.now);
                    (matches, change.from.clone(), Some(change.at))
                }
                None => (false, None, None),
            },
        };
        if !active && prev.is_none() {
            return Check::Clear(None);
        }
        let figures = Figures::Status {
            status: Some(current.clone()),
            from,
            changed_at,
        };
        if active {
            Check::active(None, figures)
        } else {
            Check::clear(Some(figures))
        }
    }

    pub(crate) fn explain(&self) -> String {
        let name = |s: &CardStatus| match s {
            CardStatus::Other(raw) => format!("{raw:?} (a status as the platform sends it)"),
            known => known.as_str().to_owned(),
        };
        let mut s = match &self.mode {
            StatusMode::Is(status) => format!("the card's status is {}", name(status)),
            StatusMode::Changed { from, to } => match (from, to) {
                (Some(f), Some(t)) => {
                    format!("the card's status changed from {} to {}", name(f), name(t))
                }
                (Some(f), None) => format!("the card's status changed from {}", name(f)),
                (None, Some(t)) => format!("the card's status changed to {}", name(t)),
                (None, None) => "the card's status changed".to_owned(),
            },
        };
        if matches!(self.mode, StatusMode::Changed { .. }) {
            s.push_str(" (holds while the card stays in its new status");
            if let Some(w) = self.within {
                s.push_str(&format!(", for {w} after the change at most"));
            }
            s.push(')');
        }
        s
    }
}
