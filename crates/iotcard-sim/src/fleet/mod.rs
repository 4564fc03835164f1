//! A deterministic fleet of cards, computed per card on demand.
//!
//! A fleet is a seed and a size, nothing more: card `i` is recomputed from
//! `(seed, i)` whenever it is needed, and its identifiers encode `i`, so a
//! fleet of 10 million cards costs the memory of one of 100 and every lookup
//! by number or ICCID is O(1).

mod facts;
pub(crate) mod hash;
mod ids;
mod plans;
mod truth;

use iotcard_model::{CardNumber, Iccid, Operator};

pub(crate) use facts::{CardFacts, Lifecycle, STATE_FOUND, STATE_NO_DATA};
pub use truth::{IotbosCall, SimCard, TencentCodes};

use crate::{Dialect, SimError, Variant};
use facts::OPERATOR_PATTERN;
use ids::SerialMap;

/// The simulated cards: `len()` cards numbered `0..len()`, each a pure
/// function of the seed and its index.
///
/// ```
/// use iotcard_sim::Fleet;
/// let fleet = Fleet::new(7, 10_000_000)?;
/// let last = fleet.card(fleet.len() - 1).expect("in the fleet");
/// assert_eq!(fleet.index_of_number(last.number().as_str()), Some(fleet.len() - 1));
/// assert_eq!(fleet.index_of_iccid(last.iccid().as_str()), Some(fleet.len() - 1));
/// assert!(fleet.card(fleet.len()).is_none());
/// # Ok::<(), iotcard_sim::SimError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Fleet {
    seed: u64,
    len: u64,
    serials: SerialMap,
}

impl Fleet {
    /// The largest fleet: the serials (9 digits) run out beyond it.
    pub const MAX_CARDS: u64 = ids::SERIAL_SPACE;

    /// The fleet of `cards` cards for `seed`. The same arguments always
    /// give the same cards, in every process.
    pub fn new(seed: u64, cards: u64) -> Result<Self, SimError> {
        if cards > Self::MAX_CARDS {
            return Err(SimError::FleetTooLarge {
                requested: cards,
                max: Self::MAX_CARDS,
            });
        }
        Ok(Self {
            seed,
            len: cards,
            serials: SerialMap::new(seed),
        })
    }

    /// The seed the fleet was made from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How many cards.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the fleet has no card.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Card `index`, or `None` past the end.
    pub fn card(&self, index: u64) -> Option<SimCard> {
        self.facts(index).map(SimCard::new)
    }

    /// The index of the card IoTBOS knows by `number`: its MSISDN (the
    /// IoTBOS card number) or its ICCID.
    pub fn index_of_number(&self, number: &str) -> Option<u64> {
        self.facts_by_number(number.as_bytes()).map(|f| f.index)
    }

    /// The index of the card with this MSISDN.
    pub fn index_of_msisdn(&self, msisdn: &str) -> Option<u64> {
        let serial = ids::serial_of_number(msisdn.as_bytes())?;
        let index = self.serials.index(serial);
        (index < self.len).then_some(index)
    }

    /// The index of the card with this ICCID (letters in any case).
    pub fn index_of_iccid(&self, iccid: &str) -> Option<u64> {
        self.facts_by_iccid(iccid.as_bytes()).map(|f| f.index)
    }

