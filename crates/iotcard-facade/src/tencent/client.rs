use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::stream::{self, Stream, StreamExt};
use iotcard_model::{CardSnapshot, Iccid};
use rand::rngs::StdRng;
use tencent_proto::{
    parse_app_info, parse_card_info_for, parse_card_list, Api, AppInfo, CardBrief, CardInfo,
    CardListPager, Limit, OperatorFilter, Random,
};

use super::answer::{log_problems, read};

use crate::ordered::{ordered, Limits};
use crate::sender::{CallInfo, Sender};
use crate::{CardProblem, CardReport, CardStream, Clock, Error, TryCardStream};

/// `getcardinfo` calls one fan-out runs at once, per request slot: a second
/// one waits for a slot, so a slot never idles while a finished card waits
/// for an earlier one to leave.
const RUNNING_PER_SLOT: usize = 2;
/// Cards held, running or finished and waiting, per request slot, once the
/// head card has waited [`HEAD_PATIENCE`].
const WINDOW_PER_SLOT: usize = 16;
/// How long the head card may wait before later ones pile up past the
/// running ones.
const HEAD_PATIENCE: Duration = Duration::from_millis(200);

/// A client for the Tencent IoT card platform: signs every request with the
/// current time and a fresh random, pages `getcardlist` lazily, fans
/// `getcardinfo` out with bounded concurrency, and retries what is
/// transient (never a refused signature).
///
/// Per-card queries come in two forms, as on IoTBOS: `card_infos(iccids)`
/// collects (repeats asked once), `card_info_stream(iccids)` reads lazily.
/// An ICCID the account does not hold is [`CardProblem::NotFound`].
///
/// Cheap to clone: clones share the limits and the connections.
#[derive(Debug, Clone)]
pub struct TencentClient {
    pub(super) inner: Arc<TencentInner>,
}

#[derive(Debug)]
pub(super) struct TencentInner {
    pub api: Api,
    pub page_size: Limit,
    pub concurrency: usize,
    pub sender: Sender,
    pub clock: Arc<dyn Clock>,
    pub rng: Mutex<StdRng>,
}

impl TencentInner {
    /// The time and a fresh random for one signed request.
    fn stamp(&self) -> (SystemTime, Random) {
        let random = Random::generate(&mut *self.rng.lock().unwrap_or_else(|p| p.into_inner()));
        (self.clock.now(), random)
    }
}

impl TencentClient {
    /// Starts configuring a client.
    pub fn builder() -> super::TencentClientBuilder {
        super::TencentClientBuilder::default()
    }

    /// The account: its name, description and card counts per operator
    /// (`getappinfo`).
    pub async fn account(&self) -> Result<AppInfo, Error> {
        let inner = &self.inner;
        inner
            .sender
            .execute(
                CallInfo {
                    call: "getappinfo",
                    batch_size: 0,
                },
                || {
                    let (time, random) = inner.stamp();
                    Ok(inner.api.app_info(time, random)?)
                },
                |r| read(r, inner.clock.now(), parse_app_info),
            )
            .await
    }

    /// One card's details (`getcardinfo`). An ICCID the account does not
    /// hold is an error for which [`Error::is_card_unknown`] is true; an
    /// answer about another card is transient (asked again), never taken
    /// for this one. A field that could not be read is `None` in the
    /// record and named in [`CardInfo::problems`] (and logged).
    pub async fn card_info(&self, iccid: &Iccid) -> Result<CardInfo, Error> {
        let inner = &self.inner;
        let info = inner
            .sender
            .execute(
                CallInfo {
                    call: "getcardinfo",
                    batch_size: 1,
                },
                || {
                    let (time, random) = inner.stamp();
                    Ok(inner.api.card_info(iccid, time, random)?)
                },
                |r| read(r, inner.clock.now(), |r| parse_card_info_for(r, iccid)),
            )
            .await?;
        log_problems(info.card.iccid.as_str(), info.problems());
        Ok(info)
    }

