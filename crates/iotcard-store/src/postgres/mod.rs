//! The PostgreSQL backend: one `tokio-postgres` connection.

mod aggregate;
mod notices;
mod read;
mod report;
mod rows;
mod tags;
mod watch;
mod write;

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use tokio::sync::Mutex;
use tokio_postgres::{Client, GenericClient, NoTls, Statement};

use crate::error::{Context, Result};
use crate::migrate;

/// A PostgreSQL store; cheap to clone (one shared connection).
#[derive(Clone)]
pub(crate) struct Postgres {
    client: Arc<Mutex<Conn>>,
}

/// The connection and the statements prepared on it: a statement the write
/// path runs every batch is parsed and planned once, not on every call
/// (which would also cost a round trip each).
pub(crate) struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// `sql` prepared on `client`'s connection, once.
pub(crate) async fn cached(
    statements: &mut HashMap<String, Statement>,
    client: &impl GenericClient,
    sql: &str,
) -> Result<Statement> {
    if let Some(statement) = statements.get(sql) {
        return Ok(statement.clone());
    }
    let statement = client.prepare(sql).await.context("preparing a statement")?;
    statements.insert(sql.to_owned(), statement.clone());
    Ok(statement)
}

/// Any fixed number: it names the migration lock among other advisory
/// locks the database may see.
const MIGRATION_LOCK: i64 = 0x0069_6f74_6361_7264;

impl Postgres {
    pub(crate) async fn open(url: &str) -> Result<Self> {
        let (mut client, connection) = tokio_postgres::connect(url, NoTls)
            .await
            .context("connecting")?;
        // The connection task ends when the client is dropped; its error, if
        // any, reaches the caller through the next query's error.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        migrate_postgres(&mut client).await?;
        Ok(Self {
            client: Arc::new(Mutex::new(Conn {
                client,
                statements: HashMap::new(),
            })),
        })
    }

    pub(crate) async fn schema_version(&self) -> Result<i64> {
        let client = self.client.lock().await;
        let row = client
            .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
            .await
            .context("reading the schema version")?;
        row.try_get(0).context("reading the schema version")
    }
}

async fn migrate_postgres(client: &mut Client) -> Result<()> {
    let tx = client
        .transaction()
        .await
        .context("starting the migration")?;
    // Two processes opening a new database at once must not both migrate it.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .context("taking the migration lock")?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version bigint NOT NULL)")
        .await
        .context("creating the schema version table")?;
    let found: i64 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
        .await
        .context("reading the schema version")?
        .try_get(0)
        .context("reading the schema version")?;
    for migration in migrate::pending(found)? {
        tx.batch_execute(migration.postgres)
            .await
            .context("applying a schema migration")?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&migration.version],
        )
        .await
        .context("recording the schema version")?;
    }
    tx.commit().await.context("committing the migration")
}
