//! A batch's matched answer as reports: each card with its result and its
//! field problems.

use iotbos_proto::Assembled;
use iotcard_model::CardNumber;

use super::IotbosReports;
use crate::SharedError;

/// One call's answer for a batch, matched to its cards by
/// [`Batch::assemble`](iotbos_proto::Batch::assemble).
pub(super) type Answered<T> = Assembled<T, SharedError>;

/// The reports of `cards` (the batch's, in its order) from their answer.
pub(super) fn reports<T>(cards: Vec<CardNumber>, answered: Answered<T>) -> IotbosReports<T> {
    cards
        .into_iter()
        .zip(answered.results)
        .zip(answered.problems)
        .map(|((card, result), problems)| {
            crate::CardReport::new(card, result).with_problems(problems)
        })
        .collect()
}

/// Adds the answer of a later piece of the same batch (pieces keep the
/// batch's order, so appending keeps results beside their cards).
pub(super) fn append<T>(into: &mut Answered<T>, piece: Answered<T>) {
    into.results.extend(piece.results);
    into.problems.extend(piece.problems);
    into.strays.extend(piece.strays);
}
