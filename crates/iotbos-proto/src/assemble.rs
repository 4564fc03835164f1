//! Putting the batches' answers back together, per card, in the caller's
//! order.

use std::collections::HashMap;
use std::fmt;

use foldhash::fast::RandomState;
use iotcard_model::CardNumber;

use crate::{Batch, BatchPlan, CardAnswer, CardAnswers, EntryError};

/// The final word on one card of a [`BatchPlan`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum CardResult<T, E> {
    /// The server answered for this card.
    Answered(CardAnswer<T>),
    /// The server listed this card, but its entry could not be read.
    Unreadable(EntryError),
    /// The server's answer to this card's batch did not mention it.
    Missing,
    /// This card's batch failed as a whole (HTTP error, refusal, broken
    /// answer), with the caller's error.
    Failed(E),
}

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
                    "batch {batch}: another answer for {card}; the first is kept"
                )
            }
            Stray::Unattributed { batch, error } => write!(f, "batch {batch}: {error}"),
        }
    }
}

/// Every card of a plan with its result, in the caller's (distinct) order,
/// and whatever the answers held beyond that.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Assembled<T, E> {
    /// One result per distinct card, in the order the caller gave them.
    pub results: Vec<(CardNumber, CardResult<T, E>)>,
    /// Answers that settled no card; worth a warning in a log.
    pub strays: Vec<Stray>,
}

/// Collects the answers of a [`BatchPlan`]'s batches, in any order, and
/// matches them to cards by number, never by position.
///
/// ```
/// use std::sync::Arc;
/// use iotbos_proto::{parse_remaining, BatchPlan, CardResult, IotbosError};
/// use iotcard_model::{CardNumber, Outcome};
/// let cards: Vec<CardNumber> = vec!["1064804085884".parse()?, "1060000000002".parse()?];
/// let plan = BatchPlan::new(cards, iotbos_proto::DEFAULT_BATCH_SIZE);
/// let mut assembler = plan.assembler::<_, Arc<IotbosError>>();
/// for batch in plan.batches() {
///     // … send batch.request(Call::Remaining, …), get the status and body back …
///     let body = br#"{"status":1,"info":null,"createtime":"2018/01/16 14:02:08",
///         "data":{"date":[{"num":"1064804085884","State":0}]}}"#;
///     match parse_remaining(http::StatusCode::OK, body) {
///         Ok(answers) => assembler.record(batch, answers),
///         Err(e) => assembler.fail(batch, Arc::new(e)),
///     }
/// }
/// let done = assembler.finish();
/// assert!(matches!(&done.results[0].1, CardResult::Answered(a) if a.outcome == Outcome::NotFound));
/// assert!(matches!(done.results[1].1, CardResult::Missing));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Assembler<'p, T, E> {
    plan: &'p BatchPlan,
    /// Built on the first answer entry that is not where its number was
    /// asked: answers usually list cards in the order asked, and then each
    /// entry is checked against its own position only (still by number).
    position: Option<HashMap<&'p CardNumber, usize, RandomState>>,
    slots: Vec<Option<CardResult<T, E>>>,
    strays: Vec<Stray>,
}

impl<'p, T, E> Assembler<'p, T, E> {
    pub(crate) fn new(plan: &'p BatchPlan) -> Self {
        let slots = std::iter::repeat_with(|| None).take(plan.len()).collect();
        Self {
            plan,
            position: None,
            slots,
            strays: Vec::new(),
        }
    }

    /// Where `card` is in the plan: the position it would have as the
    /// `nth` entry of an answer in asked order, if the number there is
    /// this one, else wherever the plan holds it.
    fn locate(&mut self, card: &CardNumber, hint: usize) -> Option<usize> {
        let cards = self.plan.cards();
        if cards.get(hint) == Some(card) {
            return Some(hint);
        }
        let position = self.position.get_or_insert_with(|| {
            let mut map = HashMap::with_capacity_and_hasher(cards.len(), RandomState::default());
            map.extend(cards.iter().enumerate().map(|(i, c)| (c, i)));
            map
        });
        position.get(card).copied()
    }

    /// Records the answer to `batch` (a batch of this plan). Each entry
    /// settles its card if the batch asked about it and nothing settled it
    /// before; anything else becomes a [`Stray`].
    pub fn record(&mut self, batch: Batch<'_>, answers: CardAnswers<T>) {
        let index = batch.index();
        let asked = self.plan.range(index);
        for (nth, (card, result)) in answers.cards.into_iter().enumerate() {
            match self.locate(&card, asked.start.saturating_add(nth)) {
                Some(pos) if asked.contains(&pos) => match &mut self.slots[pos] {
                    slot @ None => {
                        *slot = Some(match result {
                            Ok(answer) => CardResult::Answered(answer),
                            Err(error) => CardResult::Unreadable(error),
                        })
                    }
                    Some(_) => self.strays.push(Stray::Repeated { batch: index, card }),
                },
                _ => self.strays.push(Stray::NotAsked { batch: index, card }),
            }
        }
        self.strays.extend(
            answers
                .unattributed
                .into_iter()
                .map(|error| Stray::Unattributed {
                    batch: index,
                    error,
                }),
        );
    }

