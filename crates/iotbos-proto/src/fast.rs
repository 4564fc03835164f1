//! The fast read of an ordinary answer: a strict JSON reader over borrowed
//! text that takes only what it is sure of and steps aside for the rest.
//!
//! serde_json with derived structs reads a 100-card usage answer in about
//! 2,500 instructions a card, twice what merely scanning the same bytes
//! with serde_json costs (`IgnoredAny`), and the parse was over half of a
//! poll's user CPU. This reader takes the canonical shape every answer of
//! the data calls has (the envelope, the list, flat entries with a nested
//! object of integers, decimals and strings, in UTF-8, names spelled as
//! documented) in one pass and several times fewer instructions.
//!
//! It never decides anything the tolerant read ([`crate::tolerant`]) would
//! decide otherwise. Every reader here returns `None` — "not taken" — for
//! whatever it does not handle exactly as that read does: a BOM, a name in
//! another letter case, a repeated key, a number that is not a plain
//! integer where one is wanted (`"1"`, `1.0`), a `num` that is no card
//! number as sent (blanks around it), a date that does not read, an array
//! where an object is wanted, a missing field, nesting past [`MAX_DEPTH`].
//! The answer then goes down the tolerant read, which reads it, or says
//! exactly what is wrong with it. What the fast read does take, it reads as
//! the tolerant read does: the same entries, in the same order, with the
//! same values (tests compare the two on generated answers).
//!
//! Field names are compared in one place, [`is`], and exactly: the
//! canonical spelling is what servers send, and a case-blind compare on
//! every key of every entry would cost the hot path for the rare answer
//! that needs it, which the tolerant read takes instead. The usage and
//! remaining entries also try first the exact layout the server writes (its
//! field order and spelling, no whitespace: [`Reader::exactly`]), which
//! skips matching keys one by one; any other layout falls back to the
//! field-by-field read, so that shortcut never decides what an answer means.

use std::borrow::Cow;

use iotcard_model::{decimal, Decimal};

/// Deepest nesting [`Reader::skip`] walks through before stepping aside
/// (serde_json's own limit is 128).
pub(crate) const MAX_DEPTH: usize = 64;

/// How many bytes of `text` come before the first that ends the plain part
/// of a JSON string (its closing quote, an escape, or a control character,
/// which JSON forbids unescaped); `text.len()` if none does. Eight bytes at a
/// time: keys and card numbers are 3 to 20 bytes.
#[inline]
fn plain_len(text: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The lowest byte flagged is exact (higher ones may be false alarms,
    // which do not matter: only the first is used).
    let stops = |word: u64| {
        let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
        zero(word ^ (ONES * u64::from(b'"')))
            | zero(word ^ (ONES * u64::from(b'\\')))
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGH)
    };
    let mut chunks = text.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let found = stops(u64::from_le_bytes(word));
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + chunks
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(chunks.remainder().len())
}

/// Whether the key read is the field `name`: exactly, in the documented
/// letter case (any other spelling makes a reader step aside, and the
/// tolerant read matches it in any case).
#[inline]
pub(crate) fn is(key: &str, name: &str) -> bool {
    key == name
}

/// Skips the value of a key the reader does not take. Not taken when the
/// key is one of `names` in another spelling (`state` beside `State`): the
/// tolerant read matches names in any case and takes the first, which may
/// be that one. Only keys the reader does not know pay for this compare.
pub(crate) fn skip_other(r: &mut Reader<'_>, key: &str, names: &[&str]) -> Option<()> {
    if names
        .iter()
        .any(|name| key.trim().eq_ignore_ascii_case(name))
    {
        return None;
    }
    r.skip()
}

/// Fills a field read for the first time; a second time is serde's
/// "duplicate field" error: not taken.
#[inline]
pub(crate) fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value);
            Some(())
        }
    }
}

/// Text as the tolerant read takes it ([`iotcard_wire::text`]): trimmed,
/// blank as none.
pub(crate) fn trimmed(text: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    match text? {
        Cow::Borrowed(t) => Some(t.trim()).filter(|t| !t.is_empty()).map(Cow::Borrowed),
        Cow::Owned(t) => {
            let kept = t.trim();
            if kept.is_empty() {
                None
            } else if kept.len() == t.len() {
                Some(Cow::Owned(t))
            } else {
                Some(Cow::Owned(kept.to_owned()))
            }
        }
    }
}

