//! `getcardinfo` answers.

use http::StatusCode;
use iotcard_model::{FieldProblem, Iccid, Instant};

use crate::card::{CanonicalCard, RawCard};
use crate::envelope::{body_text, object, open, open_canonical};
use crate::error::{content_type, Answer};
use crate::wire_value::{expiry, id_text, Fields};
use crate::{Call, CardBrief, TencentError};

const CALL: Call = Call::GetCardInfo;

/// One card as `getcardinfo` describes it: the [`CardBrief`] fields plus its
/// product (套餐) and pool (流量池).
///
/// A field of this answer that cannot be read is `None` and named in the
/// card's [`problems`](CardBrief::problems) ([`CardInfo::problems`]).
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
pub struct CardInfo {
    /// The fields shared with `getcardlist`.
    pub card: CardBrief,
    /// `product_id`; `None` when absent, `null` or empty.
    pub product_id: Option<String>,
    /// `pool_id`; `None` when absent, `null` or empty (a single card has no pool).
    pub pool_id: Option<String>,
    /// `product_expired_time` (Unix seconds, or milliseconds when above
    /// 10^11, in any integer quoting), shown in China Standard Time; `None`
    /// when absent, `null`, `""` or `0` (no expiry, not 1970-01-01).
    pub product_expires_at: Option<Instant>,
}

impl CardInfo {
    /// Every field of the answer that could not be read (the card's and
    /// this answer's own).
    pub fn problems(&self) -> &[FieldProblem] {
        &self.card.problems
    }
}

/// Reads a `getcardinfo` answer.
///
/// ```
/// let e = tencent_proto::parse_card_info(&http::Response::new(b"{\"code\":0,")).unwrap_err();
/// assert!(e.to_string().starts_with("getcardinfo answer is not valid JSON"));
/// ```
///
/// A refusal is [`TencentError::Refused`] under any HTTP status; one that
/// means the account does not hold the ICCID answers
/// [`TencentError::is_card_unknown`].
/// Takes the whole response, under any HTTP status: its status and body
/// are read, its `Content-Type` for the charset, and its headers for
/// `Retry-After` on an error ([`TencentError::retry_after`]).
///
/// Read as liberally as [`crate::parse_card_list`]; this does not know
/// which card was asked: [`parse_card_info_for`] does.
pub fn parse_card_info<B: AsRef<[u8]>>(
    response: &http::Response<B>,
) -> Result<CardInfo, TencentError> {
    read_card_info(
        response.status(),
        content_type(response.headers()),
        response.body().as_ref(),
    )
    .map_err(|e| e.with_headers(response.headers()))
}

/// [`parse_card_info`] of the answer to a question about `asked`: an
/// answer about another card (a server mixing up its answers) is
/// [`TencentError::OtherCard`], never taken for `asked`'s values.
///
/// ```
/// use tencent_proto::{parse_card_info_for, Iccid};
/// let answer = http::Response::new(r#"{"code":0,"data":{"iccid":"898602b7091701054333"}}"#);
/// let asked = Iccid::parse("898602B7091701054333")?;
/// assert_eq!(parse_card_info_for(&answer, &asked).unwrap().card.iccid, asked);
/// let other = Iccid::parse("898602B7091701054334")?;
/// assert!(parse_card_info_for(&answer, &other).unwrap_err().is_transient());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_card_info_for<B: AsRef<[u8]>>(
    response: &http::Response<B>,
    asked: &Iccid,
) -> Result<CardInfo, TencentError> {
    let info = parse_card_info(response)?;
    if info.card.iccid == *asked {
        return Ok(info);
    }
    Err(TencentError::OtherCard {
        status: response.status(),
        asked: asked.clone(),
        answered: info.card.iccid,
    })
}

fn read_card_info(
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<CardInfo, TencentError> {
    let at = Answer { call: CALL, status };
    let text = body_text(at, content_type, body)?;
    // One pass for the documented spelling; anything else is read again
    // field by field, names in any case, which names every problem.
    if let Some(info) = open_canonical::<CanonicalCard<'_>>(at, &text)
        .and_then(|wire| read(at, &RawCard::from(wire)).ok())
    {
        return Ok(info);
    }
    let record = object(at, open(at, &text)?)?;
    read(at, &RawCard::of(&record))
}

fn read(at: Answer, raw: &RawCard<'_>) -> Result<CardInfo, TencentError> {
    let mut fields = Fields::default();
    let mut card = CardBrief::from_raw(at, raw, &mut fields)?;
    let product_id = fields.read("product_id", raw.product_id.as_ref(), false, id_text);
    let pool_id = fields.read("pool_id", raw.pool_id.as_ref(), false, id_text);
    let product_expires_at = fields.read(
        "product_expired_time",
        raw.product_expired_time,
        false,
        expiry,
    );
    card.problems = fields.problems;
    Ok(CardInfo {
        card,
        product_id,
        pool_id,
        product_expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_pass_read_agrees_with_the_tolerant_one_or_steps_aside() {
        let card = r#""iccid":"898602B7091701054333","msisdn":"1064878384333","teleoperator":1,"type":1,"card_status":2,"network_status":2,"data_used_in_period":14.970,"data_total_in_period":30.000"#;
        for (body, canonical_takes_it) in [
            (
                format!(
                    r#"{{"code":0,"message":"OK","data":{{{card},"product_id":"p1","pool_id":"","product_expired_time":1506494258}}}}"#
                ),
                true,
            ),
            (
                format!(
                    r#"{{"code":0,"data":{{{card},"product_id":null,"product_expired_time":"1506494258"}}}}"#
                ),
                true,
            ),
            (
                format!(r#"{{"code":0,"data":{{{card},"product_expired_time":-1}}}}"#),
                true,
            ),
            (
                format!(r#"{{"code":0,"data":{{{card},"Product_Expired_Time":1.5}}}}"#),
                false,
            ),
            (
                format!(r#"{{"code":4,"message":"no such card","data":{{{card}}}}}"#),
                false,
            ),
            (r#"{"code":0,"data":null}"#.to_owned(), false),
        ] {
            let at = Answer {
                call: CALL,
                status: StatusCode::OK,
            };
            let tolerant = (|| read(at, &RawCard::of(&object(at, open(at, &body)?)?)))();
            let canonical = open_canonical::<CanonicalCard<'_>>(at, &body)
                .and_then(|wire| read(at, &RawCard::from(wire)).ok());
            assert_eq!(canonical.is_some(), canonical_takes_it, "{body}");
            if let Some(canonical) = canonical {
                assert_eq!(Some(&canonical), tolerant.as_ref().ok(), "{body}");
            }
            let public = parse_card_info(&crate::test_support::ok(body.as_bytes()));
            assert_eq!(format!("{public:?}"), format!("{tolerant:?}"), "{body}");
        }
    }

    #[test]
    fn an_unreadable_expiry_costs_only_the_expiry() {
        let body = r#"{"code":0,"data":{"iccid":"898602B7091701054333","teleoperator":1,"type":2,"card_status":2,"network_status":2,"data_used_in_period":"1.000","data_total_in_period":null,"product_id":7,"pool_id":"pool","product_expired_time":"soon"}}"#;
        let info = parse_card_info(&crate::test_support::ok(body)).unwrap();
        assert_eq!(info.product_expires_at, None);
        assert_eq!(info.product_id.as_deref(), Some("7"));
        assert_eq!(info.pool_id.as_deref(), Some("pool"));
        assert_eq!(info.card.data_total_in_period, None);
        assert_eq!(info.problems().len(), 1);
        assert!(info.problems()[0]
            .to_string()
            .starts_with("field product_expired_time"));
    }
}
