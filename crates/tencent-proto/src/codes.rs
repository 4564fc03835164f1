//! Tencent's numeric codes in a card record, mapped to the model's words.
//!
//! Every mapping keeps a code it does not know (the spec's own example sends
//! `network_status: 0`): an unknown value is shown, never fatal.

use std::fmt;

use iotcard_model::{CardKind, CardStatus, NetworkStatus, Operator};

use crate::card_list_query::{operator_code, operator_from_code};

/// A card's `teleoperator`: one of the three documented operators, or the
/// code verbatim.
///
/// Serialized as the operator's name (`china_mobile`), or the code as a
/// number when it is none of the three.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize)]
#[serde(untagged)]
pub enum Teleoperator {
    /// `1` China Mobile, `2` China Telecom, `3` China Unicom.
    Known(Operator),
    /// Any other code.
    Unknown(i64),
}

impl Teleoperator {
    /// Maps a wire code.
    pub fn from_code(code: i64) -> Self {
        operator_from_code(code).map_or(Teleoperator::Unknown(code), Teleoperator::Known)
    }

    /// The wire code.
    pub fn code(self) -> i64 {
        match self {
            Teleoperator::Known(op) => i64::from(operator_code(op)),
            Teleoperator::Unknown(code) => code,
        }
    }

    /// The operator, when the code is a documented one.
    pub fn operator(self) -> Option<Operator> {
        match self {
            Teleoperator::Known(op) => Some(op),
            Teleoperator::Unknown(_) => None,
        }
    }
}

impl fmt::Display for Teleoperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Teleoperator::Known(op) => fmt::Display::fmt(op, f),
            Teleoperator::Unknown(code) => write!(f, "unknown operator {code}"),
        }
    }
}

/// `type`: 1 single card (单卡), 2 pooled (流量池).
pub fn card_kind(code: i64) -> CardKind {
    match code {
        1 => CardKind::Single,
        2 => CardKind::Pooled,
        other => CardKind::Other(other.to_string()),
    }
}

/// `card_status`: 1 not activated (未激活), 2 activated (已激活), 3 suspended (已停用).
pub fn card_status(code: i64) -> CardStatus {
    match code {
        1 => CardStatus::Inactive,
        2 => CardStatus::Active,
        3 => CardStatus::Suspended,
        other => CardStatus::Other(other.to_string()),
    }
}

/// `network_status`: 1 off (关闭), 2 on (开启).
pub fn network_status(code: i64) -> NetworkStatus {
    match code {
        1 => NetworkStatus::Off,
        2 => NetworkStatus::On,
        other => NetworkStatus::Other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_codes() {
        assert_eq!(card_kind(1), CardKind::Single);
        assert_eq!(card_kind(2), CardKind::Pooled);
        assert_eq!(card_status(1), CardStatus::Inactive);
        assert_eq!(card_status(2), CardStatus::Active);
        assert_eq!(card_status(3), CardStatus::Suspended);
        assert_eq!(network_status(1), NetworkStatus::Off);
        assert_eq!(network_status(2), NetworkStatus::On);
        assert_eq!(
            Teleoperator::from_code(2),
            Teleoperator::Known(Operator::ChinaTelecom)
        );
    }

    #[test]
    fn unknown_codes_kept() {
        assert_eq!(card_kind(0), CardKind::Other("0".into()));
        assert_eq!(card_status(-4), CardStatus::Other("-4".into()));
        assert_eq!(network_status(0), NetworkStatus::Other("0".into()));
        let t = Teleoperator::from_code(9);
        assert_eq!(
            (t, t.code(), t.operator()),
            (Teleoperator::Unknown(9), 9, None)
        );
    }
}
