//! Dialects: the real-world variants a server may send that the documents
//! do not show, each switchable on its own (see the crate docs, "Dialects").
//!
//! A dialect changes how answers are written, never what they say: the
//! fleet's values ([`crate::SimCard`]) are the same in every dialect, and
//! the simulator stays as strict as ever about what clients send. Every
//! choice a variant makes (which key case, which date form, which card is
//! listed twice) is a pure function of the card (its serial) or of the
//! answer (its inputs and the fleet clock), so a frozen clock gives
//! byte-identical answers in every dialect too.

pub(crate) mod encode;
pub(crate) mod look;

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::fleet::hash::mix;
use crate::{SimCard, SimError};

/// One variant of a [`Dialect`]; its [`name`](Self::name) is the value of
/// `iotcard sim --dialect`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Variant {
    /// `numbers-as-strings`: integers as numeric strings or integral floats
    /// (`"State":"1"`, `"ReceivesSmsNum":6.0`), decimals as strings
    /// (`"UseFlow":"8359.50"`), the envelope's `status`/`code` as a string.
    NumbersAsStrings,
    /// `camel-case-keys`: field names in other letter case (`state`,
    /// `useFlow`, `Date`, `Data`, `CARD_STATUS`).
    CamelCaseKeys,
    /// `bom`: a UTF-8 byte-order mark before the body.
    Bom,
    /// `dashed-dates`: IoTBOS dates as `2018-1-6 6:02:08`,
    /// `2018/01/16T16:02:08`, with fractions, `/Date(ms)/`, a date alone;
    /// no date as `""` or `0001-01-01 00:00:00`.
    DashedDates,
    /// `text-html`: JSON labelled `text/html` or `text/plain`.
    TextHtml,
    /// `gbk`: bodies with Chinese text encoded in GBK (or GB18030), as the
    /// `charset` says.
    Gbk,
    /// `lettered-iccids`: IoTBOS knows some cards by their lettered ICCID
    /// (19 or 20 characters), and echoes `num` in another case or with
    /// blanks around it.
    LetteredIccids,
    /// `repeated-entries`: an IoTBOS answer lists an asked card twice, and
    /// sometimes a card that was not asked; Tencent's card list lists every
    /// 13th card twice in a row (in one page, or at the end of one and the
    /// start of the next).
    RepeatedEntries,
    /// `batch-limit=K`: IoTBOS refuses a data call with more than K numbers.
    BatchLimit,
    /// `short-pages=K`: Tencent `getcardlist` pages hold at most K cards.
    ShortPages,
    /// `expiry-zero`: Tencent `product_expired_time` of `0`, `null` or `""`
    /// for cards without a service expiry, milliseconds for some others;
    /// `data_total_in_period: null` for pooled cards.
    ExpiryZero,
}

impl Variant {
    /// Every variant, in the order of the crate docs.
    pub const ALL: [Variant; 11] = [
        Variant::NumbersAsStrings,
        Variant::CamelCaseKeys,
        Variant::Bom,
        Variant::DashedDates,
        Variant::TextHtml,
        Variant::Gbk,
        Variant::LetteredIccids,
        Variant::RepeatedEntries,
        Variant::BatchLimit,
        Variant::ShortPages,
        Variant::ExpiryZero,
    ];

