//! Listing every card, one `getcardlist` page at a time.

use std::collections::HashSet;
use std::time::SystemTime;

use bytes::Bytes;
use http::Request;
use iotcard_model::Iccid;

use crate::{Api, CardList, CardListQuery, Limit, OperatorFilter, Random, TencentError};

/// A pure state machine that walks `getcardlist` to the end.
///
/// Ask it for the next query (or ready-built request), send it, parse the
/// answer with [`crate::parse_card_list`], and [`record`](Self::record) the
/// page; repeat until [`next_query`](Self::next_query) gives `None`.
///
/// **Offset semantics.** `offset` counts cards: a page asked at offset `n`
/// starts at the card with 0-based index `n` in the platform's list for the
/// filter (the spec says only 分页偏移, "paging offset"; counting cards is the
/// usual meaning of limit/offset and what our simulator serves). After a page
/// of `k` records the next offset is `n + k`, so offsets strictly advance.
///
/// **When it ends.** Servers cap pages below the `limit` they were asked
/// for, so a short page does not end a listing. It ends on an empty page,
/// or, when the account's card count for the filter is known
/// ([`expecting`](Self::expecting), from `getappinfo`), once that many
/// records have come. [`shortfall`](Self::shortfall) then says whether it
/// ended with fewer than the account reports: a listing cut short must be
/// reported, never taken for a complete one.
///
/// **Repeated cards.** A server may list a card twice, in one page or in
/// two (a list that shifted while it was paged). Offsets count records as
/// the server sent them, repeats included, so that no card is skipped;
/// [`accept`](Self::accept) hands back each page without the cards already
/// listed, and the account's count is compared with distinct cards, so a
/// repeat neither comes out twice nor ends the listing early.
///
/// **Retries.** Asking twice without recording gives the same query, so a
/// failed call is retried by asking again (with a fresh time and random).
///
/// **It always ends.** A page longer than the limit, a page whose cards
/// repeat the previous page's (a server ignoring `offset`), and an offset
/// past `u32::MAX` are errors from [`record`](Self::record), and after any
/// such error the pager is finished.
///
/// ```
/// use tencent_proto::{parse_card_list, CardListPager, Limit, OperatorFilter};
///
/// let mut pager = CardListPager::new(OperatorFilter::All, Limit::new(20)?);
/// let query = pager.next_query().expect("a fresh pager has a first page");
/// assert_eq!((query.offset, query.limit.get()), (0, 20));
/// let answer = http::Response::new(br#"{"code":0,"data":{"card_brief_infos":[]}}"#);
/// let page = parse_card_list(&answer)?;
/// pager.record(&page)?;
/// assert!(pager.next_query().is_none(), "an empty page ends it");
/// assert_eq!(pager.shortfall(), None, "no count was expected");
/// # Ok::<(), tencent_proto::TencentError>(())
/// ```
#[derive(Clone, Debug)]
pub struct CardListPager {
    filter: OperatorFilter,
    limit: Limit,
    start: u32,
    offset: u32,
    previous_page: Vec<String>,
    expected: Option<u64>,
    finished: bool,
    /// Every ICCID listed so far.
    seen: HashSet<Iccid>,
    /// Distinct records listed: cards not seen before, and unreadable ones
    /// (which have no identity to compare).
    distinct: u64,
    /// Cards listed again after their first time.
    repeats: u64,
}

impl CardListPager {
    /// Lists the cards of `filter` from the first, `limit` at a time.
    pub fn new(filter: OperatorFilter, limit: Limit) -> Self {
        Self::starting_at(filter, limit, 0)
    }

    /// Resumes a listing at `offset` (cards already received).
    pub fn starting_at(filter: OperatorFilter, limit: Limit, offset: u32) -> Self {
        Self {
            filter,
            limit,
            start: offset,
            offset,
            previous_page: Vec::new(),
            expected: None,
            finished: false,
            seen: HashSet::new(),
            distinct: 0,
            repeats: 0,
        }
    }

    /// The same pager, told that the account holds `cards` cards for its
    /// filter (`getappinfo`): the listing ends once that many have come,
    /// without asking for an empty page.
    pub fn expecting(mut self, cards: u64) -> Self {
        self.expected = Some(cards);
        self.finished |= self.distinct >= cards;
        self
    }

    /// Once finished: how many distinct records short of the expected
    /// count the listing ended (`Some((listed, expected))`), or `None` when
    /// it listed all it expected or no count was given.
    pub fn shortfall(&self) -> Option<(u64, u64)> {
        let expected = self.expected?;
        let listed = self.distinct;
        (self.finished && listed < expected).then_some((listed, expected))
    }

