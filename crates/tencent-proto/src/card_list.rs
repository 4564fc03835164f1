//! `getcardlist` answers.

use http::StatusCode;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::card::WireCard;
use crate::envelope::{open, open_typed, shape};
use crate::error::Answer;
use crate::{Call, CardBrief, TencentError};

const CALL: Call = Call::GetCardList;

/// One page of `getcardlist`.
///
/// A card record that cannot be read does not sink the page: it is kept in
/// [`CardList::rejected`] with its position and reason, the others are in
/// [`CardList::cards`], and [`CardList::len`] counts both (the pager advances
/// by it).
#[derive(Debug, serde::Serialize)]
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
#[derive(Debug, serde::Serialize)]
pub struct RejectedCard {
    /// Its 0-based position in the page.
    pub index: usize,
    /// The record's JSON, verbatim.
    pub raw: String,
    /// Why it could not be read.
    #[serde(serialize_with = "as_text")]
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
/// let answer = http::Response::new(br#"{"code":0,"message":"OK","data":{"card_brief_infos":[]}}"#);
/// let page = tencent_proto::parse_card_list(&answer)?;
/// assert!(page.is_empty());
/// # Ok::<(), tencent_proto::TencentError>(())
/// ```
/// Takes the whole response, under any HTTP status: its status and body
/// are read, and its headers for `Retry-After` on an error
/// ([`TencentError::retry_after`]).
pub fn parse_card_list<B: AsRef<[u8]>>(
    response: &http::Response<B>,
) -> Result<CardList, TencentError> {
    read_card_list(response.status(), response.body().as_ref())
        .map_err(|e| e.with_headers(response.headers()))
}

fn read_card_list(status: StatusCode, body: &[u8]) -> Result<CardList, TencentError> {
    let at = Answer { call: CALL, status };
    match open_typed::<TypedCardList<'_>>(at, body).and_then(|list| read_every_card(at, list)) {
        Some(page) => Ok(page),
        None => parse_card_list_careful(at, body),
    }
}

/// [`WireCardList`] with its records read in the same pass.
#[derive(Deserialize)]
struct TypedCardList<'a> {
    #[serde(borrow, default)]
    card_brief_infos: Option<Vec<WireCard<'a>>>,
}

/// The page when every record reads; `None` leaves a page with a bad record
/// to the careful path, which keeps that record's text.
fn read_every_card(at: Answer, list: TypedCardList<'_>) -> Option<CardList> {
    let cards = list
        .card_brief_infos?
        .iter()
        .map(|wire| CardBrief::from_wire(at, wire).ok())
        .collect::<Option<Vec<_>>>()?;
    Some(CardList {
        cards,
        rejected: Vec::new(),
    })
}

