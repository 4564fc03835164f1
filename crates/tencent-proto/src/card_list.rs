//! `getcardlist` answers.

use http::StatusCode;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::card::{CanonicalCard, RawCard};
use crate::envelope::{body_text, object, open, open_canonical};
use crate::error::{content_type, Answer};
use crate::wire_value::Fields;
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

/// Reads a `getcardlist` answer.
///
/// ```
/// let answer = http::Response::new(br#"{"code":0,"message":"OK","data":{"card_brief_infos":[]}}"#);
/// let page = tencent_proto::parse_card_list(&answer)?;
/// assert!(page.is_empty());
/// # Ok::<(), tencent_proto::TencentError>(())
/// ```
///
/// Takes the whole response, under any HTTP status: its status and body
/// are read, its `Content-Type` for the charset, and its headers for
/// `Retry-After` on an error ([`TencentError::retry_after`]).
///
/// Read liberally, exactly in value (the crate's `API.md`, "Reading
/// answers"): a BOM, a GBK or GB18030 body its `charset` names, JSON
/// labelled `text/html`, names in any letter case (`CARD_STATUS`), numbers
/// as strings or integral floats. A missing `card_brief_infos` is
/// [`TencentError::MissingCardList`], not an empty page. A record that is
/// not an object or has no readable ICCID is in [`CardList::rejected`];
/// any other field that cannot be read costs that field
/// ([`CardBrief::problems`]). A card listed twice is kept twice here, in
/// page order: [`crate::CardListPager::accept`] drops the repeat.
///
/// The documented spelling is read in one pass; anything else is read
/// field by field, to the same values.
pub fn parse_card_list<B: AsRef<[u8]>>(
    response: &http::Response<B>,
) -> Result<CardList, TencentError> {
    read_card_list(
        response.status(),
        content_type(response.headers()),
        response.body().as_ref(),
    )
    .map_err(|e| e.with_headers(response.headers()))
}

fn read_card_list(
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<CardList, TencentError> {
    let at = Answer { call: CALL, status };
    let text = body_text(at, content_type, body)?;
    match open_canonical::<CanonicalCardList<'_>>(at, &text)
        .and_then(|list| read_canonical(at, list))
    {
        Some(page) => Ok(page),
        None => read_tolerant(at, &text),
    }
}

/// The list exactly as documented (see [`open_canonical`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CanonicalCardList<'a> {
    #[serde(borrow)]
    card_brief_infos: Vec<CanonicalCard<'a>>,
}

/// The page when every record has its ICCID; `None` leaves a page with an
/// unreadable one to the tolerant pass, which keeps that record's text.
fn read_canonical(at: Answer, list: CanonicalCardList<'_>) -> Option<CardList> {
    let cards = list
        .card_brief_infos
        .into_iter()
        .map(|wire| brief(at, &RawCard::from(wire)).ok())
        .collect::<Option<Vec<_>>>()?;
    Some(CardList {
        cards,
        rejected: Vec::new(),
    })
}

fn brief(at: Answer, raw: &RawCard<'_>) -> Result<CardBrief, TencentError> {
    let mut fields = Fields::default();
    let mut card = CardBrief::from_raw(at, raw, &mut fields)?;
    card.problems = fields.problems;
    Ok(card)
}

