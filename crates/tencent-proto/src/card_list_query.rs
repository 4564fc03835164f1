use std::fmt;

use iotcard_model::Operator;

use crate::TencentError;

/// Which cards `getcardlist` lists: the body's `teleoperator`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum OperatorFilter {
    /// Every operator (`0`).
    #[default]
    All,
    /// One operator (`1` China Mobile, `2` China Telecom, `3` China Unicom).
    Only(Operator),
}

impl OperatorFilter {
    /// The wire code.
    pub fn code(self) -> u8 {
        match self {
            OperatorFilter::All => 0,
            OperatorFilter::Only(op) => operator_code(op),
        }
    }
}

impl From<Operator> for OperatorFilter {
    fn from(op: Operator) -> Self {
        OperatorFilter::Only(op)
    }
}

/// The platform's number for an operator, in `teleoperator` fields.
pub(crate) fn operator_code(op: Operator) -> u8 {
    match op {
        Operator::ChinaMobile => 1,
        Operator::ChinaTelecom => 2,
        Operator::ChinaUnicom => 3,
    }
}

/// The operator a `teleoperator` code names, if it is one of the documented three.
pub(crate) fn operator_from_code(code: i64) -> Option<Operator> {
    Operator::ALL
        .into_iter()
        .find(|op| i64::from(operator_code(*op)) == code)
}

/// A `getcardlist` page size: 1 to 20 (the spec: 最大为 20).
///
/// Making the limit a type is what refuses a bad value before any request
/// exists:
///
/// ```
/// use tencent_proto::Limit;
/// assert_eq!(Limit::new(20)?.get(), 20);
/// let e = Limit::new(21).unwrap_err();
/// assert_eq!(e.to_string(), "limit 21 is outside the allowed range 1..=20");
/// # Ok::<(), tencent_proto::TencentError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Limit(u8);

impl Limit {
    /// The smallest page.
    pub const MIN: Limit = Limit(1);
    /// The largest page the platform serves; the sensible default, since
    /// every page costs a round trip.
    pub const MAX: Limit = Limit(20);

    /// Validates a page size.
    pub fn new(value: u64) -> Result<Self, TencentError> {
        match u8::try_from(value) {
            Ok(v) if (Self::MIN.0..=Self::MAX.0).contains(&v) => Ok(Self(v)),
            _ => Err(TencentError::LimitOutOfRange {
                value,
                min: Self::MIN.0,
                max: Self::MAX.0,
            }),
        }
    }

    /// The page size.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self::MAX
    }
}

impl TryFrom<u64> for Limit {
    type Error = TencentError;
    fn try_from(value: u64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// One `getcardlist` call: which operator, how many, from where.
///
/// `offset` counts cards, not pages: the page starts at the card with that
/// 0-based index in the platform's list for this filter (the spec says only
/// 分页偏移, "paging offset"; see [`crate::CardListPager`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct CardListQuery {
    /// Which operator's cards.
    pub filter: OperatorFilter,
    /// How many at most.
    pub limit: Limit,
    /// How many cards to skip.
    pub offset: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_codes_round_trip() {
        assert_eq!(OperatorFilter::All.code(), 0);
        for (op, code) in Operator::ALL.into_iter().zip(1..) {
            assert_eq!(OperatorFilter::Only(op).code(), code);
            assert_eq!(operator_from_code(i64::from(code)), Some(op));
        }
        assert_eq!(operator_from_code(0), None);
        assert_eq!(operator_from_code(4), None);
    }

    #[test]
    fn limit_bounds() {
        assert!(Limit::new(0).is_err());
        assert_eq!(Limit::new(1).unwrap(), Limit::MIN);
        assert_eq!(Limit::new(20).unwrap(), Limit::MAX);
        assert!(Limit::new(21).is_err());
        let e = Limit::new(u64::MAX).unwrap_err().to_string();
        assert!(e.contains(&u64::MAX.to_string()), "{e}");
    }
}
