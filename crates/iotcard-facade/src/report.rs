//! One result per card, whatever happened to it.

use iotcard_model::FieldProblem;

use crate::SharedError;

/// Why a card has no value: the model's [`iotcard_model::CardProblem`] with
/// the facade's error. It is a [`std::error::Error`]; its
/// [`kind`](iotcard_model::CardProblem::kind) is the stable name scripts see.
pub type CardProblem<T> = iotcard_model::CardProblem<T, SharedError>;

/// One card's result: `card` as asked, its value or the problem, and the
/// fields the platform sent for it that could not be read.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CardReport<C, T> {
    /// The card, as the caller named it.
    pub card: C,
    /// Its value, or why there is none.
    pub result: Result<T, CardProblem<T>>,
    /// Fields of the platform's answer for this card that could not be read
    /// (an `ExpireDate` of `"soon"`): each is empty in the value, which
    /// keeps every other field. A field problem never makes the card a
    /// failure. Empty for nearly every card.
    pub problems: Vec<FieldProblem>,
}

impl<C, T> CardReport<C, T> {
    /// A report of `card`'s `result`, with no field problems.
    pub fn new(card: C, result: Result<T, CardProblem<T>>) -> Self {
        Self {
            card,
            result,
            problems: Vec::new(),
        }
    }

    /// The same report with `problems` as its field problems.
    ///
    /// ```
    /// use iotcard_facade::{CardReport, FieldProblem, Usage};
    /// let report = CardReport::new("1064804085884", Ok(Usage::default()))
    ///     .with_problems(vec![FieldProblem::new("Exceed.UseFlow", "expected a decimal number, found \"abc\"")]);
    /// assert_eq!(report.problems.len(), 1);
    /// assert!(report.value().is_some());
    /// ```
    pub fn with_problems(mut self, problems: Vec<FieldProblem>) -> Self {
        self.problems = problems;
        self
    }

    /// The value, when there is one.
    pub fn value(&self) -> Option<&T> {
        self.result.as_ref().ok()
    }

    /// The same report with its value (and any partial value) mapped; the
    /// field problems are kept.
    pub fn map<U>(self, f: impl Fn(T) -> U) -> CardReport<C, U> {
        CardReport {
            card: self.card,
            result: match self.result {
                Ok(v) => Ok(f(v)),
                Err(p) => Err(p.map(f)),
            },
            problems: self.problems,
        }
    }
}