    /// Every card's IoTBOS number (its MSISDN), in index order (for
    /// `iotcard sim --list-numbers`). Lazy: nothing is held.
    pub fn numbers(&self) -> impl Iterator<Item = CardNumber> + '_ {
        (0..self.len).filter_map(|i| {
            let number = ids::number(self.serials.serial(i));
            CardNumber::parse(std::str::from_utf8(&number).ok()?).ok()
        })
    }

    /// The number IoTBOS knows card `index` by in `dialect` (see
    /// [`Dialect::iotbos_number`]): its MSISDN, or under `lettered-iccids`
    /// for some cards a lettered ICCID of 19 or 20 characters.
    pub fn iotbos_number(&self, index: u64, dialect: Dialect) -> Option<String> {
        let facts = self.facts(index)?;
        Some(
            match dialect.iotbos_number_of(facts.serial(), &facts.iccid()) {
                Some(n) => String::from_utf8_lossy(&n).into_owned(),
                None => String::from_utf8_lossy(&facts.number()).into_owned(),
            },
        )
    }

    /// Every card's IoTBOS number in `dialect`, in index order (for
    /// `iotcard sim --list-numbers --dialect …`). Lazy: nothing is held.
    /// In the canonical dialect these are [`numbers`](Self::numbers).
    pub fn iotbos_numbers(&self, dialect: Dialect) -> impl Iterator<Item = String> + '_ {
        (0..self.len).filter_map(move |i| self.iotbos_number(i, dialect))
    }

    /// The index of the card the simulator in `dialect` finds for a
    /// `cardIdNums` entry: what [`index_of_number`](Self::index_of_number)
    /// finds, and under `lettered-iccids` also the 19-character ICCIDs.
    pub fn index_of_iotbos_number(&self, number: &str, dialect: Dialect) -> Option<u64> {
        self.facts_by_iotbos_number(number.as_bytes(), dialect)
            .map(|f| f.index)
    }

    /// Every card's ICCID, in index order. Lazy: nothing is held.
    pub fn iccids(&self) -> impl Iterator<Item = Iccid> + '_ {
        (0..self.len).filter_map(|i| {
            let iccid = self.facts(i)?.iccid();
            Iccid::parse(std::str::from_utf8(&iccid).ok()?).ok()
        })
    }

    /// Every card, in index order.
    pub fn cards(&self) -> impl Iterator<Item = SimCard> + '_ {
        (0..self.len).filter_map(|i| self.card(i))
    }

    /// How many cards the operator has (all cards for `None`), as Tencent
    /// `getappinfo` counts them.
    pub fn count(&self, operator: Option<Operator>) -> u64 {
        let Some(op) = operator else {
            return self.len;
        };
        let per_period = OPERATOR_PATTERN.iter().filter(|&&o| o == op).count() as u64;
        let rest = OPERATOR_PATTERN[..(self.len % 10) as usize]
            .iter()
            .filter(|&&o| o == op)
            .count() as u64;
        self.len / 10 * per_period + rest
    }

    /// The page Tencent `getcardlist` answers: the operator's cards (all for
    /// `None`) in index order, skipping `offset`, at most `limit`.
    pub fn list(&self, operator: Option<Operator>, offset: u64, limit: u64) -> Vec<SimCard> {
        self.list_indices(operator, offset, limit)
            .filter_map(|i| self.card(i))
            .collect()
    }

    pub(crate) fn list_indices(
        &self,
        operator: Option<Operator>,
        offset: u64,
        limit: u64,
    ) -> impl Iterator<Item = u64> + '_ {
        (0..limit).map_while(move |k| self.nth_of(operator, offset.checked_add(k)?))
    }

    /// The index of the operator's `n`-th card (0-based), in O(1).
    fn nth_of(&self, operator: Option<Operator>, n: u64) -> Option<u64> {
        let index = match operator {
            None => n,
            Some(op) => {
                let mut positions = [0u64; 10];
                let mut count = 0;
                for (p, &o) in OPERATOR_PATTERN.iter().enumerate() {
                    if o == op {
                        positions[count] = p as u64;
                        count += 1;
                    }
                }
                let period = n / count as u64;
                period
                    .checked_mul(10)?
                    .checked_add(positions[(n % count as u64) as usize])?
            }
        };
        (index < self.len).then_some(index)
    }

    pub(crate) fn facts(&self, index: u64) -> Option<CardFacts> {
        (index < self.len).then(|| CardFacts::derive(self.seed, index, self.serials.serial(index)))
    }

    /// The card IoTBOS finds for a `cardIdNums` entry.
    pub(crate) fn facts_by_number(&self, number: &[u8]) -> Option<CardFacts> {
        if number.len() == ids::ICCID_LEN {
            return self.facts_by_iccid(number);
        }
        let serial = ids::serial_of_number(number)?;
        self.facts(self.serials.index(serial))
    }

    /// The card IoTBOS finds for a `cardIdNums` entry in `dialect`.
    pub(crate) fn facts_by_iotbos_number(
        &self,
        number: &[u8],
        dialect: Dialect,
    ) -> Option<CardFacts> {
        if number.len() == ids::ICCID_LEN - 1 && dialect.has(Variant::LetteredIccids) {
            let serial = ids::serial_of_iccid_19(number)?;
            let facts = self.facts(self.serials.index(serial))?;
            return crate::dialect::shorten(&facts.iccid())
                .eq_ignore_ascii_case(number)
                .then_some(facts);
        }
        self.facts_by_number(number)
    }

    pub(crate) fn facts_by_iccid(&self, iccid: &[u8]) -> Option<CardFacts> {
        let serial = ids::serial_of_iccid(iccid)?;
        let facts = self.facts(self.serials.index(serial))?;
        facts.iccid().eq_ignore_ascii_case(iccid).then_some(facts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_round_trip() {
        let fleet = Fleet::new(3, 5000).unwrap();
        for card in fleet.cards() {
            let i = card.index();
            assert_eq!(fleet.index_of_number(card.number().as_str()), Some(i));
            assert_eq!(fleet.index_of_msisdn(card.msisdn().as_str()), Some(i));
            assert_eq!(fleet.index_of_iccid(card.iccid().as_str()), Some(i));
            assert_eq!(
                fleet.index_of_iccid(&card.iccid().as_str().to_ascii_lowercase()),
                Some(i)
            );
        }
        assert_eq!(fleet.index_of_number("1064"), None);
        assert_eq!(fleet.index_of_iccid("89860000000000000000"), None);
    }

    #[test]
    fn numbers_outside_the_fleet_are_unknown() {
        let small = Fleet::new(3, 10).unwrap();
        let big = Fleet::new(3, 1000).unwrap();
        let outsider = big.card(500).unwrap();
        assert_eq!(small.index_of_number(outsider.number().as_str()), None);
        assert_eq!(small.index_of_iccid(outsider.iccid().as_str()), None);
        // A different seed makes different numbers.
        let other = Fleet::new(4, 10).unwrap();
        assert_ne!(
            other.card(0).unwrap().number(),
            small.card(0).unwrap().number()
        );
    }

    #[test]
    fn counts_and_pages_agree_with_a_scan() {
        for len in [0u64, 1, 9, 10, 11, 57, 1000] {
            let fleet = Fleet::new(1, len).unwrap();
            let mut total = 0;
            for op in Operator::ALL {
                let scanned: Vec<u64> = fleet
                    .cards()
                    .filter(|c| c.operator() == op)
                    .map(|c| c.index())
                    .collect();
                assert_eq!(fleet.count(Some(op)), scanned.len() as u64, "{len} {op}");
                total += scanned.len() as u64;
                for (offset, limit) in [(0, 20), (3, 5), (scanned.len() as u64, 20)] {
                    let page: Vec<u64> = fleet
                        .list(Some(op), offset, limit)
                        .iter()
                        .map(|c| c.index())
                        .collect();
                    let expected: Vec<u64> = scanned
                        .iter()
                        .copied()
                        .skip(offset as usize)
                        .take(limit as usize)
                        .collect();
                    assert_eq!(page, expected);
                }
            }
            assert_eq!(total, len);
            assert_eq!(fleet.count(None), len);
        }
        let fleet = Fleet::new(1, 100).unwrap();
        assert!(fleet.list(None, u64::MAX, 20).is_empty());
        assert!(fleet
            .list(Some(Operator::ChinaUnicom), u64::MAX - 1, 20)
            .is_empty());
    }

    #[test]
    fn listings_match_the_cards() {
        let fleet = Fleet::new(8, 300).unwrap();
        let numbers: Vec<CardNumber> = fleet.numbers().collect();
        let iccids: Vec<Iccid> = fleet.iccids().collect();
        assert_eq!((numbers.len(), iccids.len()), (300, 300));
        for card in fleet.cards() {
            assert_eq!(&numbers[card.index() as usize], card.number());
            assert_eq!(&iccids[card.index() as usize], card.iccid());
        }
    }

    proptest::proptest! {
        #[test]
        fn any_card_of_any_fleet_is_found_by_its_identifiers(
            seed in proptest::prelude::any::<u64>(),
            len in 1u64..=Fleet::MAX_CARDS,
            at in proptest::prelude::any::<u64>(),
        ) {
            let fleet = Fleet::new(seed, len).unwrap();
            let card = fleet.card(at % len).unwrap();
            proptest::prop_assert_eq!(fleet.index_of_number(card.number().as_str()), Some(card.index()));
            proptest::prop_assert_eq!(fleet.index_of_msisdn(card.msisdn().as_str()), Some(card.index()));
            proptest::prop_assert_eq!(fleet.index_of_iccid(card.iccid().as_str()), Some(card.index()));
        }

        #[test]
        fn lookups_never_panic(text in ".{0,30}", digits in "[0-9A-Z]{13,20}") {
            let fleet = Fleet::new(0, 1_000_000).unwrap();
            for t in [text.as_str(), digits.as_str()] {
                let _ = fleet.index_of_number(t);
                let _ = fleet.index_of_msisdn(t);
                let _ = fleet.index_of_iccid(t);
            }
        }
    }

    #[test]
    fn too_large_is_refused() {
        assert!(Fleet::new(0, Fleet::MAX_CARDS).is_ok());
        assert!(matches!(
            Fleet::new(0, Fleet::MAX_CARDS + 1),
            Err(SimError::FleetTooLarge { .. })
        ));
    }
}
