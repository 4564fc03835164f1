//! Everything that reads a SQLite store.

use chrono::NaiveDate;
use iotcard_model::{CardNumber, DataAmount, DataUnit, Instant, SmsCount};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, Row};

use super::rows::{self, STATE_COLUMNS, ST_COLUMNS};
use super::value::dec;
use crate::account::{Account, AccountId, AccountSpec};
use crate::daily::{date, day_number};
use crate::error::{Context, Result, StoreError};
use crate::fleet::used_share;
use crate::query::{CardDay, CardId, CardInfo, FleetCard, FleetFilter, HistoryEntry};
use crate::run::{RunCounts, RunId, RunOutcome, SyncRun};
use crate::runs::split_errors;
use crate::state::{self, stored_instant, State};

pub(crate) const CARD_COLUMNS: &str =
    "c.id, c.account_id, a.profile, c.card_key, c.inventory, c.first_seen, c.last_seen";

/// The columns [`fleet_card`] reads, after [`CARD_COLUMNS`] and before
/// `ST_COLUMNS`: the latest snapshot's figures (alias `s`).
pub(crate) const FIGURE_COLUMNS: &str = "s.sms_used, s.data_used, s.sms_left, s.data_left";

/// `SELECT` of what [`fleet_card`] reads: a card, its latest figures (alias
/// `s`) and state (alias `st`).
pub(crate) fn fleet_select() -> String {
    format!("SELECT {CARD_COLUMNS}, {FIGURE_COLUMNS}, {ST_COLUMNS}")
}

/// The latest state of card `c`: the last one at or before its latest
/// snapshot (alias `s`, at `c.last_seen`).
pub(crate) const LATEST_STATE: &str = "st.since = (SELECT max(x.since) FROM card_state x \
    WHERE x.card_id = c.id AND x.since <= c.last_seen)";

/// A card's latest snapshot from a row of [`fleet_select`].
pub(crate) fn fleet_card(row: &Row<'_>) -> Result<FleetCard> {
    let card = card_info(row)?;
    let figures = rows::read_figures(row, 7)?;
    let state: State<&str> = rows::read_state(row, 11)?;
    let snapshot = state::join(&card.key, state, &figures)?;
    let taken_at = card
        .last_seen
        .ok_or_else(|| StoreError::Corrupt("a latest snapshot without last_seen".into()))?;
    Ok(FleetCard {
        card,
        taken_at,
        snapshot,
    })
}

fn card_info(row: &Row<'_>) -> Result<CardInfo> {
    let seen = |i: usize| -> Result<Option<Instant>> {
        row.get::<_, Option<i64>>(i)
            .context("reading a card")?
            .map(|s| stored_instant(s, "cards.first_seen/last_seen"))
            .transpose()
    };
    Ok(CardInfo {
        id: CardId(row.get(0).context("reading a card")?),
        account: AccountId(row.get(1).context("reading a card")?),
        profile: row.get(2).context("reading a card")?,
        key: row.get(3).context("reading a card")?,
        inventory: row.get(4).context("reading a card")?,
        first_seen: seen(5)?,
        last_seen: seen(6)?,
    })
}

pub(crate) fn accounts(connection: &mut Connection) -> Result<Vec<Account>> {
    let mut statement = connection
        .prepare_cached(
            "SELECT id, profile, provider, endpoint_host FROM accounts ORDER BY profile",
        )
        .context("preparing the account list")?;
    let rows = statement
        .query_map([], |row| {
            Ok(Account {
                id: AccountId(row.get(0)?),
                spec: AccountSpec::new(
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ),
            })
        })
        .context("listing accounts")?;
    rows.collect::<rusqlite::Result<_>>()
        .context("listing accounts")
}

fn placeholders(values: &mut Vec<Value>, items: impl IntoIterator<Item = Value>) -> String {
    let mut marks = Vec::new();
    for item in items {
        values.push(item);
        marks.push(format!("?{}", values.len()));
    }
    marks.join(", ")
}

