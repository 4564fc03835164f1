//! How a pass is tuned.

use std::time::Duration;

use iotcard_store::Retention;

/// How a sync pass writes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncOptions {
    /// Cards per transaction: a batch commits when it holds this many
    /// cards' results (default 1,000).
    pub batch_cards: usize,
    /// A batch also commits when its first result is this old, so a slow
    /// platform still has its answers stored as they come (default 500 ms).
    pub batch_age: Duration,
    /// Inventory cards read from the store at a time (IoTBOS), so a large
    /// inventory is never held whole (default 20,000).
    pub inventory_page: u32,
    /// What to prune after a pass that finished (`None`: no pruning).
    pub retention: Option<Retention>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            batch_cards: 1_000,
            batch_age: Duration::from_millis(500),
            inventory_page: 20_000,
            retention: Some(Retention::default()),
        }
    }
}

impl SyncOptions {
    /// These options with `cards` per transaction (at least 1).
    pub fn batch_cards(mut self, cards: usize) -> Self {
        self.batch_cards = cards.max(1);
        self
    }

    /// These options committing a batch at the latest `age` after its
    /// first result.
    pub fn batch_age(mut self, age: Duration) -> Self {
        self.batch_age = age;
        self
    }

    /// These options reading the inventory `cards` at a time (at least 1).
    pub fn inventory_page(mut self, cards: u32) -> Self {
        self.inventory_page = cards.max(1);
        self
    }

    /// These options pruning as `retention` says after each finished pass
    /// (`None`: never).
    pub fn retention(mut self, retention: Option<Retention>) -> Self {
        self.retention = retention;
        self
    }
}
