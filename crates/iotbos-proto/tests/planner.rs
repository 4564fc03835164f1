//! The batch planners and the matching of answers: every number asked
//! once (across the list for a plan, within a batch for lazy batches), in
//! the caller's order, in calls no larger than the setting, and every
//! number accounted for in the end, whatever the server answers and in
//! whatever order.

mod support;

use std::collections::HashSet;
use std::num::NonZeroUsize;

use iotbos_proto::{
    lazy_batches, parse_usage, AccessToken, Batch, BatchPlan, Call, Endpoint, Stray,
};
use iotcard_model::{CardNumber, CardProblem};
use proptest::prelude::*;

/// Numbers from a small pool, so that repeats are common.
fn numbers() -> impl Strategy<Value = Vec<CardNumber>> {
    prop::collection::vec(0u64..40, 0..120).prop_map(|picks| {
        picks
            .into_iter()
            .map(|n| CardNumber::parse(&format!("{}", 10_600_000_000_000u64 + n)).unwrap())
            .collect()
    })
}

/// The distinct numbers in first-occurrence order, computed the slow way.
fn first_occurrences(input: &[CardNumber]) -> Vec<CardNumber> {
    let mut out: Vec<CardNumber> = Vec::new();
    for card in input {
        if !out.contains(card) {
            out.push(card.clone());
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn covers_every_number_once_in_order_within_the_limit(input in numbers(), max in 1usize..12) {
        let max = NonZeroUsize::new(max).unwrap();
        let plan = BatchPlan::new(input.clone(), max);
        let expected = first_occurrences(&input);
        prop_assert_eq!(plan.cards(), &expected[..]);
        prop_assert_eq!(plan.repeats_dropped(), input.len() - expected.len());

        prop_assert_eq!(plan.batch_count(), expected.len().div_ceil(max.get()));
        let batches: Vec<Batch> = plan.into_batches().collect();
        prop_assert_eq!(batches.len(), expected.len().div_ceil(max.get()));
        let mut asked = Vec::new();
        for (i, batch) in batches.iter().enumerate() {
            prop_assert_eq!(batch.index(), i);
            prop_assert!(!batch.cards().is_empty());
            prop_assert!(batch.cards().len() <= max.get());
            if i + 1 < batches.len() {
                prop_assert_eq!(batch.cards().len(), max.get(), "only the last batch is short");
            }
            // The request carries exactly the batch, in order.
            let request = batch.request(Call::Usage, &support::api(Endpoint::default()), &AccessToken::new("t")).unwrap();
            let query = request.uri().query().unwrap().to_owned();
            let nums = form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "cardIdNums")
                .map(|(_, v)| v.into_owned())
                .unwrap();
            let sent: Vec<&str> = nums.split(',').collect();
            let batch_nums: Vec<&str> = batch.cards().iter().map(CardNumber::as_str).collect();
            prop_assert_eq!(sent, batch_nums);
            asked.extend_from_slice(batch.cards());
        }
        prop_assert_eq!(asked, expected);
    }

    /// The server answers each batch for a subset of its cards, in any
    /// order, sometimes twice, sometimes for cards of other batches, and
    /// one batch may fail outright: every card still ends up with exactly
    /// the right result, in the caller's order.
    #[test]
    fn assembles_by_number_whatever_the_server_does(
        input in numbers(),
        max in 1usize..9,
        answered in prop::collection::vec(any::<bool>(), 40),
        codes in prop::collection::vec(-1i64..4, 40),
        shuffle_seed in any::<u64>(),
        failed_batch in proptest::option::of(0usize..20),
        repeat_first in any::<bool>(),
        foreign in any::<bool>(),
    ) {
        let plan = BatchPlan::new(input, NonZeroUsize::new(max).unwrap());
        let distinct = plan.cards().to_vec();
        // The pool index of a card: its last two digits.
        let pool_index = |card: &CardNumber| -> usize {
            card.as_str()[card.as_str().len() - 2..].parse().unwrap()
        };
        // The outsider (not from the pool) is answered as found.
        let code = |card: &CardNumber| codes.get(pool_index(card)).copied().unwrap_or(1);
        let mut expected_strays = 0;
        let batches: Vec<Batch> = plan.into_batches().collect();
        let mut results = vec![None; batches.len()];
        let mut strays = Vec::new();
        // Answers arrive in reverse order.
        for batch in batches.iter().rev() {
            let answer = if failed_batch == Some(batch.index()) {
                Err(format!("batch {} failed", batch.index()))
            } else {
                let mut listed: Vec<&CardNumber> =
                    batch.cards().iter().filter(|c| answered[pool_index(c)]).collect();
                // A deterministic shuffle: rotate by the seed.
                if !listed.is_empty() {
                    let by = (shuffle_seed % listed.len() as u64) as usize;
                    listed.rotate_left(by);
                }
                if repeat_first && !listed.is_empty() {
                    listed.push(listed[0]);
                    expected_strays += 1;
                }
                let outsider = CardNumber::parse("19999999999").unwrap();
                if foreign {
                    listed.push(&outsider);
                    expected_strays += 1;
                }
                let entries: Vec<String> = listed
                    .iter()
                    .map(|c| format!(r#"{{"num":"{c}","State":{},"Exceed":{{"UseFlow":1.50}}}}"#, code(c)))
                    .collect();
                let body = format!(r#"{{"status":1,"info":null,"data":{{"date":[{}]}}}}"#, entries.join(","));
                Ok(parse_usage(&support::ok(body.as_bytes())).unwrap())
            };
            let done = batch.assemble(answer);
            prop_assert_eq!(done.results.len(), batch.len());
            strays.extend(done.strays);
            results[batch.index()] = Some(done.results);
        }
        prop_assert_eq!(strays.len(), expected_strays);
        let expected_kinds = strays
            .iter()
            .all(|s| matches!(s, Stray::Repeated { .. } | Stray::NotAsked { .. }));
        prop_assert!(expected_kinds, "{:?}", strays);
        // Every card exactly once, in the caller's order.
        let cards: Vec<CardNumber> = batches.iter().flat_map(|b| b.cards().iter().cloned()).collect();
        prop_assert_eq!(&cards, &distinct);
        let unique: HashSet<_> = cards.iter().collect();
        prop_assert_eq!(unique.len(), cards.len());
        let results: Vec<_> = results.into_iter().flat_map(Option::unwrap).collect();
        prop_assert_eq!(results.len(), cards.len());
        for (position, (card, result)) in cards.iter().zip(&results).enumerate() {
            let batch = position / max;
            match result {
                Err(CardProblem::Failed(e)) => {
                    prop_assert_eq!(failed_batch, Some(batch));
                    prop_assert_eq!(e, &format!("batch {batch} failed"));
                }
                Err(CardProblem::Missing) => {
                    prop_assert!(failed_batch != Some(batch));
                    prop_assert!(!answered[pool_index(card)]);
                }
                Ok(usage) => {
                    prop_assert!(answered[pool_index(card)]);
                    prop_assert_eq!(code(card), 1);
                    let flow = usage.data_used.unwrap();
                    prop_assert_eq!(flow.amount.to_string(), "1.50");
                }
                Err(CardProblem::NotFound) => prop_assert_eq!(code(card), 0),
                Err(CardProblem::NoData { partial }) => {
                    prop_assert_eq!(code(card), 2);
                    let flow = partial.as_ref().and_then(|u| u.data_used).unwrap();
                    prop_assert_eq!(flow.amount.to_string(), "1.50");
                }
                Err(CardProblem::UnknownOutcome { code: got, partial }) => {
                    prop_assert_eq!(code(card), *got);
                    prop_assert!(partial.is_some());
                }
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
        }
    }

    /// Lazy batches: the caller's order, repeats dropped within a batch
    /// only, every batch full but the last, and together exactly the input
    /// without those repeats.
    #[test]
    fn lazy_batches_keep_order_and_drop_repeats_within_a_batch(input in numbers(), max in 1usize..12) {
        let size = NonZeroUsize::new(max).unwrap();
        let mut lazy = lazy_batches(input.clone().into_iter(), size);
        let batches: Vec<Batch> = lazy.by_ref().collect();
        // The slow way: walk the input, starting a new batch when full.
        let mut expected: Vec<Vec<CardNumber>> = Vec::new();
        let mut current: Vec<CardNumber> = Vec::new();
        let mut repeats = 0;
        for card in &input {
            if current.contains(card) {
                repeats += 1;
                continue;
            }
            current.push(card.clone());
            if current.len() == max {
                expected.push(std::mem::take(&mut current));
            }
        }
        if !current.is_empty() {
            expected.push(current);
        }
        let got: Vec<Vec<CardNumber>> = batches.iter().map(|b| b.cards().to_vec()).collect();
        prop_assert_eq!(got, expected);
        prop_assert_eq!(lazy.repeats_dropped(), repeats);
        for (i, batch) in batches.iter().enumerate() {
            prop_assert_eq!(batch.index(), i);
            prop_assert!(!batch.is_empty() && batch.len() <= max);
        }
    }
}
