//! The cards an evaluation beside a pass has evaluated, a bit per card id:
//! a million cards in 125 KiB, so the evaluation's memory stays flat
//! whatever the fleet's size.

use iotcard_store::CardId;

/// A set of card ids.
#[derive(Clone, Debug, Default)]
pub(crate) struct CardSet {
    words: Vec<u64>,
}

impl CardSet {
    /// Adds `card`; ids below 1 (no card has one) are not kept.
    pub(crate) fn insert(&mut self, card: CardId) {
        let Some((word, bit)) = place(card) else {
            return;
        };
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        self.words[word] |= bit;
    }

    pub(crate) fn contains(&self, card: CardId) -> bool {
        place(card)
            .and_then(|(word, bit)| self.words.get(word).map(|w| w & bit != 0))
            .unwrap_or(false)
    }
}

fn place(card: CardId) -> Option<(usize, u64)> {
    let id = u64::try_from(card.0).ok().filter(|id| *id > 0)?;
    let word = usize::try_from(id / 64).ok()?;
    Some((word, 1 << (id % 64)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_outside_the_store_are_never_held() {
        let mut set = CardSet::default();
        set.insert(CardId(0));
        set.insert(CardId(-5));
        assert!(set.words.iter().all(|w| *w == 0));
        assert!(!set.contains(CardId(0)) && !set.contains(CardId(i64::MIN)));
        assert!(!set.contains(CardId(i64::MAX)));
    }

    proptest! {
        #[test]
        fn it_holds_what_was_inserted(ids in proptest::collection::vec(1i64..5_000, 0..300)) {
            let mut set = CardSet::default();
            for id in &ids {
                set.insert(CardId(*id));
            }
            let expected: BTreeSet<i64> = ids.iter().copied().collect();
            for id in 0..5_100 {
                prop_assert_eq!(set.contains(CardId(id)), expected.contains(&id));
            }
        }
    }
}
