//! Five per-card answers into one snapshot.

use iotcard_model::{CardNumber, CardSnapshot, CardStatus, Expiry, Plan, Remaining, Usage};

use crate::{CardProblem, CardReport};

type Results<T> = Vec<Result<T, CardProblem<T>>>;

/// Merges the five calls' results for the same batch (in the batch's order)
/// into one snapshot per card.
///
/// A card unknown to the status call is not found; a card for which any call
/// failed reports that failure (a snapshot with a hole that looks like "no
/// data" would mislead); otherwise the snapshot holds whatever each call
/// knew, `None` where the platform has no data of that kind.
pub(super) fn merge_snapshots(
    cards: Vec<CardNumber>,
    usage: Results<Usage>,
    remaining: Results<Remaining>,
    expiry: Results<Expiry>,
    status: Results<CardStatus>,
    plan: Results<Plan>,
) -> Vec<CardReport<CardNumber, CardSnapshot>> {
    let zipped = cards
        .into_iter()
        .zip(usage)
        .zip(remaining)
        .zip(expiry)
        .zip(status)
        .zip(plan);
    zipped
        .map(|(((((card, u), r), e), s), p)| {
            let failure = [
                failure_of(&u),
                failure_of(&r),
                failure_of(&e),
                failure_of(&s),
                failure_of(&p),
            ]
            .into_iter()
            .flatten()
            .next();
            if let Some(failure) = failure {
                return CardReport::new(card, Err(failure));
            }
            if matches!(s, Err(CardProblem::NotFound)) {
                return CardReport::new(card, Err(CardProblem::NotFound));
            }
            let expiry = value_or_partial(e);
            let status =
                value_or_partial(s).or_else(|| expiry.as_ref().and_then(|e| e.status.clone()));
            let snapshot = CardSnapshot {
                card: card.to_string(),
                status,
                usage: value_or_partial(u),
                remaining: value_or_partial(r),
                plan: value_or_partial(p),
                expires_at: expiry.and_then(|e| e.expires_at),
                ..CardSnapshot::default()
            };
            CardReport::new(card, Ok(snapshot))
        })
        .collect()
}

/// The failure of one call's result, without its partial value.
fn failure_of<T>(result: &Result<T, CardProblem<T>>) -> Option<CardProblem<CardSnapshot>> {
    match result {
        Err(problem) if problem.is_failure() => Some(problem.without_partial()),
        _ => None,
    }
}

/// The value, or what the platform sent beside "no data".
fn value_or_partial<T>(result: Result<T, CardProblem<T>>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(problem) => problem.into_partial(),
    }
}
