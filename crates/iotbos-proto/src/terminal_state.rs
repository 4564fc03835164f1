//! `TerminalState`: the card status IoTBOS writes in Chinese.

use iotcard_model::CardStatus;

/// The four documented texts and the status each means.
const KNOWN: [(&str, CardStatus); 4] = [
    ("已禁用", CardStatus::Disabled),
    ("已激活", CardStatus::Active),
    ("测试期", CardStatus::Testing),
    ("静默期", CardStatus::Silent),
];

/// Maps a `TerminalState` text to a status; any text the spec does not
/// name is kept verbatim as [`CardStatus::Other`].
///
/// ```
/// use iotbos_proto::terminal_status;
/// use iotcard_model::CardStatus;
/// assert_eq!(terminal_status("已激活"), CardStatus::Active);
/// assert_eq!(terminal_status("已停机"), CardStatus::Other("已停机".into()));
/// ```
pub fn terminal_status(text: &str) -> CardStatus {
    KNOWN.iter().find(|(known, _)| *known == text).map_or_else(
        || CardStatus::Other(text.to_owned()),
        |(_, status)| status.clone(),
    )
}

/// The `TerminalState` text IoTBOS uses for `status`, the inverse of
/// [`terminal_status`] (for simulators and test fixtures). `None` for the
/// statuses IoTBOS has no text for (inactive, suspended).
pub fn terminal_state_text(status: &CardStatus) -> Option<&str> {
    match status {
        CardStatus::Other(raw) => Some(raw),
        known => KNOWN
            .iter()
            .find(|(_, status)| status == known)
            .map(|(text, _)| *text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_documented_texts_and_others_round_trip() {
        for text in ["已禁用", "已激活", "测试期", "静默期", "冻结", "", "Active"] {
            let status = terminal_status(text);
            assert_eq!(terminal_state_text(&status), Some(text));
        }
        assert_eq!(terminal_status("静默期"), CardStatus::Silent);
        assert_eq!(
            terminal_status(" 已激活"),
            CardStatus::Other(" 已激活".into())
        );
        assert_eq!(terminal_state_text(&CardStatus::Suspended), None);
    }
}
