//! A field of a card's record that could not be read.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One field of a card's record that the platform sent but that could not
/// be read (`ExpireDate: "soon"`). The record keeps every other field, and
/// this field is left empty: an odd value costs that value, never the card.
///
/// ```
/// let p = iotcard_model::FieldProblem::new("ExpireDate", "\"soon\" is not a date");
/// assert_eq!(p.to_string(), "field ExpireDate: \"soon\" is not a date");
/// ```
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FieldProblem {
    /// The field as the platform names it (`ExpireDate`, `card_status`).
    pub field: String,
    /// What is wrong with its value, quoting it cut short.
    pub problem: String,
}

impl FieldProblem {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field {}: {}", self.field, self.problem)
    }
}