    /// The query to send next, or `None` once the listing is complete (or
    /// has failed).
    pub fn next_query(&self) -> Option<CardListQuery> {
        (!self.finished).then_some(CardListQuery {
            filter: self.filter,
            limit: self.limit,
            offset: self.offset,
        })
    }

    /// [`next_query`](Self::next_query) built into a signed request.
    pub fn next_request(
        &self,
        api: &Api,
        at: SystemTime,
        random: Random,
    ) -> Option<Result<Request<Bytes>, TencentError>> {
        self.next_query()
            .map(|query| api.card_list(&query, at, random))
    }

    /// Feeds the answer to the last query.
    pub fn record(&mut self, page: &CardList) -> Result<(), TencentError> {
        self.record_marking(page).map(drop)
    }

    /// Feeds the answer to the last query and hands it back without the
    /// cards already listed (earlier in the page or in an earlier page):
    /// each card comes out once, the first time it is listed. Unreadable
    /// records are all kept.
    pub fn accept(&mut self, mut page: CardList) -> Result<CardList, TencentError> {
        let fresh = self.record_marking(&page)?;
        let mut fresh = fresh.into_iter();
        page.cards.retain(|_| fresh.next().unwrap_or(true));
        Ok(page)
    }

    /// Cards listed again after their first time, so far.
    pub fn repeats(&self) -> u64 {
        self.repeats
    }

    /// [`record`](Self::record), saying for each card whether it is new.
    fn record_marking(&mut self, page: &CardList) -> Result<Vec<bool>, TencentError> {
        if self.finished {
            return Err(TencentError::PagerFinished);
        }
        let result = self.advance(page);
        if result.is_err() {
            self.finished = true;
        }
        result
    }

    fn advance(&mut self, page: &CardList) -> Result<Vec<bool>, TencentError> {
        let len = page.len();
        let limit = usize::from(self.limit.get());
        if len > limit {
            return Err(TencentError::PageTooLong {
                offset: self.offset,
                limit: self.limit.get(),
                len,
            });
        }
        let next = u32::try_from(len)
            .ok()
            .and_then(|n| self.offset.checked_add(n))
            .ok_or(TencentError::OffsetOverflow {
                offset: self.offset,
                len,
            })?;
        if len == 0 {
            self.finished = true;
            return Ok(Vec::new());
        }
        let identity = page_identity(page);
        if identity == self.previous_page {
            return Err(TencentError::PageRepeated {
                offset: self.offset,
            });
        }
        self.previous_page = identity;
        let fresh: Vec<bool> = page
            .cards
            .iter()
            .map(|card| self.seen.insert(card.iccid.clone()))
            .collect();
        let new = fresh.iter().filter(|f| **f).count() as u64;
        self.repeats += page.cards.len() as u64 - new;
        self.distinct += new + page.rejected.len() as u64;
        if self.expected.is_some_and(|cards| self.distinct >= cards) {
            self.finished = true;
        }
        self.offset = next;
        Ok(fresh)
    }

    /// Whether the listing is over.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The offset of the next page: cards listed so far, plus the start.
    pub fn offset(&self) -> u32 {
        self.offset
    }

    /// Records received by this pager (read or rejected).
    pub fn records_received(&self) -> u32 {
        self.offset - self.start
    }
}

