//! `export`: a full record for every card, streamed.
//!
//! Memory does not grow with the fleet: numbers are read from the file as
//! the facade needs them, the facade holds batch size × concurrency cards
//! in flight, and each record is written as soon as it is in order. A file
//! of numbers is read twice: once to check every number (nothing is sent
//! if one cannot be valid) and count them for the progress bar, once to
//! send them. Standard input can only be read once, so there a bad number
//! stops the export where it stands.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::{Arc, Mutex};

use futures::{FutureExt, Stream, StreamExt};
use iotcard_facade::{CardPlatform, CardReport, CardSnapshot};

use super::clients::PlatformJob;
use super::emit::Emitter;
use super::listing::expected_cards;
use crate::error::{with_hint, CliError};
use crate::input::{self, CardId, NumberReader};
use crate::progress::Progress;
use crate::signals;

/// What `export` reads the cards from.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Source {
    /// A file of numbers.
    File(PathBuf),
    /// Standard input.
    Stdin,
    /// Tencent's card list.
    List,
}

impl Source {
    /// `--from FILE`, `--from -`, or the list when there is no `--from`.
    pub fn from_flag(from: Option<&Path>) -> Self {
        match from {
            None => Source::List,
            Some(p) if p == Path::new("-") => Source::Stdin,
            Some(p) => Source::File(p.to_owned()),
        }
    }
}

/// How an export ended.
#[derive(Debug, Default)]
pub struct Stopped {
    /// Ctrl-C or SIGTERM stopped it.
    pub interrupted: bool,
    /// The last card written.
    pub last: Option<String>,
    /// A bad number on standard input stopped it.
    pub bad_input: Option<CliError>,
}

/// A bad number met on standard input, handed from the reader to the run.
type Stash = Arc<Mutex<Option<CliError>>>;

fn open(path: &Path) -> Result<BufReader<File>, CliError> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|source| CliError::ReadCards {
            from: path.display().to_string(),
            source,
        })
}

/// Checks every number in `path` for `T`'s platform and counts them.
pub fn check_file<T: CardId>(path: &Path) -> Result<u64, CliError> {
    let mut count = 0;
    for raw in NumberReader::new(open(path)?, path.display().to_string()) {
        input::check::<T>(raw?)?;
        count += 1;
    }
    if count == 0 {
        return Err(CliError::NoCards(format!(
            "{} holds no card numbers",
            path.display()
        )));
    }
    Ok(count)
}

/// The numbers of `source`, checked, read lazily; a bad one (possible only
/// on standard input, or a file changed since it was checked) ends them and
/// is left in `stash`.
fn numbers<T: CardId + Send + 'static>(
    source: &Source,
    stash: Stash,
) -> Result<Box<dyn Iterator<Item = T> + Send>, CliError> {
    let reader: Box<dyn BufRead + Send> = match source {
        Source::File(path) => Box::new(open(path)?),
        _ => Box::new(BufReader::new(std::io::stdin())),
    };
    let name = match source {
        Source::File(path) => path.display().to_string(),
        _ => "standard input".to_owned(),
    };
    let checked = NumberReader::new(reader, name)
        .map(|raw| raw.and_then(input::check::<T>))
        .map_while(move |checked| match checked {
            Ok(card) => Some(card.id),
            Err(e) => {
                *stash.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                None
            }
        });
    Ok(Box::new(checked))
}

/// Drives `records` into `emit` until they end or Ctrl-C. Output is
/// flushed whenever the next record is not ready yet.
async fn drain<S, F>(
    mut records: S,
    emit: &mut Emitter,
    progress: &Progress,
    mut write: F,
) -> Result<Stopped, CliError>
where
    S: Stream + Unpin,
    F: FnMut(&mut Emitter, S::Item) -> Result<Option<String>, CliError>,
{
    let mut interrupted = pin!(signals::interrupted());
    let mut stopped = Stopped::default();
    let mut since_check = 0u32;
    loop {
        // A stream that is always ready (a fast local server) still
        // notices Ctrl-C within a few hundred records.
        since_check += 1;
        if since_check == 256 {
            since_check = 0;
            if (&mut interrupted).now_or_never().is_some() {
                stopped.interrupted = true;
                break;
            }
        }
        let item = match records.next().now_or_never() {
            Some(item) => item,
            None => {
                emit.flush()?;
                tokio::select! {
                    biased;
                    () = &mut interrupted => {
                        stopped.interrupted = true;
                        break;
                    }
                    item = records.next() => item,
                }
            }
        };
        let Some(item) = item else { break };
        if let Some(card) = write(emit, item)? {
            stopped.last = Some(card);
        }
        progress.advance(1);
    }
    Ok(stopped)
}