/// Reads the envelope, then the list, then each record on its own, names
/// in any case, so that every problem is named and a bad record costs only
/// itself.
fn read_tolerant(at: Answer, text: &str) -> Result<CardList, TencentError> {
    let data = object(at, open(at, text)?)?;
    // No list at all is not an empty page: a listing that took it for
    // one would end early, in silence.
    let list = data
        .get_present("card_brief_infos")
        .ok_or(TencentError::MissingCardList {
            call: at.call,
            status: at.status,
        })?;
    let records: Vec<&RawValue> =
        serde_json::from_str(list.get()).map_err(|source| TencentError::DataShape {
            call: at.call,
            status: at.status,
            source,
        })?;
    let mut page = CardList {
        cards: Vec::with_capacity(records.len()),
        rejected: Vec::new(),
    };
    for (index, raw) in records.into_iter().enumerate() {
        let read = object(at, raw).and_then(|record| brief(at, &RawCard::of(&record)));
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
    const ODD: &str = r#"{"network_status":"2","iccid":"89860\u0030B7091701054334","msisdn":" 1064878384334","teleoperator":9,"type":2,"card_status":3,"data_used_in_period":"1.5","data_total_in_period":null}"#;
    const UPPER: &str = r#"{"ICCID":"898602B7091701054336","MSISDN":"1064878384336","Teleoperator":"1","TYPE":1.0,"Card_Status":2,"network_Status":2,"DATA_USED_IN_PERIOD":"14.970","data_total_in_period":30.000,"extra":[{}]}"#;
    const BAD_ICCID: &str = r#"{"iccid":"1234","teleoperator":1,"type":1,"card_status":1,"network_status":1,"data_used_in_period":0,"data_total_in_period":0}"#;
    const NO_STATUS: &str = r#"{"iccid":"898602B7091701054335","teleoperator":1,"type":1,"network_status":1,"data_used_in_period":0,"data_total_in_period":0}"#;

    /// The one-pass read when it takes the body, and the tolerant one, both
    /// shown with `Debug` (errors have no `PartialEq`).
    fn both_ways(status: StatusCode, body: &str) -> (Option<String>, String) {
        let at = Answer { call: CALL, status };
        let canonical = open_canonical::<CanonicalCardList<'_>>(at, body)
            .and_then(|list| read_canonical(at, list))
            .map(|page| format!("{:?}", Ok::<_, TencentError>(page)));
        (canonical, format!("{:?}", read_tolerant(at, body)))
    }

    fn page(records: &[&str]) -> String {
        format!(
            r#"{{"code":0,"message":"OK","data":{{"card_brief_infos":[{}]}}}}"#,
            records.join(",")
        )
    }

    #[test]
    fn the_one_pass_read_agrees_with_the_tolerant_one_or_steps_aside() {
        let ok = StatusCode::OK;
        for (status, body, canonical_takes_it) in [
            (ok, page(&[ODD, GOOD, GOOD]), true),
            (ok, page(&[]), true),
            // A field missing costs that field, in either pass.
            (ok, page(&[GOOD, NO_STATUS]), true),
            // Names in another case, an extra field: the tolerant pass.
            (ok, page(&[GOOD, UPPER]), false),
            // No list (null or absent) is an error, not an empty page.
            (
                ok,
                r#"{"data":{"card_brief_infos":null},"code":"0"}"#.to_owned(),
                false,
            ),
            (ok, r#"{"code":0,"data":{}}"#.to_owned(), false),
            // A record without a readable ICCID, a refusal, no data, an
            // HTTP error, a repeated key: the tolerant pass.
            (ok, page(&[GOOD, BAD_ICCID, GOOD]), false),
            (
                ok,
                r#"{"code":1001,"message":"sig","data":{}}"#.to_owned(),
                false,
            ),
            (ok, r#"{"code":0,"data":null}"#.to_owned(), false),
            (StatusCode::BAD_GATEWAY, page(&[GOOD]), false),
            (
                ok,
                r#"{"code":0,"code":0,"data":{"card_brief_infos":[]}}"#.to_owned(),
                false,
            ),
            (
                ok,
                r#"{"code":0,"message":7,"data":{"card_brief_infos":[]}}"#.to_owned(),
                true,
            ),
        ] {
            let (canonical, tolerant) = both_ways(status, &body);
            assert_eq!(canonical.is_some(), canonical_takes_it, "{body}");
            if let Some(canonical) = canonical {
                assert_eq!(canonical, tolerant, "{body}");
            }
            let public = format!(
                "{:?}",
                parse_card_list(&crate::test_support::answer(status, body.as_bytes()))
            );
            assert_eq!(public, tolerant, "{body}");
        }
    }

    #[test]
    fn a_field_that_cannot_be_read_costs_that_field() {
        let bad_status = GOOD.replace(r#""card_status":2"#, r#""card_status":"two""#);
        let list = parse_card_list(&crate::test_support::ok(&page(&[
            &bad_status,
            NO_STATUS,
            ODD,
        ])))
        .unwrap();
        assert!(list.rejected.is_empty());
        let [a, b, c] = &list.cards[..] else {
            panic!("{list:?}")
        };
        assert_eq!((a.status.as_ref(), a.kind.is_some()), (None, true));
        assert_eq!(a.problems.len(), 1);
        assert_eq!(
            a.problems[0].to_string(),
            r#"field card_status: expected an integer, found "two""#
        );
        assert_eq!(b.problems[0].to_string(), "field card_status: missing");
        assert_eq!(c.data_total_in_period, None, "null is none");
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.data_used_in_period.unwrap().to_string(), "1.5 MB");
    }

    #[test]
    fn upper_case_names_read_as_the_documented_ones() {
        let upper = parse_card_list(&crate::test_support::ok(&page(&[UPPER]))).unwrap();
        let canonical = UPPER
            .to_ascii_lowercase()
            .replace("898602b7091701054336", "898602B7091701054336");
        let lower = parse_card_list(&crate::test_support::ok(&page(&[&canonical]))).unwrap();
        assert_eq!(upper.cards, lower.cards);
        assert!(upper.cards[0].problems.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn both_reads_give_the_same_page(
            records in proptest::collection::vec(0usize..5, 0..20)
        ) {
            let forms = [GOOD, ODD, NO_STATUS, UPPER, BAD_ICCID];
            let chosen: Vec<&str> = records.iter().map(|&i| forms[i]).collect();
            let body = page(&chosen);
            let (canonical, tolerant) = both_ways(StatusCode::OK, &body);
            proptest::prop_assert_eq!(canonical.is_some(), records.iter().all(|&i| i < 3));
            if let Some(canonical) = canonical {
                proptest::prop_assert_eq!(canonical, tolerant.clone());
            }
            let public = format!("{:?}", parse_card_list(&crate::test_support::ok(body.as_bytes())));
            proptest::prop_assert_eq!(public, tolerant);
        }
    }
}
