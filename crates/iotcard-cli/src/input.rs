//! Card numbers from the command line, standard input or a file, checked
//! against what the platform accepts before anything is sent.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::io::BufRead;
use std::sync::Arc;

use iotcard_model::{CardNumber, Iccid, ModelError, Msisdn};

use crate::error::CliError;
use crate::provider::Provider;

/// A card number as the operator wrote it, and where.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Raw {
    /// The number, trimmed.
    pub text: String,
    /// Where it was read (shown `numbers.txt line 7: `), or `None` for a
    /// command-line argument.
    pub at: Option<Place>,
}

/// A line of a file or of standard input, for messages. Kept as the name
/// and the number and written out only when a message shows it: a
/// `format!` for every number read was a tenth of `iotcard usage -`'s CPU.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Place {
    /// The file's name, or "standard input".
    pub source: Arc<str>,
    /// The line, from 1.
    pub line: usize,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}: ", self.source, self.line)
    }
}

/// A card: as asked (the record's `"card"`), and as the platform takes it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Asked<T> {
    /// As the operator wrote it.
    pub asked: String,
    /// Validated for the platform.
    pub id: T,
}

/// An identifier a platform looks cards up by.
pub trait CardId: iotcard_facade::PlatformCard {
    /// The platform that takes it.
    const PROVIDER: Provider;
    /// Validates `text`, or says why the platform cannot take it.
    fn check(text: &str) -> Result<Self, String>;
}

/// IoTBOS takes its card numbers: the MSISDN or the ICCID.
impl CardId for CardNumber {
    const PROVIDER: Provider = Provider::Iotbos;
    fn check(text: &str) -> Result<Self, String> {
        CardNumber::parse(text).map_err(|e| model_reason(&e))
    }
}

/// Tencent looks cards up by ICCID only (`getcardinfo` takes `iccid`).
impl CardId for Iccid {
    const PROVIDER: Provider = Provider::Tencent;
    fn check(text: &str) -> Result<Self, String> {
        Iccid::parse(text).map_err(|e| {
            if Msisdn::parse(text).is_ok() {
                "this is a phone number (MSISDN), and Tencent looks cards up by ICCID only; \
                 `iotcard --provider tencent cards` lists each card's ICCID"
                    .to_owned()
            } else {
                model_reason(&e)
            }
        })
    }
}

fn model_reason(e: &ModelError) -> String {
    match e {
        ModelError::InvalidCardNumber { reason, .. }
        | ModelError::InvalidIccid { reason, .. }
        | ModelError::InvalidMsisdn { reason, .. } => (*reason).to_owned(),
        other => other.to_string(),
    }
}

/// Validates one number for `T`'s platform.
pub fn check<T: CardId>(raw: Raw) -> Result<Asked<T>, CliError> {
    match T::check(&raw.text) {
        Ok(id) => Ok(Asked {
            asked: raw.text,
            id,
        }),
        Err(reason) => Err(CliError::InvalidCard {
            value: raw.text,
            provider: T::PROVIDER,
            reason,
            at: raw.at.map(|place| place.to_string()),
        }),
    }
}

/// Validates every number and keeps the first of each distinct card, in
/// order: one record per card, even when a card is asked twice (or in two
/// spellings, as an ICCID's letters in either case).
pub fn distinct_cards<T: CardId>(raws: Vec<Raw>) -> Result<Vec<Asked<T>>, CliError> {
    let mut seen = HashSet::with_capacity(raws.len());
    let mut cards = Vec::with_capacity(raws.len());
    for raw in raws {
        let card = check::<T>(raw)?;
        if seen.insert(card.id.clone()) {
            cards.push(card);
        }
    }
    Ok(cards)
}

