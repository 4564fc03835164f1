//! Validated card identifiers.
//!
//! Each type can only hold a value that could be a real identifier, so a
//! function taking an [`Iccid`] never has to re-check it.

use std::fmt;
use std::str::FromStr;

use arrayvec::ArrayString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ModelError;

macro_rules! string_newtype_common {
    ($ty:ident) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl FromStr for $ty {
            type Err = ModelError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
        impl TryFrom<String> for $ty {
            type Error = ModelError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl TryFrom<&str> for $ty {
            type Error = ModelError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// An ICCID: the number printed on the SIM itself.
///
/// 19 or 20 characters starting with `89`. Chinese operators issue ICCIDs
/// with letters in them (`898602B7091701054333` is in the Tencent spec), so
/// ASCII letters are allowed and kept upper-case; the Luhn digit is not
/// checked because those ICCIDs do not carry a valid one.
///
/// ```
/// use iotcard_model::Iccid;
/// let iccid: Iccid = "898602b7091701054333".parse()?;
/// assert_eq!(iccid.as_str(), "898602B7091701054333");
/// assert!("1234".parse::<Iccid>().is_err());
/// # Ok::<(), iotcard_model::ModelError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Iccid(String);

impl Iccid {
    /// Validates `s` as an ICCID.
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        let err = |reason| ModelError::InvalidIccid {
            input: s.to_owned(),
            reason,
        };
        if !(19..=20).contains(&s.len()) {
            return Err(err("must be 19 or 20 characters"));
        }
        if !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(err("must be ASCII letters and digits only"));
        }
        if !s.starts_with("89") {
            return Err(err("must start with 89 (the telecom industry prefix)"));
        }
        Ok(Self(s.to_ascii_uppercase()))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
string_newtype_common!(Iccid);

/// An MSISDN: the phone number of a card (IoT numbers in China are 13 digits,
/// e.g. `1064878384333`).
///
/// 11 to 15 ASCII digits (E.164 allows at most 15), without `+` or spaces.
///
/// ```
/// use iotcard_model::Msisdn;
/// assert!("1064878384333".parse::<Msisdn>().is_ok());
/// assert!("10648-78384".parse::<Msisdn>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Msisdn(String);

impl Msisdn {
    /// Validates `s` as an MSISDN.
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        let err = |reason| ModelError::InvalidMsisdn {
            input: s.to_owned(),
            reason,
        };
        if s.is_empty() {
            return Err(err("is empty"));
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("must be ASCII digits only"));
        }
        if !(11..=15).contains(&s.len()) {
            return Err(err("must be 11 to 15 digits"));
        }
        Ok(Self(s.to_owned()))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
string_newtype_common!(Msisdn);

/// A card number as IoTBOS takes it in `cardIdNums`: an MSISDN (11 to 15
/// digits) or an ICCID (19 or 20 characters, digits and letters: Chinese
/// ICCIDs often carry letters, `898602B7091701054333`).
///
/// Letters are kept upper-case, so an ICCID compares, hashes and orders
/// the same in any case, and a number the server echoes in another case
/// matches the one asked. Letters and digits only is also what keeps a
/// number from breaking the comma-joined batch (a `,` inside one number
/// would split it into two on the server).
///
/// ```
/// use iotcard_model::CardNumber;
/// assert!("1064804085884".parse::<CardNumber>().is_ok());
/// let lettered: CardNumber = "898602b7091701054333".parse()?;
/// assert_eq!(lettered.as_str(), "898602B7091701054333");
/// assert_eq!(lettered, "898602B7091701054333".parse()?);
/// assert!("".parse::<CardNumber>().is_err());
/// assert!("1064804085884,1".parse::<CardNumber>().is_err());
/// assert!("1064804085884123".parse::<CardNumber>().is_err()); // 16 digits: neither
/// # Ok::<(), iotcard_model::ModelError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
// Held inline: a fleet poll handles every number several times (read,
// planned, matched against the answer, reported), and a heap string per
// handling was a tenth of a poll's CPU in malloc and free. `ArrayString`
// compares, hashes and orders exactly as the text does.
pub struct CardNumber(ArrayString<{ CardNumber::MAX_LEN }>);

impl CardNumber {
    /// Validates `s` as an IoTBOS card number.
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        // Every number of every answer comes through here: the common case
        // (all digits, a valid length) checks the length first (one
        // compare) and the digits in one pass.
        if matches!(s.len(), 11..=15 | 19 | 20) && s.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(digits) = ArrayString::from(s) {
                return Ok(Self(digits));
            }
        }
        Self::parse_rest(s)
    }

    /// The rest: an ICCID with letters, or why `s` is no card number (the
    /// checks in the order they are documented).
    #[cold]
    fn parse_rest(s: &str) -> Result<Self, ModelError> {
        let err = |reason| ModelError::InvalidCardNumber {
            input: s.to_owned(),
            reason,
        };
        if s.is_empty() {
            return Err(err("is empty"));
        }
        if !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(err(
                "must be ASCII letters and digits only (an MSISDN, or an ICCID)",
            ));
        }
        let digits_only = s.bytes().all(|b| b.is_ascii_digit());
        let fits = match s.len() {
            11..=15 => digits_only,
            19 | 20 => true,
            _ => false,
        };
        if !fits {
            return Err(err(if digits_only {
                "must be an MSISDN (11 to 15 digits) or an ICCID (19 or 20 characters)"
            } else {
                "a number with letters must be an ICCID: 19 or 20 characters"
            }));
        }
        let mut held = ArrayString::new();
        for b in s.bytes() {
            // ASCII, so every byte is a char and the length is known to fit.
            held.push(char::from(b.to_ascii_uppercase()));
        }
        Ok(Self(held))
    }

    /// The most characters a card number has (an ICCID).
    const MAX_LEN: usize = 20;

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}
string_newtype_common!(CardNumber);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iccid_rules() {
        assert!(Iccid::parse("898602B7091701054333").is_ok());
        assert!(Iccid::parse("8986011234567890123").is_ok());
        assert!(matches!(
            Iccid::parse("798602B7091701054333"),
            Err(ModelError::InvalidIccid { .. })
        ));
        assert!(Iccid::parse("898602B70917010543").is_err());
        assert!(Iccid::parse("898602B709170105433333").is_err());
        assert!(Iccid::parse("898602B70917010543 3").is_err());
        let e = Iccid::parse("12").unwrap_err().to_string();
        assert!(e.contains("\"12\"") && e.contains("19 or 20"), "{e}");
    }

    #[test]
    fn msisdn_and_card_number_rules() {
        assert!(Msisdn::parse("13800138000").is_ok());
        assert!(Msisdn::parse("1380013800").is_err());
        assert!(Msisdn::parse("+8613800138000").is_err());
        assert!(CardNumber::parse("1060000000001").is_ok());
        assert!(CardNumber::parse("89860000000000000001").is_ok());
        assert!(CardNumber::parse("8986000000000000001").is_ok());
        assert!(CardNumber::parse("898602B7091701054333").is_ok());
        assert!(CardNumber::parse("898600000000000000011").is_err());
        assert!(
            CardNumber::parse("10600000a0001").is_err(),
            "letters only in ICCIDs"
        );
        assert!(CardNumber::parse("1060000000000001").is_err(), "16 digits");
        assert!(
            CardNumber::parse("106000000000000001").is_err(),
            "18 digits"
        );
        assert!(CardNumber::parse("1060000000").is_err(), "10 digits");
        for bad in [
            " 1060000000001",
            "1060000000001,",
            "106-0000000001",
            "898602B709170105433.",
            "８９８６",
        ] {
            assert!(CardNumber::parse(bad).is_err(), "{bad:?}");
        }
        let lower = CardNumber::parse("898602b7091701054333").unwrap();
        let upper = CardNumber::parse("898602B7091701054333").unwrap();
        assert_eq!(lower, upper);
        assert_eq!(lower.as_str(), "898602B7091701054333");
        for (bad, why) in [
            ("", "is empty"),
            (
                "1060000000001,",
                "must be ASCII letters and digits only (an MSISDN, or an ICCID)",
            ),
            (
                "1060",
                "must be an MSISDN (11 to 15 digits) or an ICCID (19 or 20 characters)",
            ),
            (
                "10600000a0001",
                "a number with letters must be an ICCID: 19 or 20 characters",
            ),
        ] {
            match CardNumber::parse(bad) {
                Err(ModelError::InvalidCardNumber { input, reason }) => {
                    assert_eq!((input.as_str(), reason), (bad, why));
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn serde_validates() {
        let ok: CardNumber = serde_json::from_str("\"1060000000001\"").unwrap();
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"1060000000001\"");
        let bad = serde_json::from_str::<Iccid>("\"1\"").unwrap_err();
        assert!(bad.to_string().contains("invalid ICCID"));
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn validators_never_panic_and_accept_only_what_they_say(s in "\\PC{0,30}") {
            if let Ok(n) = CardNumber::parse(&s) {
                let text = n.as_str();
                prop_assert!(text.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
                let digits = text.bytes().all(|b| b.is_ascii_digit());
                prop_assert!((digits && (11..=15).contains(&text.len())) || (19..=20).contains(&text.len()));
            }
            if let Ok(i) = Iccid::parse(&s) {
                prop_assert!(i.as_str().starts_with("89"));
            }
            let _ = Msisdn::parse(&s);
        }

        #[test]
        fn iccids_compare_regardless_of_case(s in "89[0-9A-Za-z]{17,18}") {
            let asked = CardNumber::parse(&s).unwrap();
            prop_assert_eq!(&CardNumber::parse(&s.to_ascii_lowercase()).unwrap(), &asked);
            prop_assert_eq!(&CardNumber::parse(&s.to_ascii_uppercase()).unwrap(), &asked);
        }

        #[test]
        fn valid_numbers_round_trip(s in "[0-9]{11,15}|[0-9A-Z]{19,20}") {
            let n = CardNumber::parse(&s).unwrap();
            let json = serde_json::to_string(&n).unwrap();
            prop_assert_eq!(serde_json::from_str::<CardNumber>(&json).unwrap(), n);
        }
    }

    #[test]
    fn card_numbers_compare_hash_and_print_as_their_text() {
        use std::collections::hash_map::DefaultHasher;
        use std::hash::{Hash, Hasher};
        let short = CardNumber::parse("10600000000019").unwrap();
        let long = CardNumber::parse("1060000000002").unwrap();
        // Text order, not length order: "10600000000019" < "1060000000002".
        assert!(short < long);
        assert_eq!(short.as_str(), "10600000000019");
        assert_eq!(format!("{long:?}"), r#"CardNumber("1060000000002")"#);
        let hash = |v: &dyn Fn(&mut DefaultHasher)| {
            let mut h = DefaultHasher::new();
            v(&mut h);
            h.finish()
        };
        assert_eq!(hash(&|h| long.hash(h)), hash(&|h| "1060000000002".hash(h)));
        assert_eq!(long.clone(), long);
        assert_ne!(short, long);
    }
}