    /// Records that `batch` failed as a whole: each of its cards not yet
    /// settled gets `error`.
    pub fn fail(&mut self, batch: Batch<'_>, error: E)
    where
        E: Clone,
    {
        for slot in &mut self.slots[self.plan.range(batch.index())] {
            if slot.is_none() {
                *slot = Some(CardResult::Failed(error.clone()));
            }
        }
    }

    /// How many cards are settled so far.
    pub fn settled(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    /// Every card with its result, in the caller's order; a card nothing
    /// settled is [`CardResult::Missing`].
    pub fn finish(self) -> Assembled<T, E> {
        let results = self
            .plan
            .cards()
            .iter()
            .cloned()
            .zip(self.slots)
            .map(|(card, slot)| (card, slot.unwrap_or(CardResult::Missing)))
            .collect();
        Assembled {
            results,
            strays: self.strays,
        }
    }

    /// As [`Assembler::finish`], but the results alone, in the plan's
    /// order, without a copy of each number: pair them with
    /// [`BatchPlan::into_cards`].
    pub fn finish_results(self) -> (Vec<CardResult<T, E>>, Vec<Stray>) {
        let results = self
            .slots
            .into_iter()
            .map(|slot| slot.unwrap_or(CardResult::Missing))
            .collect();
        (results, self.strays)
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use iotcard_model::Outcome;

    use super::*;

    fn card(n: u64) -> CardNumber {
        CardNumber::parse(&format!("{:013}", 1_060_000_000_000 + n)).unwrap()
    }

    fn found(card_n: u64, payload: u32) -> (CardNumber, Result<CardAnswer<u32>, EntryError>) {
        let answer = CardAnswer {
            outcome: Outcome::Found,
            payload: Some(payload),
        };
        (card(card_n), Ok(answer))
    }

    #[test]
    fn matches_by_number_whatever_the_order_and_reports_the_rest() {
        let plan = BatchPlan::new([1, 2, 3, 4, 5].map(card), NonZeroUsize::new(2).unwrap());
        let batches: Vec<_> = plan.batches().collect();
        let mut asm = plan.assembler::<u32, &str>();
        // Answers recorded out of order; batch 1 lists its cards backwards,
        // repeats one, and mentions a card of batch 0.
        let unreadable = EntryError {
            index: 1,
            num: Some(card(4).to_string()),
            reason: "bad".into(),
        };
        asm.record(
            batches[1],
            CardAnswers {
                cards: vec![
                    found(3, 30),
                    (card(4), Err(unreadable.clone())),
                    found(3, 99),
                    found(1, 10),
                ],
                unattributed: vec![],
            },
        );
        let junk = EntryError {
            index: 0,
            num: Some("x".into()),
            reason: "invalid card number".into(),
        };
        asm.record(
            batches[0],
            CardAnswers {
                cards: vec![found(2, 20)],
                unattributed: vec![junk.clone()],
            },
        );
        asm.fail(batches[2], "HTTP 502");
        asm.fail(batches[0], "too late: card 2 is settled");
        assert_eq!(asm.settled(), 5);
        let done = asm.finish();
        let answered = |p| {
            CardResult::Answered(CardAnswer {
                outcome: Outcome::Found,
                payload: Some(p),
            })
        };
        assert_eq!(
            done.results,
            vec![
                (card(1), CardResult::Failed("too late: card 2 is settled")),
                (card(2), answered(20)),
                (card(3), answered(30)),
                (card(4), CardResult::Unreadable(unreadable)),
                (card(5), CardResult::Failed("HTTP 502")),
            ]
        );
        assert_eq!(
            done.strays,
            vec![
                Stray::Repeated {
                    batch: 1,
                    card: card(3)
                },
                Stray::NotAsked {
                    batch: 1,
                    card: card(1)
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
    fn unanswered_cards_are_missing_not_dropped() {
        let plan = BatchPlan::new([7, 8].map(card), NonZeroUsize::new(5).unwrap());
        let mut asm = plan.assembler::<u32, ()>();
        asm.record(plan.batch(0).unwrap(), CardAnswers::default());
        let done = asm.finish();
        assert_eq!(
            done.results,
            vec![
                (card(7), CardResult::Missing),
                (card(8), CardResult::Missing)
            ]
        );
        assert!(done.strays.is_empty());
    }

    #[test]
    fn an_entry_past_the_batch_is_not_taken_for_the_next_batchs_card() {
        // Batch 0 asked 1 and 2; its answer lists a third entry, card 3,
        // which sits exactly where a third card of batch 0 would: it is
        // still batch 1's card, not batch 0's.
        let plan = BatchPlan::new([1, 2, 3, 4].map(card), NonZeroUsize::new(2).unwrap());
        let batches: Vec<_> = plan.batches().collect();
        let mut asm = plan.assembler::<u32, &str>();
        let extra = CardAnswers {
            cards: vec![found(1, 10), found(2, 20), found(3, 99)],
            unattributed: vec![],
        };
        asm.record(batches[0], extra);
        let in_order = CardAnswers {
            cards: vec![found(3, 30), found(4, 40)],
            unattributed: vec![],
        };
        asm.record(batches[1], in_order);
        let payloads = |results: &[CardResult<u32, &str>]| -> Vec<Option<u32>> {
            results
                .iter()
                .map(|r| match r {
                    CardResult::Answered(a) => a.payload,
                    _ => None,
                })
                .collect()
        };
        let (results, strays) = asm.finish_results();
        assert_eq!(
            payloads(&results),
            vec![Some(10), Some(20), Some(30), Some(40)]
        );
        assert_eq!(
            strays,
            vec![Stray::NotAsked {
                batch: 0,
                card: card(3)
            }]
        );
        assert_eq!(plan.into_cards(), [1, 2, 3, 4].map(card).to_vec());
    }
}
