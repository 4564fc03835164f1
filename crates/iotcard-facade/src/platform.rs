//! One trait for what every platform can answer, so a fleet job is written
//! once and run on either.

use std::fmt;
use std::hash::Hash;
use std::str::FromStr;

use futures::StreamExt;
use iotcard_model::{
    CardNumber, CardSnapshot, Expiry, Iccid, ModelError, Plan, Remaining, Status, Usage,
};
use serde::Serialize;
use tencent_proto::OperatorFilter;

use crate::{CallStats, CardReport, CardStream, IotbosClient, TencentClient, TryCardStream};

/// A card platform iotcard speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Provider {
    /// IoTBOS (`sys.iotbos.com`).
    Iotbos,
    /// Tencent IoT card (`yun.tim.qq.com`).
    Tencent,
}

impl Provider {
    /// Every provider.
    pub const ALL: [Provider; 2] = [Provider::Iotbos, Provider::Tencent];

    /// `iotbos` or `tencent`: the name in flags, the environment and files.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Iotbos => "iotbos",
            Provider::Tencent => "tencent",
        }
    }

    /// The name an operator knows the platform by.
    pub fn title(self) -> &'static str {
        match self {
            Provider::Iotbos => "IoTBOS",
            Provider::Tencent => "Tencent IoT card",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| s.trim().eq_ignore_ascii_case(p.as_str()))
            .ok_or_else(|| ModelError::UnknownName {
                what: "provider",
                input: s.to_owned(),
                expected: "iotbos, tencent",
            })
    }
}

/// Which identifier a platform looks cards up by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CardKey {
    /// A [`CardNumber`]: an MSISDN or an all-digit ICCID.
    CardNumber,
    /// An [`Iccid`].
    Iccid,
}

/// What a platform can and cannot tell about a card.
///
/// A field of [`CardSnapshot`] that a platform cannot answer is always
/// `None` for it; these flags say which, so a caller can tell "unknown to
/// this platform" from "this card has none".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// The platform.
    pub provider: Provider,
    /// Which identifier it looks cards up by.
    pub looks_up_by: CardKey,
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

/// What IoTBOS answers.
pub const IOTBOS_CAPABILITIES: Capabilities = Capabilities {
    provider: Provider::Iotbos,
    looks_up_by: CardKey::CardNumber,
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
    provider: Provider::Tencent,
    looks_up_by: CardKey::Iccid,
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

/// The identifier a platform looks cards up by: validated on parse, shown
/// as the platform holds it.
pub trait PlatformCard:
    Clone + Eq + Hash + fmt::Display + fmt::Debug + FromStr<Err = ModelError> + Send + Sync + 'static
{
}

impl<T> PlatformCard for T where
    T: Clone
        + Eq
        + Hash
        + fmt::Display
        + fmt::Debug
        + FromStr<Err = ModelError>
        + Send
        + Sync
        + 'static
{
}

/// A card platform, provider-neutral: the same questions, the same typed
/// answers, streamed one report per distinct card in the order asked.
///
/// Write a job once, generic over the platform:
///
/// ```no_run
/// use futures::StreamExt;
/// use iotcard_facade::CardPlatform;
///
/// async fn silent_cards<P: CardPlatform>(platform: &P, cards: Vec<P::Card>) {
///     let mut usage = platform.usage_stream(cards);
///     while let Some(report) = usage.next().await {
///         match report.result {
///             Ok(u) if u.data_used.as_ref().is_some_and(|d| d.amount.is_zero()) => {
///                 println!("{} used no data", report.card)
///             }
///             Ok(_) => {}
///             Err(problem) => println!("{}: {problem} ({})", report.card, problem.kind()),
///         }
///     }
/// }
/// ```
pub trait CardPlatform: Clone + Send + Sync + fmt::Debug + 'static {
    /// The identifier this platform looks cards up by.
    type Card: PlatformCard;

    /// What this platform can answer.
    fn capabilities(&self) -> Capabilities;

    /// Reads a card identifier as this platform takes it; one that cannot
    /// be valid is refused before anything is sent.
    fn parse_card(&self, text: &str) -> Result<Self::Card, ModelError> {
        text.trim().parse()
    }

    /// SMS and data used this period.
    fn usage_stream<I>(&self, cards: I) -> CardStream<Self::Card, Usage>
    where
        I: IntoIterator<Item = Self::Card>,
        I::IntoIter: Send + 'static;

    /// SMS and data left this period.
    fn remaining_stream<I>(&self, cards: I) -> CardStream<Self::Card, Remaining>
    where
        I: IntoIterator<Item = Self::Card>,
        I::IntoIter: Send + 'static;

    /// Expiry date and the status beside it.
    fn expiry_stream<I>(&self, cards: I) -> CardStream<Self::Card, Expiry>
    where
        I: IntoIterator<Item = Self::Card>,
        I::IntoIter: Send + 'static;

    /// Lifecycle status, and the data network where the platform says.
    fn status_stream<I>(&self, cards: I) -> CardStream<Self::Card, Status>
    where
        I: IntoIterator<Item = Self::Card>,
        I::IntoIter: Send + 'static;

    /// The tariff.
    fn plan_stream<I>(&self, cards: I) -> CardStream<Self::Card, Plan>
    where
        I: IntoIterator<Item = Self::Card>,
        I::IntoIter: Send + 'static;

    /// Everything the platform knows of each card.
    fn snapshot_stream<I>(&self, cards: I) -> CardStream<Self::Card, CardSnapshot>
    where
        I: IntoIterator<Item = Self::Card>,
        I::IntoIter: Send + 'static;

    /// Every card of the account with its snapshot, where the platform can
    /// list its cards (`None` where it cannot: IoTBOS has no listing call).
    fn listed_snapshots(&self) -> Option<TryCardStream<CardReport<Self::Card, CardSnapshot>>>;

    /// The requests and retries this client has sent, where it counts them.
    fn call_stats(&self) -> Option<&CallStats> {
        None
    }
}

