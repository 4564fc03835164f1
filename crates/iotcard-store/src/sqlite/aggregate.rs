//! SQLite: the exporter's figures ([`crate::FleetAggregates`]), one
//! `GROUP BY` per family, in one read transaction so they agree.

use rusqlite::{params, Connection, Row};

use super::read::LATEST_STATE;
use crate::account::AccountId;
use crate::aggregate::{
    count, AccountSync, AccountUsage, CardCount, CardUsage, ExpiringCount, FiringAlerts,
    FleetAggregates, StoredRun, WITHIN_30D, WITHIN_7D,
};
use crate::error::{Context, Result};
use crate::state::{shape, stored_instant};

/// The cards [`crate::Store::fleet`] returns: those with a latest snapshot
/// (`s`) and its state (`st`). `CROSS JOIN` keeps SQLite's loop order:
/// accounts, then each one's cards through the (account_id, card_key) index.
fn latest() -> String {
    format!(
        "accounts a CROSS JOIN cards c ON c.account_id = a.id \
         CROSS JOIN snapshots s ON s.card_id = c.id AND s.taken_at = c.last_seen \
         CROSS JOIN card_state st ON st.card_id = c.id AND {LATEST_STATE}"
    )
}

pub(crate) fn aggregates(
    connection: &mut Connection,
    now: i64,
    per_card_limit: u32,
) -> Result<FleetAggregates> {
    // One snapshot of the database for every family (WAL: a sync writing
    // meanwhile is not seen half-way).
    let tx = connection
        .transaction()
        .context("starting the aggregate read")?;
    let from = latest();
    let c = "reading the card counts";
    let cards = collect(
        &tx,
        &format!(
            "SELECT a.profile, a.provider, st.operator, st.status, count(*) FROM {from} \
             GROUP BY a.profile, a.provider, st.operator, st.status"
        ),
        [],
        c,
        |row| {
            Ok(CardCount {
                profile: row.get(0)?,
                provider: row.get(1)?,
                operator: row.get(2)?,
                status: row.get(3)?,
                cards: count(row.get(4)?),
            })
        },
    )?;
    let (used_pu, left_pu) = (shape::USED_IN_PROVIDER_UNIT, shape::LEFT_IN_PROVIDER_UNIT);
    // CAST: a decimal is an INTEGER or the exact TEXT; total() is 0.0 over no rows.
    let usage = collect(
        &tx,
        &format!(
            "SELECT a.profile, \
             total(CASE WHEN st.shape & {used_pu} = 0 THEN CAST(s.data_used AS REAL) END), \
             total(CASE WHEN st.shape & {left_pu} = 0 THEN CAST(s.data_left AS REAL) END), \
             total(CASE WHEN st.shape & {used_pu} <> 0 THEN CAST(s.data_used AS REAL) END), \
             total(CASE WHEN st.shape & {left_pu} <> 0 THEN CAST(s.data_left AS REAL) END), \
             coalesce(sum(s.sms_used), 0), count(s.data_used) + count(s.data_left) \
             FROM {from} GROUP BY a.profile"
        ),
        [],
        "reading the usage sums",
        |row| {
            Ok(AccountUsage {
                profile: row.get(0)?,
                data_used_mb: row.get(1)?,
                data_left_mb: row.get(2)?,
                data_used_provider_unit: row.get(3)?,
                data_left_provider_unit: row.get(4)?,
                sms_used: row.get(5)?,
                figures: count(row.get(6)?),
            })
        },
    )?;
    let expiring = collect(
        &tx,
        &format!(
            "SELECT a.profile, coalesce(sum(st.expires_at <= ?1), 0), \
             coalesce(sum(st.expires_at <= ?2), 0) FROM {from} \
             WHERE st.expires_at IS NOT NULL GROUP BY a.profile"
        ),
        params![
            now.saturating_add(WITHIN_7D),
            now.saturating_add(WITHIN_30D)
        ],
        "reading the expiring cards",
        |row| {
            Ok(ExpiringCount {
                profile: row.get(0)?,
                within_7d: count(row.get(1)?),
                within_30d: count(row.get(2)?),
            })
        },
    )?;
    let alerts = collect(
        &tx,
        "SELECT profile, rule, count(*), count(nullif(card, '')), min(since) FROM alerts \
         WHERE phase = 'firing' GROUP BY profile, rule ORDER BY profile, rule",
        [],
        "reading the firing alerts",
        |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        },
    )?
    .into_iter()
    .map(
        |(profile, rule, n, cards, since): (String, String, i64, i64, i64)| {
            Ok(FiringAlerts {
                profile,
                rule,
                alerts: count(n),
                cards: count(cards),
                since: stored_instant(since, "alerts.since")?,
            })
        },
    )
    .collect::<Result<Vec<_>>>()?;
    let syncs = collect(
        &tx,
        "SELECT a.id, a.profile, a.provider, a.endpoint_host, \
         (SELECT max(x.ended_at) FROM runs x WHERE x.account_id = a.id AND x.outcome = 'finished'), \
         r.id, r.started_at, r.ended_at, r.outcome, r.asked, r.answered, r.not_found, r.failed, \
         r.first_errors \
         FROM accounts a LEFT JOIN runs r ON r.id = (SELECT y.id FROM runs y \
           WHERE y.account_id = a.id AND y.ended_at IS NOT NULL \
           ORDER BY y.started_at DESC, y.id DESC LIMIT 1) \
         ORDER BY a.profile",
        [],
        "reading the accounts' syncs",
        read_sync,
    )?
    .into_iter()
    .map(|(sync, success, run)| {
        Ok(AccountSync {
            last_success: success
                .map(|s| stored_instant(s, "runs.ended_at"))
                .transpose()?,
            last_run: run.map(StoredRun::into_run).transpose()?,
            ..sync
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let outbox_pending: i64 = tx
        .query_row(
            "SELECT count(*) FROM outbox WHERE delivered_at IS NULL",
            [],
            |row| row.get(0),
        )
        .context("counting the pending notifications")?;
    let per_card = collect(
        &tx,
        &format!(
            "SELECT a.profile, c.card_key, CAST(s.data_used AS REAL), st.shape & {used_pu}, \
             CAST(s.data_left AS REAL), st.shape & {left_pu} FROM {from} \
             ORDER BY a.profile, c.card_key LIMIT ?1"
        ),
        params![i64::from(per_card_limit)],
        "reading the per-card usage",
        |row| {
            Ok(CardUsage {
                profile: row.get(0)?,
                card: row.get(1)?,
                data_used: row.get(2)?,
                used_in_provider_unit: row.get::<_, i64>(3)? != 0,
                data_left: row.get(4)?,
                left_in_provider_unit: row.get::<_, i64>(5)? != 0,
            })
        },
    )?;
    let per_card_total = cards.iter().map(|c| c.cards).sum();
    tx.commit().context("ending the aggregate read")?;
    Ok(FleetAggregates {
        cards,
        usage,
        expiring,
        alerts,
        syncs,
        outbox_pending: count(outbox_pending),
        per_card,
        per_card_total,
    })
}

type SyncRow = (AccountSync, Option<i64>, Option<StoredRun>);

fn read_sync(row: &Row<'_>) -> rusqlite::Result<SyncRow> {
    let account: i64 = row.get(0)?;
    let profile: String = row.get(1)?;
    let run = match row.get::<_, Option<i64>>(5)? {
        Some(id) => Some(StoredRun {
            id,
            account,
            profile: profile.clone(),
            started_at: row.get(6)?,
            ended_at: row.get(7)?,
            outcome: row.get(8)?,
            counts: [row.get(9)?, row.get(10)?, row.get(11)?, row.get(12)?],
            first_errors: row.get(13)?,
        }),
        None => None,
    };
    Ok((
        AccountSync {
            account: AccountId(account),
            profile,
            provider: row.get(2)?,
            endpoint_host: row.get(3)?,
            last_success: None,
            last_run: None,
        },
        row.get(4)?,
        run,
    ))
}

fn collect<T>(
    connection: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    context: &'static str,
    read: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut statement = connection.prepare_cached(sql).context(context)?;
    let rows = statement.query_map(params, read).context(context)?;
    rows.collect::<rusqlite::Result<_>>().context(context)
}
