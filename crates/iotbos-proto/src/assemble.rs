//! Matching a batch's answer back to its cards, by number, in the order
//! asked.

use std::collections::HashMap;
use std::fmt;

use foldhash::fast::RandomState;
use iotcard_model::{CardNumber, CardProblem, FieldProblem};

use crate::{Batch, CardAnswers, EntryError};

/// Something in an answer that did not settle a card of its batch. Kept so
/// that nothing the server says disappears silently.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Stray {
    /// An answer for a number its batch did not ask about (ignored).
    NotAsked {
        /// The batch whose answer it was in.
        batch: usize,
        /// The number.
        card: CardNumber,
    },
    /// A further answer for a card already settled (the first one is kept).
    Repeated {
        /// The batch whose answer it was in.
        batch: usize,
        /// The number.
        card: CardNumber,
    },
    /// An entry that names no valid card number.
    Unattributed {
        /// The batch whose answer it was in.
        batch: usize,
        /// The entry and what was wrong with it.
        error: EntryError,
    },
}

impl fmt::Display for Stray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stray::NotAsked { batch, card } => {
                write!(
                    f,
                    "batch {batch}: answer for {card}, which it did not ask about"
                )
            }
            Stray::Repeated { batch, card } => {
                write!(
                    f,
                    "batch {batch}: another answer for {card}; the first readable one is kept"
                )
            }
            Stray::Unattributed { batch, error } => write!(f, "batch {batch}: {error}"),
        }
    }
}

/// A batch's answer matched back to its cards: one result per card of the
/// batch, in the batch's order, and whatever the answer held beyond that.
#[derive(Clone, Debug)]
pub struct Assembled<T, E> {
    /// One result per card of the batch, in the same order as
    /// [`Batch::cards`]: the value, or why there is none.
    pub results: Vec<Result<T, CardProblem<T, E>>>,
    /// Beside each result (same length, same order), the fields of that
    /// card's entry that could not be read
    /// ([`CardAnswer::problems`](crate::CardAnswer::problems)); empty for
    /// nearly every card, and for every card of a failed call.
    pub problems: Vec<Vec<FieldProblem>>,
    /// Answers that settled no card; worth a warning in a log.
    pub strays: Vec<Stray>,
}

impl<T, E> Default for Assembled<T, E> {
    /// Nothing yet: the start of an answer joined from pieces.
    fn default() -> Self {
        Self {
            results: Vec::new(),
            problems: Vec::new(),
            strays: Vec::new(),
        }
    }
}

