//! Replaying stored history: when each rule would have fired.

use iotcard_model::Instant;

use crate::{evaluate_in_place, AlertStates, Inputs, RuleSet, Transition};

/// Evaluates `rules` over `history` (the inputs as they were at each
/// instant, oldest first) from no alerts, and gives every transition in
/// order: what `iotcard rules replay --since 30d` shows.
pub fn replay(
    rules: &RuleSet,
    history: impl IntoIterator<Item = (Instant, Inputs)>,
) -> Vec<Transition> {
    replay_from(rules, AlertStates::new(), history).0
}

/// [`replay`] from a given state, giving the state at the end too.
pub fn replay_from(
    rules: &RuleSet,
    mut state: AlertStates,
    history: impl IntoIterator<Item = (Instant, Inputs)>,
) -> (Vec<Transition>, AlertStates) {
    let mut out = Vec::new();
    for (now, inputs) in history {
        out.extend(evaluate_in_place(rules, &inputs, &mut state, now));
    }
    (out, state)
}
