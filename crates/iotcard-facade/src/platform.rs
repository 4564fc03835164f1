//! One trait for what every platform can answer, so a fleet job can be
//! written once.

use async_trait::async_trait;
use iotcard_model::{CardNumber, CardSnapshot, Iccid};
use serde::Serialize;

use crate::{CardReport, Error, IotbosClient, TencentClient};

/// What a platform can and cannot tell about a card.
///
/// A field of [`CardSnapshot`] that a platform cannot answer is always
/// `None` for it; these flags say which, so a caller can tell "unknown to
/// this platform" from "this card has none".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// The platform's name: `iotbos` or `tencent`.
    pub provider: &'static str,
    /// Which identifier it looks cards up by: `card_number` (an MSISDN or
    /// all-digit ICCID) or `iccid`.
    pub looks_up_by: &'static str,
    /// SMS used and left this period.
    pub sms: bool,
    /// Data used and left this period.
    pub data: bool,
    /// The tariff's name, fee and overage prices.
    pub plan_prices: bool,
    /// The plan's product and data pool ids.
    pub plan_ids: bool,
    /// The expiry date of the service or plan.
    pub expiry: bool,
    /// Whether the data network is on.
    pub network_status: bool,
    /// The card's ICCID, MSISDN and operator.
    pub identity: bool,
    /// Listing every card of the account.
    pub list_cards: bool,
    /// The account's name and card counts.
    pub account_info: bool,
}

/// A card platform, provider-neutral.
///
/// ```no_run
/// use iotcard_facade::CardPlatform;
/// async fn report(platform: &dyn CardPlatform, cards: Vec<String>) -> Result<(), iotcard_facade::Error> {
///     for r in platform.snapshots(cards).await? {
///         match r.result {
///             Ok(s) => println!("{}: {:?}", r.card, s.status),
///             Err(problem) => println!("{}: {} ({})", r.card, problem, problem.kind()),
///         }
///     }
///     Ok(())
/// }
/// ```
#[async_trait]
pub trait CardPlatform: Send + Sync + std::fmt::Debug {
    /// What this platform can answer.
    fn capabilities(&self) -> Capabilities;

    /// A snapshot per distinct card, in the caller's order. Every card is
    /// validated first: one that cannot be valid is an
    /// [`Error::InvalidInput`] and nothing is sent.
    async fn snapshots(
        &self,
        cards: Vec<String>,
    ) -> Result<Vec<CardReport<String, CardSnapshot>>, Error>;
}

/// What IoTBOS answers.
pub const IOTBOS_CAPABILITIES: Capabilities = Capabilities {
    provider: "iotbos",
    looks_up_by: "card_number",
    sms: true,
    data: true,
    plan_prices: true,
    plan_ids: false,
    expiry: true,
    network_status: false,
    identity: false,
    list_cards: false,
    account_info: false,
};

/// What Tencent answers.
pub const TENCENT_CAPABILITIES: Capabilities = Capabilities {
    provider: "tencent",
    looks_up_by: "iccid",
    sms: false,
    data: true,
    plan_prices: false,
    plan_ids: true,
    expiry: true,
    network_status: true,
    identity: true,
    list_cards: true,
    account_info: true,
};

#[async_trait]
impl CardPlatform for IotbosClient {
    fn capabilities(&self) -> Capabilities {
        IOTBOS_CAPABILITIES
    }

    async fn snapshots(
        &self,
        cards: Vec<String>,
    ) -> Result<Vec<CardReport<String, CardSnapshot>>, Error> {
        let numbers = cards
            .iter()
            .map(|c| CardNumber::parse(c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self
            .card(numbers)
            .await
            .into_iter()
            .map(|r| CardReport {
                card: r.card.to_string(),
                result: r.result,
            })
            .collect())
    }
}

#[async_trait]
impl CardPlatform for TencentClient {
    fn capabilities(&self) -> Capabilities {
        TENCENT_CAPABILITIES
    }

    async fn snapshots(
        &self,
        cards: Vec<String>,
    ) -> Result<Vec<CardReport<String, CardSnapshot>>, Error> {
        let iccids = cards
            .iter()
            .map(|c| Iccid::parse(c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self
            .cards_info(iccids)
            .await
            .into_iter()
            .map(|r| CardReport {
                card: r.card.to_string(),
                result: r
                    .result
                    .map(|info| info.to_snapshot())
                    .map_err(|p| p.map(|info| info.to_snapshot())),
            })
            .collect())
    }
}
