//! Splitting a list of cards into data calls.

use std::collections::HashSet;
use std::num::NonZeroUsize;

use bytes::Bytes;
use foldhash::fast::RandomState;
use http::Request;
use iotcard_model::CardNumber;

use crate::{AccessToken, Assembler, Call, Endpoint, IotbosError};

/// Cards per data call unless configured otherwise: 50.
///
/// IoTBOS does not document a maximum for `cardIdNums`. The server is
/// ASP.NET on IIS, whose default `maxQueryString` is 2048 bytes (a longer
/// query is refused with HTTP 404.15 before the application sees it).
/// 50 of the longest numbers (20-digit ICCIDs) take 50 × 21 = 1050 bytes
/// with their commas; with `cardIdNums=`, `&accessToken=` and a 36-byte
/// token the query stays near 1.1 KB, well under the limit, whatever the
/// numbers. Fleets of 13-digit MSISDNs can raise it (to about 130) if
/// their server keeps the default; a server configured tighter shows up as
/// an HTTP error naming the call, never as lost cards.
pub const DEFAULT_BATCH_SIZE: NonZeroUsize = match NonZeroUsize::new(50) {
    Some(n) => n,
    None => panic!("50 is not zero"),
};

/// A list of cards split into data calls of at most `max` numbers each.
///
/// Repeats are dropped (the first occurrence keeps its place), so every
/// distinct number is asked exactly once, and the caller's order is kept,
/// both across and within batches. A pure value: it does no I/O and has no
/// opinion on how or when the batches are sent.
///
/// ```
/// use iotbos_proto::{BatchPlan, DEFAULT_BATCH_SIZE};
/// use iotcard_model::CardNumber;
/// let cards: Vec<CardNumber> = ["1060000000002", "1060000000001", "1060000000002"]
///     .iter().map(|n| n.parse()).collect::<Result<_, _>>()?;
/// let plan = BatchPlan::new(cards, DEFAULT_BATCH_SIZE);
/// assert_eq!(plan.len(), 2);
/// assert_eq!(plan.repeats_dropped(), 1);
/// assert_eq!(plan.batches().count(), 1);
/// # Ok::<(), iotcard_model::ModelError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BatchPlan {
    cards: Vec<CardNumber>,
    max: NonZeroUsize,
    repeats: usize,
}

impl BatchPlan {
    /// Plans calls of at most `max` numbers for `cards`.
    pub fn new(cards: impl IntoIterator<Item = CardNumber>, max: NonZeroUsize) -> Self {
        // Each number is hashed once and never copied: the set borrows the
        // numbers, and the list is filtered only when it has repeats.
        let cards: Vec<CardNumber> = cards.into_iter().collect();
        let mut seen = HashSet::with_capacity_and_hasher(cards.len(), RandomState::default());
        let first: Vec<bool> = cards.iter().map(|c| seen.insert(c)).collect();
        drop(seen);
        let repeats = first.iter().filter(|&&first| !first).count();
        let cards = if repeats == 0 {
            cards
        } else {
            cards
                .into_iter()
                .zip(first)
                .filter_map(|(card, first)| first.then_some(card))
                .collect()
        };
        Self {
            cards,
            max,
            repeats,
        }
    }

    /// The distinct numbers, in the caller's order.
    pub fn cards(&self) -> &[CardNumber] {
        &self.cards
    }

    /// The distinct numbers, in the caller's order, given back (to pair
    /// with [`Assembler::finish_results`] without copying a number).
    pub fn into_cards(self) -> Vec<CardNumber> {
        self.cards
    }

    /// How many distinct numbers.
    pub fn len(&self) -> usize {
        self.cards.len()
    }

    /// Whether there is nothing to ask.
    pub fn is_empty(&self) -> bool {
        self.cards.is_empty()
    }

    /// How many numbers were dropped as repeats of an earlier one.
    pub fn repeats_dropped(&self) -> usize {
        self.repeats
    }

