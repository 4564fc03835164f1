use std::borrow::Cow;

use http::StatusCode;
use iotcard_model::Expiry;
use serde::Deserialize;

use crate::answers::{self, WireEntry};
use crate::{parse_china_time, terminal_status, Call, CardAnswers, IotbosError, Query};

/// The expiry call (`ExpireDate`): when the card expires, with its status.
#[derive(Clone, Copy, Debug)]
pub struct ExpiryQuery;

impl Query for ExpiryQuery {
    const CALL: Call = Call::Expiry;
    type Payload = Expiry;
    fn parse(status: StatusCode, body: &[u8]) -> Result<CardAnswers<Expiry>, IotbosError> {
        parse_expiry(status, body)
    }
}

/// Reads an expiry answer: `TerminalState` becomes [`Expiry::status`]
/// (mapped by [`terminal_status`]), `ExpireDate` [`Expiry::expires_at`]
/// (China Standard Time; `null` for cards that are not active). The
/// payload is absent only when both are absent or `null`. An `ExpireDate`
/// that is not a date makes that card's entry unreadable, not the answer.
pub fn parse_expiry(status: StatusCode, body: &[u8]) -> Result<CardAnswers<Expiry>, IotbosError> {
    answers::parse::<Entry<'_>>(Call::Expiry, status, body)
}

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow)]
    num: Cow<'a, str>,
    #[serde(rename = "State")]
    state: i64,
    #[serde(rename = "TerminalState", borrow, default)]
    terminal_state: Option<Cow<'a, str>>,
    #[serde(rename = "ExpireDate", borrow, default)]
    expire_date: Option<Cow<'a, str>>,
}

impl WireEntry for Entry<'_> {
    type Payload = Expiry;
    fn num(&self) -> &str {
        &self.num
    }
    fn state(&self) -> i64 {
        self.state
    }
    fn into_payload(self) -> Result<Option<Expiry>, String> {
        if self.terminal_state.is_none() && self.expire_date.is_none() {
            return Ok(None);
        }
        let expires_at = self
            .expire_date
            .as_deref()
            .map(parse_china_time)
            .transpose()
            .map_err(|e| format!("ExpireDate: {e}"))?;
        Ok(Some(Expiry {
            status: self.terminal_state.as_deref().map(terminal_status),
            expires_at,
        }))
    }
}
