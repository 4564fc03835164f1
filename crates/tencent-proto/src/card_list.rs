//! `getcardlist` answers.

use http::StatusCode;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::card::WireCard;
use crate::envelope::{open, shape};
use crate::{CardBrief, Command, TencentError};

const COMMAND: Command = Command::GetCardList;

/// One page of `getcardlist`.
///
/// A card record that cannot be read does not sink the page: it is kept in
/// [`CardList::rejected`] with its position and reason, the others are in
/// [`CardList::cards`], and [`CardList::len`] counts both (the pager advances
/// by it).
#[derive(Debug)]
pub struct CardList {
    /// The cards read, in page order.
    pub cards: Vec<CardBrief>,
    /// The records that could not be read, in page order.
    pub rejected: Vec<RejectedCard>,
}

impl CardList {
    /// How many records the page held, read or not.
    pub fn len(&self) -> usize {
        self.cards.len() + self.rejected.len()
    }

    /// Whether the page held no records at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A card record in a page that could not be read.
#[derive(Debug)]
pub struct RejectedCard {
    /// Its 0-based position in the page.
    pub index: usize,
    /// The record's JSON, verbatim.
    pub raw: String,
    /// Why it could not be read.
    pub error: TencentError,
}

#[derive(Deserialize)]
struct WireCardList<'a> {
    // Absent or null is read as an empty page: an account with no cards may
    // well say so by leaving the list out.
    #[serde(borrow, default)]
    card_brief_infos: Option<Vec<&'a RawValue>>,
}

/// Reads a `getcardlist` answer.
///
/// ```
/// use http::StatusCode;
/// let body = br#"{"code":0,"message":"OK","data":{"card_brief_infos":[]}}"#;
/// let page = tencent_proto::parse_card_list(StatusCode::OK, body)?;
/// assert!(page.is_empty());
/// # Ok::<(), tencent_proto::TencentError>(())
/// ```
pub fn parse_card_list(status: StatusCode, body: &[u8]) -> Result<CardList, TencentError> {
    let data = open(COMMAND, status, body)?;
    let list: WireCardList<'_> = shape(COMMAND, data)?;
    let records = list.card_brief_infos.unwrap_or_default();
    let mut page = CardList {
        cards: Vec::with_capacity(records.len()),
        rejected: Vec::new(),
    };
    for (index, raw) in records.into_iter().enumerate() {
        let read = shape::<WireCard<'_>>(COMMAND, raw)
            .and_then(|wire| CardBrief::from_wire(COMMAND, &wire));
        match read {
            Ok(card) => page.cards.push(card),
            Err(error) => page.rejected.push(RejectedCard {
                index,
                raw: raw.get().to_owned(),
                error,
            }),
        }
    }
    Ok(page)
}
