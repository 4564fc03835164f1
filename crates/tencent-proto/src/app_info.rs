//! `getappinfo` answers.

use http::StatusCode;
use iotcard_model::Operator;

use crate::card::Sent;
use crate::envelope::{body_text, object, open};
use crate::error::{content_type, Answer};
use crate::wire_value::{count, id_text};
use crate::{Call, TencentError};

const CALL: Call = Call::GetAppInfo;

/// The account (应用) the sdkappid belongs to.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
pub struct AppInfo {
    /// `name`.
    pub name: String,
    /// `description`; empty when absent or `null`.
    pub description: String,
    /// How many cards the account holds with each operator.
    pub card_counts: CardCounts,
}

/// Cards per operator: `yd_card_cnt` (移动), `dx_card_cnt` (电信), `lt_card_cnt` (联通).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, serde::Serialize)]
pub struct CardCounts {
    /// China Mobile cards (`yd_card_cnt`).
    pub china_mobile: u64,
    /// China Telecom cards (`dx_card_cnt`).
    pub china_telecom: u64,
    /// China Unicom cards (`lt_card_cnt`).
    pub china_unicom: u64,
}

impl CardCounts {
    /// The count for one operator.
    pub fn get(&self, operator: Operator) -> u64 {
        match operator {
            Operator::ChinaMobile => self.china_mobile,
            Operator::ChinaTelecom => self.china_telecom,
            Operator::ChinaUnicom => self.china_unicom,
        }
    }

    /// All cards, saturating rather than wrapping on absurd counts.
    pub fn total(&self) -> u64 {
        self.china_mobile
            .saturating_add(self.china_telecom)
            .saturating_add(self.china_unicom)
    }
}

/// Reads a `getappinfo` answer.
///
/// ```
/// let answer = http::Response::new(br#"{"code":4001,"message":"bad sig"}"#);
/// let e = tencent_proto::parse_app_info(&answer);
/// assert_eq!(e.unwrap_err().to_string(), "getappinfo refused with code 4001: bad sig");
/// ```
/// Takes the whole response, under any HTTP status: its status and body
/// are read, its `Content-Type` for the charset, and its headers for
/// `Retry-After` on an error ([`TencentError::retry_after`]).
///
/// Read as liberally as [`crate::parse_card_list`]. The card counts are
/// required (a count that cannot be read is an error: a guessed one would
/// end a listing at the wrong place); a `name` or `description` that is
/// absent, `null` or not text is empty.
pub fn parse_app_info<B: AsRef<[u8]>>(
    response: &http::Response<B>,
) -> Result<AppInfo, TencentError> {
    read_app_info(
        response.status(),
        content_type(response.headers()),
        response.body().as_ref(),
    )
    .map_err(|e| e.with_headers(response.headers()))
}

fn read_app_info(
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<AppInfo, TencentError> {
    let at = Answer { call: CALL, status };
    let text = body_text(at, content_type, body)?;
    let data = object(at, open(at, &text)?)?;
    let words = |name: &str| {
        data.get(name)
            .and_then(|raw| id_text(&Sent::Raw(raw)).ok().flatten())
            .unwrap_or_default()
    };
    Ok(AppInfo {
        name: words("name"),
        description: words("description"),
        card_counts: CardCounts {
            china_mobile: count(at, "yd_card_cnt", data.get("yd_card_cnt"))?,
            china_telecom: count(at, "dx_card_cnt", data.get("dx_card_cnt"))?,
            china_unicom: count(at, "lt_card_cnt", data.get("lt_card_cnt"))?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_any_quoting_and_names_in_any_case() {
        let body = r#"{"CODE":"0","Data":{"NAME":"售货机","yd_card_cnt":"10","DX_CARD_CNT":10.0,"Lt_Card_Cnt":3}}"#;
        let info = parse_app_info(&crate::test_support::ok(body)).unwrap();
        assert_eq!(info.name, "售货机");
        assert_eq!(info.description, "");
        assert_eq!(info.card_counts.total(), 23);
        let body = r#"{"code":0,"data":{"name":"x","yd_card_cnt":1,"dx_card_cnt":1}}"#;
        let e = parse_app_info(&crate::test_support::ok(body)).unwrap_err();
        assert!(format!("{e:?}").contains("lt_card_cnt"), "{e:?}");
    }
}
