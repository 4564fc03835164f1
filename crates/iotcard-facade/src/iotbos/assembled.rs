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
