//! `getcardinfo` answers.

use std::borrow::Cow;

use http::StatusCode;
use iotcard_model::Instant;

use crate::card::WireCard;
use crate::envelope::{open, shape};
use crate::wire_value::unix_instant;
use crate::{CardBrief, Command, TencentError};

const COMMAND: Command = Command::GetCardInfo;

/// One card as `getcardinfo` describes it: the [`CardBrief`] fields plus its
/// product (套餐) and pool (流量池).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CardInfo {
    /// The fields shared with `getcardlist`.
    pub card: CardBrief,
    /// `product_id`; `None` when absent, `null` or empty.
    pub product_id: Option<String>,
    /// `pool_id`; `None` when absent, `null` or empty (a single card has no pool).
    pub pool_id: Option<String>,
    /// `product_expired_time` (unix seconds), shown in China Standard Time;
    /// `None` when absent or `null`. Any number is kept as sent, `0` included.
    pub product_expires_at: Option<Instant>,
}

fn non_empty(text: Option<&Cow<'_, str>>) -> Option<String> {
    text.filter(|t| !t.is_empty())
        .map(|t| t.clone().into_owned())
}

/// Reads a `getcardinfo` answer.
///
/// ```
/// use http::StatusCode;
/// let e = tencent_proto::parse_card_info(StatusCode::OK, b"{\"code\":0,").unwrap_err();
/// assert!(e.to_string().starts_with("getcardinfo answer is not valid JSON"));
/// ```
pub fn parse_card_info(status: StatusCode, body: &[u8]) -> Result<CardInfo, TencentError> {
    let data = open(COMMAND, status, body)?;
    let wire: WireCard<'_> = shape(COMMAND, data)?;
    let card = CardBrief::from_wire(COMMAND, &wire)?;
    let product_expires_at = wire
        .product_expired_time
        .map(|raw| unix_instant(COMMAND, "product_expired_time", raw))
        .transpose()?;
    Ok(CardInfo {
        card,
        product_id: non_empty(wire.product_id.as_ref()),
        pool_id: non_empty(wire.pool_id.as_ref()),
        product_expires_at,
    })
}
