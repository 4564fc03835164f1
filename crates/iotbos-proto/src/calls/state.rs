use std::borrow::Cow;

use iotcard_model::CardStatus;

use crate::{terminal_status, Call};

data_call! {
    /// The state call (`ReturnState`): the card's current status.
    query StateQuery = Call::State;
    /// Reads a state answer: `TerminalState` mapped by [`terminal_status`]
    /// (unknown texts kept); `null` or absent is no payload.
    fn parse_state -> CardStatus;
    entry<'a> {
        #[serde(rename = "TerminalState", borrow, default)]
        terminal_state: Option<Cow<'a, str>>,
    }
}

impl Entry<'_> {
    fn payload(self) -> Result<Option<CardStatus>, String> {
        Ok(self.terminal_state.as_deref().map(terminal_status))
    }
}