pub(crate) fn fleet(
    connection: &mut Connection,
    filter: &FleetFilter,
    now: i64,
) -> Result<Vec<FleetCard>> {
    let mut values: Vec<Value> = Vec::new();
    let mut conditions: Vec<String> = Vec::new();
    if !filter.profiles.is_empty() {
        let marks = placeholders(
            &mut values,
            filter.profiles.iter().cloned().map(Value::Text),
        );
        conditions.push(format!("a.profile IN ({marks})"));
    }
    if !filter.operators.is_empty() {
        let marks = placeholders(
            &mut values,
            filter
                .operators
                .iter()
                .map(|o| Value::Text(o.name().to_owned())),
        );
        conditions.push(format!("st.operator IN ({marks})"));
    }
    if !filter.statuses.is_empty() {
        let marks = placeholders(
            &mut values,
            filter
                .statuses
                .iter()
                .map(|s| Value::Text(s.as_str().to_owned())),
        );
        conditions.push(format!("st.status IN ({marks})"));
    }
    if let Some(within) = filter.expiring_within {
        let marks = placeholders(
            &mut values,
            [Value::Integer(now.saturating_add(secs(within)))],
        );
        conditions.push(format!("st.expires_at <= {marks}"));
    }
    if let Some(silent) = filter.silent_for {
        let since = now.saturating_sub(secs(silent));
        let since_mark = placeholders(&mut values, [Value::Integer(since)]);
        let day_mark = placeholders(&mut values, [Value::Integer(crate::daily::day_of(since))]);
        // CAST: a decimal is an INTEGER or TEXT, and SQLite orders any TEXT
        // above any number.
        conditions.push(format!(
            "c.first_seen <= {since_mark} AND NOT EXISTS (SELECT 1 FROM daily d \
             WHERE d.card_id = c.id AND d.day >= {day_mark} AND CAST(d.data_used AS REAL) > 0)"
        ));
    }
    let latest_state = LATEST_STATE;
    // CROSS JOIN fixes SQLite's loop order. A filter on the state scans
    // `card_state` in file order and looks up only the cards whose state
    // matches (a sort of those few follows); otherwise the accounts in
    // profile order, each one's cards in key order through the
    // (account_id, card_key) index, need no sort at all.
    let state_filtered = filter.expiring_within.is_some()
        || !filter.operators.is_empty()
        || !filter.statuses.is_empty();
    let from = if state_filtered {
        conditions.push(latest_state.to_owned());
        "card_state st CROSS JOIN cards c ON c.id = st.card_id \
         CROSS JOIN accounts a ON a.id = c.account_id \
         CROSS JOIN snapshots s ON s.card_id = c.id AND s.taken_at = c.last_seen"
            .to_owned()
    } else {
        format!(
            "accounts a CROSS JOIN cards c ON c.account_id = a.id \
             CROSS JOIN snapshots s ON s.card_id = c.id AND s.taken_at = c.last_seen \
             CROSS JOIN card_state st ON st.card_id = c.id AND {latest_state}"
        )
    };
    let mut sql = format!("{} FROM {from}", fleet_select());
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(" ORDER BY a.profile, c.card_key");
    let mut statement = connection
        .prepare(&sql)
        .context("preparing the fleet query")?;
    let mut rows = statement
        .query(params_from_iter(values))
        .context("reading the fleet")?;
    let mut fleet = Vec::new();
    while let Some(row) = rows.next().context("reading the fleet")? {
        let card = fleet_card(row)?;
        if let Some(threshold) = filter.used_above {
            if used_share(&card.snapshot).is_none_or(|share| share <= threshold) {
                continue;
            }
        }
        fleet.push(card);
    }
    Ok(fleet)
}

fn secs(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

pub(crate) fn find_cards(connection: &mut Connection, number: &str) -> Result<Vec<CardInfo>> {
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {CARD_COLUMNS} FROM cards c JOIN accounts a ON a.id = c.account_id \
             WHERE c.card_key = ?1 OR c.iccid = upper(?1) OR c.msisdn = ?1 \
             ORDER BY a.profile, c.card_key"
        ))
        .context("preparing the card search")?;
    let mut rows = statement.query([number]).context("finding cards")?;
    let mut found = Vec::new();
    while let Some(row) = rows.next().context("finding cards")? {
        found.push(card_info(row)?);
    }
    Ok(found)
}

pub(crate) fn card(connection: &mut Connection, id: CardId) -> Result<Option<CardInfo>> {
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {CARD_COLUMNS} FROM cards c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?1"
        ))
        .context("preparing the card lookup")?;
    let mut rows = statement.query([id.0]).context("finding a card")?;
    match rows.next().context("finding a card")? {
        Some(row) => Ok(Some(card_info(row)?)),
        None => Ok(None),
    }
}

