//! Splitting a list of cards into data calls.

use std::collections::HashSet;
use std::iter::FusedIterator;
use std::num::NonZeroUsize;

use bytes::Bytes;
use foldhash::fast::RandomState;
use http::Request;
use iotcard_model::CardNumber;

use crate::{AccessToken, Api, Call, IotbosError};

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

/// A list of cards split into data calls of at most `max` numbers each,
/// planned once for any number of calls.
///
/// Repeats are dropped across the whole list (the first occurrence keeps
/// its place; each number is hashed once), so every distinct number is
/// asked exactly once, and the caller's order is kept, both across and
/// within batches. A pure value: it does no I/O and has no opinion on how
/// or when the batches are sent. For inputs too large to hold at once, see
/// [`lazy_batches`].
///
/// ```
/// use iotbos_proto::{BatchPlan, DEFAULT_BATCH_SIZE};
/// use iotcard_model::CardNumber;
/// let cards: Vec<CardNumber> = ["1060000000002", "1060000000001", "1060000000002"]
///     .iter().map(|n| n.parse()).collect::<Result<_, _>>()?;
/// let plan = BatchPlan::new(cards, DEFAULT_BATCH_SIZE);
/// assert_eq!(plan.len(), 2);
/// assert_eq!(plan.repeats_dropped(), 1);
/// let batches: Vec<_> = plan.into_batches().collect();
/// assert_eq!(batches.len(), 1);
/// assert_eq!(batches[0].cards()[0].as_str(), "1060000000002");
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

    /// The distinct numbers, in the caller's order, given back.
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

    /// How many batches (calls per kind of call) the plan makes.
    pub fn batch_count(&self) -> usize {
        self.cards.len().div_ceil(self.max.get())
    }

    /// The batches, owned, in order, indexed from 0; each is one call, and
    /// each can be asked by every call and matched back on its own
    /// ([`Batch::request`], [`Batch::assemble`]). Only the last may be
    /// shorter than the maximum.
    pub fn into_batches(self) -> IntoBatches {
        IntoBatches {
            cards: self.cards.into_iter(),
            max: self.max,
            index: 0,
        }
    }
}

/// The owned batches of a [`BatchPlan`], in order; see
/// [`BatchPlan::into_batches`].
#[derive(Debug)]
pub struct IntoBatches {
    cards: std::vec::IntoIter<CardNumber>,
    max: NonZeroUsize,
    index: usize,
}

impl Iterator for IntoBatches {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        let cards: Vec<CardNumber> = self.cards.by_ref().take(self.max.get()).collect();
        if cards.is_empty() {
            return None;
        }
        let index = self.index;
        self.index += 1;
        Some(Batch { index, cards })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.cards.len().div_ceil(self.max.get());
        (left, Some(left))
    }
}

impl ExactSizeIterator for IntoBatches {}

impl FusedIterator for IntoBatches {}

/// Batches read lazily from `cards`, `max` distinct numbers at a time, in
/// the caller's order, indexed from 0.
///
/// Unlike [`BatchPlan`], which must hold the whole list to drop repeats
/// across it, this drops repeats **within each batch only**: a number
/// repeated in two batches is asked twice. In exchange it holds one batch
/// (at most `max` numbers) at a time, whatever the input's length: the
/// memory of an export of a million cards read from a file is that of a
/// batch. Each batch is filled to `max` distinct numbers unless the input
/// ends first, so input is read up to the end of the next batch and no
/// further.
///
/// ```
/// use std::num::NonZeroUsize;
/// use iotcard_model::CardNumber;
/// let cards = ["1060000000001", "1060000000001", "1060000000002", "1060000000001"]
///     .into_iter()
///     .map(|n| n.parse::<CardNumber>().expect("valid"));
/// let mut batches = iotbos_proto::lazy_batches(cards, NonZeroUsize::new(2).expect("2"));
/// let first = batches.next().expect("a batch");
/// assert_eq!((first.index(), first.len()), (0, 2));
/// let second = batches.next().expect("a second batch: the repeat is in another batch");
/// assert_eq!((second.index(), second.cards()[0].as_str()), (1, "1060000000001"));
/// assert!(batches.next().is_none());
/// assert_eq!(batches.repeats_dropped(), 1);
/// ```
pub fn lazy_batches<I: Iterator<Item = CardNumber>>(cards: I, max: NonZeroUsize) -> LazyBatches<I> {
    LazyBatches {
        cards,
        max,
        index: 0,
        repeats: 0,
        // At most `max` numbers at a time; allocated on the first batch.
        seen: HashSet::default(),
        done: false,
    }
}

