//! Staged notices in SQLite: staged and consumed inside the commit
//! transaction of `watch.rs`, read in id order.

use rusqlite::{params, Connection, Row};

use crate::error::{Context, Result};
use crate::notices::{AlertNotice, StagedNotice};
use crate::state::stored_instant;

/// Stages `notices` in the caller's transaction; how many were stored.
pub(super) fn stage(tx: &Connection, notices: &[AlertNotice]) -> Result<u64> {
    if notices.is_empty() {
        return Ok(0);
    }
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO alert_notices (profile, rule, notify_at, body) VALUES (?1, ?2, ?3, ?4)",
        )
        .context("preparing the notice insert")?;
    let mut staged = 0;
    for notice in notices {
        staged += insert
            .execute(params![
                notice.profile,
                notice.rule,
                notice.notify_at.timestamp(),
                notice.body
            ])
            .context("staging a notice")? as u64;
    }
    Ok(staged)
}

/// Deletes every staged notice of `profile` in the caller's transaction.
pub(super) fn consume(tx: &Connection, profile: &str) -> Result<u64> {
    let deleted = tx
        .prepare_cached("DELETE FROM alert_notices WHERE profile = ?1")
        .context("preparing the notice deletion")?
        .execute([profile])
        .context("deleting queued notices")?;
    Ok(deleted as u64)
}

fn staged_notice(row: &Row<'_>) -> Result<StagedNotice> {
    let c = "reading a staged notice";
    Ok(StagedNotice {
        id: row.get(0).context(c)?,
        notice: AlertNotice {
            profile: row.get(1).context(c)?,
            rule: row.get(2).context(c)?,
            notify_at: stored_instant(row.get(3).context(c)?, "alert_notices.notify_at")?,
            body: row.get(4).context(c)?,
        },
    })
}

pub(crate) fn staged_notices(
    connection: &mut Connection,
    profile: &str,
    after_id: i64,
    limit: u32,
) -> Result<Vec<StagedNotice>> {
    let mut statement = connection
        .prepare_cached(
            "SELECT id, profile, rule, notify_at, body FROM alert_notices \
             WHERE profile = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
        )
        .context("preparing the staged notices")?;
    let mut rows = statement
        .query(params![profile, after_id, limit])
        .context("reading staged notices")?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().context("reading staged notices")? {
        out.push(staged_notice(row)?);
    }
    Ok(out)
}

pub(crate) fn has_staged_notices(connection: &mut Connection, profile: &str) -> Result<bool> {
    connection
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM alert_notices WHERE profile = ?1)")
        .context("preparing the staged notice check")?
        .query_row([profile], |row| row.get(0))
        .context("checking for staged notices")
}
