use thiserror::Error;

/// Why a value could not become one of this crate's validated types.
///
/// Every variant keeps the offending input verbatim so the message names it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ModelError {
    /// An ICCID was not 19 or 20 ASCII letters/digits starting with `89`.
    #[error("invalid ICCID {input:?}: {reason}")]
    InvalidIccid {
        /// What was given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An MSISDN was not 11 to 15 ASCII digits.
    #[error("invalid MSISDN {input:?}: {reason}")]
    InvalidMsisdn {
        /// What was given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A card number was not 11 to 20 ASCII digits.
    #[error("invalid card number {input:?}: {reason}")]
    InvalidCardNumber {
        /// What was given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A decimal amount could not be read exactly.
    #[error("invalid decimal {input:?}: {reason}")]
    InvalidDecimal {
        /// What was given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A name did not match any known value of an enumeration.
    #[error("unknown {what} {input:?} (expected one of: {expected})")]
    UnknownName {
        /// Which enumeration.
        what: &'static str,
        /// What was given.
        input: String,
        /// The accepted names.
        expected: &'static str,
    },
}
