use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where a card is in its lifecycle, in words an operator uses.
///
/// Providers name their states differently; each protocol crate maps its own
/// codes or texts here and keeps anything it does not know as
/// [`CardStatus::Other`] with the provider's raw value, so a new state on the
/// provider side is shown, never fatal.
///
/// Serialized as the snake_case name (`"active"`), or as the raw value for
/// `Other`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum CardStatus {
    /// In service (IoTBOS 已激活, Tencent `card_status` 2).
    Active,
    /// Never activated (Tencent `card_status` 1).
    Inactive,
    /// Stopped by the operator or the owner, may be resumed (Tencent `card_status` 3).
    Suspended,
    /// Disabled (IoTBOS 已禁用).
    Disabled,
    /// In its test period (IoTBOS 测试期).
    Testing,
    /// In its silent period before activation (IoTBOS 静默期).
    Silent,
    /// A value the provider sent that is none of the above, verbatim.
    Other(String),
}

impl CardStatus {
    /// The stable name, or the raw value for [`CardStatus::Other`].
    pub fn as_str(&self) -> &str {
        match self {
            CardStatus::Active => "active",
            CardStatus::Inactive => "inactive",
            CardStatus::Suspended => "suspended",
            CardStatus::Disabled => "disabled",
            CardStatus::Testing => "testing",
            CardStatus::Silent => "silent",
            CardStatus::Other(raw) => raw,
        }
    }

    /// The inverse of [`CardStatus::as_str`]: a known name gives its variant,
    /// anything else is kept as [`CardStatus::Other`].
    pub fn from_name(s: &str) -> Self {
        match s {
            "active" => CardStatus::Active,
            "inactive" => CardStatus::Inactive,
            "suspended" => CardStatus::Suspended,
            "disabled" => CardStatus::Disabled,
            "testing" => CardStatus::Testing,
            "silent" => CardStatus::Silent,
            other => CardStatus::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for CardStatus {
    /// The stable name; a value the provider sent that is not known says so,
    /// `unknown (0)`, rather than print as a bare code. (Serialization keeps
    /// the raw value alone: see [`CardStatus::as_str`].)
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardStatus::Other(raw) => write!(f, "unknown ({raw})"),
            known => f.write_str(known.as_str()),
        }
    }
}

impl Serialize for CardStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CardStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(CardStatus::from_name(&s))
    }
}

/// Whether the card may use the data network right now.
///
/// Serialized as `"on"`, `"off"`, or the provider's raw value for `Other`
/// (the Tencent spec's own example sends `network_status: 0`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum NetworkStatus {
    /// Data network switched on (Tencent 2).
    On,
    /// Data network switched off (Tencent 1).
    Off,
    /// A value the provider sent that is neither, verbatim.
    Other(String),
}

impl NetworkStatus {
    /// `"on"`, `"off"` or the raw value.
    pub fn as_str(&self) -> &str {
        match self {
            NetworkStatus::On => "on",
            NetworkStatus::Off => "off",
            NetworkStatus::Other(raw) => raw,
        }
    }
}

impl fmt::Display for NetworkStatus {
    /// The stable name; a value the provider sent that is not known says so,
    /// `unknown (0)`, rather than print as a bare code. (Serialization keeps
    /// the raw value alone: see [`NetworkStatus::as_str`].)
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetworkStatus::Other(raw) => write!(f, "unknown ({raw})"),
            known => f.write_str(known.as_str()),
        }
    }
}

impl Serialize for NetworkStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for NetworkStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(match &*s {
            "on" => NetworkStatus::On,
            "off" => NetworkStatus::Off,
            other => NetworkStatus::Other(other.to_owned()),
        })
    }
}

/// Whether a card has its own data allowance or draws from a shared pool.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum CardKind {
    /// A card with its own allowance (Tencent `type` 1, 单卡).
    Single,
    /// A card in a data pool (Tencent `type` 2, 流量池).
    Pooled,
    /// A value the provider sent that is neither, verbatim.
    Other(String),
}

impl CardKind {
    /// `"single"`, `"pooled"` or the raw value.
    pub fn as_str(&self) -> &str {
        match self {
            CardKind::Single => "single",
            CardKind::Pooled => "pooled",
            CardKind::Other(raw) => raw,
        }
    }
}

impl fmt::Display for CardKind {
    /// The stable name; a value the provider sent that is not known says so,
    /// `unknown (0)`, rather than print as a bare code. (Serialization keeps
    /// the raw value alone: see [`CardKind::as_str`].)
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardKind::Other(raw) => write!(f, "unknown ({raw})"),
            known => f.write_str(known.as_str()),
        }
    }
}

impl Serialize for CardKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CardKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(match &*s {
            "single" => CardKind::Single,
            "pooled" => CardKind::Pooled,
            other => CardKind::Other(other.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_and_keeps_raw() {
        for s in [
            CardStatus::Active,
            CardStatus::Inactive,
            CardStatus::Suspended,
            CardStatus::Disabled,
            CardStatus::Testing,
            CardStatus::Silent,
            CardStatus::Other("冻结".into()),
        ] {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<CardStatus>(&json).unwrap(), s);
        }
        assert_eq!(
            serde_json::to_string(&CardStatus::Silent).unwrap(),
            "\"silent\""
        );
        assert_eq!(NetworkStatus::Other("0".into()).to_string(), "unknown (0)");
        assert_eq!(CardStatus::Other("-4".into()).to_string(), "unknown (-4)");
        assert_eq!(CardKind::Other("0".into()).to_string(), "unknown (0)");
        assert_eq!(CardStatus::Active.to_string(), "active");
        // Serialized, the raw value stays alone.
        assert_eq!(
            serde_json::to_string(&NetworkStatus::Other("0".into())).unwrap(),
            "\"0\""
        );
    }
}
