//! Why a card has no value: one vocabulary from the protocol crates up to
//! the CLI's JSON `kind`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Outcome;

/// Why one card of a call has no value. Every card asked about gets either
/// its value or one of these: none is ever dropped.
///
/// `T` is the value the call would have given (kept partially where the
/// platform sent some of it), `E` the error a failed request carries.
///
/// ```
/// use iotcard_model::{CardProblem, ProblemKind};
///
/// let problem: CardProblem<u32, std::io::Error> = CardProblem::NotFound;
/// assert_eq!(problem.kind(), ProblemKind::NotFound);
/// assert_eq!(problem.kind().as_str(), "not_found");
/// assert!(!problem.is_failure());
/// assert_eq!(problem.to_string(), "no such card on this account");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CardProblem<T, E> {
    /// The platform does not hold this card (IoTBOS `State` 0, a Tencent
    /// ICCID the account does not have).
    NotFound,
    /// The platform holds the card but has no data of this kind for it
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
    Failed(E),
}

/// The kind of a [`CardProblem`], without its data: the stable name scripts
/// see (the CLI's JSON `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// [`CardProblem::NotFound`].
    NotFound,
    /// [`CardProblem::NoData`].
    NoData,
    /// [`CardProblem::UnknownOutcome`].
    UnknownOutcome,
    /// [`CardProblem::Unreadable`].
    Unreadable,
    /// [`CardProblem::Missing`].
    Missing,
    /// [`CardProblem::Failed`].
    Failed,
}

impl ProblemKind {
    /// Every kind, in declaration order.
    pub const ALL: [ProblemKind; 6] = [
        ProblemKind::NotFound,
        ProblemKind::NoData,
        ProblemKind::UnknownOutcome,
        ProblemKind::Unreadable,
        ProblemKind::Missing,
        ProblemKind::Failed,
    ];

    /// `not_found`, `no_data`, `unknown_outcome`, `unreadable`, `missing` or
    /// `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::NotFound => "not_found",
            ProblemKind::NoData => "no_data",
            ProblemKind::UnknownOutcome => "unknown_outcome",
            ProblemKind::Unreadable => "unreadable",
            ProblemKind::Missing => "missing",
            ProblemKind::Failed => "failed",
        }
    }

    /// Whether the platform or the network failed (as opposed to the
    /// platform answering that it has nothing): asking again later may give
    /// a value.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            ProblemKind::Failed | ProblemKind::Unreadable | ProblemKind::Missing
        )
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<T, E> CardProblem<T, E> {
    /// Reads a per-card outcome code and what came with it: `Found` with a
    /// value is the value, everything else the problem it means.
    pub fn from_outcome(outcome: Outcome, payload: Option<T>) -> Result<T, Self> {
        match (outcome, payload) {
            (Outcome::Found, Some(value)) => Ok(value),
            (Outcome::Found, None) => Err(CardProblem::Unreadable(
                "marked found but carries no data".into(),
            )),
            (Outcome::NotFound, _) => Err(CardProblem::NotFound),
            (Outcome::NoData, partial) => Err(CardProblem::NoData { partial }),
            (Outcome::Unknown(code), partial) => Err(CardProblem::UnknownOutcome { code, partial }),
        }
    }

    /// The kind, without the data.
    pub fn kind(&self) -> ProblemKind {
        match self {
            CardProblem::NotFound => ProblemKind::NotFound,
            CardProblem::NoData { .. } => ProblemKind::NoData,
            CardProblem::UnknownOutcome { .. } => ProblemKind::UnknownOutcome,
            CardProblem::Unreadable(_) => ProblemKind::Unreadable,
            CardProblem::Missing => ProblemKind::Missing,
            CardProblem::Failed(_) => ProblemKind::Failed,
        }
    }

    /// Whether the platform or the network failed; see
    /// [`ProblemKind::is_failure`].
    pub fn is_failure(&self) -> bool {
        self.kind().is_failure()
    }

    /// What the platform sent beside "no data" or an unknown outcome.
    pub fn partial(&self) -> Option<&T> {
        match self {
            CardProblem::NoData { partial } | CardProblem::UnknownOutcome { partial, .. } => {
                partial.as_ref()
            }
            _ => None,
        }
    }

    /// Takes what the platform sent beside "no data" or an unknown outcome.
    pub fn into_partial(self) -> Option<T> {
        match self {
            CardProblem::NoData { partial } | CardProblem::UnknownOutcome { partial, .. } => {
                partial
            }
            _ => None,
        }
    }

    /// The failed request's error, for [`CardProblem::Failed`].
    pub fn error(&self) -> Option<&E> {
        match self {
            CardProblem::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// The same problem with its partial value mapped.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> CardProblem<U, E> {
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

    /// The same problem with its error mapped.
    pub fn map_err<F>(self, f: impl FnOnce(E) -> F) -> CardProblem<T, F> {
        match self {
            CardProblem::NotFound => CardProblem::NotFound,
            CardProblem::NoData { partial } => CardProblem::NoData { partial },
            CardProblem::UnknownOutcome { code, partial } => {
                CardProblem::UnknownOutcome { code, partial }
            }
            CardProblem::Unreadable(s) => CardProblem::Unreadable(s),
            CardProblem::Missing => CardProblem::Missing,
            CardProblem::Failed(e) => CardProblem::Failed(f(e)),
        }
    }

    /// The problem without its partial value, for a value of another type
    /// (when merging several calls' answers into one record).
    pub fn without_partial<U>(&self) -> CardProblem<U, E>
    where
        E: Clone,
    {
        match self {
            CardProblem::NotFound => CardProblem::NotFound,
            CardProblem::NoData { .. } => CardProblem::NoData { partial: None },
            CardProblem::UnknownOutcome { code, .. } => CardProblem::UnknownOutcome {
                code: *code,
                partial: None,
            },
            CardProblem::Unreadable(s) => CardProblem::Unreadable(s.clone()),
            CardProblem::Missing => CardProblem::Missing,
            CardProblem::Failed(e) => CardProblem::Failed(e.clone()),
        }
    }
}

impl<T, E: fmt::Display> fmt::Display for CardProblem<T, E> {
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
            // Transparent: this layer adds nothing to the request's error.
            CardProblem::Failed(e) => e.fmt(f),
        }
    }
}

