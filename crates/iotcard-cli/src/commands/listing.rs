//! `cards` (every card of the account, paged) and `account`, which only
//! Tencent answers.

use futures::StreamExt;
use iotcard_facade::{Operator, OperatorFilter, TencentClient};

use super::emit::Emitter;
use crate::error::{with_hint, CliError};
use crate::output::record::{AccountRecord, CardCountsRecord};
use crate::progress::Progress;

/// Records reach the reader a page at a time, as they arrive.
const PAGE: u64 = 20;

/// The account's card count for `operator` (all for `None`), when asking
/// is worth it: only a visible progress bar uses it.
pub async fn expected_cards(
    client: &TencentClient,
    operator: Option<Operator>,
    wanted: bool,
) -> Option<u64> {
    if !wanted {
        return None;
    }
    match client.account().await {
        Ok(info) => Some(operator.map_or(info.card_counts.total(), |op| info.card_counts.get(op))),
        Err(e) => {
            tracing::info!(error = %e, "no card count for the progress bar");
            None
        }
    }
}

/// `cards`: one snapshot record per card of the list, in the platform's
/// order. A page that fails ends the list; the cards before it are written
/// and the failure is counted.
pub async fn cards(
    client: &TencentClient,
    operator: Option<Operator>,
    emit: &mut Emitter,
    progress: &Progress,
) -> Result<(), CliError> {
    let filter = operator.map_or(OperatorFilter::All, OperatorFilter::Only);
    let mut list = client.cards(filter);
    let mut listed = 0u64;
    while let Some(item) = list.next().await {
        match item {
            Ok(brief) => {
                emit.snapshot(brief.iccid.as_str(), brief.to_snapshot(), &[])?;
                listed += 1;
                progress.advance(1);
                if listed % PAGE == 0 {
                    emit.flush()?;
                }
            }
            Err(e) if e.is_incomplete_listing() => emit.short(e.to_string()),
            Err(e) => emit.failure_without_card(&format!(
                "the card list after {listed} cards: {}",
                with_hint(&e)
            )),
        }
    }
    Ok(())
}

/// `account`: the account's name, description and card counts.
pub async fn account(client: &TencentClient, emit: &mut Emitter) -> Result<(), CliError> {
    let info = client
        .account()
        .await
        .map_err(|source| CliError::Platform {
            what: "Tencent getappinfo".into(),
            source,
        })?;
    let counts = info.card_counts;
    emit.record(&AccountRecord {
        name: info.name,
        description: info.description,
        cards: CardCountsRecord {
            china_mobile: counts.china_mobile,
            china_telecom: counts.china_telecom,
            china_unicom: counts.china_unicom,
            total: counts.total(),
        },
    })
}