    /// Many cards' details, one `getcardinfo` each with bounded concurrency,
    /// one report per distinct ICCID in the caller's order.
    pub async fn card_infos(
        &self,
        iccids: impl IntoIterator<Item = Iccid>,
    ) -> Vec<CardReport<Iccid, CardInfo>> {
        let mut seen = HashSet::new();
        let distinct: Vec<Iccid> = iccids
            .into_iter()
            .filter(|i| seen.insert(i.clone()))
            .collect();
        self.card_info_stream(distinct).collect().await
    }

    /// [`TencentClient::card_infos`] as a stream: ICCIDs read lazily,
    /// reports in input order, memory bounded by the concurrency (so a
    /// repeated ICCID is asked again).
    pub fn card_info_stream<I>(&self, iccids: I) -> CardStream<Iccid, CardInfo>
    where
        I: IntoIterator<Item = Iccid>,
        I::IntoIter: Send + 'static,
    {
        let client = self.clone();
        let reports = ordered(stream::iter(iccids), self.limits(), move |iccid| {
            let client = client.clone();
            async move { client.report(iccid).await }
        });
        CardStream::new(reports)
    }

    /// Each card's details as a provider-neutral snapshot.
    pub async fn snapshots(
        &self,
        iccids: impl IntoIterator<Item = Iccid>,
    ) -> Vec<CardReport<Iccid, CardSnapshot>> {
        self.card_infos(iccids)
            .await
            .into_iter()
            .map(|r| r.map(|info| info.to_snapshot()))
            .collect()
    }

    /// [`TencentClient::snapshots`] as a stream.
    pub fn snapshot_stream<I>(&self, iccids: I) -> CardStream<Iccid, CardSnapshot>
    where
        I: IntoIterator<Item = Iccid>,
        I::IntoIter: Send + 'static,
    {
        self.card_info_stream(iccids)
            .map_values(|info| info.to_snapshot())
    }

    /// Every card of one operator (or all), paging `getcardlist` lazily: the
    /// next page is asked for only when the stream is polled past the
    /// current one. Each card comes out once, however often the server
    /// lists it. An unreadable record is an `Err` item where it stood; a
    /// failed page ends the stream with its error, so a listing cut short
    /// never looks like a complete one.
    pub fn cards(&self, filter: OperatorFilter) -> TryCardStream<CardBrief> {
        TryCardStream::new(self.pages(filter))
    }

    /// Every card of one operator (or all) with its details: the list is
    /// paged lazily and `getcardinfo` fanned out through the same ordered
    /// window as [`TencentClient::card_info_stream`], in list order. A
    /// failed page or an unreadable list record comes out as an `Err` item
    /// where it happened (after a failed page the stream ends).
    pub fn cards_with_info(
        &self,
        filter: OperatorFilter,
    ) -> TryCardStream<CardReport<Iccid, CardInfo>> {
        let client = self.clone();
        let reports = ordered(self.pages(filter), self.limits(), move |brief| {
            let client = client.clone();
            async move {
                match brief {
                    Ok(brief) => Ok(client.report(brief.iccid).await),
                    Err(e) => Err(e),
                }
            }
        });
        TryCardStream::new(reports)
    }

    /// Tokens left in the retry budget.
    pub fn retry_budget_available(&self) -> u32 {
        self.inner.sender.budget().available()
    }

    /// The requests (by call) and retries this client has sent since it
    /// was built, over every clone of it.
    pub fn call_stats(&self) -> &crate::CallStats {
        self.inner.sender.stats()
    }

    fn limits(&self) -> Limits {
        Limits {
            running: self.inner.concurrency.saturating_mul(RUNNING_PER_SLOT),
            window: self.inner.concurrency.saturating_mul(WINDOW_PER_SLOT),
            patience: HEAD_PATIENCE,
        }
    }

