use std::borrow::Cow;

use http::StatusCode;
use iotcard_model::CardStatus;
use serde::Deserialize;

use crate::answers::{self, WireEntry};
use crate::{terminal_status, Call, CardAnswers, IotbosError, Query};

/// The state call (`ReturnState`): the card's current status.
#[derive(Clone, Copy, Debug)]
pub struct StateQuery;

impl Query for StateQuery {
    const CALL: Call = Call::State;
    type Payload = CardStatus;
    fn parse(status: StatusCode, body: &[u8]) -> Result<CardAnswers<CardStatus>, IotbosError> {
        parse_state(status, body)
    }
}

/// Reads a state answer: `TerminalState` mapped by [`terminal_status`]
/// (unknown texts kept); `null` or absent is no payload.
pub fn parse_state(
    status: StatusCode,
    body: &[u8],
) -> Result<CardAnswers<CardStatus>, IotbosError> {
    answers::parse::<Entry<'_>>(Call::State, status, body)
}

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow)]
    num: Cow<'a, str>,
    #[serde(rename = "State")]
    state: i64,
    #[serde(rename = "TerminalState", borrow, default)]
    terminal_state: Option<Cow<'a, str>>,
}

impl WireEntry for Entry<'_> {
    type Payload = CardStatus;
    fn num(&self) -> &str {
        &self.num
    }
    fn state(&self) -> i64 {
        self.state
    }
    fn into_payload(self) -> Result<Option<CardStatus>, String> {
        Ok(self.terminal_state.as_deref().map(terminal_status))
    }
}