/// The numbers of a per-card command: each argument, split at commas, with
/// `-` replaced by the numbers on standard input.
pub fn from_args(args: &[String], stdin: impl BufRead) -> Result<Vec<Raw>, CliError> {
    let mut stdin = Some(stdin);
    let mut raws = Vec::new();
    let mut read_stdin = false;
    for arg in args {
        if arg.trim() == "-" {
            read_stdin = true;
            // A second `-` finds standard input already read to its end.
            if let Some(input) = stdin.take() {
                for raw in NumberReader::new(input, "standard input") {
                    raws.push(raw?);
                }
            }
        } else {
            raws.extend(split(arg).map(|text| Raw {
                text: text.to_owned(),
                at: None,
            }));
        }
    }
    if raws.is_empty() {
        return Err(CliError::NoCards(if read_stdin {
            "standard input held no card numbers".into()
        } else {
            "give card numbers as arguments, or `-` to read them from standard input".into()
        }));
    }
    Ok(raws)
}

/// The numbers in one line: split at commas, trimmed, blanks skipped.
pub fn split(line: &str) -> impl Iterator<Item = &str> {
    line.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Numbers read from a file or standard input one line at a time, so a
/// list of millions is never held in memory.
#[derive(Debug)]
pub struct NumberReader<R> {
    reader: R,
    name: Arc<str>,
    line_no: usize,
    line: String,
    /// The numbers of the line read, not yet handed out (the buffer is kept
    /// from line to line).
    pending: VecDeque<String>,
    done: bool,
}

impl<R: BufRead> NumberReader<R> {
    /// Reads `reader`, called `name` in messages ("numbers.txt").
    pub fn new(reader: R, name: impl Into<String>) -> Self {
        NumberReader {
            reader,
            name: Arc::from(name.into()),
            line_no: 0,
            line: String::new(),
            pending: VecDeque::new(),
            done: false,
        }
    }

    fn at(&self) -> Place {
        Place {
            source: Arc::clone(&self.name),
            line: self.line_no,
        }
    }
}

impl<R: BufRead> Iterator for NumberReader<R> {
    type Item = Result<Raw, CliError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(text) = self.pending.pop_front() {
                return Some(Ok(Raw {
                    text,
                    at: Some(self.at()),
                }));
            }
            if self.done {
                return None;
            }
            self.line.clear();
            match self.reader.read_line(&mut self.line) {
                Ok(0) => {
                    self.done = true;
                    return None;
                }
                Ok(_) => {
                    self.line_no += 1;
                    // Lists saved by some Windows editors start with a BOM.
                    let line = self.line.trim_start_matches('\u{feff}');
                    self.pending.extend(split(line).map(str::to_owned));
                }
                Err(source) => {
                    self.done = true;
                    return Some(Err(CliError::ReadCards {
                        from: format!("{} (after line {})", self.name, self.line_no),
                        source,
                    }));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn raw(text: &str) -> Raw {
        Raw {
            text: text.into(),
            at: None,
        }
    }

    #[test]
    fn arguments_split_at_commas_and_dash_reads_stdin() {
        let args = [
            "1064804085884,1064804085885".to_owned(),
            "-".to_owned(),
            " 1064804085886 ".to_owned(),
        ];
        let stdin = Cursor::new("\u{feff}1064804085887\n\n  1064804085888 , 1064804085889,\n\r\n");
        let raws = from_args(&args, stdin).unwrap();
        let texts: Vec<_> = raws.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "1064804085884",
                "1064804085885",
                "1064804085887",
                "1064804085888",
                "1064804085889",
                "1064804085886"
            ]
        );
        assert_eq!(raws[0].at, None);
        let at = raws[3].at.as_ref().map(ToString::to_string);
        assert_eq!(at.as_deref(), Some("standard input line 3: "));
    }

    #[test]
    fn nothing_given_is_an_error() {
        let e = from_args(&["-".to_owned()], Cursor::new("\n , \n")).unwrap_err();
        assert!(
            e.to_string()
                .contains("standard input held no card numbers"),
            "{e}"
        );
        assert!(from_args(&[",".to_owned()], Cursor::new("")).is_err());
    }

    #[test]
    fn iotbos_takes_msisdns_and_iccids_with_letters() {
        let ok = distinct_cards::<CardNumber>(vec![
            raw("1064804085884"),
            raw("89860000000000000001"),
            raw("898602B7091701054333"),
            // The same ICCID in another case is the same card: one record.
            raw("898602b7091701054333"),
        ])
        .unwrap();
        assert_eq!(ok.len(), 3);
        let e = check::<CardNumber>(raw("1064a04085884"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"1064a04085884\"") && e.contains("must be an ICCID"),
            "{e}"
        );
        let e = check::<CardNumber>(Raw {
            text: "12".into(),
            at: Some(Place {
                source: "numbers.txt".into(),
                line: 4,
            }),
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("numbers.txt line 4: invalid card number \"12\" for IoTBOS"),
            "{e}"
        );
    }

    #[test]
    fn tencent_takes_iccids_and_explains_msisdns() {
        let ok = check::<Iccid>(raw("898602b7091701054333")).unwrap();
        assert_eq!(
            (ok.asked.as_str(), ok.id.as_str()),
            ("898602b7091701054333", "898602B7091701054333")
        );
        let e = check::<Iccid>(raw("1064804085884"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("MSISDN") && e.contains("ICCID only"), "{e}");
        let e = check::<Iccid>(raw("12x")).unwrap_err();
        assert_eq!(e.exit(), crate::exit::Exit::Usage);
    }

    #[test]
    fn one_record_per_distinct_card_in_the_order_asked() {
        let cards = distinct_cards::<Iccid>(vec![
            raw("898602B7091701054333"),
            raw("89860000000000000001"),
            raw("898602b7091701054333"),
        ])
        .unwrap();
        let asked: Vec<_> = cards.iter().map(|c| c.asked.as_str()).collect();
        assert_eq!(asked, ["898602B7091701054333", "89860000000000000001"]);
    }

    #[test]
    fn reader_streams_with_positions() {
        let mut r = NumberReader::new(Cursor::new("a,b\n\nc"), "f.txt");
        let got: Vec<Raw> = r.by_ref().map(Result::unwrap).collect();
        let pos: Vec<_> = got
            .iter()
            .map(|g| (g.text.as_str(), g.at.as_ref().unwrap().to_string()))
            .collect();
        let pos: Vec<_> = pos.iter().map(|(t, at)| (*t, at.as_str())).collect();
        assert_eq!(
            pos,
            [
                ("a", "f.txt line 1: "),
                ("b", "f.txt line 1: "),
                ("c", "f.txt line 3: ")
            ]
        );
        assert!(r.next().is_none());
    }

    #[test]
    fn reader_reports_unreadable_input() {
        let mut r = NumberReader::new(Cursor::new(b"1064804085884\n\xff\xfe\n".to_vec()), "f.txt");
        assert!(r.next().unwrap().is_ok());
        let e = r.next().unwrap().unwrap_err();
        assert!(e.to_string().contains("f.txt (after line 1)"), "{e}");
        assert!(r.next().is_none());
    }

    proptest::proptest! {
        #[test]
        fn any_input_gives_trimmed_numbers_or_a_read_error(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            for item in NumberReader::new(Cursor::new(bytes), "f") {
                match item {
                    Ok(raw) => {
                        proptest::prop_assert!(!raw.text.is_empty());
                        proptest::prop_assert_eq!(raw.text.trim(), raw.text.as_str());
                        proptest::prop_assert!(!raw.text.contains(',') && !raw.text.contains('\n'));
                        // Checking never panics either.
                        let _ = check::<CardNumber>(raw.clone());
                        let _ = check::<Iccid>(raw);
                    }
                    Err(e) => proptest::prop_assert_eq!(e.exit(), crate::exit::Exit::Usage),
                }
            }
        }
    }
}
