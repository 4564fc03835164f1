//! A short, one-line, redacted piece of an answer, for an error message.

use iotcard_model::SecretNames;

/// The most characters of an answer an error shows.
pub const SNIPPET_CHARS: usize = 200;

/// The most characters of one value an error shows.
const VALUE_CHARS: usize = 60;

/// The start of `body` for a person reading a log line: invalid UTF-8
/// replaced, a BOM dropped, whitespace runs as one space, control
/// characters as `�`, values of the `secrets` names redacted, cut at
/// [`SNIPPET_CHARS`] characters (marked `…`). Empty bodies say so.
///
/// ```
/// use iotcard_model::SecretNames;
/// let names = SecretNames::new(&["accessToken"]);
/// let shown = iotcard_wire::snippet(b"<html>\r\n  <b>502</b> ?accessToken=abc</html>", &names);
/// assert_eq!(shown, "<html> <b>502</b> ?accessToken=***</html>");
/// assert_eq!(iotcard_wire::snippet(b"", &names), "(empty body)");
/// ```
pub fn snippet(body: &[u8], secrets: &SecretNames) -> String {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    // Redaction needs whole names and values, so it runs on more than is
    // shown, then the result is cut.
    let head = &body[..body.len().min(SNIPPET_CHARS * 4)];
    let mut flat = String::with_capacity(head.len());
    let mut blank = false;
    for c in String::from_utf8_lossy(head).chars() {
        if c.is_whitespace() {
            blank = true;
            continue;
        }
        if blank && !flat.is_empty() {
            flat.push(' ');
        }
        blank = false;
        flat.push(if c.is_control() {
            char::REPLACEMENT_CHARACTER
        } else {
            c
        });
    }
    if flat.is_empty() {
        return "(empty body)".to_owned();
    }
    let shown = secrets.text(&flat);
    cut(&shown, SNIPPET_CHARS, head.len() < body.len())
}

/// A raw JSON value for an error message: one line, cut short.
pub(crate) fn quote(value: &str) -> String {
    let flat: String = value
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    cut(&flat, VALUE_CHARS, false)
}

fn cut(text: &str, chars: usize, more: bool) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None if more => format!("{text}…"),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: SecretNames = SecretNames::new(&["password"]);

    #[test]
    fn long_bodies_are_cut_on_a_character() {
        let body = "错".repeat(500);
        let shown = snippet(body.as_bytes(), &NAMES);
        assert_eq!(shown.chars().count(), SNIPPET_CHARS + 1);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn bytes_that_are_not_text_are_replaced() {
        assert_eq!(
            snippet(b"\xD2\xD1 ok\x07", &NAMES),
            "\u{fffd}\u{fffd} ok\u{fffd}"
        );
    }

    #[test]
    fn secrets_past_the_cut_are_still_redacted() {
        let body = format!("{}password=hunter2", "x".repeat(195));
        assert!(!snippet(body.as_bytes(), &NAMES).contains("hunter"));
    }
}