pub(crate) fn history(
    connection: &mut Connection,
    id: CardId,
    from: i64,
    to: i64,
) -> Result<Vec<HistoryEntry>> {
    let Some(card) = card(connection, id)? else {
        return Err(StoreError::NotFound {
            what: "card",
            id: id.0,
        });
    };
    let states: Vec<(i64, State)> = {
        let mut statement = connection
            .prepare_cached(&format!(
                "SELECT since, {STATE_COLUMNS} FROM card_state WHERE card_id = ?1 AND since < ?2 \
                 ORDER BY since"
            ))
            .context("preparing the state history")?;
        let mut rows = statement
            .query(params![id.0, to])
            .context("reading states")?;
        let mut states = Vec::new();
        while let Some(row) = rows.next().context("reading states")? {
            states.push((
                row.get(0).context("reading states")?,
                rows::read_state(row, 1)?,
            ));
        }
        states
    };
    let mut statement = connection
        .prepare_cached(
            "SELECT taken_at, sms_used, data_used, sms_left, data_left FROM snapshots \
             WHERE card_id = ?1 AND taken_at >= ?2 AND taken_at < ?3 ORDER BY taken_at",
        )
        .context("preparing the history")?;
    let mut rows = statement
        .query(params![id.0, from, to])
        .context("reading history")?;
    let mut entries = Vec::new();
    let mut current = 0;
    while let Some(row) = rows.next().context("reading history")? {
        let at: i64 = row.get(0).context("reading history")?;
        while current + 1 < states.len() && states[current + 1].0 <= at {
            current += 1;
        }
        let state = states
            .get(current)
            .filter(|(since, _)| *since <= at)
            .map(|(_, s)| s)
            .ok_or_else(|| {
                StoreError::Corrupt(format!("card {}: a snapshot without a state", id.0))
            })?;
        let figures = rows::read_figures(row, 1)?;
        entries.push(HistoryEntry {
            taken_at: stored_instant(at, "snapshots.taken_at")?,
            snapshot: state::join(&card.key, state.clone(), &figures)?,
        });
    }
    Ok(entries)
}