/// Reads the envelope, then the list, then each record on its own, so that
/// every problem is named and a bad record costs only itself.
fn parse_card_list_careful(at: Answer, body: &[u8]) -> Result<CardList, TencentError> {
    let data = open(at, body)?;
    let list: WireCardList<'_> = shape(at, data)?;
    // No list at all is not an empty page: a listing that took it for
    // one would end early, in silence.
    let records = list.card_brief_infos.ok_or(TencentError::MissingCardList {
        call: at.call,
        status: at.status,
    })?;
    let mut page = CardList {
        cards: Vec::with_capacity(records.len()),
        rejected: Vec::new(),
    };
    for (index, raw) in records.into_iter().enumerate() {
        let read = shape::<WireCard<'_>>(at, raw).and_then(|wire| CardBrief::from_wire(at, &wire));
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

/// An error as the text a person reads (with its causes), for records that
/// are serialized.
fn as_text<S: serde::Serializer>(error: &TencentError, s: S) -> Result<S::Ok, S::Error> {
    let mut text = error.to_string();
    let mut next = std::error::Error::source(error);
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    s.serialize_str(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"iccid":"898602B7091701054333","msisdn":"1064878384333","teleoperator":1,"type":1,"card_status":2,"network_status":0,"data_used_in_period":14.970,"data_total_in_period":30.000}"#;
    const ODD: &str = r#"{"network_status":"2","iccid":"89860\u0030B7091701054334","msisdn":1064878384334,"teleoperator":9,"type":2,"card_status":3,"data_used_in_period":"1.5","data_total_in_period":0,"extra":[{}]}"#;
    const BAD_ICCID: &str = r#"{"iccid":"1234","teleoperator":1,"type":1,"card_status":1,"network_status":1,"data_used_in_period":0,"data_total_in_period":0}"#;
    const NO_STATUS: &str = r#"{"iccid":"898602B7091701054335","teleoperator":1,"type":1,"network_status":1,"data_used_in_period":0,"data_total_in_period":0}"#;

    /// The one-pass read when it takes the body, and the careful one, both
    /// shown with `Debug` (errors have no `PartialEq`).
    fn both_ways(status: StatusCode, body: &[u8]) -> (Option<String>, String) {
        let at = Answer { call: CALL, status };
        let typed = open_typed::<TypedCardList<'_>>(at, body)
            .and_then(|list| read_every_card(at, list))
            .map(|page| format!("{:?}", Ok::<_, TencentError>(page)));
        (typed, format!("{:?}", parse_card_list_careful(at, body)))
    }

    fn page(records: &[&str]) -> String {
        format!(
            r#"{{"code":0,"message":"OK","data":{{"card_brief_infos":[{}]}}}}"#,
            records.join(",")
        )
    }

    #[test]
    fn the_one_pass_read_agrees_with_the_careful_one_or_steps_aside() {
        let ok = StatusCode::OK;
        for (status, body, typed_takes_it) in [
            (ok, page(&[ODD, GOOD, GOOD]), true),
            (ok, page(&[]), true),
            // No list (null or absent) is an error, not an empty page.
            (
                ok,
                r#"{"data":{"card_brief_infos":null},"code":"0"}"#.to_owned(),
                false,
            ),
            (ok, r#"{"code":0,"data":{}}"#.to_owned(), false),
            // A record the model refuses, one serde cannot read, a refusal,
            // no data, an HTTP error, a repeated key: the careful path.
            (ok, page(&[GOOD, BAD_ICCID, GOOD]), false),
            (ok, page(&[GOOD, NO_STATUS]), false),
            (
                ok,
                r#"{"code":1001,"message":"sig","data":{}}"#.to_owned(),
                false,
            ),
            (ok, r#"{"code":0,"data":null}"#.to_owned(), false),
            (StatusCode::BAD_GATEWAY, page(&[GOOD]), false),
            (ok, r#"{"code":0,"code":0,"data":{}}"#.to_owned(), false),
            (ok, r#"{"code":0,"message":7,"data":{}}"#.to_owned(), false),
        ] {
            let (typed, careful) = both_ways(status, body.as_bytes());
            assert_eq!(typed.is_some(), typed_takes_it, "{body}");
            if let Some(typed) = typed {
                assert_eq!(typed, careful, "{body}");
            }
            let public = format!(
                "{:?}",
                parse_card_list(&crate::test_support::answer(status, body.as_bytes()))
            );
            assert_eq!(public, careful, "{body}");
        }
        let mut not_utf8 = page(&[GOOD]).into_bytes();
        not_utf8.extend_from_slice(b" \xff");
        assert_eq!(both_ways(StatusCode::OK, &not_utf8).0, None);
    }

    proptest::proptest! {
        #[test]
        fn both_reads_give_the_same_page(
            records in proptest::collection::vec(0usize..4, 0..20)
        ) {
            let forms = [GOOD, ODD, BAD_ICCID, NO_STATUS];
            let chosen: Vec<&str> = records.iter().map(|&i| forms[i]).collect();
            let body = page(&chosen);
            let (typed, careful) = both_ways(StatusCode::OK, body.as_bytes());
            proptest::prop_assert_eq!(typed.is_some(), records.iter().all(|&i| i < 2));
            if let Some(typed) = typed {
                proptest::prop_assert_eq!(typed, careful.clone());
            }
            let public = format!("{:?}", parse_card_list(&crate::test_support::ok(body.as_bytes())));
            proptest::prop_assert_eq!(public, careful);
        }
    }
}
