//! The per-card commands: `usage`, `remaining`, `expiry`, `status`, `plan`
//! and `card`, on either platform.
//!
//! The cards go to the facade's stream whole: it reads them a batch at a
//! time, keeps every request slot busy, and hands reports back in order,
//! so records stream out (and the progress bar moves) while later cards
//! are asked, with no pause between chunks.

use std::collections::HashMap;

use futures::{FutureExt, Stream, StreamExt};
use iotcard_facade::{CardPlatform, CardReport, CardSnapshot};
use serde::Serialize;

use super::clients::PlatformJob;
use super::emit::Emitter;
use crate::error::CliError;
use crate::input::{self, Asked, CardId, Raw};
use crate::output::columns::{self, Columns};
use crate::output::record::RecordError;
use crate::progress::Progress;
use crate::signals;

/// A per-card command.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PerCard {
    /// `usage`.
    Usage,
    /// `remaining`.
    Remaining,
    /// `expiry`.
    Expiry,
    /// `status`.
    Status,
    /// `plan`.
    Plan,
    /// `card`.
    Card,
}

impl PerCard {
    /// The command's name.
    pub fn name(self) -> &'static str {
        match self {
            PerCard::Usage => "usage",
            PerCard::Remaining => "remaining",
            PerCard::Expiry => "expiry",
            PerCard::Status => "status",
            PerCard::Plan => "plan",
            PerCard::Card => "card",
        }
    }

    /// Its CSV and table columns.
    pub fn columns(self) -> Columns {
        match self {
            PerCard::Usage => columns::USAGE,
            PerCard::Remaining => columns::REMAINING,
            PerCard::Expiry => columns::EXPIRY,
            PerCard::Status => columns::STATUS,
            PerCard::Plan => columns::PLAN,
            PerCard::Card => columns::CARD,
        }
    }

    /// What it asks for, as in "IoTBOS has no … for this card".
    pub fn what(self) -> &'static str {
        match self {
            PerCard::Usage => "usage information",
            PerCard::Remaining => "allowance information",
            PerCard::Expiry => "expiry date",
            PerCard::Status => "status",
            PerCard::Plan => "tariff information",
            PerCard::Card => "information",
        }
    }
}

/// `usage` & co. as a job for either platform: the numbers are checked
/// for the platform that will be asked, then streamed through it, one
/// record per distinct card in the order asked. Ctrl-C stops it between
/// records.
pub struct Run<'a> {
    /// The command.
    pub command: PerCard,
    /// The numbers as the operator gave them.
    pub numbers: Vec<Raw>,
    /// Where the records go.
    pub emit: &'a mut Emitter,
    /// Cards above which a progress bar shows.
    pub progress_above: usize,
}

/// How a per-card run ended.
#[derive(Debug)]
pub struct Ran {
    /// The progress bar it drew (or a hidden one).
    pub progress: Progress,
    /// Ctrl-C or SIGTERM stopped it.
    pub interrupted: bool,
}

impl PlatformJob for Run<'_> {
    type Output = Result<Ran, CliError>;

    async fn run<P>(self, platform: &P) -> Result<Ran, CliError>
    where
        P: CardPlatform,
        P::Card: CardId,
    {
        let cards = input::distinct_cards::<P::Card>(self.numbers)?;
        let progress = if cards.len() > self.progress_above {
            Progress::start(Some(cards.len() as u64))
        } else {
            Progress::hidden()
        };
        let interrupted = tokio::select! {
            done = ask(platform, self.command, cards, self.emit, &progress) => {
                done?;
                false
            }
            () = signals::interrupted() => true,
        };
        Ok(Ran {
            progress,
            interrupted,
        })
    }
}

async fn ask<P: CardPlatform>(
    platform: &P,
    command: PerCard,
    cards: Vec<Asked<P::Card>>,
    emit: &mut Emitter,
    progress: &Progress,
) -> Result<(), CliError>
where
    P::Card: CardId,
{
    let ids: Vec<P::Card> = cards.iter().map(|a| a.id.clone()).collect();
    let what = command.what();
    match command {
        PerCard::Usage => write_all(platform.usage_stream(ids), cards, emit, progress, what).await,
        PerCard::Remaining => {
            write_all(platform.remaining_stream(ids), cards, emit, progress, what).await
        }
        PerCard::Expiry => {
            write_all(platform.expiry_stream(ids), cards, emit, progress, what).await
        }
        PerCard::Status => {
            write_all(platform.status_stream(ids), cards, emit, progress, what).await
        }
        PerCard::Plan => write_all(platform.plan_stream(ids), cards, emit, progress, what).await,
        PerCard::Card => {
            let mut write =
                |emit: &mut Emitter, card: &str, report: CardReport<P::Card, CardSnapshot>| {
                    match report.result {
                        Ok(snapshot) => emit.snapshot(card, snapshot, &report.problems),
                        Err(problem) => emit.problem(card, &problem, what, &report.problems),
                    }
                };
            drain(
                platform.snapshot_stream(ids),
                cards,
                emit,
                progress,
                &mut write,
            )
            .await
        }
    }
}

/// Writes each report of a per-call stream as the command's values.
async fn write_all<C, T>(
    reports: impl Stream<Item = CardReport<C, T>> + Unpin,
    cards: Vec<Asked<C>>,
    emit: &mut Emitter,
    progress: &Progress,
    what: &str,
) -> Result<(), CliError>
where
    C: CardId,
    T: Serialize,
{
    let mut write = |emit: &mut Emitter, card: &str, report: CardReport<C, T>| {
        emit.result(card, report.result, |v| v, what, &report.problems)
    };
    drain(reports, cards, emit, progress, &mut write).await
}

/// Pairs each report with the card as asked and writes it; a card the
/// facade returned nothing for still gets its record (as a failure), so
/// every card asked has exactly one.
///
/// The facade answers each distinct card once, in the order asked, so the
/// pairing is positional; a table is built only if a report ever comes out
/// of order. Output is flushed whenever the next report is not ready yet,
/// so a reader sees records as soon as they are known, and a fast stream
/// is written in large blocks.
async fn drain<C, T, S>(
    mut reports: S,
    cards: Vec<Asked<C>>,
    emit: &mut Emitter,
    progress: &Progress,
    write: &mut impl FnMut(&mut Emitter, &str, CardReport<C, T>) -> Result<(), CliError>,
) -> Result<(), CliError>
where
    C: CardId,
    S: Stream<Item = CardReport<C, T>> + Unpin,
{
    let mut written = vec![false; cards.len()];
    let mut next = 0;
    let mut lookup: Option<HashMap<C, usize>> = None;
    loop {
        let report = match reports.next().now_or_never() {
            Some(report) => report,
            None => {
                emit.flush()?;
                reports.next().await
            }
        };
        let Some(report) = report else { break };
        let at = if cards.get(next).is_some_and(|a| a.id == report.card) {
            Some(next)
        } else {
            let table = lookup.get_or_insert_with(|| {
                cards
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (a.id.clone(), i))
                    .collect()
            });
            table.get(&report.card).copied()
        };
        match at {
            Some(i) if !written[i] => {
                written[i] = true;
                next = i + 1;
                write(emit, &cards[i].asked, report)?;
                progress.advance(1);
            }
            // Not one of ours, or one already written: never a second record.
            _ => {
                tracing::warn!(card = %report.card, "answer for a card not asked, or asked once; left out")
            }
        }
    }
    for (asked, _) in cards.iter().zip(&written).filter(|(_, done)| !**done) {
        let why = "the client returned no result for this card";
        emit.error(&asked.asked, RecordError::failed(why))?;
    }
    emit.flush()
}
