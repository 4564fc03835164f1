//! Which alerts changed: recorded as an evaluation changes them, so a
//! store writes the changed rows without comparing every alert of a large
//! fleet before and after.

use std::collections::HashMap;

use foldhash::fast::FixedState;

use crate::{AlertKey, AlertRecord, AlertState, AlertStates, StateChanges};

/// Every alert changed while tracking, with its state before the first
/// change (`None`: it did not exist).
#[derive(Clone, Debug, Default)]
pub(crate) struct ChangeLog {
    before: HashMap<AlertKey, Option<AlertState>, FixedState>,
}

impl ChangeLog {
    /// Records that `key` is about to change from `before` (given only the
    /// first time: later changes keep the state tracking began with).
    pub(crate) fn record(&mut self, key: AlertKey, before: impl FnOnce() -> Option<AlertState>) {
        self.before.entry(key).or_insert_with(|| {
            before().map(|mut state| {
                state.seen = false;
                state
            })
        });
    }
}

impl AlertStates {
    /// Starts recording which alerts change (evaluations, resolutions,
    /// inserts and removals), forgetting what was recorded before, so that
    /// [`AlertStates::take_changes`] gives what
    /// [`AlertStates::changes_since`] would without a copy of the state
    /// before and a comparison of every alert.
    pub fn track_changes(&mut self) {
        self.log = Some(ChangeLog::default());
    }

    /// What changed since [`AlertStates::track_changes`] (or the last
    /// take), the same rows as [`AlertStates::changes_since`] the state
    /// then; tracking goes on from here. `None` when changes are not
    /// tracked.
    pub fn take_changes(&mut self) -> Option<StateChanges> {
        let log = std::mem::take(self.log.as_mut()?);
        let mut changes = StateChanges::default();
        for (key, before) in log.before {
            match (self.get(&key), before) {
                (Some(now), Some(before)) if now.same_as(&before) => {}
                (Some(now), _) => changes.upserts.push(AlertRecord {
                    state: now.clone(),
                    key,
                }),
                (None, Some(_)) => changes.removals.push(key),
                (None, None) => {}
            }
        }
        changes.upserts.sort_by(|a, b| a.key.cmp(&b.key));
        changes.removals.sort();
        Some(changes)
    }
}