    /// The variant's name, as `--dialect` takes it (without `=K`).
    pub fn name(self) -> &'static str {
        match self {
            Variant::NumbersAsStrings => "numbers-as-strings",
            Variant::CamelCaseKeys => "camel-case-keys",
            Variant::Bom => "bom",
            Variant::DashedDates => "dashed-dates",
            Variant::TextHtml => "text-html",
            Variant::Gbk => "gbk",
            Variant::LetteredIccids => "lettered-iccids",
            Variant::RepeatedEntries => "repeated-entries",
            Variant::BatchLimit => "batch-limit",
            Variant::ShortPages => "short-pages",
            Variant::ExpiryZero => "expiry-zero",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which real-world variants the simulator serves: none (the canonical
/// answers, the default), any set of [`Variant`]s, or all of them.
///
/// ```
/// use iotcard_sim::{Dialect, Variant};
/// let d: Dialect = "bom,batch-limit=5,short-pages=3".parse()?;
/// assert!(d.has(Variant::Bom) && !d.has(Variant::Gbk));
/// assert_eq!((d.batch_limit(), d.short_pages()), (Some(5), Some(3)));
/// assert_eq!(d.to_string(), "bom,batch-limit=5,short-pages=3");
/// assert_eq!("all".parse::<Dialect>()?, Dialect::all());
/// assert!(Dialect::all().variants().eq(Variant::ALL));
/// assert!(Dialect::default().is_canonical());
/// assert!("short-pages=20".parse::<Dialect>().is_err()); // a page of 20 is no short page
/// # Ok::<(), iotcard_sim::SimError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Dialect {
    flags: u16,
    batch_limit: u32,
    short_pages: u8,
}

impl Dialect {
    /// No variant: the answers exactly as the documents read.
    pub const CANONICAL: Dialect = Dialect {
        flags: 0,
        batch_limit: 0,
        short_pages: 0,
    };
    /// K of `batch-limit` when none is given (and in [`Dialect::all`]):
    /// below every usual batch size, so a client must find the limit.
    pub const DEFAULT_BATCH_LIMIT: u32 = 7;
    /// K of `short-pages` when none is given (and in [`Dialect::all`]).
    pub const DEFAULT_SHORT_PAGES: u8 = 7;

    /// The canonical answers (no variant).
    pub fn canonical() -> Self {
        Self::CANONICAL
    }

    /// Every variant at once, with the default K of `batch-limit` and
    /// `short-pages`.
    pub fn all() -> Self {
        Variant::ALL
            .into_iter()
            .fold(Self::CANONICAL, |d, v| d.with(v))
    }

    /// Only `variant`.
    pub fn only(variant: Variant) -> Self {
        Self::CANONICAL.with(variant)
    }

    /// This dialect and `variant` (`batch-limit` and `short-pages` keep
    /// their K if they had one, else take the default).
    pub fn with(mut self, variant: Variant) -> Self {
        self.flags |= variant.bit();
        if variant == Variant::BatchLimit && self.batch_limit == 0 {
            self.batch_limit = Self::DEFAULT_BATCH_LIMIT;
        }
        if variant == Variant::ShortPages && self.short_pages == 0 {
            self.short_pages = Self::DEFAULT_SHORT_PAGES;
        }
        self
    }

    /// This dialect without `variant`.
    pub fn without(mut self, variant: Variant) -> Self {
        self.flags &= !variant.bit();
        match variant {
            Variant::BatchLimit => self.batch_limit = 0,
            Variant::ShortPages => self.short_pages = 0,
            _ => {}
        }
        self
    }

    /// This dialect with `batch-limit=k` (checked by [`validate`](Self::validate): k ≥ 1).
    pub fn with_batch_limit(mut self, k: u32) -> Self {
        self.flags |= Variant::BatchLimit.bit();
        self.batch_limit = k;
        self
    }

    /// This dialect with `short-pages=k` (checked by [`validate`](Self::validate): 1 ≤ k < 20).
    pub fn with_short_pages(mut self, k: u8) -> Self {
        self.flags |= Variant::ShortPages.bit();
        self.short_pages = k;
        self
    }

    /// Whether `variant` is on.
    pub fn has(self, variant: Variant) -> bool {
        self.flags & variant.bit() != 0
    }

    /// Whether no variant is on.
    pub fn is_canonical(self) -> bool {
        self.flags == 0
    }

    /// K of `batch-limit`, when on.
    pub fn batch_limit(self) -> Option<u32> {
        self.has(Variant::BatchLimit).then_some(self.batch_limit)
    }

    /// K of `short-pages`, when on.
    pub fn short_pages(self) -> Option<u8> {
        self.has(Variant::ShortPages).then_some(self.short_pages)
    }

    /// The variants that are on, in [`Variant::ALL`]'s order.
    pub fn variants(self) -> impl Iterator<Item = Variant> {
        Variant::ALL.into_iter().filter(move |v| self.has(*v))
    }

    /// Checks K of `batch-limit` (at least 1) and of `short-pages` (1 to
    /// 19: the platform's `limit` is at most 20).
    pub fn validate(&self) -> Result<(), SimError> {
        let invalid = |reason: String| {
            Err(SimError::InvalidSetting {
                setting: "dialect",
                reason,
            })
        };
        if self.batch_limit() == Some(0) {
            return invalid("batch-limit must be at least 1".into());
        }
        if let Some(k) = self.short_pages() {
            if !(1..20).contains(&k) {
                return invalid(format!(
                    "short-pages must be 1 to 19 (pages are at most 20 cards), not {k}"
                ));
            }
        }
        Ok(())
    }

    /// The number IoTBOS knows `card` by in this dialect: its MSISDN, or,
    /// under `lettered-iccids`, its ICCID (20 characters, or 19 without
    /// the third of its middle digits) for the cards whose ICCID has
    /// letters. Clients ask with these numbers; `iotcard sim
    /// --list-numbers --dialect …` prints them.
    pub fn iotbos_number(self, card: &SimCard) -> String {
        let serial = serial_of(card);
        let mut iccid = [0u8; 20];
        iccid.copy_from_slice(card.iccid().as_str().as_bytes());
        self.iotbos_number_of(serial, &iccid)
            .map(|n| String::from_utf8_lossy(&n).into_owned())
            .unwrap_or_else(|| card.number().to_string())
    }

    /// Whether Tencent sends no product expiry for `card` in this dialect
    /// (`product_expired_time` `0`, `null` or `""`): under `expiry-zero`,
    /// the cards without a service expiry, which are the cards whose
    /// IoTBOS `ExpireDate` is none ([`SimCard::expiry`]`.expires_at`). A
    /// correct reader reads no expiry for them, and
    /// [`SimCard::product_expired_at`] for every other card.
    pub fn hides_product_expiry(self, card: &SimCard) -> bool {
        self.has(Variant::ExpiryZero) && card.expiry().expires_at.is_none()
    }

    /// Whether Tencent sends `data_total_in_period: null` for `card` in
    /// this dialect: under `expiry-zero`, every pooled card (whose total
    /// is the pool's). A correct reader reads an unknown total for them,
    /// and [`SimCard::data_total_in_period`] for every other card.
    pub fn hides_data_total(self, card: &SimCard) -> bool {
        self.has(Variant::ExpiryZero) && card.tencent_codes().kind == 2
    }

    /// The entry of Tencent's card list (what `offset` counts) at which the
    /// card at `position` of the operator's list is first listed: the same
    /// but under `repeated-entries`, which lists the last card of every run
    /// of [`REPEAT_RUN`] twice, so that entries run one ahead per run. Of
    /// the list's length, the number of entries in all.
    pub fn tencent_entry_of(self, position: u64) -> u64 {
        if !self.has(Variant::RepeatedEntries) {
            return position;
        }
        let (run, at) = (position / REPEAT_RUN, position % REPEAT_RUN);
        run.saturating_mul(REPEAT_RUN + 1).saturating_add(at)
    }

    /// The position in the operator's list of the card Tencent's card list
    /// shows at `entry` (the inverse of [`tencent_entry_of`](Self::tencent_entry_of),
    /// a repeat giving its card's position again).
    pub fn tencent_position_at(self, entry: u64) -> u64 {
        if !self.has(Variant::RepeatedEntries) {
            return entry;
        }
        let (run, at) = (entry / (REPEAT_RUN + 1), entry % (REPEAT_RUN + 1));
        run * REPEAT_RUN + at.min(REPEAT_RUN - 1)
    }

    /// The lettered IoTBOS number of the card with this serial and ICCID,
    /// if this dialect gives it one.
    pub(crate) fn iotbos_number_of(self, serial: u64, iccid: &[u8; 20]) -> Option<Vec<u8>> {
        if !self.has(Variant::LetteredIccids) || !iccid.iter().any(u8::is_ascii_alphabetic) {
            return None;
        }
        Some(if short_iccid(card_bits(serial)) {
            shorten(iccid).to_vec()
        } else {
            iccid.to_vec()
        })
    }
}

/// Under `repeated-entries`, Tencent's card list repeats the last card of
/// every run of this many (13: prime to every page size below 20, so the
/// repeat falls at every place in a page, the page's first included).
pub const REPEAT_RUN: u64 = 13;

/// The 9-digit serial in a card's number (its last nine digits).
fn serial_of(card: &SimCard) -> u64 {
    let n = card.number().as_str().as_bytes();
    n[n.len().saturating_sub(9)..]
        .iter()
        .fold(0, |acc, &b| acc * 10 + u64::from(b.wrapping_sub(b'0') % 10))
}

/// A card's source of dialect choices: a pure function of its serial,
/// independent of every lane the fleet's values come from.
pub(crate) fn card_bits(serial: u64) -> u64 {
    mix(serial ^ 0xD1A1_EC70_0000_0001)
}

/// An answer's source of choices, from what determines it.
pub(crate) fn answer_salt(now: i64, tag: &[u8]) -> u64 {
    let fnv = tag.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    });
    mix(fnv ^ (now as u64).rotate_left(17))
}

