use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// A Chinese mobile network operator (运营商).
///
/// Serialized as `china_mobile`, `china_telecom`, `china_unicom`; parsed from
/// those names or the short `mobile`, `telecom`, `unicom` an operator types.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    /// China Mobile (中国移动, 移动).
    #[serde(alias = "mobile")]
    ChinaMobile,
    /// China Telecom (中国电信, 电信).
    #[serde(alias = "telecom")]
    ChinaTelecom,
    /// China Unicom (中国联通, 联通).
    #[serde(alias = "unicom")]
    ChinaUnicom,
}

impl Operator {
    /// All operators, in the order the platforms number them.
    pub const ALL: [Operator; 3] = [
        Operator::ChinaMobile,
        Operator::ChinaTelecom,
        Operator::ChinaUnicom,
    ];

    /// The stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Operator::ChinaMobile => "china_mobile",
            Operator::ChinaTelecom => "china_telecom",
            Operator::ChinaUnicom => "china_unicom",
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Operator {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "china_mobile" | "mobile" | "cmcc" => Ok(Operator::ChinaMobile),
            "china_telecom" | "telecom" | "ctcc" => Ok(Operator::ChinaTelecom),
            "china_unicom" | "unicom" | "cucc" => Ok(Operator::ChinaUnicom),
            _ => Err(ModelError::UnknownName {
                what: "operator",
                input: s.to_owned(),
                expected: "mobile, telecom, unicom",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for op in Operator::ALL {
            assert_eq!(op.name().parse::<Operator>().unwrap(), op);
            let json = serde_json::to_string(&op).unwrap();
            assert_eq!(serde_json::from_str::<Operator>(&json).unwrap(), op);
        }
        assert_eq!("Unicom".parse::<Operator>().unwrap(), Operator::ChinaUnicom);
        assert!("vodafone"
            .parse::<Operator>()
            .unwrap_err()
            .to_string()
            .contains("vodafone"));
    }
}