impl Batch {
    /// Matches `answer` (this batch's answer to one call, or the error that
    /// call ended with) back to the batch's cards, by number, never by
    /// position.
    ///
    /// - A card's first readable entry settles it, through
    ///   [`CardProblem::from_outcome`]: found with data is the value, the
    ///   other outcomes their problem; the entry's field problems go to
    ///   [`Assembled::problems`].
    /// - An entry listed under the card but unreadable is
    ///   [`CardProblem::Unreadable`] with the reason, unless a later entry
    ///   for the same card can be read (that one settles it).
    /// - Numbers match as [`CardNumber`] compares them: the answer's `num`
    ///   trimmed, an ICCID's letters in any case.
    /// - A card the answer does not mention is [`CardProblem::Missing`].
    /// - A failed call is [`CardProblem::Failed`] for every card.
    /// - Entries for cards not asked, repeats, and entries naming no card
    ///   become [`Stray`]s.
    ///
    /// Answers usually list cards in the order asked: each entry is tried at
    /// its own position first (still compared by number), and a lookup table
    /// is built only once an entry is out of place.
    pub fn assemble<T, E: Clone>(&self, answer: Result<CardAnswers<T>, E>) -> Assembled<T, E> {
        let answers = match answer {
            Ok(answers) => answers,
            Err(error) => {
                let results = std::iter::repeat_with(|| Err(CardProblem::Failed(error.clone())))
                    .take(self.len())
                    .collect();
                return Assembled {
                    results,
                    problems: vec![Vec::new(); self.len()],
                    strays: Vec::new(),
                };
            }
        };
        let index = self.index();
        let cards = self.cards();
        let mut slots: Vec<Option<Result<T, CardProblem<T, E>>>> =
            std::iter::repeat_with(|| None).take(cards.len()).collect();
        let mut problems: Vec<Vec<FieldProblem>> = vec![Vec::new(); cards.len()];
        let mut position: Option<HashMap<&CardNumber, usize, RandomState>> = None;
        let mut strays = Vec::new();
        for (nth, (card, result)) in answers.cards.into_iter().enumerate() {
            let at = if cards.get(nth) == Some(&card) {
                Some(nth)
            } else {
                position
                    .get_or_insert_with(|| {
                        let mut map =
                            HashMap::with_capacity_and_hasher(cards.len(), RandomState::default());
                        map.extend(cards.iter().enumerate().map(|(i, c)| (c, i)));
                        map
                    })
                    .get(&card)
                    .copied()
            };
            let Some(at) = at else {
                strays.push(Stray::NotAsked { batch: index, card });
                continue;
            };
            let slot = &mut slots[at];
            // A repeat replaces only an entry that could not be read: the
            // first readable one is the card's record.
            let unreadable = matches!(slot, Some(Err(CardProblem::Unreadable(_))));
            match (slot.is_some(), unreadable, result) {
                (false, _, Ok(answer)) | (true, true, Ok(answer)) => {
                    if slot.is_some() {
                        strays.push(Stray::Repeated {
                            batch: index,
                            card: card.clone(),
                        });
                    }
                    *slot = Some(CardProblem::from_outcome(answer.outcome, answer.payload));
                    problems[at] = answer.problems;
                }
                (false, _, Err(error)) => {
                    *slot = Some(Err(CardProblem::Unreadable(error.reason)));
                }
                (true, _, _) => strays.push(Stray::Repeated { batch: index, card }),
            }
        }
        strays.extend(
            answers
                .unattributed
                .into_iter()
                .map(|error| Stray::Unattributed {
                    batch: index,
                    error,
                }),
        );
        let results = slots
            .into_iter()
            .map(|slot| slot.unwrap_or(Err(CardProblem::Missing)))
            .collect();
        Assembled {
            results,
            problems,
            strays,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use iotcard_model::{Outcome, ProblemKind};

    use super::*;
    use crate::{BatchPlan, CardAnswer};

    fn card(n: u64) -> CardNumber {
        CardNumber::parse(&format!("{:013}", 1_060_000_000_000 + n)).unwrap()
    }

    fn answer(
        card_n: u64,
        outcome: Outcome,
        payload: Option<u32>,
    ) -> (CardNumber, Result<CardAnswer<u32>, EntryError>) {
        (card(card_n), Ok(CardAnswer::new(outcome, payload)))
    }

    fn found(card_n: u64, payload: u32) -> (CardNumber, Result<CardAnswer<u32>, EntryError>) {
        answer(card_n, Outcome::Found, Some(payload))
    }

    fn batches(cards: &[u64], max: usize) -> Vec<Batch> {
        BatchPlan::new(
            cards.iter().map(|&n| card(n)),
            NonZeroUsize::new(max).unwrap(),
        )
        .into_batches()
        .collect()
    }

    /// The results as `Ok(payload)` or the problem's kind.
    fn shown(results: &[Result<u32, CardProblem<u32, &str>>]) -> Vec<Result<u32, ProblemKind>> {
        results
            .iter()
            .map(|r| r.as_ref().map(|v| *v).map_err(CardProblem::kind))
            .collect()
    }

    #[test]
    fn matches_by_number_whatever_the_order_and_reports_the_rest() {
        let batch = &batches(&[1, 2, 3, 4, 5], 5)[0];
        let unreadable = EntryError {
            index: 1,
            num: Some(card(4).to_string()),
            reason: "bad".into(),
        };
        let junk = EntryError {
            index: 6,
            num: Some("x".into()),
            reason: "invalid card number".into(),
        };
        // Backwards, with a repeat, a card not asked, and every outcome.
        let done = batch.assemble::<u32, &str>(Ok(CardAnswers {
            cards: vec![
                found(3, 30),
                (card(4), Err(unreadable)),
                found(3, 99),
                answer(2, Outcome::NoData, Some(7)),
                found(9, 90),
                answer(1, Outcome::Unknown(-3), None),
            ],
            unattributed: vec![junk.clone()],
        }));
        assert_eq!(
            shown(&done.results),
            vec![
                Err(ProblemKind::UnknownOutcome),
                Err(ProblemKind::NoData),
                Ok(30),
                Err(ProblemKind::Unreadable),
                Err(ProblemKind::Missing),
            ]
        );
        assert_eq!(done.results[1].as_ref().unwrap_err().partial(), Some(&7));
        assert!(
            matches!(&done.results[3], Err(CardProblem::Unreadable(why)) if why == "bad"),
            "{:?}",
            done.results[3]
        );
        assert_eq!(
            done.strays,
            vec![
                Stray::Repeated {
                    batch: 0,
                    card: card(3)
                },
                Stray::NotAsked {
                    batch: 0,
                    card: card(9)
                },
                Stray::Unattributed {
                    batch: 0,
                    error: junk
                },
            ]
        );
        assert!(done.strays[1].to_string().contains("did not ask"));
    }

    #[test]
    fn a_readable_repeat_replaces_an_unreadable_entry_and_field_problems_travel() {
        let batch = &batches(&[1, 2], 5)[0];
        let unreadable = EntryError {
            index: 0,
            num: Some(card(1).to_string()),
            reason: "State: expected an integer".into(),
        };
        let mut flagged = CardAnswer::new(Outcome::Found, Some(20));
        flagged.problems = vec![FieldProblem::new("ExpireDate", "\"soon\" is not a date")];
        let done = batch.assemble::<u32, &str>(Ok(CardAnswers {
            cards: vec![
                (card(1), Err(unreadable)),
                (card(2), Ok(flagged.clone())),
                found(1, 10),
                found(1, 11),
                found(2, 99),
            ],
            unattributed: vec![],
        }));
        assert_eq!(shown(&done.results), vec![Ok(10), Ok(20)]);
        assert_eq!(done.problems, vec![vec![], flagged.problems]);
        assert_eq!(
            done.strays,
            vec![
                Stray::Repeated {
                    batch: 0,
                    card: card(1)
                },
                Stray::Repeated {
                    batch: 0,
                    card: card(1)
                },
                Stray::Repeated {
                    batch: 0,
                    card: card(2)
                },
            ]
        );
        let failed = batch.assemble::<u32, &str>(Err("HTTP 502"));
        assert_eq!(failed.problems, vec![Vec::<FieldProblem>::new(); 2]);
    }

    #[test]
    fn a_failed_call_fails_every_card_and_silence_is_missing() {
        let all = batches(&[7, 8, 9], 2);
        let failed = all[0].assemble::<u32, &str>(Err("HTTP 502"));
        assert_eq!(failed.results.len(), 2);
        assert!(failed
            .results
            .iter()
            .all(|r| matches!(r, Err(CardProblem::Failed("HTTP 502")))));
        assert!(failed.strays.is_empty());
        let silent = all[1].assemble::<u32, &str>(Ok(CardAnswers::default()));
        assert_eq!(shown(&silent.results), vec![Err(ProblemKind::Missing)]);
        // Found but carrying nothing: unreadable, not a value.
        let empty = all[1].assemble::<u32, &str>(Ok(CardAnswers {
            cards: vec![answer(9, Outcome::Found, None)],
            unattributed: vec![],
        }));
        assert_eq!(shown(&empty.results), vec![Err(ProblemKind::Unreadable)]);
    }

    #[test]
    fn an_entry_past_the_batch_is_not_taken_for_the_next_batchs_card() {
        // Batch 0 asked 1 and 2; its answer lists a third entry, card 3,
        // which is batch 1's card: a stray of batch 0, and batch 1 still
        // matches its own answer.
        let all = batches(&[1, 2, 3, 4], 2);
        let first = all[0].assemble::<u32, &str>(Ok(CardAnswers {
            cards: vec![found(1, 10), found(2, 20), found(3, 99)],
            unattributed: vec![],
        }));
        assert_eq!(shown(&first.results), vec![Ok(10), Ok(20)]);
        assert_eq!(
            first.strays,
            vec![Stray::NotAsked {
                batch: 0,
                card: card(3)
            }]
        );
        let second = all[1].assemble::<u32, &str>(Ok(CardAnswers {
            cards: vec![found(3, 30), found(4, 40)],
            unattributed: vec![],
        }));
        assert_eq!(shown(&second.results), vec![Ok(30), Ok(40)]);
        assert!(second.strays.is_empty());
    }

    #[test]
    fn one_batch_serves_every_call() {
        let batch = &batches(&[1, 2], 5)[0];
        let usage = batch.assemble::<u32, &str>(Ok(CardAnswers {
            cards: vec![found(1, 1), found(2, 2)],
            unattributed: vec![],
        }));
        let plan = batch.assemble::<&str, &str>(Ok(CardAnswers {
            cards: vec![(card(2), Ok(CardAnswer::new(Outcome::Found, Some("p"))))],
            unattributed: vec![],
        }));
        assert_eq!(shown(&usage.results), vec![Ok(1), Ok(2)]);
        assert!(matches!(
            plan.results[..],
            [Err(CardProblem::Missing), Ok("p")]
        ));
    }
}