/// What tells one page from another: its ICCIDs, and the raw text of records
/// that could not be read. A full page is never empty, so two equal
/// identities mean two equal pages.
fn page_identity(page: &CardList) -> Vec<String> {
    page.cards
        .iter()
        .map(|c| c.iccid.as_str().to_owned())
        .chain(page.rejected.iter().map(|r| r.raw.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_card_list;

    fn page(iccids: &[&str]) -> CardList {
        let records: Vec<String> = iccids
            .iter()
            .map(|i| {
                format!(
                    r#"{{"iccid":"{i}","msisdn":"","teleoperator":1,"type":1,"card_status":2,"network_status":2,"data_used_in_period":1.000,"data_total_in_period":2.000}}"#
                )
            })
            .collect();
        let body = format!(
            r#"{{"code":0,"data":{{"card_brief_infos":[{}]}}}}"#,
            records.join(",")
        );
        parse_card_list(&crate::test_support::ok(body.as_bytes())).unwrap()
    }

    const A: &str = "89860000000000000001";
    const B: &str = "89860000000000000002";
    const C: &str = "89860000000000000003";

    #[test]
    fn a_short_page_does_not_end_it_an_empty_one_does() {
        let mut pager = CardListPager::new(OperatorFilter::All, Limit::new(2).unwrap());
        assert_eq!(pager.next_query().unwrap().offset, 0);
        pager.record(&page(&[A, B])).unwrap();
        assert_eq!(pager.next_query().unwrap().offset, 2);
        pager.record(&page(&[C])).unwrap();
        assert_eq!(
            pager.next_query().unwrap().offset,
            3,
            "a capped page goes on"
        );
        pager.record(&page(&[])).unwrap();
        assert!(pager.is_finished() && pager.next_query().is_none());
        assert_eq!(pager.records_received(), 3);
        assert_eq!(pager.shortfall(), None);
        assert!(matches!(
            pager.record(&page(&[])),
            Err(TencentError::PagerFinished)
        ));
    }

    #[test]
    fn with_the_accounts_count_it_ends_there_or_says_how_short_it_fell() {
        let limit = Limit::new(2).unwrap();
        let mut exact = CardListPager::new(OperatorFilter::All, limit).expecting(3);
        exact.record(&page(&[A])).unwrap();
        assert!(!exact.is_finished(), "short page, count not reached");
        exact.record(&page(&[B, C])).unwrap();
        assert!(exact.is_finished(), "no empty page asked for");
        assert_eq!(exact.shortfall(), None);

        let mut short = CardListPager::new(OperatorFilter::All, limit).expecting(5);
        short.record(&page(&[A, B])).unwrap();
        short.record(&page(&[])).unwrap();
        assert!(short.is_finished());
        assert_eq!(short.shortfall(), Some((2, 5)));

        let none = CardListPager::new(OperatorFilter::All, limit).expecting(0);
        assert!(none.is_finished() && none.next_query().is_none());
        assert_eq!(none.shortfall(), None);
    }

    #[test]
    fn a_repeated_full_page_stops_the_pager() {
        let mut pager = CardListPager::new(OperatorFilter::All, Limit::new(2).unwrap());
        pager.record(&page(&[A, B])).unwrap();
        let e = pager.record(&page(&[A, B])).unwrap_err();
        assert!(
            matches!(e, TencentError::PageRepeated { offset: 2 }),
            "{e:?}"
        );
        assert!(pager.next_query().is_none());
    }

    #[test]
    fn a_page_longer_than_the_limit_stops_the_pager() {
        let mut pager = CardListPager::new(OperatorFilter::All, Limit::new(2).unwrap());
        let e = pager.record(&page(&[A, B, C])).unwrap_err();
        assert!(matches!(
            e,
            TencentError::PageTooLong {
                offset: 0,
                limit: 2,
                len: 3
            }
        ));
        assert!(pager.is_finished());
    }

    #[test]
    fn offset_overflow_is_an_error() {
        let mut pager =
            CardListPager::starting_at(OperatorFilter::All, Limit::new(2).unwrap(), u32::MAX - 1);
        let e = pager.record(&page(&[A, B, C][..2])).unwrap_err();
        assert!(matches!(e, TencentError::OffsetOverflow { .. }), "{e:?}");
    }

    #[test]
    fn a_card_listed_twice_comes_out_once_and_counts_once() {
        const D: &str = "89860000000000000004";
        let limit = Limit::new(3).unwrap();
        let mut pager = CardListPager::new(OperatorFilter::All, limit).expecting(4);
        let first = pager.accept(page(&[A, B, B])).unwrap();
        let iccids =
            |p: &CardList| -> Vec<String> { p.cards.iter().map(|c| c.iccid.to_string()).collect() };
        assert_eq!(iccids(&first), [A, B]);
        assert_eq!(
            pager.next_query().unwrap().offset,
            3,
            "offsets count records"
        );
        let second = pager.accept(page(&[B, C, D])).unwrap();
        assert_eq!(iccids(&second), [C, D]);
        assert!(
            pager.is_finished(),
            "four distinct cards, as the account said"
        );
        assert_eq!(pager.shortfall(), None);
        assert_eq!(pager.repeats(), 2);

        // Repeats do not make a listing look complete.
        let mut short = CardListPager::new(OperatorFilter::All, limit).expecting(3);
        short.accept(page(&[A, A, B])).unwrap();
        assert!(!short.is_finished());
        short.accept(page(&[])).unwrap();
        assert_eq!(short.shortfall(), Some((2, 3)));
    }

    #[test]
    fn asking_again_repeats_the_query() {
        let pager = CardListPager::starting_at(OperatorFilter::All, Limit::MAX, 40);
        assert_eq!(pager.next_query(), pager.next_query());
        assert_eq!(pager.next_query().unwrap().offset, 40);
    }
}