    /// The most numbers one call carries.
    pub fn max_batch_size(&self) -> NonZeroUsize {
        self.max
    }

    /// The batches, in order; each is one call.
    pub fn batches(&self) -> impl ExactSizeIterator<Item = Batch<'_>> + '_ {
        self.cards
            .chunks(self.max.get())
            .enumerate()
            .map(|(index, cards)| Batch { index, cards })
    }

    /// The batch at `index`, if there is one.
    pub fn batch(&self, index: usize) -> Option<Batch<'_>> {
        self.batches().nth(index)
    }

    /// The distinct numbers of batch `index`'s range, as positions.
    pub(crate) fn range(&self, index: usize) -> std::ops::Range<usize> {
        let start = index.saturating_mul(self.max.get()).min(self.cards.len());
        let end = start.saturating_add(self.max.get()).min(self.cards.len());
        start..end
    }

    /// Starts collecting the batches' answers (see [`Assembler`]).
    pub fn assembler<T, E>(&self) -> Assembler<'_, T, E> {
        Assembler::new(self)
    }
}

/// One call's worth of card numbers from a [`BatchPlan`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Batch<'p> {
    index: usize,
    cards: &'p [CardNumber],
}

impl<'p> Batch<'p> {
    /// The batch's position in the plan, from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The numbers, never empty, in the caller's order.
    pub fn cards(&self) -> &'p [CardNumber] {
        self.cards
    }

    /// The request asking `call` about this batch.
    pub fn request(
        &self,
        call: Call,
        endpoint: &Endpoint,
        token: &AccessToken,
    ) -> Result<Request<Bytes>, IotbosError> {
        call.request(endpoint, self.cards, token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(n: u64) -> CardNumber {
        CardNumber::parse(&format!("{:013}", 1_060_000_000_000 + n)).unwrap()
    }

    fn size(n: usize) -> NonZeroUsize {
        NonZeroUsize::new(n).unwrap()
    }

    #[test]
    fn default_batch_fits_the_iis_query_limit_with_the_longest_numbers() {
        let longest = CardNumber::parse("89860000000000000001").unwrap();
        let cards = vec![longest; DEFAULT_BATCH_SIZE.get()];
        let token = AccessToken::new("917B38E2-0CBD-47D3-9264-50B8D022C179");
        let req = Call::Plan
            .request(&Endpoint::default(), &cards, &token)
            .unwrap();
        let query = req.uri().query().unwrap();
        // About 1.1 KB, as the constant's documentation says: far from 2048.
        assert!(query.len() < 1200, "{}", query.len());
    }

    #[test]
    fn splits_in_order_and_drops_repeats() {
        let input = [3, 1, 3, 2, 1, 4, 5].map(card);
        let plan = BatchPlan::new(input, size(2));
        assert_eq!(plan.cards(), [3, 1, 2, 4, 5].map(card));
        assert_eq!(plan.repeats_dropped(), 2);
        let batches: Vec<_> = plan
            .batches()
            .map(|b| (b.index(), b.cards().to_vec()))
            .collect();
        assert_eq!(
            batches,
            vec![
                (0, vec![card(3), card(1)]),
                (1, vec![card(2), card(4)]),
                (2, vec![card(5)]),
            ]
        );
        assert_eq!(plan.batches().len(), 3);
        assert_eq!(plan.batch(2).unwrap().cards(), [card(5)]);
        assert_eq!(plan.batch(3), None);
        assert_eq!(plan.range(1), 2..4);
        assert_eq!(plan.range(2), 4..5);
        assert_eq!(plan.range(9), 5..5);
    }

    #[test]
    fn nothing_to_ask_means_no_batch() {
        let plan = BatchPlan::new(Vec::new(), DEFAULT_BATCH_SIZE);
        assert!(plan.is_empty());
        assert_eq!(plan.batches().count(), 0);
    }
}