/// The iterator [`lazy_batches`] returns.
#[derive(Debug)]
pub struct LazyBatches<I> {
    cards: I,
    max: NonZeroUsize,
    index: usize,
    repeats: usize,
    /// The current batch's numbers, for dropping repeats within it; kept
    /// between batches only for its allocation.
    seen: HashSet<CardNumber, RandomState>,
    done: bool,
}

impl<I> LazyBatches<I> {
    /// How many numbers were dropped so far as repeats within their batch.
    pub fn repeats_dropped(&self) -> usize {
        self.repeats
    }

    /// The most numbers one batch carries.
    pub fn max_batch_size(&self) -> NonZeroUsize {
        self.max
    }
}

impl<I: Iterator<Item = CardNumber>> Iterator for LazyBatches<I> {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        if self.done {
            return None;
        }
        let max = self.max.get();
        let mut cards = Vec::with_capacity(max);
        self.seen.clear();
        while cards.len() < max {
            let Some(card) = self.cards.next() else {
                self.done = true;
                break;
            };
            if self.seen.insert(card.clone()) {
                cards.push(card);
            } else {
                self.repeats += 1;
            }
        }
        if cards.is_empty() {
            return None;
        }
        let index = self.index;
        self.index += 1;
        Some(Batch { index, cards })
    }
}

impl<I: Iterator<Item = CardNumber>> FusedIterator for LazyBatches<I> {}

/// One call's worth of distinct card numbers, owned, from a [`BatchPlan`]
/// or [`lazy_batches`]: ask it with any [`Call`] (the same batch for all
/// five, planned once), and match the answer back with
/// [`assemble`](Batch::assemble).
///
/// ```
/// use iotbos_proto::{parse_remaining, AccessToken, Api, BatchPlan, Call, CardNumber, CardProblem};
/// let api = Api::new(Default::default(), iotbos_proto::Credentials::new("alice", "pw")?);
/// let cards: Vec<CardNumber> = vec!["1064804085884".parse()?, "1060000000002".parse()?];
/// let plan = BatchPlan::new(cards, iotbos_proto::DEFAULT_BATCH_SIZE);
/// for batch in plan.into_batches() {
///     let request = batch.request(Call::Remaining, &api, &AccessToken::new("t"))?;
///     # let _ = request;
///     // … send it, get the response back …
///     let response = http::Response::new(br#"{"status":1,"info":null,"createtime":"2018/01/16 14:02:08",
///         "data":{"date":[{"num":"1064804085884","State":0}]}}"#);
///     let done = batch.assemble(parse_remaining(&response).map_err(std::sync::Arc::new));
///     assert!(matches!(done.results[0], Err(CardProblem::NotFound)));
///     assert!(matches!(done.results[1], Err(CardProblem::Missing)));
///     assert!(done.strays.is_empty());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Batch {
    index: usize,
    cards: Vec<CardNumber>,
}

impl Batch {
    /// The batch's position in its plan, from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The numbers: distinct, never empty, at most the plan's maximum, in
    /// the caller's (first-seen) order.
    pub fn cards(&self) -> &[CardNumber] {
        &self.cards
    }

    /// The numbers, given back.
    pub fn into_cards(self) -> Vec<CardNumber> {
        self.cards
    }

    /// How many numbers.
    pub fn len(&self) -> usize {
        self.cards.len()
    }

    /// Whether the batch has no number; never true for a planned batch.
    pub fn is_empty(&self) -> bool {
        self.cards.is_empty()
    }

