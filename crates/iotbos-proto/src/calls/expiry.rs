use std::borrow::Cow;

use iotcard_model::Expiry;

use crate::{parse_china_time, terminal_status, Call};

data_call! {
    /// The expiry call (`ExpireDate`): when the card expires, with its status.
    query ExpiryQuery = Call::Expiry;
    /// Reads an expiry answer: `TerminalState` becomes [`Expiry::status`]
    /// (mapped by [`terminal_status`]), `ExpireDate` [`Expiry::expires_at`]
    /// (China Standard Time; `null` for cards that are not active). The
    /// payload is absent only when both are absent or `null`. An `ExpireDate`
    /// that is not a date makes that card's entry unreadable, not the answer.
    fn parse_expiry -> Expiry;
    entry<'a> {
        #[serde(rename = "TerminalState", borrow, default)]
        terminal_state: Option<Cow<'a, str>>,
        #[serde(rename = "ExpireDate", borrow, default)]
        expire_date: Option<Cow<'a, str>>,
    }
}

impl Entry<'_> {
    fn payload(self) -> Result<Option<Expiry>, String> {
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
