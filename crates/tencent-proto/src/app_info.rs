//! `getappinfo` answers.

use std::borrow::Cow;

use http::StatusCode;
use iotcard_model::Operator;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::envelope::{open, shape};
use crate::error::Answer;
use crate::wire_value::count;
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

#[derive(Deserialize)]
struct WireAppInfo<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    description: Option<Cow<'a, str>>,
    #[serde(borrow)]
    yd_card_cnt: &'a RawValue,
    #[serde(borrow)]
    dx_card_cnt: &'a RawValue,
    #[serde(borrow)]
    lt_card_cnt: &'a RawValue,
}

/// Reads a `getappinfo` answer.
///
/// ```
/// let answer = http::Response::new(br#"{"code":4001,"message":"bad sig"}"#);
/// let e = tencent_proto::parse_app_info(&answer);
/// assert_eq!(e.unwrap_err().to_string(), "getappinfo refused with code 4001: bad sig");
/// ```
/// Takes the whole response, under any HTTP status: its status and body
/// are read, and its headers for `Retry-After` on an error
/// ([`TencentError::retry_after`]).
pub fn parse_app_info<B: AsRef<[u8]>>(
    response: &http::Response<B>,
) -> Result<AppInfo, TencentError> {
    read_app_info(response.status(), response.body().as_ref())
        .map_err(|e| e.with_headers(response.headers()))
}

fn read_app_info(status: StatusCode, body: &[u8]) -> Result<AppInfo, TencentError> {
    let at = Answer { call: CALL, status };
    let data = open(at, body)?;
    let wire: WireAppInfo<'_> = shape(at, data)?;
    Ok(AppInfo {
        name: wire.name.into_owned(),
        description: wire.description.map(Cow::into_owned).unwrap_or_default(),
        card_counts: CardCounts {
            china_mobile: count(at, "yd_card_cnt", wire.yd_card_cnt)?,
            china_telecom: count(at, "dx_card_cnt", wire.dx_card_cnt)?,
            china_unicom: count(at, "lt_card_cnt", wire.lt_card_cnt)?,
        },
    })
}