/// A date as [`iotcard_wire::china_date`] reads it, the documented form
/// (`2018/01/16 14:02:08`, 19 bytes at fixed places) read directly: an
/// expiry answer has one per card, and the general reader's search for
/// separators and zones is a fifth of the entry's cost. `None` ("not
/// taken") for a date that does not read; any other form goes to the
/// general reader.
pub(crate) fn china_date(text: &str) -> Option<Option<iotcard_model::Instant>> {
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
    let b = text.as_bytes();
    let documented = b.len() == 19
        && b[4] == b'/'
        && b[7] == b'/'
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':';
    let field = |at: usize, len: usize| {
        b[at..at + len].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let read = || {
        let year = field(0, 4)?;
        // Year 1 (.NET's empty date) and 0 (MySQL's) mean none: the
        // general reader says so.
        if year < 1000 {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, field(5, 2)?, field(8, 2)?)?;
        let time = NaiveTime::from_hms_opt(field(11, 2)?, field(14, 2)?, field(17, 2)?)?;
        iotcard_model::china_standard_time()
            .from_local_datetime(&NaiveDateTime::new(date, time))
            .single()
    };
    match documented.then(read).flatten() {
        Some(instant) => Some(Some(instant)),
        None => iotcard_wire::china_date(text).ok(),
    }
}

/// A cursor over JSON text (already checked to be UTF-8).
pub(crate) struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, at: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next byte past JSON whitespace, not consumed.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        while let Some(&b) = bytes.get(self.at) {
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    /// Consumes `byte`, past whitespace, or is not taken.
    #[inline]
    fn eat(&mut self, byte: u8) -> Option<()> {
        if self.peek()? == byte {
            self.at += 1;
            Some(())
        } else {
            None
        }
    }

    /// Consumes the literal `word` (`null`, `true`, `false`) at the cursor.
    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.at + word.len();
        if self.bytes().get(self.at..end)? == word.as_bytes() {
            self.at = end;
            Some(())
        } else {
            None
        }
    }

    /// Consumes `bytes` if the text goes on with exactly them (no
    /// whitespace skipped): a layout the server always writes, tried
    /// before the general read (see [`attempt`](Self::attempt)).
    #[inline]
    pub(crate) fn exactly(&mut self, bytes: &[u8]) -> Option<()> {
        let end = self.at + bytes.len();
        if self.bytes().get(self.at..end)? == bytes {
            self.at = end;
            Some(())
        } else {
            None
        }
    }

    /// Runs `read`; if it does not take what is at the cursor, the cursor
    /// goes back to where it was, for another reading of the same text.
    #[inline]
    pub(crate) fn attempt<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let at = self.at;
        let read = read(self);
        if read.is_none() {
            self.at = at;
        }
        read
    }

    /// Only whitespace is left.
    pub(crate) fn end(&mut self) -> Option<()> {
        match self.peek() {
            None => Some(()),
            Some(_) => None,
        }
    }

    /// A string with no escape in it, borrowed; not taken if it has one
    /// (or a control character, which JSON forbids).
    #[inline]
    pub(crate) fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        self.string_rest()
    }

    /// The rest of a string whose opening quote was read (by
    /// [`exactly`](Self::exactly)), as [`string`](Self::string) reads it.
    #[inline]
    pub(crate) fn string_rest(&mut self) -> Option<&'a str> {
        let start = self.at;
        let end = start + plain_len(self.bytes().get(start..)?);
        if *self.bytes().get(end)? != b'"' {
            return None;
        }
        self.at = end + 1;
        self.text.get(start..end)
    }

    /// A JSON number's text, its grammar checked:
    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    pub(crate) fn number(&mut self) -> Option<&'a str> {
        self.peek()?;
        let start = self.at;
        let bytes = self.bytes();
        let digits_from = |at: usize| {
            at + bytes.get(at..).map_or(0, |rest| {
                rest.iter().take_while(|b| b.is_ascii_digit()).count()
            })
        };
        let mut at = start;
        if bytes.get(at) == Some(&b'-') {
            at += 1;
        }
        match bytes.get(at)? {
            b'0' => at += 1,
            b'1'..=b'9' => at = digits_from(at + 1),
            _ => return None,
        }
        if bytes.get(at) == Some(&b'.') {
            let end = digits_from(at + 1);
            if end == at + 1 {
                return None;
            }
            at = end;
        }
        if matches!(bytes.get(at), Some(b'e' | b'E')) {
            at += 1;
            if matches!(bytes.get(at), Some(b'+' | b'-')) {
                at += 1;
            }
            let end = digits_from(at);
            if end == at {
                return None;
            }
            at = end;
        }
        self.at = at;
        self.text.get(start..at)
    }

    /// An integer as serde reads an `i64`: a number with neither fraction
    /// nor exponent. Numbers of more than 18 digits (which may not fit) are
    /// not taken.
    #[inline]
    pub(crate) fn integer(&mut self) -> Option<i64> {
        let text = self.number()?;
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value = digits
            .bytes()
            .fold(0i64, |n, b| n * 10 + i64::from(b - b'0'));
        Some(if negative { -value } else { value })
    }

    /// Consumes `null` if it is next.
    #[inline]
    pub(crate) fn null(&mut self) -> bool {
        if self.peek() == Some(b'n') {
            self.literal("null").is_some()
        } else {
            false
        }
    }

    /// `null` as `None`, else an integer.
    pub(crate) fn optional_integer(&mut self) -> Option<Option<i64>> {
        if self.null() {
            return Some(None);
        }
        self.integer().map(Some)
    }

    /// `null` as `None`, else a string's contents, unescaped: borrowed when
    /// it has no escape, decoded by serde_json when it has (a plan's name
    /// may quote itself), so such answers stay on the fast read.
    pub(crate) fn optional_text(&mut self) -> Option<Option<Cow<'a, str>>> {
        if self.null() {
            return Some(None);
        }
        self.eat(b'"')?;
        let start = self.at;
        let bytes = self.bytes();
        let mut at = start + plain_len(bytes.get(start..)?);
        if *bytes.get(at)? == b'"' {
            self.at = at + 1;
            return self.text.get(start..at).map(|t| Some(Cow::Borrowed(t)));
        }
        // An escape (a control character is no JSON): find the closing
        // quote, stepping over each escaped byte, and let serde_json decode
        // what is between.
        loop {
            match *bytes.get(at)? {
                b'\\' => at += 2,
                b'"' => break,
                b if b < 0x20 => return None,
                _ => at += 1,
            }
        }
        let text: String = serde_json::from_str(self.text.get(start - 1..=at)?).ok()?;
        self.at = at + 1;
        Some(Some(Cow::Owned(text)))
    }

    /// As [`decimal::deserialize_option`] reads a field: `null` as `None`,
    /// a number's text or a string's contents as an exact decimal. Not
    /// taken when the text is no decimal (serde would fail the answer) or
    /// the value is of another kind.
    pub(crate) fn optional_decimal(&mut self) -> Option<Option<Decimal>> {
        let text = match self.peek()? {
            b'n' => {
                self.literal("null")?;
                return Some(None);
            }
            b'"' => self.string()?,
            _ => self.number()?,
        };
        decimal::parse_exact(text).ok().map(Some)
    }

    /// Any value, its syntax checked, skipped (as serde ignores an unknown
    /// field).
    pub(crate) fn skip(&mut self) -> Option<()> {
        self.skip_at(0)
    }

    fn skip_at(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(|r, _| r.skip_at(depth + 1)),
            b'[' => self.array(|r| r.skip_at(depth + 1)),
            b'n' => self.literal("null"),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            _ => self.number().map(drop),
        }
    }

    /// An object, `field` called with each key and the cursor on its value
    /// (which it must read or skip).
    pub(crate) fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An array, `item` called with the cursor on each element.
    pub(crate) fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        loop {
            item(self)?;
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `null` as `None`, else an object read by `field` (a nested payload
    /// such as `Exceed`; serde would also read a struct from an array, which
    /// is not taken here).
    pub(crate) fn optional_object(
        &mut self,
        field: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<Option<()>> {
        if self.null() {
            return Some(None);
        }
        self.object(field).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skips(text: &str) -> bool {
        let mut r = Reader::new(text);
        r.skip().is_some() && r.end().is_some()
    }

    #[test]
    fn skips_exactly_what_serde_accepts_or_steps_aside() {
        for text in [
            "null",
            " true ",
            "false",
            "0",
            "-0",
            "12.5e-3",
            "1E+9",
            r#""""#,
            r#""密码""#,
            "[]",
            "{}",
            r#"{"a":[1,{"b":null}],"c":"d"}"#,
        ] {
            assert!(skips(text), "{text}");
            assert!(serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok());
        }
        for text in [
            "",
            "nul",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "[1,]",
            "{,}",
            r#"{"a"}"#,
            r#"{"a":1,}"#,
            "[1 2]",
            "\"a",
            "tru",
            "1 2",
        ] {
            assert!(!skips(text), "{text}");
            assert!(
                serde_json::from_str::<serde::de::IgnoredAny>(text).is_err(),
                "{text}"
            );
        }
        // Valid, but left to serde: escapes, and nesting past the limit.
        assert!(!skips(r#""a\"b""#));
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        assert!(!skips(&deep));
    }

    #[test]
    fn strings_end_at_the_first_quote_escape_or_control_character() {
        for (text, len) in [
            ("", 0),
            ("abc", 3),
            ("abc\"", 3),
            ("0123456789\"x", 10),
            ("01234567\"", 8),
            ("0123456\\n", 7),
            ("012345678901234\u{1f}", 15),
            ("密码密码\"", 12),
            ("\u{7f}\u{80}ab", 5),
        ] {
            assert_eq!(plain_len(text.as_bytes()), len, "{text:?}");
        }
        for n in 0..40 {
            let text = format!("{}\"{}", "x".repeat(n), "y".repeat(n));
            assert_eq!(plain_len(text.as_bytes()), n);
            assert_eq!(Reader::new(&format!("\"{text}")).string(), Some(&text[..n]));
        }
    }

    #[test]
    fn integers_are_plain_and_short() {
        let int = |t: &str| Reader::new(t).integer();
        assert_eq!(int("0"), Some(0));
        assert_eq!(int("-0"), Some(0));
        assert_eq!(int("-42"), Some(-42));
        assert_eq!(int("999999999999999999"), Some(999_999_999_999_999_999));
        for not_taken in ["1.0", "1e2", "9999999999999999999", "\"1\"", "null", "-"] {
            assert_eq!(int(not_taken), None, "{not_taken}");
        }
    }

    #[test]
    fn decimals_read_as_the_serde_helper_does() {
        let dec = |t: &str| {
            Reader::new(t)
                .optional_decimal()
                .map(|d| d.map(|d| d.to_string()))
        };
        assert_eq!(dec("null"), Some(None));
        assert_eq!(dec("1.00"), Some(Some("1.00".into())));
        assert_eq!(dec("\"2.50\""), Some(Some("2.50".into())));
        assert_eq!(dec("1.5E-1"), Some(Some("0.15".into())));
        for not_taken in ["true", "\"abc\"", "[1]", "\"1\\u0030\""] {
            assert_eq!(dec(not_taken), None, "{not_taken}");
        }
    }

    #[test]
    fn texts_are_unescaped_and_borrowed_when_plain() {
        fn text(t: &str) -> (Option<Option<Cow<'_, str>>>, bool) {
            let mut r = Reader::new(t);
            let read = r.optional_text();
            (read, r.end().is_some())
        }
        assert!(matches!(
            text(r#""已激活""#),
            (Some(Some(Cow::Borrowed("已激活"))), true)
        ));
        assert!(matches!(text("null"), (Some(None), true)));
        let (read, ended) = text(r#""移动 \"畅联\" 100M\\""#);
        assert_eq!(
            read,
            Some(Some(Cow::Owned("移动 \"畅联\" 100M\\".to_owned())))
        );
        assert!(ended);
        assert_eq!(
            text(r#""\u5df2""#).0,
            Some(Some(Cow::Owned("已".to_owned())))
        );
        for not_taken in [r#""a\"#, r#""a\x""#, "\"a\u{1}\"", "5", r#""a\u12""#] {
            assert_eq!(text(not_taken).0, None, "{not_taken}");
        }
        assert_eq!(trimmed(Some(Cow::Borrowed("  "))), None);
        assert_eq!(
            trimmed(Some(Cow::Borrowed(" a "))),
            Some(Cow::Borrowed("a"))
        );
    }

    #[test]
    fn documented_dates_read_as_the_general_reader_does() {
        for text in [
            "2018/01/16 14:02:08",
            "2018/02/30 14:02:08",
            "0001/01/01 00:00:00",
            "2018/13/01 00:00:00",
            "2018/01/16 24:00:00",
            "2018/1/6 6:02:08",
            "2018-01-16 14:02:08",
            "20１8/01/16 14:02:0",
            "",
        ] {
            assert_eq!(
                china_date(text),
                iotcard_wire::china_date(text).ok(),
                "{text}"
            );
        }
    }

    #[test]
    fn repeated_fields_are_not_taken() {
        let mut seen = None;
        assert!(once(&mut seen, 1).is_some());
        assert!(once(&mut seen, 2).is_none());
        assert_eq!(seen, Some(1));
    }
}
