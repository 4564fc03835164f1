//! Five per-card answers into one snapshot.

use iotcard_model::{
    CardNumber, CardSnapshot, CardStatus, Expiry, FieldProblem, Plan, Remaining, Usage,
};

use super::assembled::Answered;
use crate::{CardProblem, CardReport};

/// Merges the five calls' answers for the same batch (in the batch's order)
/// into one snapshot per card.
///
/// A card unknown to the status call is not found; a card for which any call
/// failed reports that failure (a snapshot with a hole that looks like "no
/// data" would mislead); otherwise the snapshot holds whatever each call
/// knew, `None` where the platform has no data of that kind. The five
/// calls' field problems are the snapshot's, in the calls' order (usage,
/// remaining, expiry, status, plan): a field that could not be read is
/// empty in the snapshot and named there, and never fails the card.
pub(super) fn merge_snapshots(
    cards: Vec<CardNumber>,
    usage: Answered<Usage>,
    remaining: Answered<Remaining>,
    expiry: Answered<Expiry>,
    status: Answered<CardStatus>,
    plan: Answered<Plan>,
) -> Vec<CardReport<CardNumber, CardSnapshot>> {
    let problems = merged_problems(
        cards.len(),
        [
            usage.problems,
            remaining.problems,
            expiry.problems,
            status.problems,
            plan.problems,
        ],
    );
    let zipped = cards
        .into_iter()
        .zip(usage.results)
        .zip(remaining.results)
        .zip(expiry.results)
        .zip(status.results)
        .zip(plan.results)
        .zip(problems);
    zipped
        .map(|((((((card, u), r), e), s), p), problems)| {
            merge_one(card, u, r, e, s, p).with_problems(problems)
        })
        .collect()
}

/// One card's five results as its snapshot report.
fn merge_one(
    card: CardNumber,
    u: Result<Usage, CardProblem<Usage>>,
    r: Result<Remaining, CardProblem<Remaining>>,
    e: Result<Expiry, CardProblem<Expiry>>,
    s: Result<CardStatus, CardProblem<CardStatus>>,
    p: Result<Plan, CardProblem<Plan>>,
) -> CardReport<CardNumber, CardSnapshot> {
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
    let status = value_or_partial(s).or_else(|| expiry.as_ref().and_then(|e| e.status.clone()));
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
}

/// Each card's problems of the five calls, one after the other. A failed
/// call has none (its answer could not be read at all).
fn merged_problems(cards: usize, calls: [Vec<Vec<FieldProblem>>; 5]) -> Vec<Vec<FieldProblem>> {
    let mut merged: Vec<Vec<FieldProblem>> = vec![Vec::new(); cards];
    for call in calls {
        for (card, problems) in merged.iter_mut().zip(call) {
            card.extend(problems);
        }
    }
    merged
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

#[cfg(test)]
mod tests {
    use iotbos_proto::Assembled;
    use iotcard_model::ProblemKind;

    use super::*;

    fn answered<T>(
        results: Vec<Result<T, CardProblem<T>>>,
        problems: Vec<Vec<FieldProblem>>,
    ) -> Answered<T> {
        Assembled {
            results,
            problems,
            strays: Vec::new(),
        }
    }

    #[test]
    fn field_problems_of_every_call_are_the_snapshots_and_fail_nothing() {
        let cards: Vec<CardNumber> = ["1060000000001", "1060000000002"]
            .iter()
            .map(|n| n.parse().unwrap())
            .collect();
        let date = FieldProblem::new("ExpireDate", "\"soon\" is not a date");
        let flow = FieldProblem::new("Exceed.UseFlow", "expected a decimal number, found \"x\"");
        let merged = merge_snapshots(
            cards,
            answered(
                vec![Ok(Usage::default()), Ok(Usage::default())],
                vec![vec![], vec![flow.clone()]],
            ),
            answered(
                vec![Ok(Remaining::default()), Ok(Remaining::default())],
                vec![vec![], vec![]],
            ),
            answered(
                vec![
                    Ok(Expiry {
                        status: Some(CardStatus::Active),
                        expires_at: None,
                    }),
                    Err(CardProblem::Missing),
                ],
                vec![vec![date.clone()], vec![]],
            ),
            answered(
                vec![Ok(CardStatus::Active), Ok(CardStatus::Active)],
                vec![vec![], vec![]],
            ),
            answered(
                vec![Ok(Plan::default()), Ok(Plan::default())],
                vec![vec![], vec![]],
            ),
        );
        let first = &merged[0];
        let snapshot = first.value().expect("a field problem fails nothing");
        assert_eq!(snapshot.status, Some(CardStatus::Active));
        assert_eq!(snapshot.expires_at, None);
        assert_eq!(first.problems, vec![date]);
        // A failure of one call still fails the card; its problems stay.
        let second = &merged[1];
        assert_eq!(
            second.result.as_ref().unwrap_err().kind(),
            ProblemKind::Missing
        );
        assert_eq!(second.problems, vec![flow]);
    }
}
