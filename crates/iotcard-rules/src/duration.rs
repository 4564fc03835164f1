//! Durations as the configuration writes them: `0s`, `90m`, `24h`, `30d`.

use std::fmt;
use std::str::FromStr;

use chrono::TimeDelta;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::RulesError;

/// A whole number of seconds, written as one or more `<number><unit>`
/// (`s`, `m`, `h`, `d` for 24 hours, `w` for 7 days): `0s`, `90m`,
/// `1h30m`, `30d`.
///
/// ```
/// use iotcard_rules::Span;
/// let span: Span = "1h30m".parse()?;
/// assert_eq!(span.as_secs(), 5400);
/// assert_eq!(span.to_string(), "1h30m");
/// assert_eq!("30d".parse::<Span>()?.to_string(), "30d");
/// # Ok::<(), iotcard_rules::RulesError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Span(u64);

/// The longest span accepted: 100 years, far beyond any rule's need and
/// well within chrono's range.
const MAX_SECS: u64 = 100 * 366 * 86_400;

impl Span {
    /// No time at all.
    pub const ZERO: Span = Span(0);

    /// A span of `secs` seconds (clamped to 100 years).
    pub fn from_secs(secs: u64) -> Self {
        Span(secs.min(MAX_SECS))
    }

    /// A span of `days` days of 24 hours.
    pub fn from_days(days: u64) -> Self {
        Span::from_secs(days.saturating_mul(86_400))
    }

    /// The number of seconds.
    pub fn as_secs(self) -> u64 {
        self.0
    }

    /// Whole days (rounded down).
    pub fn whole_days(self) -> u64 {
        self.0 / 86_400
    }

    /// As a chrono delta, for arithmetic on instants.
    pub fn as_delta(self) -> TimeDelta {
        // At most 100 years: always in range.
        TimeDelta::seconds(self.0 as i64)
    }

    /// Whether the span is zero.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl FromStr for Span {
    type Err = RulesError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| RulesError::InvalidDuration {
            input: s.to_owned(),
            reason,
        };
        let text = s.trim();
        if text.is_empty() {
            return Err(err(
                "is empty (write e.g. \"0s\", \"90m\", \"24h\" or \"30d\")",
            ));
        }
        let mut total: u64 = 0;
        let mut rest = text;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(err("expected a number before each unit"));
            }
            let number: u64 = rest[..digits]
                .parse()
                .map_err(|_| err("number out of range"))?;
            rest = &rest[digits..];
            let unit = rest
                .chars()
                .next()
                .ok_or_else(|| err("a number needs a unit: s, m, h, d or w (\"0s\", not \"0\")"))?;
            let scale = match unit {
                's' => 1,
                'm' => 60,
                'h' => 3_600,
                'd' => 86_400,
                'w' => 7 * 86_400,
                _ => return Err(err("unknown unit (expected s, m, h, d or w)")),
            };
            rest = &rest[unit.len_utf8()..];
            total = number
                .checked_mul(scale)
                .and_then(|secs| total.checked_add(secs))
                .filter(|t| *t <= MAX_SECS)
                .ok_or_else(|| err("longer than 100 years"))?;
        }
        Ok(Span(total))
    }
}

impl fmt::Display for Span {
    /// The shortest spelling in the units above (`90m` shows as `1h30m`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        for (unit, scale) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if rest >= scale {
                write!(f, "{}{unit}", rest / scale)?;
                rest %= scale;
            }
        }
        Ok(())
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_configuration_spellings() {
        for (text, secs) in [
            ("0s", 0),
            ("90s", 90),
            ("15m", 900),
            ("2h", 7_200),
            ("24h", 86_400),
            ("30d", 30 * 86_400),
            ("1w", 7 * 86_400),
            ("1h30m", 5_400),
            (" 1d12h ", 129_600),
        ] {
            assert_eq!(text.parse::<Span>().unwrap().as_secs(), secs, "{text}");
        }
        assert_eq!(Span::from_secs(5_400).to_string(), "1h30m");
        assert_eq!(Span::from_secs(86_401).to_string(), "1d1s");
        assert_eq!(Span::ZERO.to_string(), "0s");
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for text in [
            "",
            "0",
            "h",
            "5x",
            "-1h",
            "1.5h",
            "1h 30m",
            "99999999999999999999s",
            "40000d",
        ] {
            let e = text.parse::<Span>().unwrap_err();
            assert!(e.to_string().contains(&format!("{text:?}")), "{e}");
        }
    }
}