/// Whether a lettered card is known by the 19-character form.
fn short_iccid(bits: u64) -> bool {
    (bits >> 40) % 4 == 0
}

/// The 19-character form of a fleet ICCID: without its 11th character
/// (the last of the three digits between the decoration and the serial).
pub(crate) fn shorten(iccid: &[u8; 20]) -> [u8; 19] {
    let mut out = [0u8; 19];
    out[..10].copy_from_slice(&iccid[..10]);
    out[10..].copy_from_slice(&iccid[11..]);
    out
}

/// How an IoTBOS entry echoes the number it was asked by, under
/// `lettered-iccids`: as asked, letters in the other case, blanks around
/// it, or the other case and a trailing blank.
pub(crate) fn echo(asked: &str, bits: u64) -> std::borrow::Cow<'_, str> {
    let swap = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect()
    };
    match (bits >> 32) % 4 {
        0 => asked.into(),
        1 => swap(asked).into(),
        2 => format!(" {asked} ").into(),
        _ => format!("{} ", swap(asked)).into(),
    }
}

impl fmt::Debug for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dialect({self})")
    }
}

impl fmt::Display for Dialect {
    /// The names joined by commas (`bom,batch-limit=7`), or `canonical`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_canonical() {
            return f.write_str("canonical");
        }
        for (i, v) in self.variants().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match v {
                Variant::BatchLimit => write!(f, "batch-limit={}", self.batch_limit)?,
                Variant::ShortPages => write!(f, "short-pages={}", self.short_pages)?,
                other => f.write_str(other.name())?,
            }
        }
        Ok(())
    }
}