    /// The batch in pieces of at most `size` numbers, in order, each with
    /// this batch's index: for a server that takes fewer numbers per call
    /// than the batch was planned with ([`BatchLimit`](crate::BatchLimit)).
    /// Each number is in exactly one piece.
    ///
    /// ```
    /// # use std::num::NonZeroUsize;
    /// # let cards = ["1060000000001", "1060000000002", "1060000000003"].map(|n| n.parse().unwrap());
    /// let batch = iotbos_proto::BatchPlan::new(cards, iotbos_proto::DEFAULT_BATCH_SIZE)
    ///     .into_batches().next().unwrap();
    /// let pieces = batch.pieces(NonZeroUsize::new(2).unwrap());
    /// assert_eq!(pieces.iter().map(|p| p.len()).collect::<Vec<_>>(), [2, 1]);
    /// assert!(pieces.iter().all(|p| p.index() == 0));
    /// ```
    pub fn pieces(&self, size: NonZeroUsize) -> Vec<Batch> {
        self.cards
            .chunks(size.get())
            .map(|cards| Batch {
                index: self.index,
                cards: cards.to_vec(),
            })
            .collect()
    }

    /// The request asking `call` about this batch ([`Api::query`] with
    /// the batch's numbers).
    pub fn request(
        &self,
        call: Call,
        api: &Api,
        token: &AccessToken,
    ) -> Result<Request<Bytes>, IotbosError> {
        api.query(call, &self.cards, token)
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
        let api = Api::new(
            crate::Endpoint::default(),
            crate::Credentials::new("a", "p").unwrap(),
        );
        let req = api.query(Call::Plan, &cards, &token).unwrap();
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
        assert_eq!(plan.batch_count(), 3);
        let mut batches = plan.into_batches();
        assert_eq!(batches.len(), 3);
        let first = batches.next().unwrap();
        assert_eq!(batches.len(), 2);
        let rest: Vec<_> = batches.collect();
        let all: Vec<_> = std::iter::once(first)
            .chain(rest)
            .map(|b| (b.index(), b.len(), b.into_cards()))
            .collect();
        assert_eq!(
            all,
            vec![
                (0, 2, vec![card(3), card(1)]),
                (1, 2, vec![card(2), card(4)]),
                (2, 1, vec![card(5)]),
            ]
        );
    }

    #[test]
    fn nothing_to_ask_means_no_batch() {
        let plan = BatchPlan::new(Vec::new(), DEFAULT_BATCH_SIZE);
        assert!(plan.is_empty());
        assert_eq!(plan.batch_count(), 0);
        assert_eq!(plan.into_batches().count(), 0);
        assert_eq!(lazy_batches(std::iter::empty(), size(3)).count(), 0);
    }

    #[test]
    fn lazy_batches_read_one_batch_at_a_time_and_drop_repeats_within_it() {
        let input = [3, 3, 1, 2, 1, 4, 4, 5].map(card);
        let read = std::cell::Cell::new(0);
        let counted = input.iter().cloned().inspect(|_| read.set(read.get() + 1));
        let mut batches = lazy_batches(counted, size(2));
        let first = batches.next().unwrap();
        assert_eq!((first.index(), first.cards()), (0, &[card(3), card(1)][..]));
        // Reading stopped at the end of the batch.
        assert_eq!(read.get(), 3);
        assert_eq!(batches.repeats_dropped(), 1);
        // 1 again, but in another batch: asked again.
        let second = batches.next().unwrap();
        assert_eq!(
            (second.index(), second.cards()),
            (1, &[card(2), card(1)][..])
        );
        let third = batches.next().unwrap();
        assert_eq!((third.index(), third.cards()), (2, &[card(4), card(5)][..]));
        assert!(batches.next().is_none());
        assert!(batches.next().is_none());
        assert_eq!(batches.repeats_dropped(), 2);
        assert_eq!(read.get(), input.len());
    }

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn batches_travel_between_tasks() {
        assert_send_sync::<Batch>();
        assert_send_sync::<IntoBatches>();
        assert_send_sync::<LazyBatches<std::vec::IntoIter<CardNumber>>>();
    }
}
