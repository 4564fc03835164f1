//! Card identifiers that carry their card's index.
//!
//! A card's 9-digit serial is an affine permutation of its index modulo
//! 10^9, so serials look scattered yet decode back to the index in O(1):
//! no table, whatever the fleet's size. The MSISDN (also the IoTBOS card
//! number) is `1064` + serial; the ICCID is `8986` + operator code + two
//! decorative characters (sometimes letters, like the spec's `898602B7…`) +
//! three digits + serial.

use iotcard_model::Operator;

use super::hash::mix;

/// How many serials exist, hence the largest fleet.
pub(crate) const SERIAL_SPACE: u64 = 1_000_000_000;

pub(crate) const NUMBER_LEN: usize = 13;
pub(crate) const ICCID_LEN: usize = 20;
const NUMBER_PREFIX: &[u8; 4] = b"1064";
const ICCID_PREFIX: &[u8; 4] = b"8986";

/// The seed-chosen bijection between indices and serials.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct SerialMap {
    mul: u64,
    add: u64,
    inv: u64,
}

impl SerialMap {
    pub(crate) fn new(seed: u64) -> Self {
        // Odd and not a multiple of 5: coprime with 10^9, hence invertible.
        let mut mul = (mix(seed ^ 0x5EED_0001) % SERIAL_SPACE) | 1;
        if mul % 5 == 0 {
            mul += 2;
        }
        let add = mix(seed ^ 0x5EED_0002) % SERIAL_SPACE;
        Self {
            mul,
            add,
            inv: inverse_mod(mul, SERIAL_SPACE),
        }
    }

    // Every operand is below 10^9, so products stay below 10^18 < 2^63:
    // u64 arithmetic, no 128-bit division on the hot path.
    pub(crate) fn serial(&self, index: u64) -> u64 {
        (self.mul * (index % SERIAL_SPACE) + self.add) % SERIAL_SPACE
    }

    pub(crate) fn index(&self, serial: u64) -> u64 {
        let shifted = (serial % SERIAL_SPACE + SERIAL_SPACE - self.add) % SERIAL_SPACE;
        shifted * self.inv % SERIAL_SPACE
    }
}

fn inverse_mod(a: u64, m: u64) -> u64 {
    let (mut old_r, mut r) = (i128::from(a), i128::from(m));
    let (mut old_s, mut s) = (1i128, 0i128);
    while r != 0 {
        let q = old_r / r;
        (old_r, r) = (r, old_r - q * r);
        (old_s, s) = (s, old_s - q * s);
    }
    old_s.rem_euclid(i128::from(m)) as u64
}

fn write_digits(out: &mut [u8], mut value: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// `1064` + the 9-digit serial.
pub(crate) fn number(serial: u64) -> [u8; NUMBER_LEN] {
    let mut out = [0u8; NUMBER_LEN];
    out[..4].copy_from_slice(NUMBER_PREFIX);
    write_digits(&mut out[4..], serial);
    out
}

/// The serial in a card number, if it has the fleet's shape.
pub(crate) fn serial_of_number(text: &[u8]) -> Option<u64> {
    if text.len() != NUMBER_LEN || !text.starts_with(NUMBER_PREFIX) {
        return None;
    }
    parse_digits(&text[4..])
}

/// Operator codes as Chinese ICCIDs carry them in positions 5–6.
fn operator_codes(op: Operator) -> &'static [&'static [u8; 2]] {
    match op {
        Operator::ChinaMobile => &[b"00", b"02", b"04", b"07"],
        Operator::ChinaTelecom => &[b"03", b"11"],
        Operator::ChinaUnicom => &[b"01", b"06", b"09"],
    }
}

/// Decorative characters: some with letters, as real Chinese ICCIDs have.
const DECORATIONS: [&[u8; 2]; 10] = [
    b"B7", b"B0", b"A1", b"C3", b"18", b"19", b"20", b"21", b"17", b"16",
];

/// The ICCID of the card with this serial; `style` (from the card's hash)
/// picks the operator code and decoration.
pub(crate) fn iccid(op: Operator, serial: u64, style: u64) -> [u8; ICCID_LEN] {
    let mut out = [0u8; ICCID_LEN];
    out[..4].copy_from_slice(ICCID_PREFIX);
    let codes = operator_codes(op);
    out[4..6].copy_from_slice(codes[(style % codes.len() as u64) as usize]);
    let deco = DECORATIONS[((style >> 8) % DECORATIONS.len() as u64) as usize];
    out[6..8].copy_from_slice(deco);
    write_digits(&mut out[8..11], (style >> 16) % 1000);
    write_digits(&mut out[11..], serial);
    out
}

/// The serial in an ICCID, if it has the fleet's shape (the rest is checked
/// by comparing with the card's own ICCID).
pub(crate) fn serial_of_iccid(text: &[u8]) -> Option<u64> {
    if text.len() != ICCID_LEN || !text.starts_with(ICCID_PREFIX) {
        return None;
    }
    parse_digits(&text[11..])
}

/// The serial in a 19-character ICCID (the fleet's 20-character form
/// without its 11th character: see `dialect::shorten`).
pub(crate) fn serial_of_iccid_19(text: &[u8]) -> Option<u64> {
    if text.len() != ICCID_LEN - 1 || !text.starts_with(ICCID_PREFIX) {
        return None;
    }
    parse_digits(&text[10..])
}

fn parse_digits(text: &[u8]) -> Option<u64> {
    text.iter().try_fold(0u64, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u64::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_map_is_a_bijection() {
        for seed in [0, 1, 42, u64::MAX] {
            let map = SerialMap::new(seed);
            for index in (0..2000).chain([SERIAL_SPACE - 1, 123_456_789, 9_999_999]) {
                let s = map.serial(index);
                assert!(s < SERIAL_SPACE);
                assert_eq!(map.index(s), index, "seed {seed}");
            }
        }
    }

    #[test]
    fn identifiers_decode() {
        let n = number(4_085_884);
        assert_eq!(&n, b"1064004085884");
        assert_eq!(serial_of_number(&n), Some(4_085_884));
        assert_eq!(serial_of_number(b"1064x04085884"), None);
        assert_eq!(serial_of_number(b"106400408588"), None);
        for style in 0..50u64 {
            let id = iccid(Operator::ChinaMobile, 54_333, style * 7919 * 65_537);
            assert!(iotcard_model::Iccid::parse(std::str::from_utf8(&id).unwrap()).is_ok());
            assert_eq!(serial_of_iccid(&id), Some(54_333));
        }
    }
}
