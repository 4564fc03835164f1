//! How many numbers per call the server takes, learned from its answers.
//!
//! IoTBOS documents no maximum for `cardIdNums`, and a server may refuse a
//! call with too many (with `status` 0 and some `info`, like any refusal).
//! A refusal that is not about the token (the session says so:
//! [`Refusal::NotAboutToken`](crate::Refusal::NotAboutToken)) may be about
//! the batch's size or about one of its cards; halving tells them apart:
//! the batch is asked again in halves, down to single cards, and a single
//! card still refused is that card's own failure. The largest size the
//! server accepted is then the size of every later call, so the search is
//! paid once per client, not once per batch.
//!
//! A pure value, like [`Session`](crate::Session): the driver reports each
//! accepted size and each refusal, and asks what size to send.

use std::num::NonZeroUsize;

/// What a client knows of the server's batch limit, learned from its
/// answers.
///
/// IoTBOS documents no maximum for `cardIdNums`. A refusal that is not
/// about the token ([`Refusal::NotAboutToken`](crate::Refusal::NotAboutToken))
/// may be about the batch's size or about one of its cards; halving tells
/// them apart: the batch is asked again in halves, down to single cards,
/// and a single card still refused is that card's own failure. The largest
/// size accepted is then the size of every later call.
///
/// ```
/// use std::num::NonZeroUsize;
/// use iotbos_proto::{BatchLimit, Split};
/// let n = |k| NonZeroUsize::new(k).unwrap();
/// let mut limit = BatchLimit::new(n(100));
/// assert_eq!(limit.limit(), n(100));
/// // 100 refused with a fresh token: ask again in halves.
/// assert_eq!(limit.on_refused_fresh(100), Split::Pieces(n(50)));
/// assert_eq!(limit.limit(), n(50));
/// assert_eq!(limit.on_refused_fresh(50), Split::Pieces(n(25)));
/// // 25 went through: that is the size from now on, said once.
/// assert_eq!(limit.on_accepted(25), Some(n(25)));
/// assert_eq!(limit.on_accepted(25), None);
/// assert_eq!(limit.limit(), n(25));
/// // A single card refused is that card's failure.
/// assert_eq!(limit.on_refused_fresh(1), Split::Alone);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchLimit {
    planned: NonZeroUsize,
    /// The largest size accepted (0 before any).
    accepted: usize,
    /// The smallest size refused with a fresh token that is larger than
    /// every size accepted: evidence of a limit.
    refused: Option<NonZeroUsize>,
    announced: bool,
}

/// What to do with a batch refused with a fresh token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// Ask again in pieces of at most this many numbers, each on its own.
    Pieces(NonZeroUsize),
    /// A single card: the refusal is that card's, report it.
    Alone,
}

impl BatchLimit {
    /// Nothing learned yet: batches go at the `planned` size.
    pub fn new(planned: NonZeroUsize) -> Self {
        Self {
            planned,
            accepted: 0,
            refused: None,
            announced: false,
        }
    }

    /// The size to send now: the planned one until a refusal showed a limit,
    /// then the largest size accepted (half the smallest refused while none
    /// was). Never above the planned size; a longer batch is sent in
    /// pieces of this size ([`Batch::pieces`](crate::Batch::pieces)).
    pub fn limit(&self) -> NonZeroUsize {
        let Some(refused) = self.refused else {
            return self.planned;
        };
        let learned = match NonZeroUsize::new(self.accepted) {
            Some(accepted) => accepted,
            None => half(refused),
        };
        learned.min(self.planned)
    }

    /// A limit learned, if one was (a refusal showed there is one).
    pub fn discovered(&self) -> Option<NonZeroUsize> {
        (self.refused.is_some() && self.accepted > 0).then(|| self.limit())
    }

    /// A call of `size` numbers was answered. Returns the limit the first
    /// time one is known (a size was refused, and this one went through),
    /// for the driver to say so once; `None` otherwise.
    pub fn on_accepted(&mut self, size: usize) -> Option<NonZeroUsize> {
        self.accepted = self.accepted.max(size);
        if self.refused.is_some_and(|r| r.get() <= self.accepted) {
            // That refusal was about the cards in it, not their number.
            self.refused = None;
        }
        let limit = self.discovered()?;
        if self.announced {
            return None;
        }
        self.announced = true;
        Some(limit)
    }

