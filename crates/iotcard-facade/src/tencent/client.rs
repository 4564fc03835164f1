use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use futures::stream::{self, Stream, StreamExt};
use iotcard_model::Iccid;
use rand::rngs::StdRng;
use tencent_proto::{
    parse_app_info, parse_card_info, parse_card_list, Api, AppInfo, CardBrief, CardInfo,
    CardListPager, Limit, OperatorFilter, Random,
};

use crate::sender::{CallInfo, Sender};
use crate::{CardProblem, CardReport, Error};

/// A client for the Tencent IoT card platform: signs every request with the
/// current time and a fresh random, pages `getcardlist` lazily, fans
/// `getcardinfo` out with bounded concurrency, and retries what is
/// retryable (never a refused signature).
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
    pub rng: Mutex<StdRng>,
}

impl TencentInner {
    /// The unix time and a fresh random for one signed request.
    fn stamp(&self) -> (u64, Random) {
        let time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let random = Random::generate(&mut *self.rng.lock().unwrap_or_else(|p| p.into_inner()));
        (time, random)
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
                |r| Ok(parse_app_info(r.status, &r.body)?),
            )
            .await
    }

    /// One card's details (`getcardinfo`).
    pub async fn card(&self, iccid: &Iccid) -> Result<CardInfo, Error> {
        let inner = &self.inner;
        inner
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
                |r| Ok(parse_card_info(r.status, &r.body)?),
            )
            .await
    }

    /// Many cards' details, one `getcardinfo` each with bounded concurrency,
    /// one result per distinct ICCID in the caller's order.
    pub async fn cards_info(
        &self,
        iccids: impl IntoIterator<Item = Iccid>,
    ) -> Vec<CardReport<Iccid, CardInfo>> {
        let mut seen = std::collections::HashSet::new();
        let distinct: Vec<Iccid> = iccids
            .into_iter()
            .filter(|i| seen.insert(i.clone()))
            .collect();
        stream::iter(distinct)
            .map(|iccid| async move {
                let result = self
                    .card(&iccid)
                    .await
                    .map_err(|e| CardProblem::Failed(Arc::new(e)));
                CardReport {
                    card: iccid,
                    result,
                }
            })
            .buffered(self.inner.concurrency)
            .collect()
            .await
    }

    /// Every card of one operator (or all), paging `getcardlist` lazily: the
    /// next page is asked for only when the stream is polled past the
    /// current one. A failed page ends the stream with its error.
    pub fn cards(
        &self,
        filter: OperatorFilter,
    ) -> impl Stream<Item = Result<CardBrief, Error>> + Send + 'static {
        let client = self.clone();
        let pager = CardListPager::new(filter, client.inner.page_size);
        stream::unfold(Some((client, pager)), |state| async move {
            let (client, mut pager) = state?;
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
                    |r| Ok(parse_card_list(r.status, &r.body)?),
                )
                .await;
            let items: Vec<Result<CardBrief, Error>> = match page.and_then(|p| {
                pager.record(&p)?;
                Ok(p)
            }) {
                Ok(page) => {
                    let mut items: Vec<Result<CardBrief, Error>> = page.cards.into_iter().map(Ok).collect();
                    for rejected in page.rejected {
                        tracing::warn!(index = rejected.index, error = %rejected.error, "unreadable card record in getcardlist page");
                        items.push(Err(Error::Tencent(rejected.error)));
                    }
                    items
                }
                Err(e) => return Some((vec![Err(e)], None)),
            };
            Some((items, Some((client, pager))))
        })
        .flat_map(stream::iter)
    }

    /// Every card of one operator (or all) with its details: the list is
    /// paged lazily and `getcardinfo` fanned out with bounded concurrency,
    /// in list order. A failed page or an unreadable list record comes out
    /// as an `Err` item where it happened (after a failed page the stream
    /// ends), so a listing cut short never looks like a complete one.
    pub fn cards_detailed(
        &self,
        filter: OperatorFilter,
    ) -> impl Stream<Item = Result<CardReport<Iccid, CardInfo>, Error>> + Send + 'static {
        let client = self.clone();
        // Several pages' worth in flight keeps one slow card from stalling
        // the rest; the client's semaphore still bounds requests.
        let window = self.inner.concurrency.saturating_mul(4).max(1);
        self.cards(filter)
            .map(move |brief| {
                let client = client.clone();
                async move {
                    let brief = brief?;
                    let result = client
                        .card(&brief.iccid)
                        .await
                        .map_err(|e| CardProblem::Failed(Arc::new(e)));
                    Ok(CardReport {
                        card: brief.iccid,
                        result,
                    })
                }
            })
            .buffered(window)
    }

    /// Tokens left in the retry budget.
    pub fn retry_budget_available(&self) -> u32 {
        self.inner.sender.budget().available()
    }
}