/// Daily rows of one card, or of every card of the given profiles (all
/// when empty), with each card's account.
pub(crate) fn daily(
    connection: &mut Connection,
    card: Option<CardId>,
    profiles: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(AccountId, String, CardDay)>> {
    let mut values: Vec<Value> = vec![
        Value::Integer(day_number(from)),
        Value::Integer(day_number(to)),
    ];
    let mut sql = format!(
        "SELECT {DAY_COLUMNS}, c.account_id, a.profile FROM daily d \
         JOIN cards c ON c.id = d.card_id JOIN accounts a ON a.id = c.account_id \
         WHERE d.day >= ?1 AND d.day <= ?2",
    );
    if let Some(card) = card {
        let mark = placeholders(&mut values, [Value::Integer(card.0)]);
        sql.push_str(&format!(" AND d.card_id = {mark}"));
    }
    if !profiles.is_empty() {
        let marks = placeholders(&mut values, profiles.iter().cloned().map(Value::Text));
        sql.push_str(&format!(" AND a.profile IN ({marks})"));
    }
    sql.push_str(" ORDER BY d.card_id, d.day");
    let mut statement = connection
        .prepare(&sql)
        .context("preparing the daily query")?;
    let mut rows = statement
        .query(params_from_iter(values))
        .context("reading daily usage")?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().context("reading daily usage")? {
        let c = "reading daily usage";
        out.push((
            AccountId(row.get(8).context(c)?),
            row.get(9).context(c)?,
            card_day(row)?,
        ));
    }
    Ok(out)
}

/// The columns [`card_day`] reads, first in a row (alias `d`: `daily`).
pub(crate) const DAY_COLUMNS: &str = "d.card_id, d.day, d.data_used, d.data_in_provider_unit, \
    d.sms_used, d.snapshots, d.covers_from, d.period_reset";

/// A card's day from a row starting with [`DAY_COLUMNS`].
pub(crate) fn card_day(row: &Row<'_>) -> Result<CardDay> {
    let c = "reading daily usage";
    let day: i64 = row.get(1).context(c)?;
    let provider_unit: bool = row.get(3).context(c)?;
    let unit = if provider_unit {
        DataUnit::ProviderUnit
    } else {
        DataUnit::Mb
    };
    let covers_from: Option<i64> = row.get(6).context(c)?;
    Ok(CardDay {
        card: CardId(row.get(0).context(c)?),
        day: date(day).ok_or_else(|| StoreError::Corrupt(format!("day {day}")))?,
        data_used: dec(row, 2)?.map(|d| DataAmount::new(d, unit)),
        sms_used: row.get::<_, Option<i64>>(4).context(c)?.map(SmsCount),
        snapshots: row.get(5).context(c)?,
        covers_from: covers_from
            .map(|s| stored_instant(s, "daily.covers_from"))
            .transpose()?,
        period_reset: row.get(7).context(c)?,
    })
}

pub(crate) fn sync_runs(
    connection: &mut Connection,
    profiles: &[String],
    limit: u32,
) -> Result<Vec<SyncRun>> {
    let mut values: Vec<Value> = vec![Value::Integer(i64::from(limit))];
    let mut sql = String::from(
        "SELECT r.id, r.account_id, a.profile, r.started_at, r.ended_at, r.outcome, r.asked, \
         r.answered, r.not_found, r.failed, r.first_errors FROM runs r \
         JOIN accounts a ON a.id = r.account_id",
    );
    if !profiles.is_empty() {
        let marks = placeholders(&mut values, profiles.iter().cloned().map(Value::Text));
        sql.push_str(&format!(" WHERE a.profile IN ({marks})"));
    }
    sql.push_str(" ORDER BY r.started_at DESC, r.id DESC LIMIT ?1");
    let mut statement = connection.prepare(&sql).context("preparing the run list")?;
    let mut rows = statement
        .query(params_from_iter(values))
        .context("listing runs")?;
    let mut runs = Vec::new();
    while let Some(row) = rows.next().context("listing runs")? {
        let e = |e| StoreError::Sqlite {
            context: "listing runs",
            source: e,
        };
        let outcome: String = row.get(5).map_err(e)?;
        let count =
            |i: usize| -> Result<u64> { Ok(row.get::<_, i64>(i).map_err(e)?.max(0) as u64) };
        runs.push(SyncRun {
            id: RunId(row.get(0).map_err(e)?),
            account: AccountId(row.get(1).map_err(e)?),
            profile: row.get(2).map_err(e)?,
            started_at: stored_instant(row.get(3).map_err(e)?, "runs.started_at")?,
            ended_at: row
                .get::<_, Option<i64>>(4)
                .map_err(e)?
                .map(|s| stored_instant(s, "runs.ended_at"))
                .transpose()?,
            outcome: RunOutcome::from_name(&outcome)
                .ok_or_else(|| StoreError::Corrupt(format!("run outcome {outcome:?}")))?,
            counts: RunCounts {
                asked: count(6)?,
                answered: count(7)?,
                not_found: count(8)?,
                failed: count(9)?,
            },
            first_errors: split_errors(&row.get::<_, String>(10).map_err(e)?),
        });
    }
    Ok(runs)
}

pub(crate) fn inventory(
    connection: &mut Connection,
    account: AccountId,
) -> Result<Vec<CardNumber>> {
    let mut statement = connection
        .prepare_cached(
            "SELECT card_key FROM cards WHERE account_id = ?1 AND inventory = 1 ORDER BY card_key",
        )
        .context("preparing the inventory list")?;
    let keys = statement
        .query_map([account.0], |row| row.get::<_, String>(0))
        .context("listing the inventory")?
        .collect::<rusqlite::Result<Vec<_>>>()
        .context("listing the inventory")?;
    keys.iter()
        .map(|k| CardNumber::parse(k).map_err(|e| StoreError::Corrupt(e.to_string())))
        .collect()
}

/// Up to `limit` inventory cards after `after` (in key order), so a sync
/// of a million cards never holds the whole list.
pub(crate) fn inventory_page(
    connection: &mut Connection,
    account: AccountId,
    after: &str,
    limit: u32,
) -> Result<Vec<CardNumber>> {
    let mut statement = connection
        .prepare_cached(
            "SELECT card_key FROM cards WHERE account_id = ?1 AND inventory = 1 \
             AND card_key > ?2 ORDER BY card_key LIMIT ?3",
        )
        .context("preparing the inventory page")?;
    let keys = statement
        .query_map(params![account.0, after, limit], |row| {
            row.get::<_, String>(0)
        })
        .context("listing the inventory")?
        .collect::<rusqlite::Result<Vec<_>>>()
        .context("listing the inventory")?;
    keys.iter()
        .map(|k| CardNumber::parse(k).map_err(|e| StoreError::Corrupt(e.to_string())))
        .collect()
}

pub(crate) fn stats(connection: &mut Connection) -> Result<crate::retention::StoreStats> {
    let count = |table: &str| -> Result<u64> {
        let n: i64 = connection
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .context("counting rows")?;
        Ok(n.max(0) as u64)
    };
    let pages: i64 = connection
        .pragma_query_value(None, "page_count", |r| r.get(0))
        .context("reading the page count")?;
    let page_size: i64 = connection
        .pragma_query_value(None, "page_size", |r| r.get(0))
        .context("reading the page size")?;
    Ok(crate::retention::StoreStats {
        schema_version: connection
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .context("reading the schema version")?,
        accounts: count("accounts")?,
        cards: count("cards")?,
        snapshots: count("snapshots")?,
        states: count("card_state")?,
        daily: count("daily")?,
        runs: count("runs")?,
        bytes: (pages * page_size).max(0) as u64,
    })
}
