//! The per-card commands: `usage`, `remaining`, `expiry`, `status`, `plan`
//! and `card`, on either platform.
//!
//! Cards go to the facade in chunks of a few batches' worth, so records
//! stream out (and the progress bar moves) while later cards are asked,
//! and memory holds one chunk whatever the number of cards.

use std::collections::HashMap;
use std::hash::Hash;

use iotcard_facade::{CardProblem, CardReport, IotbosClient, TencentClient};
use iotcard_model::{CardNumber, Expiry, Iccid};
use tencent_proto::CardInfo;

use super::clients::Client;
use super::emit::Emitter;
use super::prepare::Cards;
use crate::error::CliError;
use crate::input::Asked;
use crate::output::columns::{self, Columns};
use crate::output::record::{ErrorKind, RecordError, StatusValues};
use crate::progress::Progress;

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
    fn what(self) -> &'static str {
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

/// Asks `client` about `cards`, `chunk` at a time, writing one record per
/// card in the order asked.
pub async fn run(
    client: &Client,
    command: PerCard,
    cards: &Cards,
    chunk: usize,
    emit: &mut Emitter,
    progress: &Progress,
) -> Result<(), CliError> {
    let chunk = chunk.max(1);
    match (client, cards) {
        (Client::Iotbos(c), Cards::Iotbos(cards)) => {
            for part in cards.chunks(chunk) {
                iotbos_chunk(c, command, part, emit).await?;
                emit.flush()?;
                progress.advance(part.len() as u64);
            }
        }
        (Client::Tencent(c), Cards::Tencent(cards)) => {
            for part in cards.chunks(chunk) {
                tencent_chunk(c, command, part, emit).await?;
                emit.flush()?;
                progress.advance(part.len() as u64);
            }
        }
        // `Cards` are checked for the client's own platform before this
        // runs; a mismatch is a wiring mistake, reported rather than sent.
        (client, _) => {
            let why = format!(
                "card numbers were checked for another platform than {}",
                client.provider()
            );
            for asked in cards.asked() {
                emit.error(asked, RecordError::new(ErrorKind::Failed, why.clone()))?;
            }
        }
    }
    Ok(())
}

async fn iotbos_chunk(
    client: &IotbosClient,
    command: PerCard,
    part: &[Asked<CardNumber>],
    emit: &mut Emitter,
) -> Result<(), CliError> {
    let ids = part.iter().map(|a| a.id.clone());
    let what = command.what();
    match command {
        PerCard::Usage => emit_all(part, client.usage(ids).await, emit, |e, card, r| {
            e.result(card, r, |v| v, what)
        }),
        PerCard::Remaining => emit_all(part, client.remaining(ids).await, emit, |e, card, r| {
            e.result(card, r, |v| v, what)
        }),
        PerCard::Expiry => emit_all(part, client.expiry(ids).await, emit, |e, card, r| {
            e.result(card, r, |v| v, what)
        }),
        PerCard::Status => emit_all(part, client.state(ids).await, emit, |e, card, r| {
            let status = |s| StatusValues {
                status: Some(s),
                network: None,
            };
            e.result(card, r, status, what)
        }),
        PerCard::Plan => emit_all(part, client.plan(ids).await, emit, |e, card, r| {
            e.result(card, r, |v| v, what)
        }),
        PerCard::Card => emit_all(part, client.card(ids).await, emit, |e, card, r| match r {
            Ok(snapshot) => e.snapshot(card, snapshot),
            Err(problem) => e.problem(card, &problem, what),
        }),
    }
}

async fn tencent_chunk(
    client: &TencentClient,
    command: PerCard,
    part: &[Asked<Iccid>],
    emit: &mut Emitter,
) -> Result<(), CliError> {
    let reports = client.cards_info(part.iter().map(|a| a.id.clone())).await;
    let what = command.what();
    emit_all(part, reports, emit, |e, card, result| match result {
        Ok(info) => tencent_values(e, card, command, &info),
        Err(problem) => e.problem(card, &problem.map(|info| info.to_snapshot()), what),
    })
}

/// Writes the values `command` shows of one `getcardinfo` answer.
pub fn tencent_values(
    emit: &mut Emitter,
    card: &str,
    command: PerCard,
    info: &CardInfo,
) -> Result<(), CliError> {
    let brief = &info.card;
    match command {
        PerCard::Usage => emit.values(card, &brief.usage()),
        PerCard::Remaining => emit.values(card, &brief.remaining()),
        PerCard::Expiry => emit.values(
            card,
            &Expiry {
                status: Some(brief.status.clone()),
                expires_at: info.product_expires_at,
            },
        ),
        PerCard::Status => emit.values(
            card,
            &StatusValues {
                status: Some(brief.status.clone()),
                network: Some(brief.network.clone()),
            },
        ),
        PerCard::Plan => emit.values(card, &info.plan()),
        PerCard::Card => emit.snapshot(card, info.to_snapshot()),
    }
}

/// Pairs each report with the card as asked and writes it; a card the
/// facade returned nothing for still gets its record (as a failure), so
/// every card asked has exactly one.
fn emit_all<C, T>(
    part: &[Asked<C>],
    reports: Vec<CardReport<C, T>>,
    emit: &mut Emitter,
    mut write: impl FnMut(&mut Emitter, &str, Result<T, CardProblem<T>>) -> Result<(), CliError>,
) -> Result<(), CliError>
where
    C: Clone + Eq + Hash + ToString,
{
    let mut asked: HashMap<&C, &str> = part.iter().map(|a| (&a.id, a.asked.as_str())).collect();
    for report in reports {
        let card = match asked.remove(&report.card) {
            Some(card) => card.to_owned(),
            // Not one of ours: the facade answered a card nobody asked for.
            None => {
                tracing::warn!(card = %report.card.to_string(), "answer for a card not asked; left out");
                continue;
            }
        };
        write(emit, &card, report.result)?;
    }
    for a in part.iter().filter(|a| asked.contains_key(&a.id)) {
        let why = "the client returned no result for this card";
        emit.error(&a.asked, RecordError::new(ErrorKind::Failed, why))?;
    }
    Ok(())
}
