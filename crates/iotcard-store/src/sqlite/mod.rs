//! The SQLite backend: one connection, used from a blocking thread.

mod aggregate;
mod notices;
mod read;
mod report;
mod rows;
mod tags;
mod value;
mod watch;
mod write;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};

use crate::error::{Context, Result, StoreError};
use crate::migrate;

pub(crate) use aggregate::*;
pub(crate) use notices::{has_staged_notices, staged_notices};
pub(crate) use read::*;
pub(crate) use report::*;
pub(crate) use tags::*;
pub(crate) use watch::*;
pub(crate) use write::*;

/// A SQLite store; cheap to clone (one shared connection, and read-only
/// ones opened when first needed).
#[derive(Clone)]
pub(crate) struct Sqlite {
    connection: Arc<Mutex<Connection>>,
    readers: Arc<Readers>,
}

/// Read-only connections for reads that may run beside the writer and
/// beside each other (WAL lets them): an evaluation reads two pages of a
/// million-card fleet at once while it commits the one before.
struct Readers {
    path: PathBuf,
    slots: [Mutex<Option<Connection>>; READERS],
    next: AtomicUsize,
}

const READERS: usize = 2;

impl Sqlite {
    /// Opens (creating it and its directory if need be) and migrates.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let mut connection = Connection::open(path).context("opening the database file")?;
        // WAL: readers (`sqlite3`, Grafana) never block a sync, and a crash
        // loses at most the transaction in flight. NORMAL is durable across a
        // process crash in WAL mode; only a power cut can drop the last commits.
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .context("turning on WAL")?;
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .context("setting synchronous")?;
        // Another process (a second sync, `sqlite3`) may hold the write lock briefly.
        connection
            .busy_timeout(std::time::Duration::from_secs(30))
            .context("setting the busy timeout")?;
        // 8 MiB: a sync visits each page once per pass, so a bigger cache
        // buys little and would count against the sync's memory budget; the
        // OS page cache serves the reads.
        connection
            .pragma_update(None, "cache_size", -8_192)
            .context("setting the cache size")?;
        // Checkpoint every 32 MiB of WAL rather than 4: a page a sync
        // rewrites many times is copied to the file once per checkpoint.
        connection
            .pragma_update(None, "wal_autocheckpoint", 8192)
            .context("setting the checkpoint interval")?;
        migrate_sqlite(&mut connection)?;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
            readers: Arc::new(Readers {
                path: path.to_owned(),
                slots: std::array::from_fn(|_| Mutex::new(None)),
                next: AtomicUsize::new(0),
            }),
        })
    }

    /// Runs `work` on a read-only connection in a blocking thread: it sees
    /// what was committed when its statement began, and never waits for the
    /// writer.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let readers = Arc::clone(&self.readers);
        tokio::task::spawn_blocking(move || {
            // A free reader if there is one, else the next in turn.
            let mut slot = readers
                .slots
                .iter()
                .find_map(|slot| slot.try_lock().ok())
                .unwrap_or_else(|| {
                    let turn = readers.next.fetch_add(1, Ordering::Relaxed) % READERS;
                    readers.slots[turn]
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                });
            if slot.is_none() {
                *slot = Some(open_reader(&readers.path)?);
            }
            match slot.as_mut() {
                Some(connection) => work(connection),
                None => Err(StoreError::Corrupt(
                    "a reader that was just opened is gone".into(),
                )),
            }
        })
        .await
        .map_err(StoreError::Worker)?
    }

    /// Runs `work` on the connection in a blocking thread.
    pub(crate) async fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            // A panic in an earlier call poisons the lock; the connection
            // itself is still sound (SQLite rolls back an unfinished
            // transaction when the statement handles are dropped).
            let mut guard = connection
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            work(&mut guard)
        })
        .await
        .map_err(StoreError::Worker)?
    }
}

/// A write transaction that takes SQLite's write lock at once, so the
/// checks it makes hold until it commits.
pub(crate) fn immediate(connection: &mut Connection) -> Result<rusqlite::Transaction<'_>> {
    connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .context("starting a write transaction")
}

/// A read-only connection to the store at `path` (which the writer has
/// opened and migrated).
fn open_reader(path: &Path) -> Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .context("opening a reader of the database file")?;
    connection
        .busy_timeout(std::time::Duration::from_secs(30))
        .context("setting the busy timeout")?;
    // 2 MiB, a quarter of the writer's: a reader walks ranges of cards and
    // their rows once per pass, so the cache need hold little more than the
    // B-trees' upper levels (the OS page cache serves the rest), and the
    // readers' caches count against the watcher's memory budget.
    connection
        .pragma_update(None, "cache_size", -2_048)
        .context("setting the cache size")?;
    // The plans of a reader's statements never depend on the values bound:
    // otherwise SQLite may mark a statement to be compiled again when a
    // parameter changes, and every range of a pass binds new ids.
    connection
        .set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )
        .context("fixing the readers' query plans")?;
    Ok(connection)
}

fn migrate_sqlite(connection: &mut Connection) -> Result<()> {
    let tx = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .context("starting the migration")?;
    let found: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .context("reading the schema version")?;
    for migration in migrate::pending(found)? {
        tx.execute_batch(migration.sqlite)
            .context("applying a schema migration")?;
        tx.pragma_update(None, "user_version", migration.version)
            .context("recording the schema version")?;
    }
    tx.commit().context("committing the migration")
}

/// The schema version of an open store.
pub(crate) fn schema_version(connection: &mut Connection) -> Result<i64> {
    connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .context("reading the schema version")
}
