//! Instants in the alert state's JSON, read with chrono's RFC 3339 parser:
//! the `Deserialize` of `DateTime` goes through its general format parser
//! (a tenth of reading an alert row), and a watcher reads an alert row per
//! firing card every pass. What that general parser takes is still taken.

use std::fmt;

use iotcard_model::Instant;
use serde::de::{Deserializer, Error, Visitor};

fn parse(text: &str) -> Result<Instant, chrono::ParseError> {
    chrono::DateTime::parse_from_rfc3339(text).or_else(|_| text.parse())
}

struct InstantText;

impl Visitor<'_> for InstantText {
    type Value = Instant;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 date and time")
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<Instant, E> {
        parse(text).map_err(E::custom)
    }
}

struct OptionalInstant;

impl<'de> Visitor<'de> for OptionalInstant {
    type Value = Option<Instant>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 date and time, or null")
    }

    fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        instant(d).map(Some)
    }
}

/// `deserialize_with` of an [`Instant`].
pub(crate) fn instant<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
    d.deserialize_str(InstantText)
}

/// `deserialize_with` of an `Option<Instant>` (with `#[serde(default)]`,
/// so that a missing field is `None` as without it).
pub(crate) fn optional_instant<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Instant>, D::Error> {
    d.deserialize_option(OptionalInstant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, PartialEq, Debug)]
    struct Times {
        #[serde(deserialize_with = "instant")]
        at: Instant,
        #[serde(default, deserialize_with = "optional_instant")]
        maybe: Option<Instant>,
    }

    #[test]
    fn reads_what_chrono_writes_and_what_it_reads() {
        let at: Instant = "2026-11-30T09:00:00.250+08:00".parse().unwrap();
        let written = serde_json::to_string(&at).unwrap();
        let read: Times = serde_json::from_str(&format!(r#"{{"at":{written}}}"#)).unwrap();
        assert_eq!(read, Times { at, maybe: None });
        let read: Times =
            serde_json::from_str(&format!(r#"{{"at":{written},"maybe":null}}"#)).unwrap();
        assert_eq!(read.maybe, None);
        // A space instead of the T: not RFC 3339, but chrono's own reader
        // took it, so rows written that way still read.
        let read: Times = serde_json::from_str(
            r#"{"at":"2026-11-30 09:00:00+08:00","maybe":"2026-11-30T01:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(
            read.at,
            "2026-11-30T09:00:00+08:00".parse::<Instant>().unwrap()
        );
        assert_eq!(
            read.maybe,
            Some("2026-11-30T09:00:00+08:00".parse().unwrap())
        );
        let err = serde_json::from_str::<Times>(r#"{"at":"yesterday"}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("input contains invalid characters"),
            "{err}"
        );
        let err = serde_json::from_str::<Times>(r#"{"at":7}"#).unwrap_err();
        assert!(
            err.to_string().contains("an RFC 3339 date and time"),
            "{err}"
        );
    }
}