    /// One card's report: its details (with the fields that could not be
    /// read, as the report's problems), not found, or why the call failed.
    async fn report(&self, iccid: Iccid) -> CardReport<Iccid, CardInfo> {
        match self.card_info(&iccid).await {
            Ok(info) => {
                let problems = info.problems().to_vec();
                CardReport::new(iccid, Ok(info)).with_problems(problems)
            }
            Err(e) if e.is_card_unknown() => CardReport::new(iccid, Err(CardProblem::NotFound)),
            Err(e) => CardReport::new(iccid, Err(CardProblem::Failed(Arc::new(e)))),
        }
    }

    /// The listing's records, page by page. The account's card count for
    /// the filter (`getappinfo`, asked once) says when the listing is done;
    /// one that ends short of it ends with [`Error::IncompleteListing`].
    fn pages(
        &self,
        filter: OperatorFilter,
    ) -> impl Stream<Item = Result<CardBrief, Error>> + Send + 'static {
        let client = self.clone();
        stream::unfold(Some((client, None)), move |state| async move {
            let (client, pager) = state?;
            let mut pager: CardListPager = match pager {
                Some(pager) => pager,
                None => client.pager(filter).await,
            };
            pager.next_query()?;
            let inner = &client.inner;
            let page = inner
                .sender
                .execute(
                    CallInfo {
                        call: "getcardlist",
                        batch_size: usize::from(inner.page_size.get()),
                    },
                    || {
                        let (time, random) = inner.stamp();
                        pager
                            .next_request(&inner.api, time, random)
                            .unwrap_or_else(|| Err(tencent_proto::TencentError::PagerFinished))
                            .map_err(Error::from)
                    },
                    |r| read(r, inner.clock.now(), parse_card_list),
                )
                .await;
            // The pager drops a card listed again (in this page or an
            // earlier one): each card comes out once.
            let repeats = pager.repeats();
            let mut items: Vec<Result<CardBrief, Error>> =
                match page.and_then(|p| Ok(pager.accept(p)?)) {
                    Ok(page) => in_place(page),
                    Err(e) => return Some((vec![Err(e)], None)),
                };
            if pager.repeats() > repeats {
                tracing::debug!(
                    repeated = pager.repeats() - repeats,
                    "getcardlist listed cards already listed; each is kept once"
                );
            }
            if let Some((listed, expected)) = pager.shortfall() {
                tracing::warn!(
                    listed,
                    expected,
                    "the card list ended short of the account's count"
                );
                items.push(Err(Error::IncompleteListing { listed, expected }));
                return Some((items, None));
            }
            Some((items, Some((client, Some(pager)))))
        })
        .flat_map(stream::iter)
    }

    /// A pager for `filter`, told the account's count for it when
    /// `getappinfo` answers (without it, the listing ends on an empty page).
    async fn pager(&self, filter: OperatorFilter) -> CardListPager {
        let pager = CardListPager::new(filter, self.inner.page_size);
        match self.account().await {
            Ok(info) => pager.expecting(match filter {
                OperatorFilter::Only(operator) => info.card_counts.get(operator),
                _ => info.card_counts.total(),
            }),
            Err(e) => {
                tracing::warn!(error = %e, "no card count for the listing; it ends on an empty page");
                pager
            }
        }
    }
}

/// A page's records in the order the page held them: each unreadable one
/// (an `Err`) where it stood, between the readable ones.
fn in_place(page: tencent_proto::CardList) -> Vec<Result<CardBrief, Error>> {
    let mut items = Vec::with_capacity(page.cards.len() + page.rejected.len());
    let mut cards = page.cards.into_iter();
    let mut rejected = page.rejected.into_iter().peekable();
    loop {
        match rejected.next_if(|r| r.index <= items.len()) {
            Some(bad) => {
                tracing::warn!(index = bad.index, error = %bad.error, "unreadable card record in getcardlist page");
                items.push(Err(Error::Tencent(bad.error)));
            }
            None => match cards.next() {
                Some(card) => {
                    log_problems(card.iccid.as_str(), &card.problems);
                    items.push(Ok(card));
                }
                None => break,
            },
        }
    }
    // Rejections indexed past the end (a page that claims more than it
    // holds) still come out, last.
    items.extend(rejected.map(|bad| Err(Error::Tencent(bad.error))));
    items
}
