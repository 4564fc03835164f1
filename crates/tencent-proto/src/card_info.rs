//! `getcardinfo` answers.

use std::borrow::Cow;

use http::StatusCode;
use iotcard_model::Instant;

use crate::card::WireCard;
use crate::envelope::{open, open_typed, shape};
use crate::error::Answer;
use crate::wire_value::expiry_instant;
use crate::{Call, CardBrief, TencentError};

const CALL: Call = Call::GetCardInfo;

/// One card as `getcardinfo` describes it: the [`CardBrief`] fields plus its
/// product (套餐) and pool (流量池).
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
pub struct CardInfo {
    /// The fields shared with `getcardlist`.
    pub card: CardBrief,
    /// `product_id`; `None` when absent, `null` or empty.
    pub product_id: Option<String>,
    /// `pool_id`; `None` when absent, `null` or empty (a single card has no pool).
    pub pool_id: Option<String>,
    /// `product_expired_time` (Unix seconds, or milliseconds when above
    /// 10^11), shown in China Standard Time; `None` when absent, `null`,
    /// `""` or `0` (no expiry, not 1970-01-01).
    pub product_expires_at: Option<Instant>,
}

fn non_empty(text: Option<&Cow<'_, str>>) -> Option<String> {
    text.filter(|t| !t.is_empty())
        .map(|t| t.clone().into_owned())
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
/// are read, and its headers for `Retry-After` on an error
/// ([`TencentError::retry_after`]).
pub fn parse_card_info<B: AsRef<[u8]>>(
    response: &http::Response<B>,
) -> Result<CardInfo, TencentError> {
    read_card_info(response.status(), response.body().as_ref())
        .map_err(|e| e.with_headers(response.headers()))
}

fn read_card_info(status: StatusCode, body: &[u8]) -> Result<CardInfo, TencentError> {
    let at = Answer { call: CALL, status };
    // One pass for the common case; anything amiss is read again the
    // careful way, which names the problem.
    if let Some(info) = open_typed(at, body).and_then(|wire| read(at, &wire).ok()) {
        return Ok(info);
    }
    let data = open(at, body)?;
    let wire: WireCard<'_> = shape(at, data)?;
    read(at, &wire)
}

fn read(at: Answer, wire: &WireCard<'_>) -> Result<CardInfo, TencentError> {
    let card = CardBrief::from_wire(at, wire)?;
    let product_expires_at = match wire.product_expired_time {
        Some(raw) => expiry_instant(at, "product_expired_time", raw)?,
        None => None,
    };
    Ok(CardInfo {
        card,
        product_id: non_empty(wire.product_id.as_ref()),
        pool_id: non_empty(wire.pool_id.as_ref()),
        product_expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_pass_read_agrees_with_the_careful_one_or_steps_aside() {
        let card = r#""iccid":"898602B7091701054333","msisdn":"1064878384333","teleoperator":1,"type":1,"card_status":2,"network_status":2,"data_used_in_period":14.970,"data_total_in_period":30.000"#;
        for (body, typed_takes_it) in [
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
                false,
            ),
            (
                format!(r#"{{"code":0,"data":{{{card},"product_expired_time":1.5}}}}"#),
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
            let careful = (|| {
                let data = open(at, body.as_bytes())?;
                read(at, &shape::<WireCard<'_>>(at, data)?)
            })();
            let typed = open_typed::<WireCard<'_>>(at, body.as_bytes())
                .and_then(|wire| read(at, &wire).ok());
            assert_eq!(typed.is_some(), typed_takes_it, "{body}");
            if let Some(typed) = typed {
                assert_eq!(Some(&typed), careful.as_ref().ok(), "{body}");
            }
            let public = parse_card_info(&crate::test_support::ok(body.as_bytes()));
            assert_eq!(format!("{public:?}"), format!("{careful:?}"), "{body}");
        }
    }
}
