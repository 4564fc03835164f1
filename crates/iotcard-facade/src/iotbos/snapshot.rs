//! Five per-card answers into one snapshot.

use iotcard_model::{CardNumber, CardSnapshot, CardStatus, Expiry, Plan, Remaining, Usage};

use crate::{CardProblem, CardReport};

type Reports<T> = Vec<CardReport<CardNumber, T>>;

/// Merges the five calls' reports for the same cards (in the same order)
/// into one snapshot per card.
///
/// A card unknown to the state call is not found; a card for which any call
/// failed reports that failure (a snapshot with a hole that looks like "no
/// data" would mislead); otherwise the snapshot holds whatever each call
/// knew, `None` where the platform has no data of that kind.
pub(super) fn merge_snapshots(
    usage: Reports<Usage>,
    remaining: Reports<Remaining>,
    expiry: Reports<Expiry>,
    state: Reports<CardStatus>,
    plan: Reports<Plan>,
) -> Vec<CardReport<CardNumber, CardSnapshot>> {
    let mut out = Vec::with_capacity(state.len());
    let zipped = usage
        .into_iter()
        .zip(remaining)
        .zip(expiry)
        .zip(state)
        .zip(plan);
    for ((((u, r), e), s), p) in zipped {
        debug_assert!(u.card == s.card && r.card == s.card && e.card == s.card && p.card == s.card);
        let card = s.card;
        let failure = [
            problem_of(&u.result),
            problem_of(&r.result),
            problem_of(&e.result),
            problem_of(&s.result),
            problem_of(&p.result),
        ]
        .into_iter()
        .flatten()
        .find(|p| p.is_failure());
        if let Some(failure) = failure {
            out.push(CardReport {
                card,
                result: Err(failure),
            });
            continue;
        }
        if matches!(s.result, Err(CardProblem::NotFound)) {
            out.push(CardReport {
                card,
                result: Err(CardProblem::NotFound),
            });
            continue;
        }
        let expiry = value_or_partial(e.result);
        let status =
            value_or_partial(s.result).or_else(|| expiry.as_ref().and_then(|e| e.status.clone()));
        let snapshot = CardSnapshot {
            card: card.to_string(),
            status,
            usage: value_or_partial(u.result),
            remaining: value_or_partial(r.result),
            plan: value_or_partial(p.result),
            expires_at: expiry.and_then(|e| e.expires_at),
            ..CardSnapshot::default()
        };
        out.push(CardReport {
            card,
            result: Ok(snapshot),
        });
    }
    out
}

/// The problem, without its partial value, if the call had one.
fn problem_of<T>(result: &Result<T, CardProblem<T>>) -> Option<CardProblem<CardSnapshot>> {
    match result {
        Ok(_) => None,
        Err(CardProblem::Failed(e)) => Some(CardProblem::Failed(e.clone())),
        Err(CardProblem::Unreadable(s)) => Some(CardProblem::Unreadable(s.clone())),
        Err(CardProblem::Missing) => Some(CardProblem::Missing),
        Err(_) => None,
    }
}

/// The value, or what the platform sent beside "no data".
fn value_or_partial<T>(result: Result<T, CardProblem<T>>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(CardProblem::NoData { partial }) | Err(CardProblem::UnknownOutcome { partial, .. }) => {
            partial
        }
        Err(_) => None,
    }
}
