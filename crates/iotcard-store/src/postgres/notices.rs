//! Staged notices in PostgreSQL: staged and consumed inside the commit
//! transaction of `watch.rs`, read in id order.

use std::collections::HashMap;

use tokio_postgres::{Row, Statement, Transaction};

use super::{cached, Postgres};
use crate::error::{Context, Result};
use crate::notices::{AlertNotice, StagedNotice};
use crate::state::stored_instant;

/// Notice inserts in the order given (ids increase with it), one statement.
const STAGE: &str = "INSERT INTO alert_notices (profile, rule, notify_at, body) \
    SELECT p, r, n, b FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) \
    WITH ORDINALITY AS s (p, r, n, b, i) ORDER BY i";

const CONSUME: &str = "DELETE FROM alert_notices WHERE profile = $1";

/// Stages `notices` in the caller's transaction; how many were stored.
pub(super) async fn stage(
    statements: &mut HashMap<String, Statement>,
    tx: &Transaction<'_>,
    notices: &[AlertNotice],
) -> Result<u64> {
    if notices.is_empty() {
        return Ok(0);
    }
    let profiles: Vec<&str> = notices.iter().map(|n| n.profile.as_str()).collect();
    let rules: Vec<&str> = notices.iter().map(|n| n.rule.as_str()).collect();
    let at: Vec<i64> = notices.iter().map(|n| n.notify_at.timestamp()).collect();
    let bodies: Vec<&str> = notices.iter().map(|n| n.body.as_str()).collect();
    let stage = cached(statements, tx, STAGE).await?;
    tx.execute(&stage, &[&profiles, &rules, &at, &bodies])
        .await
        .context("staging notices")
}

/// Deletes every staged notice of `profile` in the caller's transaction.
pub(super) async fn consume(
    statements: &mut HashMap<String, Statement>,
    tx: &Transaction<'_>,
    profile: &str,
) -> Result<u64> {
    let consume = cached(statements, tx, CONSUME).await?;
    tx.execute(&consume, &[&profile])
        .await
        .context("deleting queued notices")
}

fn staged_notice(row: &Row) -> Result<StagedNotice> {
    let c = "reading a staged notice";
    Ok(StagedNotice {
        id: row.try_get(0).context(c)?,
        notice: AlertNotice {
            profile: row.try_get(1).context(c)?,
            rule: row.try_get(2).context(c)?,
            notify_at: stored_instant(row.try_get(3).context(c)?, "alert_notices.notify_at")?,
            body: row.try_get(4).context(c)?,
        },
    })
}

impl Postgres {
    pub(crate) async fn staged_notices(
        &self,
        profile: &str,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<StagedNotice>> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT id, profile, rule, notify_at, body FROM alert_notices \
                 WHERE profile = $1 AND id > $2 ORDER BY id LIMIT $3",
                &[&profile, &after_id, &i64::from(limit)],
            )
            .await
            .context("reading staged notices")?;
        rows.iter().map(staged_notice).collect()
    }

    pub(crate) async fn has_staged_notices(&self, profile: &str) -> Result<bool> {
        let client = self.client.lock().await;
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM alert_notices WHERE profile = $1)",
                &[&profile],
            )
            .await
            .context("checking for staged notices")?;
        row.try_get(0).context("checking for staged notices")
    }
}
