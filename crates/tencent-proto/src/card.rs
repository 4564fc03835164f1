//! `CardBrief`, the card record shared by `getcardlist` and `getcardinfo`.

use std::borrow::Cow;
use std::fmt;

use iotcard_model::{CardKind, CardStatus, DataAmount, FieldProblem, Iccid, Msisdn, NetworkStatus};
use iotcard_wire::{text, Object};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::codes::{card_kind, card_status, network_status, Teleoperator};
use crate::error::Answer;
use crate::wire_value::{code, megabytes, Fields};
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
    /// `None` for `null` or blank; a string's content, trimmed; a
    /// number's digits; any other JSON as written.
    fn from_wire(raw: &RawValue) -> Option<Self> {
        match text(raw) {
            Ok(Some(text)) => Self::from_text(&text),
            Ok(None) => None,
            Err(_) => Self::from_text(raw.get()),
        }
    }

    /// `None` for blank text; the number, trimmed, otherwise.
    fn from_text(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        Some(match Msisdn::parse(text) {
            Ok(m) => ReportedMsisdn::Valid(m),
            Err(_) => ReportedMsisdn::Unrecognized(text.to_owned()),
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
///
/// Read liberally (see the crate's `API.md`, "Reading answers"): field
/// names in any letter case, integers as numbers, numeric strings or
/// integral floats, amounts as numbers or strings with their digits kept.
/// A field that cannot be read is `None` and named in
/// [`problems`](Self::problems); it costs that field, never the card. Only
/// an `iccid` that is missing or not an ICCID makes the record unreadable.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
pub struct CardBrief {
    /// `iccid`.
    pub iccid: Iccid,
    /// `msisdn`; `None` when absent, `null` or empty, kept verbatim when not
    /// a valid MSISDN.
    pub msisdn: Option<ReportedMsisdn>,
    /// `teleoperator`; unknown codes are kept.
    pub operator: Option<Teleoperator>,
    /// `type`: single card or pooled; unknown codes are kept.
    pub kind: Option<CardKind>,
    /// `card_status`; unknown codes are kept.
    pub status: Option<CardStatus>,
    /// `network_status`; unknown codes are kept (the spec's own example
    /// sends `0`).
    pub network: Option<NetworkStatus>,
    /// `data_used_in_period`, exact, in MB.
    pub data_used_in_period: Option<DataAmount>,
    /// `data_total_in_period`, exact, in MB; `None` when `null` (a pooled
    /// card's total is the pool's, and servers send none for it).
    pub data_total_in_period: Option<DataAmount>,
    /// The fields sent that could not be read (and documented fields that
    /// were missing), each left `None` above. For a `getcardinfo` record,
    /// its own fields' problems too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<FieldProblem>,
}

/// A text field as the pass that found it has it: a string already read
/// (the canonical pass), or the raw value (the tolerant pass, which also
/// takes a number's digits).
pub(crate) enum Sent<'a> {
    Text(Cow<'a, str>),
    Raw(&'a RawValue),
}

impl Sent<'_> {
    /// The text, trimmed; `None` for `null` or blank.
    pub(crate) fn text(&self) -> Result<Option<Cow<'_, str>>, iotcard_wire::ValueError> {
        match self {
            Sent::Text(t) => Ok(Some(Cow::Borrowed(t.trim())).filter(|t| !t.is_empty())),
            Sent::Raw(raw) => text(raw),
        }
    }
}

/// A card record's fields, raw and borrowed from the answer, found by
/// name: `None` is absent, `Some("null")` sent as `null` (for `iccid` and
/// `msisdn`, `None` is also `null`: both read it as no value).
/// `getcardinfo`'s extra fields ride along so one reader serves both
/// commands.
#[derive(Default)]
pub(crate) struct RawCard<'a> {
    iccid: Option<Sent<'a>>,
    msisdn: Option<Sent<'a>>,
    teleoperator: Option<&'a RawValue>,
    kind: Option<&'a RawValue>,
    card_status: Option<&'a RawValue>,
    network_status: Option<&'a RawValue>,
    data_used_in_period: Option<&'a RawValue>,
    data_total_in_period: Option<&'a RawValue>,
    pub(crate) product_id: Option<Sent<'a>>,
    pub(crate) pool_id: Option<Sent<'a>>,
    pub(crate) product_expired_time: Option<&'a RawValue>,
}

impl<'a> RawCard<'a> {
    /// The fields of a record read the tolerant way: names in any letter
    /// case, the first of a name sent twice.
    pub(crate) fn of(record: &Object<'a>) -> Self {
        Self {
            iccid: record.get("iccid").map(Sent::Raw),
            msisdn: record.get("msisdn").map(Sent::Raw),
            teleoperator: record.get("teleoperator"),
            kind: record.get("type"),
            card_status: record.get("card_status"),
            network_status: record.get("network_status"),
            data_used_in_period: record.get("data_used_in_period"),
            data_total_in_period: record.get("data_total_in_period"),
            product_id: record.get("product_id").map(Sent::Raw),
            pool_id: record.get("pool_id").map(Sent::Raw),
            product_expired_time: record.get("product_expired_time"),
        }
    }
}

/// The record exactly as documented, for the fast pass: lower-case names
/// and no others (any other name sends the record the tolerant way, so the
/// two never read one record differently). `iccid` and `msisdn` are read as
/// strings in the same pass, and so are `product_id` and `pool_id` (a
/// number there sends the record the tolerant way, which takes its digits).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CanonicalCard<'a> {
    #[serde(borrow, default)]
    iccid: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    msisdn: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "sent")]
    teleoperator: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "sent", rename = "type")]
    kind: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "sent")]
    card_status: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "sent")]
    network_status: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "sent")]
    data_used_in_period: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "sent")]
    data_total_in_period: Option<&'a RawValue>,
    #[serde(borrow, default)]
    product_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pool_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "sent")]
    product_expired_time: Option<&'a RawValue>,
}

