//! `CardBrief`, the card record shared by `getcardlist` and `getcardinfo`.

use std::borrow::Cow;
use std::fmt;

use iotcard_model::{CardKind, CardStatus, DataAmount, Iccid, Msisdn, NetworkStatus};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::codes::{card_kind, card_status, network_status, Teleoperator};
use crate::error::Answer;
use crate::wire_value::{integer, megabytes};
use crate::TencentError;

/// A card's phone number as the platform reported it.
///
/// A value that is not a valid MSISDN (or not even a string: a bare JSON
/// number is read as its digits) is kept verbatim rather than failing the
/// card: the number is informational, the ICCID is what identifies the card.
#[derive(Clone, PartialEq, Eq, Hash, Debug, serde::Serialize)]
#[serde(untagged)]
pub enum ReportedMsisdn {
    /// A well-formed MSISDN.
    Valid(Msisdn),
    /// Something else, verbatim.
    Unrecognized(String),
}

impl ReportedMsisdn {
    /// `None` for `null` or `""`; a string's content; any other token's text.
    fn from_wire(raw: &RawValue) -> Option<Self> {
        let token = raw.get();
        let text = match serde_json::from_str::<Option<Cow<'_, str>>>(token) {
            Ok(Some(text)) => text,
            Ok(None) => return None,
            Err(_) => Cow::Borrowed(token),
        };
        if text.is_empty() {
            return None;
        }
        Some(match Msisdn::parse(&text) {
            Ok(m) => ReportedMsisdn::Valid(m),
            Err(_) => ReportedMsisdn::Unrecognized(text.into_owned()),
        })
    }

    /// The MSISDN, when it is a valid one.
    pub fn msisdn(&self) -> Option<&Msisdn> {
        match self {
            ReportedMsisdn::Valid(m) => Some(m),
            ReportedMsisdn::Unrecognized(_) => None,
        }
    }

    /// The text as sent.
    pub fn as_str(&self) -> &str {
        match self {
            ReportedMsisdn::Valid(m) => m.as_str(),
            ReportedMsisdn::Unrecognized(raw) => raw,
        }
    }
}

impl fmt::Display for ReportedMsisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One card as `getcardlist` lists it (`CardBrief` in the spec).
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
pub struct CardBrief {
    /// `iccid`.
    pub iccid: Iccid,
    /// `msisdn`; `None` when absent, `null` or empty, kept verbatim when not
    /// a valid MSISDN.
    pub msisdn: Option<ReportedMsisdn>,
    /// `teleoperator`.
    pub operator: Teleoperator,
    /// `type`: single card or pooled.
    pub kind: CardKind,
    /// `card_status`.
    pub status: CardStatus,
    /// `network_status`.
    pub network: NetworkStatus,
    /// `data_used_in_period`, exact, in MB.
    pub data_used_in_period: DataAmount,
    /// `data_total_in_period`, exact, in MB.
    pub data_total_in_period: DataAmount,
}

/// A card record on the wire, borrowed from the answer. `getcardinfo`'s extra
/// fields ride along as options so one struct serves both commands.
#[derive(Deserialize)]
pub(crate) struct WireCard<'a> {
    #[serde(borrow)]
    iccid: Cow<'a, str>,
    #[serde(borrow, default)]
    msisdn: Option<&'a RawValue>,
    #[serde(borrow)]
    teleoperator: &'a RawValue,
    #[serde(borrow, rename = "type")]
    kind: &'a RawValue,
    #[serde(borrow)]
    card_status: &'a RawValue,
    #[serde(borrow)]
    network_status: &'a RawValue,
    #[serde(borrow)]
    data_used_in_period: &'a RawValue,
    #[serde(borrow)]
    data_total_in_period: &'a RawValue,
    #[serde(borrow, default)]
    pub(crate) product_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) pool_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) product_expired_time: Option<&'a RawValue>,
}

impl CardBrief {
    pub(crate) fn from_wire(at: Answer, wire: &WireCard<'_>) -> Result<Self, TencentError> {
        let iccid = Iccid::parse(&wire.iccid).map_err(|source| TencentError::InvalidValue {
            call: at.call,
            status: at.status,
            field: "iccid",
            source,
        })?;
        Ok(Self {
            iccid,
            msisdn: wire.msisdn.and_then(ReportedMsisdn::from_wire),
            operator: Teleoperator::from_code(integer(at, "teleoperator", wire.teleoperator)?),
            kind: card_kind(integer(at, "type", wire.kind)?),
            status: card_status(integer(at, "card_status", wire.card_status)?),
            network: network_status(integer(at, "network_status", wire.network_status)?),
            data_used_in_period: megabytes(at, "data_used_in_period", wire.data_used_in_period)?,
            data_total_in_period: megabytes(at, "data_total_in_period", wire.data_total_in_period)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msisdn(token: &str) -> Option<ReportedMsisdn> {
        ReportedMsisdn::from_wire(&RawValue::from_string(token.to_owned()).unwrap())
    }

    #[test]
    fn msisdn_forms() {
        let valid = |s: &str| Some(ReportedMsisdn::Valid(Msisdn::parse(s).unwrap()));
        assert_eq!(msisdn("\"1064878384333\""), valid("1064878384333"));
        assert_eq!(msisdn("1064878384333"), valid("1064878384333"));
        assert_eq!(msisdn("\"\\u0031064878384333\""), valid("1064878384333"));
        assert_eq!(msisdn("null"), None);
        assert_eq!(msisdn("\"\""), None);
        let kept = |s: &str| Some(ReportedMsisdn::Unrecognized(s.to_owned()));
        assert_eq!(msisdn("\"+86 138\""), kept("+86 138"));
        assert_eq!(msisdn("[1]"), kept("[1]"));
        assert_eq!(msisdn("\"+86 138\"").unwrap().msisdn(), None);
    }
}
