use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::decimal::parse_exact;
use crate::ModelError;

fn serialize_decimal<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    // A JSON string, not a number: it is the only way every JSON reader
    // (JavaScript's included) keeps `1.00` as written.
    s.collect_str(d)
}

fn deserialize_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = Decimal;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a decimal as a string (\"1.00\") or an integer")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
            parse_exact(v).map_err(E::custom)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
    }
    d.deserialize_any(V)
}

/// An exact amount of money in Chinese yuan (CNY), as the provider wrote it.
///
/// Never a float: `1.00` keeps its two places. Serialized as a JSON string
/// (`"1.00"`) so no reader rounds it.
///
/// ```
/// use iotcard_model::Money;
/// let fee: Money = "1.00".parse()?;
/// assert_eq!(fee.to_string(), "1.00");
/// assert_eq!(serde_json::to_string(&fee).unwrap(), "\"1.00\"");
/// # Ok::<(), iotcard_model::ModelError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Money {
    yuan: Decimal,
}

impl Money {
    /// An amount in yuan.
    pub fn from_yuan(yuan: Decimal) -> Self {
        Self { yuan }
    }
    /// The amount in yuan, with the provider's scale.
    pub fn yuan(&self) -> Decimal {
        self.yuan
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.yuan, f)
    }
}

impl FromStr for Money {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_exact(s).map(Self::from_yuan)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_decimal(&self.yuan, s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_decimal(d).map(Self::from_yuan)
    }
}

/// The unit a [`DataAmount`] is counted in.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DataUnit {
    /// Megabytes, as Tencent documents for `data_used_in_period`.
    Mb,
    /// The provider's own unit, which its documentation does not state
    /// (IoTBOS `UseFlow`/`ResidualFlow`/`DefaultFlow`; platforms of this kind
    /// usually mean MB). Kept apart so nobody converts on a guess.
    ProviderUnit,
}

impl fmt::Display for DataUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DataUnit::Mb => "MB",
            DataUnit::ProviderUnit => "(provider unit)",
        })
    }
}

/// An exact amount of mobile data with its unit. Negative amounts are kept:
/// IoTBOS reports an overrun as a negative remainder (`-8359`).
///
/// ```
/// use iotcard_model::{DataAmount, DataUnit};
/// let used = DataAmount::new("14.970".parse().unwrap(), DataUnit::Mb);
/// assert_eq!(used.to_string(), "14.970 MB");
/// assert_eq!(
///     serde_json::to_string(&used).unwrap(),
///     r#"{"amount":"14.970","unit":"mb"}"#
/// );
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct DataAmount {
    /// How much, with the provider's scale.
    #[serde(
        serialize_with = "serialize_decimal",
        deserialize_with = "deserialize_decimal"
    )]
    pub amount: Decimal,
    /// In which unit.
    pub unit: DataUnit,
}

impl DataAmount {
    /// An amount in the given unit.
    pub fn new(amount: Decimal, unit: DataUnit) -> Self {
        Self { amount, unit }
    }
    /// An amount in megabytes.
    pub fn mb(amount: Decimal) -> Self {
        Self::new(amount, DataUnit::Mb)
    }
    /// An amount in the provider's unstated unit.
    pub fn provider_unit(amount: Decimal) -> Self {
        Self::new(amount, DataUnit::ProviderUnit)
    }
}

impl fmt::Display for DataAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.unit {
            DataUnit::Mb => write!(f, "{} MB", self.amount),
            DataUnit::ProviderUnit => write!(f, "{}", self.amount),
        }
    }
}

/// A number of text messages. Signed: a remainder can go below zero.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SmsCount(pub i64);

impl fmt::Display for SmsCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_round_trips_exactly() {
        for text in ["1.00", "0.10", "0.00", "-3.5", "12345678.901"] {
            let m: Money = text.parse().unwrap();
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            let back: Money = serde_json::from_str(&json).unwrap();
            assert_eq!(back.to_string(), text);
        }
        let from_int: Money = serde_json::from_str("3").unwrap();
        assert_eq!(from_int.to_string(), "3");
        assert!(
            serde_json::from_str::<Money>("1.5").is_err(),
            "floats refused"
        );
    }

    #[test]
    fn data_amount_keeps_sign_and_scale() {
        let d = DataAmount::provider_unit("-8359".parse().unwrap());
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, r#"{"amount":"-8359","unit":"provider_unit"}"#);
        assert_eq!(serde_json::from_str::<DataAmount>(&json).unwrap(), d);
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any decimal the providers can write survives Display → parse →
        /// JSON → parse with its digits, scale and sign.
        #[test]
        fn money_and_data_round_trip(mantissa in -10_000_000_000i64..10_000_000_000, scale in 0u32..6) {
            let d = Decimal::new(mantissa, scale);
            let text = d.to_string();
            let m: Money = text.parse().unwrap();
            prop_assert_eq!(m.to_string(), text.clone());
            let json = serde_json::to_string(&m).unwrap();
            prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap().to_string(), text.clone());
            let amount = DataAmount::mb(d);
            let back: DataAmount = serde_json::from_str(&serde_json::to_string(&amount).unwrap()).unwrap();
            prop_assert_eq!(back.amount.to_string(), text);
        }

        #[test]
        fn parse_exact_never_panics(s in "\\PC{0,40}") {
            let _ = crate::decimal::parse_exact(&s);
        }

        #[test]
        fn parse_exact_keeps_any_plain_decimal(int in "-?[0-9]{1,20}", frac in proptest::option::of("[0-9]{1,8}")) {
            let text = match &frac { Some(f) => format!("{int}.{f}"), None => int.clone() };
            if let Ok(d) = crate::decimal::parse_exact(&text) {
                // Same digits back, leading zeros aside.
                let want = Decimal::from_str_exact(&text).unwrap();
                prop_assert_eq!(d, want);
                prop_assert_eq!(d.scale(), want.scale());
            }
        }
    }
}