/// A field that was sent, `null` included (serde's `Option` would take
/// `null` for absent, and an absent documented field is a problem where a
/// `null` one is not).
fn sent<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&'de RawValue>::deserialize(d).map(Some)
}

impl<'a> From<CanonicalCard<'a>> for RawCard<'a> {
    fn from(c: CanonicalCard<'a>) -> Self {
        Self {
            iccid: c.iccid.map(Sent::Text),
            msisdn: c.msisdn.map(Sent::Text),
            teleoperator: c.teleoperator,
            kind: c.kind,
            card_status: c.card_status,
            network_status: c.network_status,
            data_used_in_period: c.data_used_in_period,
            data_total_in_period: c.data_total_in_period,
            product_id: c.product_id.map(Sent::Text),
            pool_id: c.pool_id.map(Sent::Text),
            product_expired_time: c.product_expired_time,
        }
    }
}

impl CardBrief {
    /// Reads a record; `fields` collects the problems of the fields that
    /// cannot be read. Fails only for the `iccid`.
    pub(crate) fn from_raw(
        at: Answer,
        raw: &RawCard<'_>,
        fields: &mut Fields,
    ) -> Result<Self, TencentError> {
        let iccid = read_iccid(at, raw.iccid.as_ref())?;
        let msisdn = match &raw.msisdn {
            Some(Sent::Text(t)) => ReportedMsisdn::from_text(t),
            Some(Sent::Raw(r)) => ReportedMsisdn::from_wire(r),
            None => None,
        };
        Ok(Self {
            iccid,
            msisdn,
            operator: fields
                .read("teleoperator", raw.teleoperator, true, code)
                .map(Teleoperator::from_code),
            kind: fields.read("type", raw.kind, true, code).map(card_kind),
            status: fields
                .read("card_status", raw.card_status, true, code)
                .map(card_status),
            network: fields
                .read("network_status", raw.network_status, true, code)
                .map(network_status),
            data_used_in_period: fields.read(
                "data_used_in_period",
                raw.data_used_in_period,
                true,
                megabytes,
            ),
            data_total_in_period: fields.read(
                "data_total_in_period",
                raw.data_total_in_period,
                true,
                megabytes,
            ),
            problems: Vec::new(),
        })
    }
}

/// The record's identity: without a readable ICCID there is no card to
/// give the other fields to.
fn read_iccid(at: Answer, raw: Option<&Sent<'_>>) -> Result<Iccid, TencentError> {
    let unreadable = |source| TencentError::UnreadableField {
        call: at.call,
        status: at.status,
        field: "iccid",
        source,
    };
    let text = raw
        .map(Sent::text)
        .transpose()
        .map_err(unreadable)?
        .flatten()
        .ok_or_else(|| crate::envelope::shape_error(at, "missing field `iccid`"))?;
    Iccid::parse(&text).map_err(|source| TencentError::InvalidValue {
        call: at.call,
        status: at.status,
        field: "iccid",
        source,
    })
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