impl<T, E> std::error::Error for CardProblem<T, E>
where
    T: fmt::Debug,
    E: std::error::Error + 'static,
{
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // Transparent, as Display is: the chain goes on from the
            // request error's own source.
            CardProblem::Failed(e) => e.source(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type P = CardProblem<u8, std::io::Error>;

    #[test]
    fn outcomes_read_to_values_or_problems() {
        assert_eq!(P::from_outcome(Outcome::Found, Some(3)).unwrap(), 3);
        let kinds = [
            (Outcome::Found, None, ProblemKind::Unreadable),
            (Outcome::NotFound, Some(1), ProblemKind::NotFound),
            (Outcome::NoData, Some(2), ProblemKind::NoData),
            (Outcome::Unknown(7), None, ProblemKind::UnknownOutcome),
        ];
        for (outcome, payload, kind) in kinds {
            assert_eq!(P::from_outcome(outcome, payload).unwrap_err().kind(), kind);
        }
        let no_data = P::from_outcome(Outcome::NoData, Some(2)).unwrap_err();
        assert_eq!(no_data.partial(), Some(&2));
        match P::from_outcome(Outcome::Unknown(-4), Some(9)).unwrap_err() {
            CardProblem::UnknownOutcome { code, partial } => {
                assert_eq!((code, partial), (-4, Some(9)))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn kinds_have_stable_names_and_serde_agrees() {
        let names: Vec<&str> = ProblemKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "not_found",
                "no_data",
                "unknown_outcome",
                "unreadable",
                "missing",
                "failed"
            ]
        );
        for kind in ProblemKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
            assert_eq!(serde_json::from_str::<ProblemKind>(&json).unwrap(), kind);
        }
        let failures: Vec<ProblemKind> = ProblemKind::ALL
            .into_iter()
            .filter(|k| k.is_failure())
            .collect();
        assert_eq!(
            failures,
            [
                ProblemKind::Unreadable,
                ProblemKind::Missing,
                ProblemKind::Failed
            ]
        );
    }

    /// An error with a cause, as a facade error wrapping a transport one.
    #[derive(Debug)]
    struct Outer(std::fmt::Error);

    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("outer")
        }
    }

    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_failure_is_transparent_over_its_error() {
        let problem: CardProblem<u8, Outer> = CardProblem::Failed(Outer(std::fmt::Error));
        assert_eq!(problem.to_string(), "outer");
        let source = std::error::Error::source(&problem).expect("the outer error's source");
        assert!(source.downcast_ref::<std::fmt::Error>().is_some());
        assert!(std::error::Error::source(&P::Missing).is_none());
    }

    #[test]
    fn maps_keep_the_kind() {
        let p: CardProblem<u8, String> = CardProblem::NoData { partial: Some(4) };
        let mapped = p.map(|v| u16::from(v) * 100);
        assert_eq!(mapped.partial(), Some(&400));
        let failed: CardProblem<u8, String> = CardProblem::Failed("x".into());
        assert_eq!(failed.clone().map_err(|e| e.len()).error(), Some(&1));
        let bare: CardProblem<(), String> = failed.without_partial();
        assert_eq!(bare.kind(), ProblemKind::Failed);
    }
}