/// `export` as a job for either platform: every card of `source` (a file,
/// standard input, or the platform's own listing) with its whole snapshot.
pub struct Export<'a> {
    /// Where the cards come from.
    pub source: &'a Source,
    /// Where the records go.
    pub emit: &'a mut Emitter,
    /// Moves once per record.
    pub progress: &'a Progress,
}

impl PlatformJob for Export<'_> {
    type Output = Result<Stopped, CliError>;

    async fn run<P>(self, platform: &P) -> Result<Stopped, CliError>
    where
        P: CardPlatform,
        P::Card: CardId,
    {
        let Export {
            source,
            emit,
            progress,
        } = self;
        let write = |emit: &mut Emitter, report: CardReport<P::Card, CardSnapshot>| {
            let card = report.card.to_string();
            match report.result {
                Ok(snapshot) => emit.snapshot(&card, snapshot, &report.problems)?,
                Err(problem) => emit.problem(&card, &problem, "information", &report.problems)?,
            }
            Ok(Some(card))
        };
        if *source == Source::List {
            let Some(listed) = platform.listed_snapshots() else {
                return Err(CliError::NoCards(format!(
                    "{} has no call that lists an account's cards: give the numbers with --from FILE",
                    platform.capabilities().provider.title()
                )));
            };
            return drain(listed, emit, progress, |emit, item| match item {
                Ok(report) => write(emit, report),
                Err(e) if e.is_incomplete_listing() => {
                    emit.short(e.to_string());
                    Ok(None)
                }
                Err(e) => {
                    emit.failure_without_card(&format!("the card list: {}", with_hint(&e)));
                    Ok(None)
                }
            })
            .await;
        }
        let stash = Stash::default();
        let cards = numbers::<P::Card>(source, stash.clone())?;
        let mut stopped = drain(platform.snapshot_stream(cards), emit, progress, write).await?;
        stopped.bad_input = stash.lock().unwrap_or_else(|p| p.into_inner()).take();
        Ok(stopped)
    }
}

/// The card total for the progress bar, when it is known cheaply.
pub async fn total(
    client: &super::clients::Client,
    source: &Source,
    counted: Option<u64>,
    visible: bool,
) -> Option<u64> {
    match (client, source) {
        (_, Source::File(_)) => counted,
        (super::clients::Client::Tencent(c), Source::List) => {
            expected_cards(c, None, visible).await
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotcard_facade::CardNumber;

    #[test]
    fn sources() {
        assert_eq!(Source::from_flag(None), Source::List);
        assert_eq!(Source::from_flag(Some(Path::new("-"))), Source::Stdin);
        assert_eq!(
            Source::from_flag(Some(Path::new("n.txt"))),
            Source::File("n.txt".into())
        );
    }

    #[test]
    fn a_file_is_checked_whole_before_anything_is_sent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("numbers.txt");
        std::fs::write(&path, "1064804085884\n1064804085885,1064804085886\n\n").unwrap();
        assert_eq!(check_file::<CardNumber>(&path).unwrap(), 3);
        std::fs::write(&path, "1064804085884\n10648040a5885\n").unwrap();
        let e = check_file::<CardNumber>(&path).unwrap_err().to_string();
        assert!(
            e.contains("numbers.txt line 2") && e.contains("10648040a5885"),
            "{e}"
        );
        std::fs::write(&path, "\n").unwrap();
        assert!(check_file::<CardNumber>(&path).is_err());
        assert!(check_file::<CardNumber>(&dir.path().join("absent")).is_err());
    }

    #[test]
    fn lazily_read_numbers_stop_at_the_first_bad_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("numbers.txt");
        std::fs::write(&path, "1064804085884\nbad\n1064804085886\n").unwrap();
        let stash = Stash::default();
        let read: Vec<CardNumber> = numbers::<CardNumber>(&Source::File(path), stash.clone())
            .unwrap()
            .collect();
        assert_eq!(read.len(), 1);
        let e = stash.lock().unwrap().take().unwrap().to_string();
        assert!(e.contains("line 2"), "{e}");
    }
}
