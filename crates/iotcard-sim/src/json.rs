//! Direct JSON rendering into one growing buffer.
//!
//! Answers are written byte by byte, the way a hand-tuned server would,
//! so a batch of 100 cards costs one allocation and no intermediate tree.
//! The simulator's answers are rendered here and nowhere else: they never
//! pass through the protocol crates' types, so a bug shared by a client and
//! its own serializer cannot hide.

use crate::clock::Civil;
use crate::dialect::look::{Case, DateForm, Look, NoDate, Numbers};

/// A JSON document being written, in the [`Look`] of the part being
/// written (canonical unless a dialect says otherwise).
#[derive(Debug)]
pub(crate) struct JsonBuf {
    out: Vec<u8>,
    look: Look,
}

impl JsonBuf {
    /// An empty buffer with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            out: Vec::with_capacity(capacity),
            look: Look::CANONICAL,
        }
    }

    /// Writes what follows in `look`; returns the look it replaces.
    pub(crate) fn set_look(&mut self, look: Look) -> Look {
        std::mem::replace(&mut self.look, look)
    }

    /// `"name":`, the key in the look's letter case (`name` is ASCII, as
    /// the platforms' keys are).
    pub(crate) fn key(&mut self, name: &str) -> &mut Self {
        self.out.push(b'"');
        match self.look.case {
            None => self.out.extend_from_slice(name.as_bytes()),
            Some(case) => {
                let mut prev = 0u8;
                for (i, &c) in name.as_bytes().iter().enumerate() {
                    let word_start = i == 0 || prev == b'_' || c.is_ascii_uppercase();
                    let upper = match case {
                        Case::Lower => false,
                        Case::Upper => true,
                        Case::Camel => i > 0 && word_start,
                        Case::Pascal => word_start,
                    };
                    self.out.push(if upper {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    });
                    prev = c;
                }
            }
        }
        self.out.extend_from_slice(b"\":");
        self
    }

    /// An integer field (a count, a code, an enum): a JSON integer, or a
    /// numeric string or integral float as the look says.
    pub(crate) fn count(&mut self, value: i64) -> &mut Self {
        match self.look.numbers {
            None => self.int(value),
            Some(Numbers::Strings) => {
                self.out.push(b'"');
                self.int(value);
                self.out.push(b'"');
                self
            }
            Some(Numbers::Floats) => self.int(value).raw(".0"),
        }
    }

    /// A decimal field ([`decimal`](Self::decimal)), quoted when the look
    /// says numbers are strings.
    pub(crate) fn amount(&mut self, units: i64, scale: u8) -> &mut Self {
        if self.look.numbers.is_none() {
            return self.decimal(units, scale);
        }
        self.out.push(b'"');
        self.decimal(units, scale);
        self.out.push(b'"');
        self
    }

    /// An IoTBOS date: [`cst_datetime`](Self::cst_datetime), or the look's
    /// form of the same instant.
    pub(crate) fn date(&mut self, unix_seconds: i64) -> &mut Self {
        let Some(form) = self.look.date else {
            return self.cst_datetime(unix_seconds);
        };
        let c = Civil::cst(unix_seconds);
        let midnight = (c.hour, c.minute, c.second) == (0, 0, 0);
        let (date_sep, time_sep, padded) = match form {
            DateForm::DashedUnpadded => (b'-', b' ', false),
            DateForm::SlashedT => (b'/', b'T', true),
            DateForm::DotNet => (b'-', b'T', true),
            DateForm::MsEscaped | DateForm::Ms => {
                let ms = unix_seconds.saturating_mul(1000);
                return if form == DateForm::MsEscaped {
                    self.raw("\"\\/Date(").int(ms).raw(")\\/\"")
                } else {
                    self.raw("\"/Date(").int(ms).raw(")/\"")
                };
            }
            DateForm::Dashed | DateForm::DashedMillis | DateForm::DateOnly => (b'-', b' ', true),
        };
        let two = if padded { 2 } else { 1 };
        self.out.push(b'"');
        if (0..10_000).contains(&c.year) {
            self.padded(c.year as u64, 4);
        } else {
            self.int(c.year);
        }
        self.out.push(date_sep);
        self.padded(u64::from(c.month), two);
        self.out.push(date_sep);
        self.padded(u64::from(c.day), two);
        if form != DateForm::DateOnly || !midnight {
            self.out.push(time_sep);
            self.padded(u64::from(c.hour), two);
            self.out.push(b':');
            self.padded(u64::from(c.minute), 2);
            self.out.push(b':');
            self.padded(u64::from(c.second), 2);
            match form {
                DateForm::DashedMillis => {
                    self.out.push(b'.');
                    self.padded(u64::from(self.look.millis), 3);
                }
                DateForm::DotNet => self.out.extend_from_slice(b".0000000"),
                _ => {}
            }
        }
        self.out.push(b'"');
        self
    }

    /// An IoTBOS date that is none: `null`, or the look's empty form.
    pub(crate) fn no_date(&mut self) -> &mut Self {
        match self.look.no_date {
            None => self.raw("null"),
            Some(NoDate::Empty) => self.raw("\"\""),
            Some(NoDate::DotNet) => self.raw("\"0001-01-01 00:00:00\""),
            Some(NoDate::DotNetT) => self.raw("\"0001-01-01T00:00:00\""),
        }
    }

    /// Text that is already valid JSON at this point (keys, punctuation).
    pub(crate) fn raw(&mut self, json: &str) -> &mut Self {
        self.out.extend_from_slice(json.as_bytes());
        self
    }

    /// An unsigned integer.
    pub(crate) fn uint(&mut self, value: u64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut v = value;
        loop {
            at -= 1;
            digits[at] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.out.extend_from_slice(&digits[at..]);
        self
    }

    /// A signed integer.
    pub(crate) fn int(&mut self, value: i64) -> &mut Self {
        if value < 0 {
            self.out.push(b'-');
        }
        self.uint(value.unsigned_abs())
    }

    /// `units × 10^-scale` written with exactly `scale` decimal places, as the
    /// providers do (`1.00`, `14.970`, `-8359`): never through a float.
    pub(crate) fn decimal(&mut self, units: i64, scale: u8) -> &mut Self {
        if scale == 0 {
            return self.int(units);
        }
        if units < 0 {
            self.out.push(b'-');
        }
        let magnitude = units.unsigned_abs();
        let factor = 10u64.pow(u32::from(scale));
        self.uint(magnitude / factor);
        self.out.push(b'.');
        let frac = magnitude % factor;
        let mut digits = [b'0'; 19];
        let mut v = frac;
        for slot in digits[..usize::from(scale)].iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
        self.out.extend_from_slice(&digits[..usize::from(scale)]);
        self
    }

    /// A JSON string, escaped (client input is echoed back through here).
    pub(crate) fn string(&mut self, text: &str) -> &mut Self {
        self.out.push(b'"');
        let bytes = text.as_bytes();
        // The common case (card numbers, plan names) needs no escape; one
        // branch-free scan finds out.
        if bytes.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\') {
            self.out.extend_from_slice(bytes);
            self.out.push(b'"');
            return self;
        }
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let escape: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0..=0x1f => b"",
                _ => continue,
            };
            self.out.extend_from_slice(&bytes[start..i]);
            if escape.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                self.out.extend_from_slice(b"\\u00");
                self.out.push(HEX[usize::from(b >> 4)]);
                self.out.push(HEX[usize::from(b & 0xf)]);
            } else {
                self.out.extend_from_slice(escape);
            }
            start = i + 1;
        }
        self.out.extend_from_slice(&bytes[start..]);
        self.out.push(b'"');
        self
    }

    /// A JSON string of ASCII bytes known to need no escaping (identifiers
    /// the simulator made itself).
    pub(crate) fn ascii_string(&mut self, ascii: &[u8]) -> &mut Self {
        debug_assert!(ascii.iter().all(|b| b.is_ascii_alphanumeric()));
        self.out.push(b'"');
        self.out.extend_from_slice(ascii);
        self.out.push(b'"');
        self
    }

    /// `"YYYY/MM/DD HH:MM:SS"`, the IoTBOS date format, in UTC+8.
    pub(crate) fn cst_datetime(&mut self, unix_seconds: i64) -> &mut Self {
        let c = Civil::cst(unix_seconds);
        self.out.push(b'"');
        if (0..10_000).contains(&c.year) {
            self.padded(c.year as u64, 4);
        } else {
            self.int(c.year);
        }
        self.out.push(b'/');
        self.padded(u64::from(c.month), 2);
        self.out.push(b'/');
        self.padded(u64::from(c.day), 2);
        self.out.push(b' ');
        self.padded(u64::from(c.hour), 2);
        self.out.push(b':');
        self.padded(u64::from(c.minute), 2);
        self.out.push(b':');
        self.padded(u64::from(c.second), 2);
        self.out.push(b'"');
        self
    }

    /// `value` in at least `width` digits (zeros in front).
    fn padded(&mut self, value: u64, width: usize) {
        if width == 1 || value >= 10u64.pow(width as u32) {
            self.uint(value);
            return;
        }
        let mut digits = [b'0'; 20];
        let mut v = value;
        for slot in digits[..width].iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
        self.out.extend_from_slice(&digits[..width]);
    }

    /// The finished document.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(f: impl FnOnce(&mut JsonBuf)) -> String {
        let mut b = JsonBuf::with_capacity(16);
        f(&mut b);
        String::from_utf8(b.into_bytes()).unwrap()
    }

    #[test]
    fn integers() {
        for v in [0i64, 7, -7, 10, 8359, -8359, i64::MAX, i64::MIN] {
            assert_eq!(
                render(|b| {
                    b.int(v);
                }),
                v.to_string()
            );
        }
        assert_eq!(
            render(|b| {
                b.uint(u64::MAX);
            }),
            u64::MAX.to_string()
        );
    }

    #[test]
    fn decimals_keep_their_digits() {
        for (units, scale, shown) in [
            (100, 2, "1.00"),
            (10, 2, "0.10"),
            (0, 2, "0.00"),
            (14970, 3, "14.970"),
            (30000, 3, "30.000"),
            (-8359, 0, "-8359"),
            (-5, 2, "-0.05"),
            (-1234, 2, "-12.34"),
            (7, 3, "0.007"),
        ] {
            assert_eq!(
                render(|b| {
                    b.decimal(units, scale);
                }),
                shown
            );
        }
    }

    #[test]
    fn strings_escape_what_json_requires() {
        let text = "a\"b\\c\nd\u{1}e 移动";
        let json = render(|b| {
            b.string(text);
        });
        assert_eq!(json, "\"a\\\"b\\\\c\\nd\\u0001e 移动\"");
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), text);
    }

    proptest::proptest! {
        #[test]
        fn decimals_read_back_exactly(units in proptest::prelude::any::<i64>(), scale in 0u8..=6) {
            let text = render(|b| { b.decimal(units, scale); });
            let read = iotcard_model::decimal::parse_exact(&text).unwrap();
            proptest::prop_assert_eq!(read, iotcard_model::Decimal::new(units, u32::from(scale)));
            proptest::prop_assert_eq!(read.scale(), u32::from(scale));
        }

        #[test]
        fn strings_read_back_exactly(text in proptest::prelude::any::<String>()) {
            let json = render(|b| { b.string(&text); });
            proptest::prop_assert_eq!(serde_json::from_str::<String>(&json).unwrap(), text);
        }
    }

    #[test]
    fn dates_match_chrono() {
        use chrono::TimeZone;
        let cst = iotcard_model::china_standard_time();
        for t in [
            0i64,
            1_516_082_528,
            1_516_089_728,
            951_782_400,
            4_102_444_799,
            -1,
        ] {
            let expected = cst
                .timestamp_opt(t, 0)
                .unwrap()
                .format("\"%Y/%m/%d %H:%M:%S\"")
                .to_string();
            assert_eq!(
                render(|b| {
                    b.cst_datetime(t);
                }),
                expected,
                "{t}"
            );
        }
        // The spec's own example: createtime 2018/01/16 14:02:08.
        assert_eq!(
            render(|b| {
                b.cst_datetime(1_516_082_528);
            }),
            "\"2018/01/16 14:02:08\""
        );
    }

    fn looked(look: Look, f: impl FnOnce(&mut JsonBuf)) -> String {
        render(|b| {
            b.set_look(look);
            f(b);
        })
    }

    fn with_case(case: Case) -> Look {
        Look {
            case: Some(case),
            ..Look::CANONICAL
        }
    }

    #[test]
    fn keys_change_letter_case_only() {
        let key = |case, name: &str| {
            looked(with_case(case), |b| {
                b.key(name);
            })
        };
        assert_eq!(
            render(|b| {
                b.key("ReceivesSmsNum");
            }),
            "\"ReceivesSmsNum\":"
        );
        for (name, lower, upper, camel, pascal) in [
            (
                "ReceivesSmsNum",
                "receivessmsnum",
                "RECEIVESSMSNUM",
                "receivesSmsNum",
                "ReceivesSmsNum",
            ),
            ("num", "num", "NUM", "num", "Num"),
            ("date", "date", "DATE", "date", "Date"),
            (
                "accessToken",
                "accesstoken",
                "ACCESSTOKEN",
                "accessToken",
                "AccessToken",
            ),
            (
                "card_status",
                "card_status",
                "CARD_STATUS",
                "card_Status",
                "Card_Status",
            ),
        ] {
            assert_eq!(key(Case::Lower, name), format!("\"{lower}\":"));
            assert_eq!(key(Case::Upper, name), format!("\"{upper}\":"));
            assert_eq!(key(Case::Camel, name), format!("\"{camel}\":"));
            assert_eq!(key(Case::Pascal, name), format!("\"{pascal}\":"));
        }
    }

    #[test]
    fn numbers_as_strings_or_floats() {
        let strings = Look {
            numbers: Some(Numbers::Strings),
            ..Look::CANONICAL
        };
        let floats = Look {
            numbers: Some(Numbers::Floats),
            ..Look::CANONICAL
        };
        assert_eq!(
            looked(strings, |b| {
                b.count(-3);
            }),
            "\"-3\""
        );
        assert_eq!(
            looked(floats, |b| {
                b.count(-3);
            }),
            "-3.0"
        );
        assert_eq!(
            looked(Look::CANONICAL, |b| {
                b.count(6);
            }),
            "6"
        );
        for look in [strings, floats] {
            assert_eq!(
                looked(look, |b| {
                    b.amount(835950, 2);
                }),
                "\"8359.50\""
            );
            assert_eq!(
                looked(look, |b| {
                    b.amount(-8359, 0);
                }),
                "\"-8359\""
            );
        }
        assert_eq!(
            looked(Look::CANONICAL, |b| {
                b.amount(100, 2);
            }),
            "1.00"
        );
    }

    fn dated(form: DateForm, millis: u16, t: i64) -> String {
        looked(
            Look {
                date: Some(form),
                millis,
                ..Look::CANONICAL
            },
            |b| {
                b.date(t);
            },
        )
    }

    #[test]
    fn every_date_form_says_the_same_instant() {
        // 2018/01/16 16:02:08 and 2018/01/06 06:02:08, UTC+8.
        let (t, early) = (1_516_089_728, 1_515_189_728);
        assert_eq!(
            dated(DateForm::DashedUnpadded, 0, early),
            "\"2018-1-6 6:02:08\""
        );
        assert_eq!(
            dated(DateForm::DashedUnpadded, 0, t),
            "\"2018-1-16 16:02:08\""
        );
        assert_eq!(dated(DateForm::Dashed, 0, early), "\"2018-01-06 06:02:08\"");
        assert_eq!(dated(DateForm::SlashedT, 0, t), "\"2018/01/16T16:02:08\"");
        assert_eq!(
            dated(DateForm::DashedMillis, 123, t),
            "\"2018-01-16 16:02:08.123\""
        );
        assert_eq!(
            dated(DateForm::DashedMillis, 0, t),
            "\"2018-01-16 16:02:08.000\""
        );
        assert_eq!(
            dated(DateForm::DotNet, 0, t),
            "\"2018-01-16T16:02:08.0000000\""
        );
        assert_eq!(
            dated(DateForm::MsEscaped, 0, t),
            "\"\\/Date(1516089728000)\\/\""
        );
        assert_eq!(dated(DateForm::Ms, 0, t), "\"/Date(1516089728000)/\"");
        // A date alone only where it is exact.
        assert_eq!(dated(DateForm::DateOnly, 0, t), "\"2018-01-16 16:02:08\"");
        let midnight = 1_516_032_000; // 2018/01/16 00:00:00
        assert_eq!(dated(DateForm::DateOnly, 0, midnight), "\"2018-01-16\"");
        assert_eq!(
            render(|b| {
                b.date(t);
            }),
            "\"2018/01/16 16:02:08\""
        );
        let none = |n| {
            looked(
                Look {
                    no_date: Some(n),
                    ..Look::CANONICAL
                },
                |b| {
                    b.no_date();
                },
            )
        };
        assert_eq!(none(NoDate::Empty), "\"\"");
        assert_eq!(none(NoDate::DotNet), "\"0001-01-01 00:00:00\"");
        assert_eq!(none(NoDate::DotNetT), "\"0001-01-01T00:00:00\"");
        assert_eq!(
            render(|b| {
                b.no_date();
            }),
            "null"
        );
    }

    proptest::proptest! {
        /// Each form reads back, by its own pattern, to the instant written.
        #[test]
        fn date_forms_read_back(t in 0i64..4_102_444_800, form in 0usize..8) {
            use chrono::NaiveDateTime;
            let forms = [
                DateForm::DashedUnpadded, DateForm::Dashed, DateForm::SlashedT,
                DateForm::DashedMillis, DateForm::DotNet, DateForm::MsEscaped,
                DateForm::Ms, DateForm::DateOnly,
            ];
            let text: String = serde_json::from_str(&dated(forms[form], 0, t)).unwrap();
            let read = if let Some(ms) = text.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
                ms.parse::<i64>().unwrap() / 1000
            } else {
                let full = if text.len() == 10 { format!("{text} 00:00:00") } else { text.clone() };
                let full = full.replace('/', "-").replace('T', " ");
                let (whole, _) = full.split_once('.').unwrap_or((&full, ""));
                NaiveDateTime::parse_from_str(whole, "%Y-%m-%d %H:%M:%S").unwrap().and_utc().timestamp() - 8 * 3600
            };
            proptest::prop_assert_eq!(read, t, "{}", text);
        }
    }
}