impl CardPlatform for IotbosClient {
    type Card = CardNumber;

    fn call_stats(&self) -> Option<&CallStats> {
        Some(IotbosClient::call_stats(self))
    }

    fn capabilities(&self) -> Capabilities {
        IOTBOS_CAPABILITIES
    }

    fn usage_stream<I>(&self, cards: I) -> CardStream<CardNumber, Usage>
    where
        I: IntoIterator<Item = CardNumber>,
        I::IntoIter: Send + 'static,
    {
        IotbosClient::usage_stream(self, cards)
    }

    fn remaining_stream<I>(&self, cards: I) -> CardStream<CardNumber, Remaining>
    where
        I: IntoIterator<Item = CardNumber>,
        I::IntoIter: Send + 'static,
    {
        IotbosClient::remaining_stream(self, cards)
    }

    fn expiry_stream<I>(&self, cards: I) -> CardStream<CardNumber, Expiry>
    where
        I: IntoIterator<Item = CardNumber>,
        I::IntoIter: Send + 'static,
    {
        IotbosClient::expiry_stream(self, cards)
    }

    fn status_stream<I>(&self, cards: I) -> CardStream<CardNumber, Status>
    where
        I: IntoIterator<Item = CardNumber>,
        I::IntoIter: Send + 'static,
    {
        IotbosClient::status_stream(self, cards).map_values(|status| Status {
            status: Some(status),
            network: None,
        })
    }

    fn plan_stream<I>(&self, cards: I) -> CardStream<CardNumber, Plan>
    where
        I: IntoIterator<Item = CardNumber>,
        I::IntoIter: Send + 'static,
    {
        IotbosClient::plan_stream(self, cards)
    }

    fn snapshot_stream<I>(&self, cards: I) -> CardStream<CardNumber, CardSnapshot>
    where
        I: IntoIterator<Item = CardNumber>,
        I::IntoIter: Send + 'static,
    {
        IotbosClient::snapshot_stream(self, cards)
    }

    fn listed_snapshots(&self) -> Option<TryCardStream<CardReport<CardNumber, CardSnapshot>>> {
        None
    }
}

impl CardPlatform for TencentClient {
    type Card = Iccid;

    fn call_stats(&self) -> Option<&CallStats> {
        Some(TencentClient::call_stats(self))
    }

    fn capabilities(&self) -> Capabilities {
        TENCENT_CAPABILITIES
    }

    fn usage_stream<I>(&self, cards: I) -> CardStream<Iccid, Usage>
    where
        I: IntoIterator<Item = Iccid>,
        I::IntoIter: Send + 'static,
    {
        self.card_info_stream(cards).map_values(|i| i.card.usage())
    }

    fn remaining_stream<I>(&self, cards: I) -> CardStream<Iccid, Remaining>
    where
        I: IntoIterator<Item = Iccid>,
        I::IntoIter: Send + 'static,
    {
        self.card_info_stream(cards)
            .map_values(|i| i.card.remaining())
    }

    fn expiry_stream<I>(&self, cards: I) -> CardStream<Iccid, Expiry>
    where
        I: IntoIterator<Item = Iccid>,
        I::IntoIter: Send + 'static,
    {
        self.card_info_stream(cards).map_values(|i| Expiry {
            status: i.card.status.clone(),
            expires_at: i.product_expires_at,
        })
    }

    fn status_stream<I>(&self, cards: I) -> CardStream<Iccid, Status>
    where
        I: IntoIterator<Item = Iccid>,
        I::IntoIter: Send + 'static,
    {
        self.card_info_stream(cards).map_values(|i| Status {
            status: i.card.status.clone(),
            network: i.card.network.clone(),
        })
    }

    fn plan_stream<I>(&self, cards: I) -> CardStream<Iccid, Plan>
    where
        I: IntoIterator<Item = Iccid>,
        I::IntoIter: Send + 'static,
    {
        self.card_info_stream(cards).map_values(|i| i.plan())
    }

    fn snapshot_stream<I>(&self, cards: I) -> CardStream<Iccid, CardSnapshot>
    where
        I: IntoIterator<Item = Iccid>,
        I::IntoIter: Send + 'static,
    {
        TencentClient::snapshot_stream(self, cards)
    }

    fn listed_snapshots(&self) -> Option<TryCardStream<CardReport<Iccid, CardSnapshot>>> {
        let reports = self
            .cards_with_info(OperatorFilter::All)
            .map(|item| item.map(|report| report.map(|info| info.to_snapshot())));
        Some(TryCardStream::new(reports))
    }
}
