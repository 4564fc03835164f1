//! One step of an evaluation — the account-level rules, a range of cards,
//! or the alerts of cards no range listed — from its inputs and stored
//! alert state to the rows it changes and the notifications it makes.
//! Nothing here waits: the ranges run it beside each other, in the tasks
//! that read them, and only folding the notifications into the digests
//! stays in order on the evaluation's own thread.

use std::sync::Arc;

use iotcard_model::Instant;
use iotcard_notify::Alert;
use iotcard_rules::{
    evaluate_in_place, AccountInput, AlertStates, CardInput, Inputs, PeriodKind, RuleSet, SyncInfo,
    Transition,
};
use iotcard_store::AlertChanges;

use crate::daemon::alerts::{row_changes, AlertMaker};
use crate::error::WatchError;

/// What one account's evaluation evaluates with, shared by its steps.
pub(crate) struct Evaluator {
    rules: Arc<RuleSet>,
    alerts: AlertMaker,
    profile: String,
    provider: &'static str,
}

/// What one step comes to.
pub(crate) struct Evaluated {
    /// The alert rows it changes (no notices: those come from the digests).
    pub rows: AlertChanges,
    /// How many transitions it made.
    pub transitions: u64,
    /// The notifications its transitions make, each with when it is due,
    /// in the transitions' order.
    pub alerts: Vec<(Instant, Alert)>,
    /// The alerts its state holds once evaluated.
    pub held: u64,
}

impl Evaluator {
    pub(crate) fn new(rules: &RuleSet, profile: &str, provider: &'static str) -> Self {
        Self {
            rules: Arc::new(rules.clone()),
            alerts: AlertMaker::new(rules),
            profile: profile.to_owned(),
            provider,
        }
    }

    /// The rules at `now` over `cards` (and `sync`, empty but for the
    /// account-level step) against `state`, as part of the account only:
    /// the state as changed, its changes tracked, and the transitions.
    pub(crate) fn run(
        &self,
        mut state: AlertStates,
        sync: SyncInfo,
        cards: Vec<CardInput>,
        now: Instant,
    ) -> (AlertStates, Vec<Transition>) {
        // Only what the evaluation changes is written back.
        state.track_changes();
        let inputs = Inputs {
            accounts: vec![AccountInput {
                profile: self.profile.clone(),
                provider: self.provider.to_owned(),
                period: PeriodKind::for_provider(self.provider),
                sync,
                cards,
                partial: true,
            }],
        };
        let transitions = evaluate_in_place(&self.rules, &inputs, &mut state, now);
        (state, transitions)
    }

    /// A step's changed state and transitions as rows and notifications.
    pub(crate) fn settle(
        &self,
        mut state: AlertStates,
        transitions: Vec<Transition>,
    ) -> Result<Evaluated, WatchError> {
        let rows = row_changes(state.take_changes().unwrap_or_default())?;
        let mut alerts = Vec::new();
        for t in &transitions {
            tracing::debug!(transition = %t, "alert transition");
            if let (Some(due_at), Some(alert)) = (t.notify_at, self.alerts.alert(self.provider, t))
            {
                alerts.push((due_at, alert));
            }
        }
        Ok(Evaluated {
            rows,
            transitions: transitions.len() as u64,
            alerts,
            held: state.len() as u64,
        })
    }

    /// [`run`](Self::run) then [`settle`](Self::settle).
    pub(crate) fn evaluate(
        &self,
        state: AlertStates,
        sync: SyncInfo,
        cards: Vec<CardInput>,
        now: Instant,
    ) -> Result<Evaluated, WatchError> {
        let (state, transitions) = self.run(state, sync, cards, now);
        self.settle(state, transitions)
    }
}
