//! One result per card, whatever happened to it.

use crate::SharedError;

/// Why a card has no value: the model's [`iotcard_model::CardProblem`] with
/// the facade's error. It is a [`std::error::Error`]; its
/// [`kind`](iotcard_model::CardProblem::kind) is the stable name scripts see.
pub type CardProblem<T> = iotcard_model::CardProblem<T, SharedError>;

/// One card's result: `card` as asked, and its value or the problem.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CardReport<C, T> {
    /// The card, as the caller named it.
    pub card: C,
    /// Its value, or why there is none.
    pub result: Result<T, CardProblem<T>>,
}

impl<C, T> CardReport<C, T> {
    /// A report of `card`'s `result`.
    pub fn new(card: C, result: Result<T, CardProblem<T>>) -> Self {
        Self { card, result }
    }

    /// The value, when there is one.
    pub fn value(&self) -> Option<&T> {
        self.result.as_ref().ok()
    }

    /// The same report with its value (and any partial value) mapped.
    pub fn map<U>(self, f: impl Fn(T) -> U) -> CardReport<C, U> {
        CardReport {
            card: self.card,
            result: match self.result {
                Ok(v) => Ok(f(v)),
                Err(p) => Err(p.map(f)),
            },
        }
    }
}