impl FromStr for Variant {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, SimError> {
        Variant::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| unknown_name(s))
    }
}

fn unknown_name(s: &str) -> SimError {
    let names: Vec<&str> = Variant::ALL.iter().map(|v| v.name()).collect();
    SimError::InvalidSetting {
        setting: "dialect",
        reason: format!(
            "{s:?} is no dialect; the names are all, canonical, {} (batch-limit=K and \
             short-pages=K take a number)",
            names.join(", ")
        ),
    }
}

impl FromStr for Dialect {
    type Err = SimError;

    /// Names joined by commas; `all` for every variant (later names may set
    /// K: `all,batch-limit=3`); `canonical`, `none` or nothing for none.
    /// `batch-limit` and `short-pages` take `=K`, or the default K alone.
    fn from_str(s: &str) -> Result<Self, SimError> {
        let mut d = Dialect::CANONICAL;
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, k) = match part.split_once('=') {
                Some((name, k)) => (name.trim(), Some(k.trim())),
                None => (part, None),
            };
            let number = |k: &str| -> Result<u64, SimError> {
                k.parse().map_err(|_| SimError::InvalidSetting {
                    setting: "dialect",
                    reason: format!("{part:?}: K must be a whole number"),
                })
            };
            d = match (name.to_ascii_lowercase().as_str(), k) {
                ("all", None) => Dialect::all(),
                ("canonical" | "none", None) => Dialect::CANONICAL,
                ("batch-limit", Some(k)) => {
                    d.with_batch_limit(u32::try_from(number(k)?).unwrap_or(u32::MAX))
                }
                ("short-pages", Some(k)) => {
                    d.with_short_pages(u8::try_from(number(k)?).unwrap_or(u8::MAX))
                }
                (_, Some(_)) => {
                    return Err(SimError::InvalidSetting {
                        setting: "dialect",
                        reason: format!("{part:?}: only batch-limit and short-pages take =K"),
                    })
                }
                (_, None) => d.with(part.parse()?),
            };
        }
        d.validate()?;
        Ok(d)
    }
}

/// The dialect in force, swapped atomically between requests.
#[derive(Debug)]
pub(crate) struct DialectCell(AtomicU64);

impl DialectCell {
    pub(crate) fn new(d: Dialect) -> Self {
        Self(AtomicU64::new(Self::pack(d)))
    }

    fn pack(d: Dialect) -> u64 {
        u64::from(d.flags) | u64::from(d.short_pages) << 16 | u64::from(d.batch_limit) << 32
    }

