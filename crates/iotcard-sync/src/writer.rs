//! The task that commits batches while the next one fills, so the store's
//! work overlaps the platform's instead of pausing the requests.

use iotcard_store::{Batch, RunId, Store, StoreError};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::SyncError;

/// Where a pass tells the keys of the cards each batch it commits
/// answered, once committed, in commit order (see
/// [`sync_account_telling`](crate::sync_account_telling)).
pub type Committed = mpsc::Sender<Vec<String>>;

/// Batches queued ahead of the writer: one committing, one or two waiting
/// (more would only hold memory; fewer would stall the requests).
const QUEUE: usize = 2;

/// What the writer stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Written {
    pub written: u64,
    pub duplicates: u64,
}

/// Commits batches in the order sent, each in its own transaction.
#[derive(Debug)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Batch>,
    task: JoinHandle<Result<Written, StoreError>>,
}

impl Writer {
    pub(crate) fn spawn(store: Store, run: RunId, committed: Option<Committed>) -> Self {
        let (queue, mut batches) = mpsc::channel::<Batch>(QUEUE);
        let task = tokio::spawn(async move {
            let mut total = Written::default();
            while let Some(batch) = batches.recv().await {
                let report = store.write_snapshots(run, &batch).await?;
                total.written += report.written;
                total.duplicates += report.duplicates;
                if let Some(committed) = &committed {
                    let keys = batch.snapshots.iter().map(|o| o.snapshot.card.clone());
                    // Waits while the listener is behind (so memory stays
                    // bounded); a listener gone (it failed) is its own
                    // error to tell, not the pass's.
                    let _ = committed.send(keys.collect()).await;
                }
            }
            Ok(total)
        });
        Self { queue, task }
    }

    /// Queues `batch`; `Err` with the writer's own error when it has
    /// stopped (a batch failed to commit).
    pub(crate) async fn send(self, batch: Batch) -> Result<Self, SyncError> {
        match self.queue.send(batch).await {
            Ok(()) => Ok(self),
            Err(_) => Err(self.finish().await.err().unwrap_or(SyncError::Store {
                doing: "writing a batch",
                source: StoreError::Invalid("the store writer stopped".into()),
            })),
        }
    }

    /// Waits for every queued batch to commit.
    pub(crate) async fn finish(self) -> Result<Written, SyncError> {
        drop(self.queue);
        self.task
            .await
            .map_err(SyncError::Writer)?
            .map_err(SyncError::store("writing a batch"))
    }
}
