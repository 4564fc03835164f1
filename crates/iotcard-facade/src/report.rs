//! One result per card, whatever happened to it.

use std::fmt;

use iotbos_proto::{CardAnswer, CardResult};
use iotcard_model::Outcome;

use crate::SharedError;

/// Why a card has no value. Every card asked about gets either its value or
/// one of these: none is ever dropped.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CardProblem<T> {
    /// The platform does not know this card (IoTBOS `State` 0).
    NotFound,
    /// The platform knows the card but has no data of this kind for it
    /// (IoTBOS `State` 2), with whatever it sent beside that.
    NoData {
        /// What the answer carried anyway (e.g. a `TerminalState`).
        partial: Option<T>,
    },
    /// An outcome code the platform does not document, verbatim.
    UnknownOutcome {
        /// The code.
        code: i64,
        /// What the answer carried with it.
        partial: Option<T>,
    },
    /// The platform answered for this card, but its entry could not be read.
    Unreadable(String),
    /// The platform's answer to this card's batch did not mention it.
    Missing,
    /// The request for this card failed (after retries): network, TLS,
    /// refusal, broken answers.
    Failed(SharedError),
}

impl<T> CardProblem<T> {
    /// A stable name for the kind of problem: `not_found`, `no_data`,
    /// `unknown_outcome`, `unreadable`, `missing`, `failed`.
    pub fn kind(&self) -> &'static str {
        match self {
            CardProblem::NotFound => "not_found",
            CardProblem::NoData { .. } => "no_data",
            CardProblem::UnknownOutcome { .. } => "unknown_outcome",
            CardProblem::Unreadable(_) => "unreadable",
            CardProblem::Missing => "missing",
            CardProblem::Failed(_) => "failed",
        }
    }

    /// Whether the platform or the network failed (as opposed to the
    /// platform answering that it has nothing).
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            CardProblem::Failed(_) | CardProblem::Unreadable(_) | CardProblem::Missing
        )
    }

    /// The same problem with its partial value mapped.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> CardProblem<U> {
        match self {
            CardProblem::NotFound => CardProblem::NotFound,
            CardProblem::NoData { partial } => CardProblem::NoData {
                partial: partial.map(f),
            },
            CardProblem::UnknownOutcome { code, partial } => CardProblem::UnknownOutcome {
                code,
                partial: partial.map(f),
            },
            CardProblem::Unreadable(s) => CardProblem::Unreadable(s),
            CardProblem::Missing => CardProblem::Missing,
            CardProblem::Failed(e) => CardProblem::Failed(e),
        }
    }
}

impl<T> fmt::Display for CardProblem<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardProblem::NotFound => f.write_str("no such card on this account"),
            CardProblem::NoData { .. } => {
                f.write_str("the platform has no data of this kind for this card")
            }
            CardProblem::UnknownOutcome { code, .. } => {
                write!(f, "the platform answered with undocumented state {code}")
            }
            CardProblem::Unreadable(why) => {
                write!(f, "the platform's entry for this card is unreadable: {why}")
            }
            CardProblem::Missing => f.write_str("the platform's answer did not mention this card"),
            CardProblem::Failed(e) => write!(f, "{e}"),
        }
    }
}

/// One card's result: `card` as asked, and its value or the problem.
#[derive(Debug, Clone)]
pub struct CardReport<C, T> {
    /// The card, as the caller named it.
    pub card: C,
    /// Its value, or why there is none.
    pub result: Result<T, CardProblem<T>>,
}

impl<C, T> CardReport<C, T> {
    /// The value, when there is one.
    pub fn value(&self) -> Option<&T> {
        self.result.as_ref().ok()
    }
}

pub(crate) fn from_iotbos<T>(result: CardResult<T, SharedError>) -> Result<T, CardProblem<T>> {
    match result {
        CardResult::Answered(CardAnswer { outcome, payload }) => match (outcome, payload) {
            (Outcome::Found, Some(value)) => Ok(value),
            (Outcome::Found, None) => Err(CardProblem::Unreadable(
                "marked found (State 1) but carries no data".into(),
            )),
            (Outcome::NotFound, _) => Err(CardProblem::NotFound),
            (Outcome::NoData, partial) => Err(CardProblem::NoData { partial }),
            (Outcome::Unknown(code), partial) => Err(CardProblem::UnknownOutcome { code, partial }),
            // `Outcome` is non-exhaustive: a future kind is reported, not lost.
            (other, partial) => Err(CardProblem::UnknownOutcome {
                code: match other {
                    Outcome::Unknown(c) => c,
                    _ => -1,
                },
                partial,
            }),
        },
        CardResult::Unreadable(e) => Err(CardProblem::Unreadable(e.to_string())),
        CardResult::Missing => Err(CardProblem::Missing),
        CardResult::Failed(e) => Err(CardProblem::Failed(e)),
    }
}
