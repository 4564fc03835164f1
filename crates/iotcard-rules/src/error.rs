//! The crate's one error type.

use thiserror::Error;

/// Why a rule, or a value in one, was refused.
///
/// Every variant names what was given (and, once the rule is known, the
/// rule), so `iotcard rules check` can print it as it is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RulesError {
    /// A duration was not one or more `<number><unit>` (units `s`, `m`,
    /// `h`, `d`, `w`), like `0s`, `90m`, `24h` or `30d`.
    #[error("invalid duration {input:?}: {reason}")]
    InvalidDuration {
        /// What was given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Quiet hours were not `HH:MM-HH:MM`.
    #[error("invalid quiet hours {input:?}: {reason}")]
    InvalidQuietHours {
        /// What was given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A time zone name is not in the IANA database.
    #[error("unknown time zone {input:?} (expected an IANA name such as \"Asia/Shanghai\")")]
    UnknownTimeZone {
        /// What was given.
        input: String,
    },
    /// A number, an amount of data or a share could not be read.
    #[error("invalid {what} {input:?}: {reason}")]
    InvalidNumber {
        /// Which kind of value (`amount`, `share`, `number`).
        what: &'static str,
        /// What was given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A rule's settings do not make a rule.
    #[error("rule {rule:?}: {problem}")]
    InvalidRule {
        /// The rule's name (empty when it has none).
        rule: String,
        /// What is wrong, naming the key.
        problem: String,
    },
    /// Two rules have the same name.
    #[error("rule name {rule:?} is used by more than one rule (names must be unique)")]
    DuplicateName {
        /// The name.
        rule: String,
    },
    /// A rule names a notifier the configuration does not define.
    #[error(
        "rule {rule:?}: notify names {notifier:?}, which no [notifiers.{notifier}] section defines"
    )]
    UnknownNotifier {
        /// The rule's name.
        rule: String,
        /// The notifier it names.
        notifier: String,
    },
}
