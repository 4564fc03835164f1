//! Direct JSON rendering into one growing buffer.
//!
//! Answers are written byte by byte, the way a hand-tuned server would,
//! so a batch of 100 cards costs one allocation and no intermediate tree.
//! The simulator's answers are rendered here and nowhere else: they never
//! pass through the protocol crates' types, so a bug shared by a client and
//! its own serializer cannot hide.

use crate::clock::Civil;

/// A JSON document being written.
#[derive(Debug)]
pub(crate) struct JsonBuf {
    out: Vec<u8>,
}

impl JsonBuf {
    /// An empty buffer with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            out: Vec::with_capacity(capacity),
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

    fn padded(&mut self, value: u64, width: usize) {
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
}