    pub(crate) fn get(&self) -> Dialect {
        let v = self.0.load(Ordering::Relaxed);
        Dialect {
            flags: v as u16,
            short_pages: (v >> 16) as u8,
            batch_limit: (v >> 32) as u32,
        }
    }

    pub(crate) fn set(&self, d: Dialect) {
        self.0.store(Self::pack(d), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn names_parse_and_print_back() {
        for v in Variant::ALL {
            let d: Dialect = v.name().parse().unwrap();
            assert_eq!(d, Dialect::only(v));
            assert_eq!(d.variants().collect::<Vec<_>>(), [v]);
            let again: Dialect = d.to_string().parse().unwrap();
            assert_eq!(again, d, "{d}");
        }
        assert_eq!("".parse::<Dialect>().unwrap(), Dialect::CANONICAL);
        assert_eq!("canonical".parse::<Dialect>().unwrap(), Dialect::CANONICAL);
        assert_eq!(Dialect::CANONICAL.to_string(), "canonical");
        let all: Dialect = "all".parse().unwrap();
        assert_eq!(all.batch_limit(), Some(Dialect::DEFAULT_BATCH_LIMIT));
        assert_eq!(all.short_pages(), Some(Dialect::DEFAULT_SHORT_PAGES));
        assert_eq!(all.to_string().parse::<Dialect>().unwrap(), all);
        let tuned: Dialect = "all, batch-limit=3".parse().unwrap();
        assert_eq!(tuned.batch_limit(), Some(3));
        assert_eq!(tuned.without(Variant::BatchLimit).batch_limit(), None);
        assert_eq!(
            " BOM , Gbk ".parse::<Dialect>().unwrap(),
            Dialect::only(Variant::Bom).with(Variant::Gbk)
        );
        for bad in [
            "bogus",
            "bom=1",
            "batch-limit=0",
            "batch-limit=x",
            "short-pages=0",
            "short-pages=20",
            "short-pages=300",
        ] {
            let err = bad.parse::<Dialect>().unwrap_err().to_string();
            assert!(err.contains("dialect"), "{bad}: {err}");
        }
        assert!("bogus"
            .parse::<Dialect>()
            .unwrap_err()
            .to_string()
            .contains("numbers-as-strings"));
    }

    #[test]
    fn tencent_entries_repeat_the_last_card_of_every_run() {
        let d = Dialect::only(Variant::RepeatedEntries);
        let shown: Vec<u64> = (0..30).map(|e| d.tencent_position_at(e)).collect();
        let mut expected: Vec<u64> = (0..13).collect();
        expected.push(12);
        expected.extend(13..26);
        expected.push(25);
        expected.extend(26..28);
        assert_eq!(shown, expected);
        for position in 0..100 {
            assert_eq!(
                d.tencent_position_at(d.tencent_entry_of(position)),
                position
            );
        }
        assert_eq!(d.tencent_entry_of(26), 28, "26 cards are 28 entries");
        assert_eq!(Dialect::CANONICAL.tencent_entry_of(26), 26);
        assert_eq!(Dialect::CANONICAL.tencent_position_at(13), 13);
    }

    #[test]
    fn the_cell_round_trips() {
        let cell = DialectCell::new(Dialect::CANONICAL);
        for d in [
            Dialect::all(),
            Dialect::CANONICAL.with_batch_limit(u32::MAX),
            Dialect::only(Variant::ShortPages).with_short_pages(19),
        ] {
            cell.set(d);
            assert_eq!(cell.get(), d);
        }
    }

    proptest! {
        #[test]
        fn any_set_of_variants_prints_and_parses_back(flags in 0u16..(1 << 11), k in 1u32..100_000, pages in 1u8..20) {
            let mut d = Dialect::CANONICAL;
            for (i, v) in Variant::ALL.into_iter().enumerate() {
                if flags & (1 << i) != 0 {
                    d = d.with(v);
                }
            }
            if d.has(Variant::BatchLimit) { d = d.with_batch_limit(k); }
            if d.has(Variant::ShortPages) { d = d.with_short_pages(pages); }
            prop_assert_eq!(d.to_string().parse::<Dialect>().unwrap(), d);
        }

        #[test]
        fn echoes_trim_and_fold_to_the_asked_number(asked in "[0-9A-Za-z]{11,20}", bits in any::<u64>()) {
            let e = echo(&asked, bits);
            prop_assert!(e.trim().eq_ignore_ascii_case(&asked));
        }
    }
}
