//! What an operator asks about a card, provider-neutral.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{
    CardKind, CardStatus, DataAmount, Iccid, Instant, ModelError, Money, Msisdn, NetworkStatus,
    Operator, SmsCount,
};

/// Usage in the current billing period.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Usage {
    /// Text messages used (IoTBOS `ReceivesSmsNum`).
    pub sms_used: Option<SmsCount>,
    /// Data used (IoTBOS `UseFlow`, Tencent `data_used_in_period`).
    pub data_used: Option<DataAmount>,
}

/// What is left of the period's allowance.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Remaining {
    /// Text messages left (IoTBOS `ResidualReceivesSms`).
    pub sms_left: Option<SmsCount>,
    /// Data left; negative when overrun (IoTBOS `ResidualFlow`, or Tencent
    /// total minus used, computed exactly).
    pub data_left: Option<DataAmount>,
}

/// The tariff a card is on.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Plan {
    /// The plan's name (IoTBOS `ServiceName`).
    pub name: Option<String>,
    /// Monthly fee (IoTBOS `Cost`).
    pub monthly_fee: Option<Money>,
    /// Text messages included (IoTBOS `DefaultSms`).
    pub included_sms: Option<SmsCount>,
    /// Price of a text message beyond the plan (IoTBOS `ExceedSmsPrice`).
    pub sms_overage_price: Option<Money>,
    /// Data included per period (IoTBOS `DefaultFlow`, Tencent `data_total_in_period`).
    pub included_data: Option<DataAmount>,
    /// Price of data beyond the plan, per provider unit (IoTBOS `ExceedFlowPrice`).
    pub data_overage_price: Option<Money>,
    /// The provider's product id (Tencent `product_id`).
    pub product_id: Option<String>,
    /// The data pool the card draws from (Tencent `pool_id`).
    pub pool_id: Option<String>,
}

/// When a card's service ends, with the status the provider reported beside it.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Expiry {
    /// The card's status as reported with the date.
    pub status: Option<CardStatus>,
    /// When the service or plan expires; providers give none for cards that
    /// are not active.
    pub expires_at: Option<Instant>,
}

/// A card's status: its lifecycle status, and whether its data network is on
/// where the platform says (Tencent).
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Status {
    /// Lifecycle status.
    pub status: Option<CardStatus>,
    /// Data network on or off (Tencent only).
    pub network: Option<NetworkStatus>,
}

/// How a provider answered for one card in a batch.
///
/// Serialized as `"found"`, `"not_found"`, `"no_data"` or `"unknown:<code>"`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// The card exists and the answer carries its data (IoTBOS `State` 1).
    Found,
    /// No such card on this account (IoTBOS `State` 0).
    NotFound,
    /// The card exists but the provider has no data of this kind for it
    /// (IoTBOS `State` 2).
    NoData,
    /// A code the provider documents nowhere, verbatim.
    Unknown(i64),
}

impl Outcome {
    /// `found`, `not_found`, `no_data` or `unknown`: the kind without the code.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Found => "found",
            Outcome::NotFound => "not_found",
            Outcome::NoData => "no_data",
            Outcome::Unknown(_) => "unknown",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Unknown(code) => write!(f, "unknown:{code}"),
            other => f.write_str(other.kind()),
        }
    }
}

impl FromStr for Outcome {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "found" => Ok(Outcome::Found),
            "not_found" => Ok(Outcome::NotFound),
            "no_data" => Ok(Outcome::NoData),
            _ => s
                .strip_prefix("unknown:")
                .and_then(|c| c.parse().ok())
                .map(Outcome::Unknown)
                .ok_or_else(|| ModelError::UnknownName {
                    what: "outcome",
                    input: s.to_owned(),
                    expected: "found, not_found, no_data, unknown:<code>",
                }),
        }
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Everything known about one card at one moment, whichever provider answered.
///
/// A field is `None` when the provider cannot answer it (see each provider's
/// capabilities) or did not for this card.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CardSnapshot {
    /// The card as the caller named it.
    pub card: String,
    /// The SIM's ICCID, when the provider reports it.
    pub iccid: Option<Iccid>,
    /// The card's phone number, when the provider reports it.
    pub msisdn: Option<Msisdn>,
    /// The network operator.
    pub operator: Option<Operator>,
    /// Single card or pooled.
    pub kind: Option<CardKind>,
    /// Lifecycle status.
    pub status: Option<CardStatus>,
    /// Whether the data network is on.
    pub network: Option<NetworkStatus>,
    /// Usage this period.
    pub usage: Option<Usage>,
    /// What is left this period.
    pub remaining: Option<Remaining>,
    /// The tariff.
    pub plan: Option<Plan>,
    /// When service or plan expires.
    pub expires_at: Option<Instant>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_names() {
        for o in [
            Outcome::Found,
            Outcome::NotFound,
            Outcome::NoData,
            Outcome::Unknown(-7),
        ] {
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(serde_json::from_str::<Outcome>(&json).unwrap(), o);
        }
        assert_eq!(Outcome::Unknown(9).to_string(), "unknown:9");
        assert!("lost".parse::<Outcome>().is_err());
    }

    #[test]
    fn snapshot_serializes_snake_case_and_round_trips() {
        let snap = CardSnapshot {
            card: "1060000000001".into(),
            status: Some(CardStatus::Active),
            usage: Some(Usage {
                sms_used: Some(SmsCount(6)),
                data_used: Some(DataAmount::provider_unit("8359".parse().unwrap())),
            }),
            plan: Some(Plan {
                monthly_fee: Some("1.00".parse().unwrap()),
                ..Plan::default()
            }),
            ..CardSnapshot::default()
        };
        let json = serde_json::to_value(&snap).unwrap();
        assert_eq!(json["status"], "active");
        assert_eq!(json["usage"]["sms_used"], 6);
        assert_eq!(json["plan"]["monthly_fee"], "1.00");
        let back: CardSnapshot = serde_json::from_value(json).unwrap();
        assert_eq!(back, snap);
    }
}