    /// A call of `size` numbers was refused although its token was fresh
    /// (not about the token): how to ask again.
    pub fn on_refused_fresh(&mut self, size: usize) -> Split {
        let Some(size) = NonZeroUsize::new(size).filter(|s| s.get() > 1) else {
            return Split::Alone;
        };
        if size.get() > self.accepted {
            self.refused = Some(self.refused.map_or(size, |r| r.min(size)));
        }
        // A size known to pass, when it is smaller; halves otherwise (a
        // batch no larger than one accepted holds a card refused on its own).
        match NonZeroUsize::new(self.accepted) {
            Some(accepted) if accepted < size => Split::Pieces(accepted),
            _ => Split::Pieces(half(size)),
        }
    }
}

/// The larger half of `n` (at least 1).
fn half(n: NonZeroUsize) -> NonZeroUsize {
    NonZeroUsize::new(n.get().div_ceil(2)).unwrap_or(NonZeroUsize::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(k: usize) -> NonZeroUsize {
        NonZeroUsize::new(k).unwrap()
    }

    /// The search a batch of `planned` goes through against a server that
    /// takes at most `k`, pieces asked depth first; returns the calls made
    /// and the limit announced.
    fn search(planned: usize, k: usize) -> (usize, Vec<NonZeroUsize>, BatchLimit) {
        let mut limit = BatchLimit::new(n(planned));
        let mut todo = vec![planned];
        let (mut calls, mut answered, mut announced) = (0, 0, Vec::new());
        while let Some(size) = todo.pop() {
            // A piece planned before the limit was learned is cut first.
            let piece = match limit.limit().get() {
                lim if size > lim => Some(n(lim)),
                _ => {
                    calls += 1;
                    if size <= k {
                        answered += size;
                        announced.extend(limit.on_accepted(size));
                        None
                    } else {
                        match limit.on_refused_fresh(size) {
                            Split::Pieces(piece) => Some(piece),
                            Split::Alone => panic!("{size} > {k} cannot be one card"),
                        }
                    }
                }
            };
            if let Some(piece) = piece {
                let mut pieces = Vec::new();
                let mut left = size;
                while left > 0 {
                    pieces.push(left.min(piece.get()));
                    left -= left.min(piece.get());
                }
                todo.extend(pieces.into_iter().rev());
            }
        }
        assert_eq!(answered, planned, "every card answered once");
        (calls, announced, limit)
    }

    #[test]
    fn halving_finds_a_size_that_passes_and_keeps_it() {
        for k in 1..=12 {
            let (calls, announced, limit) = search(100, k);
            let found = limit.limit().get();
            assert!(found <= k, "k {k}: {found}");
            // Halving from 100 lands within a factor of two of k.
            assert!(found * 2 > k, "k {k}: {found}");
            assert_eq!(announced, vec![n(found)], "k {k}: said once");
            // log2(100) refusals on the way down, then one call per piece.
            assert!(calls <= 8 + 100usize.div_ceil(found) + 8, "k {k}: {calls}");
        }
        let (_, _, limit) = search(100, 7);
        assert_eq!(limit.limit(), n(7));
        let (_, _, limit) = search(100, 1);
        assert_eq!(limit.limit(), n(1));
    }

    #[test]
    fn no_refusal_means_no_limit() {
        let mut limit = BatchLimit::new(n(50));
        assert_eq!(limit.on_accepted(50), None);
        assert_eq!(limit.on_accepted(3), None);
        assert_eq!((limit.limit(), limit.discovered()), (n(50), None));
    }

    #[test]
    fn a_refused_size_no_larger_than_an_accepted_one_is_about_a_card() {
        let mut limit = BatchLimit::new(n(50));
        assert_eq!(limit.on_refused_fresh(50), Split::Pieces(n(25)));
        assert_eq!(limit.on_accepted(25), Some(n(25)));
        // The other half holds a card the server refuses: halves again,
        // the limit stays.
        assert_eq!(limit.on_refused_fresh(25), Split::Pieces(n(13)));
        assert_eq!(limit.limit(), n(25));
        assert_eq!(limit.on_refused_fresh(1), Split::Alone);
        assert_eq!(limit.limit(), n(25));
        // A larger size refused later is split at the size known to pass.
        assert_eq!(limit.on_refused_fresh(40), Split::Pieces(n(25)));
        // And one accepted above an old refusal clears it.
        assert_eq!(limit.on_accepted(50), None);
        assert_eq!((limit.limit(), limit.discovered()), (n(50), None));
    }

    #[test]
    fn the_limit_rises_with_larger_accepted_sizes_but_is_announced_once() {
        let mut limit = BatchLimit::new(n(100));
        limit.on_refused_fresh(13);
        assert_eq!(limit.limit(), n(7));
        assert_eq!(limit.on_accepted(6), Some(n(6)));
        assert_eq!(limit.on_accepted(7), None);
        assert_eq!(limit.limit(), n(7));
        assert_eq!(limit.discovered(), Some(n(7)));
    }
}
