//! The watcher's tables in SQLite: alert state, the outbox, leases, and the
//! paged reads of rule inputs. SQLite has one writer at a time; every write
//! here is a `BEGIN IMMEDIATE` transaction, so a check and the write it
//! guards (a lease's holder, an entry's claim) see no other writer between.

use iotcard_model::CardStatus;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::immediate;
use super::notices;
use super::read::{card_day, fleet_card, CARD_COLUMNS, DAY_COLUMNS};
use super::rows::LATEST_COLUMNS;
use crate::account::AccountId;
use crate::alerts::{card_column, card_from_column, AlertChanges, AlertRow, CommitReport};
use crate::error::{Context, Result, StoreError};
use crate::lease::Lease;
use crate::outbox::{OutboxEntry, OutboxItem};
use crate::query::{CardDay, CardId, FleetCard, SnapshotParts, StatusChangeRow};
use crate::state::stored_instant;
use crate::watch::attempts;

fn alert_row(row: &Row<'_>) -> Result<AlertRow> {
    let c = "reading an alert";
    Ok(AlertRow {
        profile: row.get(0).context(c)?,
        rule: row.get(1).context(c)?,
        card: card_from_column(row.get(2).context(c)?),
        phase: row.get(3).context(c)?,
        since: stored_instant(row.get(4).context(c)?, "alerts.since")?,
        body: row.get(5).context(c)?,
    })
}

pub(crate) fn alert_rows(
    connection: &mut Connection,
    profiles: &[String],
) -> Result<Vec<AlertRow>> {
    let columns = "SELECT profile, rule, card, phase, since, body FROM alerts";
    let order = "ORDER BY profile, rule, card";
    let mut out = Vec::new();
    let mut push = |mut rows: rusqlite::Rows<'_>| -> Result<()> {
        while let Some(row) = rows.next().context("listing alerts")? {
            out.push(alert_row(row)?);
        }
        Ok(())
    };
    if profiles.is_empty() {
        let mut statement = connection
            .prepare_cached(&format!("{columns} {order}"))
            .context("preparing the alert list")?;
        push(statement.query([]).context("listing alerts")?)?;
    } else {
        // A JSON array keeps one statement whatever the number of profiles.
        let mut statement = connection
            .prepare_cached(&format!(
                "{columns} WHERE profile IN (SELECT value FROM json_each(?1)) {order}"
            ))
            .context("preparing the alert list")?;
        push(
            statement
                .query([json_strings(profiles)])
                .context("listing alerts")?,
        )?;
    }
    Ok(out)
}

const ALERT_COLUMNS: &str = "al.profile, al.rule, al.card, al.phase, al.since, al.body";

fn collect_alerts(mut rows: rusqlite::Rows<'_>) -> Result<Vec<AlertRow>> {
    let mut out = Vec::new();
    while let Some(row) = rows.next().context("reading alerts")? {
        out.push(alert_row(row)?);
    }
    Ok(out)
}

pub(crate) fn card_alert_rows<S: AsRef<str>>(
    connection: &Connection,
    profile: &str,
    cards: &[S],
) -> Result<Vec<AlertRow>> {
    // A page whose keys ascend (the cards got ids in key order, as
    // `inventory add` gives them) is one range of the alerts' key, read in
    // order, rather than a seek per card; rows of other cards within the
    // range are left out here. SQLite compares text bytewise, as `str` does.
    if let (Some(first), Some(last)) = (cards.first(), cards.last()) {
        if cards.windows(2).all(|w| w[0].as_ref() < w[1].as_ref()) {
            let (first, last) = (first.as_ref(), last.as_ref());
            let mut rows = card_alert_rows_between(connection, profile, first, last)?;
            rows.retain(|row| {
                row.card
                    .as_deref()
                    .is_some_and(|card| cards.binary_search_by(|k| k.as_ref().cmp(card)).is_ok())
            });
            return Ok(rows);
        }
    }
    // One statement per page whatever its size; each card one range of
    // the alerts' key (profile, card, rule). `card <> ''`: an empty key asked
    // for is no card.
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts al WHERE al.profile = ?1 \
             AND al.card IN (SELECT value FROM json_each(?2)) AND al.card <> '' \
             ORDER BY al.card, al.rule"
        ))
        .context("preparing the alerts of cards")?;
    let rows = statement
        .query(params![profile, json_strings(cards)])
        .context("reading the alerts of cards")?;
    collect_alerts(rows)
}

/// The card-level alert rows of `profile` with `first <= card <= last`:
/// one range of the alerts' key, read in order without a seek per card.
fn card_alert_rows_between(
    connection: &Connection,
    profile: &str,
    first: &str,
    last: &str,
) -> Result<Vec<AlertRow>> {
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts al WHERE al.profile = ?1 \
             AND al.card >= ?2 AND al.card <= ?3 AND al.card <> '' ORDER BY al.card, al.rule"
        ))
        .context("preparing the alerts of a range of cards")?;
    let rows = statement
        .query(params![profile, first, last])
        .context("reading the alerts of a range of cards")?;
    collect_alerts(rows)
}

/// How many card-level alert rows `profile` has.
pub(crate) fn card_alert_count(connection: &mut Connection, profile: &str) -> Result<u64> {
    let count: i64 = connection
        .prepare_cached("SELECT count(*) FROM alerts WHERE profile = ?1 AND card <> ''")
        .context("preparing the alert count")?
        .query_row([profile], |row| row.get(0))
        .context("counting alerts")?;
    Ok(u64::try_from(count).unwrap_or(0))
}

pub(crate) fn account_alert_rows(
    connection: &mut Connection,
    profile: &str,
) -> Result<Vec<AlertRow>> {
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts al WHERE al.profile = ?1 AND al.card = '' \
             ORDER BY al.rule"
        ))
        .context("preparing the account's alerts")?;
    let rows = statement
        .query([profile])
        .context("reading the account's alerts")?;
    collect_alerts(rows)
}

/// The card-level alerts of cards `latest_page` does not list for
/// `account`: no card of it has the key, or the one that has it has no
/// snapshot (`last_seen` NULL).
pub(crate) fn unlisted_alert_rows(
    connection: &mut Connection,
    profile: &str,
    account: AccountId,
    (card, rule): (&str, &str),
    limit: u32,
) -> Result<Vec<AlertRow>> {
    // Walked in key order (profile, card, rule) from the given (card, rule) on (the
    // `al.card >= ?3` bound lets the planner start the range there); each
    // row is checked against the account's cards by their unique key.
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts al WHERE al.profile = ?1 AND al.card <> '' \
             AND al.card >= ?3 AND (al.card, al.rule) > (?3, ?4) \
             AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.account_id = ?2 \
               AND c.card_key = al.card AND c.last_seen IS NOT NULL) \
             ORDER BY al.card, al.rule LIMIT ?5"
        ))
        .context("preparing the alerts of unlisted cards")?;
    let rows = statement
        .query(params![profile, account.0, card, rule, limit])
        .context("reading the alerts of unlisted cards")?;
    collect_alerts(rows)
}

/// `values` as a JSON array of strings, for `json_each`.
fn json_strings<S: AsRef<str>>(values: &[S]) -> String {
    let mut json = String::from("[");
    for (i, value) in values.iter().map(AsRef::as_ref).enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push('"');
        for ch in value.chars() {
            match ch {
                '"' => json.push_str("\\\""),
                '\\' => json.push_str("\\\\"),
                c if u32::from(c) < 0x20 => json.push_str(&format!("\\u{:04x}", u32::from(c))),
                c => json.push(c),
            }
        }
        json.push('"');
    }
    json.push(']');
    json
}

/// `ids` as a JSON array of numbers, for `json_each`.
pub(crate) fn json_ids(ids: &[i64]) -> String {
    let parts: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("[{}]", parts.join(","))
}

fn fence_holds(tx: &Connection, fence: &Lease, now: i64) -> Result<bool> {
    tx.prepare_cached(
        "SELECT 1 FROM leases WHERE name = ?1 AND holder = ?2 AND token = ?3 AND expires_at > ?4",
    )
    .context("preparing the lease check")?
    .query_row(params![fence.name, fence.holder, fence.token, now], |_| {
        Ok(())
    })
    .optional()
    .context("checking the lease")
    .map(|found| found.is_some())
}

/// The one commit transaction (an evaluation, a page, a pass's queueing):
/// the fence, the alert changes, the outbox entries, the staged notices of
/// `consume` deleted, and the notices of `changes` staged, in that order
/// (a commit never consumes the notices it stages).
pub(crate) fn commit(
    connection: &mut Connection,
    changes: &AlertChanges,
    outbox: &[OutboxEntry],
    consume: Option<&str>,
    fence: Option<&Lease>,
    now: i64,
) -> Result<CommitReport> {
    let tx = immediate(connection)?;
    if let Some(fence) = fence {
        if !fence_holds(&tx, fence, now)? {
            return Err(StoreError::LeaseLost {
                name: fence.name.clone(),
            });
        }
    }
    let mut report = CommitReport::default();
    {
        let mut upsert = tx
            .prepare_cached(
                "INSERT INTO alerts (profile, rule, card, phase, since, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (profile, rule, card) DO UPDATE \
                 SET phase = excluded.phase, since = excluded.since, body = excluded.body",
            )
            .context("preparing the alert upsert")?;
        for row in &changes.upserts {
            report.alerts_written += upsert
                .execute(params![
                    row.profile,
                    row.rule,
                    card_column(&row.card),
                    row.phase,
                    row.since.timestamp(),
                    row.body
                ])
                .context("writing an alert")? as u64;
        }
        let mut remove = tx
            .prepare_cached("DELETE FROM alerts WHERE profile = ?1 AND rule = ?2 AND card = ?3")
            .context("preparing the alert removal")?;
        for key in &changes.removals {
            report.alerts_removed += remove
                .execute(params![key.profile, key.rule, card_column(&key.card)])
                .context("removing an alert")? as u64;
        }
        let mut queue = tx
            .prepare_cached(
                "INSERT INTO outbox (idempotency_key, notifier, rule, profile, payload, \
                 created_at, due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (idempotency_key) DO NOTHING",
            )
            .context("preparing the outbox insert")?;
        for entry in outbox {
            let queued = queue
                .execute(params![
                    entry.key,
                    entry.notifier,
                    entry.rule,
                    entry.profile,
                    entry.payload,
                    entry.created_at.timestamp(),
                    entry.due_at.timestamp()
                ])
                .context("queueing a notification")?;
            if queued == 1 {
                report.queued += 1;
            } else {
                report.already_queued += 1;
            }
        }
    }
    if let Some(profile) = consume {
        report.notices_consumed = notices::consume(&tx, profile)?;
    }
    report.notices_staged = notices::stage(&tx, &changes.notices)?;
    tx.commit().context("committing an evaluation")?;
    Ok(report)
}

const ITEM_COLUMNS: &str = "id, idempotency_key, notifier, rule, profile, payload, created_at, \
    due_at, attempts, last_error, delivered_at";

fn outbox_item(row: &Row<'_>) -> Result<OutboxItem> {
    let c = "reading an outbox entry";
    Ok(OutboxItem {
        id: row.get(0).context(c)?,
        key: row.get(1).context(c)?,
        notifier: row.get(2).context(c)?,
        rule: row.get(3).context(c)?,
        profile: row.get(4).context(c)?,
        payload: row.get(5).context(c)?,
        created_at: stored_instant(row.get(6).context(c)?, "outbox.created_at")?,
        due_at: stored_instant(row.get(7).context(c)?, "outbox.due_at")?,
        attempts: attempts(row.get(8).context(c)?)?,
        last_error: row.get(9).context(c)?,
        delivered_at: row
            .get::<_, Option<i64>>(10)
            .context(c)?
            .map(|s| stored_instant(s, "outbox.delivered_at"))
            .transpose()?,
    })
}

pub(crate) fn claim_outbox(
    connection: &mut Connection,
    holder: &str,
    now: i64,
    until: i64,
    limit: u32,
) -> Result<Vec<OutboxItem>> {
    let tx = immediate(connection)?;
    let mut items = {
        let mut statement = tx
            .prepare_cached(&format!(
                "UPDATE outbox SET claimed_by = ?1, claimed_until = ?3 WHERE id IN ( \
                 SELECT id FROM outbox WHERE delivered_at IS NULL AND due_at <= ?2 \
                 AND (claimed_by IS NULL OR claimed_by = ?1 OR claimed_until <= ?2) \
                 ORDER BY due_at, id LIMIT ?4) RETURNING {ITEM_COLUMNS}"
            ))
            .context("preparing the outbox claim")?;
        let mut rows = statement
            .query(params![holder, now, until, limit])
            .context("claiming outbox entries")?;
        let mut items = Vec::new();
        while let Some(row) = rows.next().context("claiming outbox entries")? {
            items.push(outbox_item(row)?);
        }
        items
    };
    tx.commit().context("committing an outbox claim")?;
    // RETURNING gives the rows in no promised order.
    items.sort_by_key(|item| (item.due_at, item.id));
    Ok(items)
}

pub(crate) fn outbox_delivered(
    connection: &mut Connection,
    id: i64,
    holder: &str,
    attempts: u32,
    now: i64,
) -> Result<bool> {
    let changed = connection
        .prepare_cached(
            "UPDATE outbox SET delivered_at = ?4, attempts = ?3, claimed_by = NULL, \
             claimed_until = NULL WHERE id = ?1 AND claimed_by = ?2 AND delivered_at IS NULL",
        )
        .context("preparing the delivery record")?
        .execute(params![id, holder, attempts, now])
        .context("recording a delivery")?;
    Ok(changed == 1)
}

pub(crate) fn outbox_retry(
    connection: &mut Connection,
    id: i64,
    holder: &str,
    attempts: u32,
    next_due: i64,
    error: &str,
) -> Result<bool> {
    let changed = connection
        .prepare_cached(
            "UPDATE outbox SET due_at = ?4, attempts = ?3, last_error = ?5, claimed_by = NULL, \
             claimed_until = NULL WHERE id = ?1 AND claimed_by = ?2 AND delivered_at IS NULL",
        )
        .context("preparing the retry record")?
        .execute(params![id, holder, attempts, next_due, error])
        .context("recording a failed delivery")?;
    Ok(changed == 1)
}

pub(crate) fn outbox(
    connection: &mut Connection,
    pending_only: bool,
    limit: u32,
) -> Result<Vec<OutboxItem>> {
    let sql = if pending_only {
        format!(
            "SELECT {ITEM_COLUMNS} FROM outbox WHERE delivered_at IS NULL \
             ORDER BY due_at, id LIMIT ?1"
        )
    } else {
        format!("SELECT {ITEM_COLUMNS} FROM outbox ORDER BY id DESC LIMIT ?1")
    };
    let mut statement = connection
        .prepare_cached(&sql)
        .context("preparing the outbox list")?;
    let mut rows = statement.query([limit]).context("listing the outbox")?;
    let mut items = Vec::new();
    while let Some(row) = rows.next().context("listing the outbox")? {
        items.push(outbox_item(row)?);
    }
    Ok(items)
}

fn lease_row(row: &Row<'_>) -> Result<Lease> {
    let c = "reading a lease";
    Ok(Lease {
        name: row.get(0).context(c)?,
        holder: row.get(1).context(c)?,
        token: row.get(2).context(c)?,
        expires_at: stored_instant(row.get(3).context(c)?, "leases.expires_at")?,
    })
}

/// The lease upsert both backends run: a new lease starts at token 1; a
/// held one is renewed only by its holder (same token) and taken over only
/// once expired (next token).
pub(crate) const ACQUIRE_LEASE: &str = "INSERT INTO leases (name, holder, token, expires_at) \
    VALUES (?1, ?2, 1, ?4) ON CONFLICT (name) DO UPDATE SET \
    token = CASE WHEN leases.holder = excluded.holder AND leases.expires_at > ?3 \
    THEN leases.token ELSE leases.token + 1 END, \
    holder = excluded.holder, expires_at = excluded.expires_at \
    WHERE leases.holder = excluded.holder OR leases.expires_at <= ?3 \
    RETURNING name, holder, token, expires_at";

pub(crate) fn acquire_lease(
    connection: &mut Connection,
    name: &str,
    holder: &str,
    now: i64,
    until: i64,
) -> Result<Option<Lease>> {
    let tx = immediate(connection)?;
    let lease = {
        let mut statement = tx
            .prepare_cached(ACQUIRE_LEASE)
            .context("preparing the lease upsert")?;
        let mut rows = statement
            .query(params![name, holder, now, until])
            .context("taking a lease")?;
        match rows.next().context("taking a lease")? {
            Some(row) => Some(lease_row(row)?),
            None => None,
        }
    };
    tx.commit().context("committing a lease")?;
    Ok(lease)
}

pub(crate) fn renew_lease(
    connection: &mut Connection,
    lease: &Lease,
    now: i64,
    until: i64,
) -> Result<Option<Lease>> {
    let mut statement = connection
        .prepare_cached(
            "UPDATE leases SET expires_at = ?5 WHERE name = ?1 AND holder = ?2 AND token = ?3 \
             AND expires_at > ?4 RETURNING name, holder, token, expires_at",
        )
        .context("preparing the lease renewal")?;
    let mut rows = statement
        .query(params![lease.name, lease.holder, lease.token, now, until])
        .context("renewing a lease")?;
    match rows.next().context("renewing a lease")? {
        Some(row) => Ok(Some(lease_row(row)?)),
        None => Ok(None),
    }
}

pub(crate) fn release_lease(connection: &mut Connection, lease: &Lease) -> Result<()> {
    // Expired at the epoch rather than deleted: the row keeps the token, so
    // the next holder's is greater than every token handed out before.
    connection
        .prepare_cached(
            "UPDATE leases SET expires_at = 0 WHERE name = ?1 AND holder = ?2 AND token = ?3",
        )
        .context("preparing the lease release")?
        .execute(params![lease.name, lease.holder, lease.token])
        .context("releasing a lease")?;
    Ok(())
}

pub(crate) fn leases(connection: &mut Connection) -> Result<Vec<Lease>> {
    let mut statement = connection
        .prepare_cached("SELECT name, holder, token, expires_at FROM leases ORDER BY name")
        .context("preparing the lease list")?;
    let mut rows = statement.query([]).context("listing leases")?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().context("listing leases")? {
        out.push(lease_row(row)?);
    }
    Ok(out)
}

pub(crate) fn latest_page(
    connection: &mut Connection,
    account: AccountId,
    after: i64,
    limit: u32,
) -> Result<Vec<FleetCard>> {
    // Walked in id order through cards_by_account_id: a page costs its own
    // cards, not those before it.
    latest_cards(
        connection,
        "cards c CROSS JOIN accounts a ON a.id = c.account_id",
        "c.account_id = ?1 AND c.id > ?2 ORDER BY c.id LIMIT ?3",
        params![account.0, after, limit],
        limit as usize,
        SnapshotParts::ALL,
    )
}

/// [`latest_range`] and the card-level alert rows of `profile` for its
/// cards, in one read transaction.
pub(crate) fn latest_range_with_alerts(
    connection: &mut Connection,
    account: AccountId,
    profile: &str,
    after: i64,
    upto: i64,
    seen_before: Option<i64>,
    parts: SnapshotParts,
) -> Result<(Vec<FleetCard>, Vec<AlertRow>)> {
    let tx = connection
        .transaction()
        .context("starting a read of a range of cards")?;
    let cards = match seen_before {
        None => latest_range(&tx, account, after, upto, parts)?,
        Some(before) => latest_cards(
            &tx,
            "(SELECT profile FROM accounts WHERE id = ?1) a CROSS JOIN cards c",
            "c.id > ?2 AND c.id <= ?3 AND +c.account_id = ?1 AND c.last_seen < ?4 ORDER BY c.id",
            params![account.0, after, upto, before],
            usize::try_from(upto.saturating_sub(after)).unwrap_or(0),
            parts,
        )?,
    };
    let alerts = alerts_of_cards(&tx, profile, &cards)?;
    tx.finish().context("ending a read of a range of cards")?;
    Ok((cards, alerts))
}

/// The latest snapshots of `account`'s cards with these keys, in id
/// order, and the card-level alert rows of `profile` for them, in one
/// read transaction.
pub(crate) fn latest_of_keys_with_alerts(
    connection: &mut Connection,
    account: AccountId,
    profile: &str,
    keys: &[String],
    parts: SnapshotParts,
) -> Result<(Vec<FleetCard>, Vec<AlertRow>)> {
    let tx = connection
        .transaction()
        .context("starting a read of a batch of cards")?;
    let cards = latest_cards(
        &tx,
        KEYS_FROM,
        KEYS_CONDITION,
        params![account.0, json_strings(keys)],
        keys.len(),
        parts,
    )?;
    let alerts = alerts_of_cards(&tx, profile, &cards)?;
    tx.finish().context("ending a read of a batch of cards")?;
    Ok((cards, alerts))
}

/// The cards of a batch, by key: each key one seek of the cards'
/// (account_id, card_key) key. The keys drive the join (a CROSS JOIN keeps
/// that order); else SQLite may walk the account's cards in id order to
/// spare the sort, and a batch costs the whole account.
const KEYS_FROM: &str = "(SELECT profile FROM accounts WHERE id = ?1) a \
     CROSS JOIN (SELECT DISTINCT value FROM json_each(?2)) k CROSS JOIN cards c";
const KEYS_CONDITION: &str = "c.account_id = ?1 AND c.card_key = k.value ORDER BY c.id";

/// The card-level alert rows of `profile` for `cards`.
fn alerts_of_cards(
    connection: &Connection,
    profile: &str,
    cards: &[FleetCard],
) -> Result<Vec<AlertRow>> {
    let keys: Vec<&str> = cards.iter().map(|c| c.card.key.as_str()).collect();
    card_alert_rows(connection, profile, &keys)
}

/// [`latest_page`] of the cards with `after < id <= upto`, with the
/// snapshots' `parts`.
pub(crate) fn latest_range(
    connection: &Connection,
    account: AccountId,
    after: i64,
    upto: i64,
    parts: SnapshotParts,
) -> Result<Vec<FleetCard>> {
    // A range of ids is a range of the cards table itself: read in rowid
    // order, without a lookup from an index per card (`+`: not through
    // cards_by_account_id), other accounts' cards in it skipped; a range
    // holds at most `upto - after` rows whatever the accounts. The account
    // is read once, not joined per card.
    latest_cards(
        connection,
        "(SELECT profile FROM accounts WHERE id = ?1) a CROSS JOIN cards c",
        "c.id > ?2 AND c.id <= ?3 AND +c.account_id = ?1 ORDER BY c.id",
        params![account.0, after, upto],
        usize::try_from(upto.saturating_sub(after)).unwrap_or(0),
        parts,
    )
}

/// The latest snapshots of the cards `from` and `condition` pick (`c` the
/// card, `a` its account), read from the cards themselves (schema v4); at
/// most `most` of them, room made for that many (up to a bound), with
/// their snapshots' `parts`.
fn latest_cards(
    connection: &Connection,
    from: &str,
    condition: &str,
    params: &[&dyn rusqlite::ToSql],
    most: usize,
    parts: SnapshotParts,
) -> Result<Vec<FleetCard>> {
    // A card never seen has no latest state (nor `last_seen`): it has no
    // latest snapshot either.
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {CARD_COLUMNS}, {} FROM {from} \
             WHERE c.latest_shape IS NOT NULL AND {condition}",
            parts.select(LATEST_COLUMNS)
        ))
        .context("preparing a page of cards")?;
    let mut rows = statement.query(params).context("reading a page of cards")?;
    let mut page = Vec::with_capacity(most.min(10_000));
    while let Some(row) = rows.next().context("reading a page of cards")? {
        page.push(fleet_card(row)?);
    }
    Ok(page)
}

/// The least and greatest id of `account`'s cards.
pub(crate) fn card_id_span(
    connection: &mut Connection,
    account: AccountId,
) -> Result<Option<(i64, i64)>> {
    // Two subqueries: SQLite answers each min or max with one index seek.
    connection
        .prepare_cached(
            "SELECT (SELECT min(id) FROM cards WHERE account_id = ?1), \
             (SELECT max(id) FROM cards WHERE account_id = ?1)",
        )
        .context("preparing the account's card ids")?
        .query_row([account.0], |row| {
            Ok((row.get::<_, Option<i64>>(0)?, row.get::<_, Option<i64>>(1)?))
        })
        .context("reading the account's card ids")
        .map(|(low, high)| low.zip(high))
}

/// The daily usage of the cards `ids` over the days `from..=to` (day
/// numbers), by card and day: one statement for a page of cards, each
/// card's days one range of the primary key.
pub(crate) fn daily_of_cards(
    connection: &mut Connection,
    ids: &[i64],
    from: i64,
    to: i64,
) -> Result<Vec<CardDay>> {
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {DAY_COLUMNS} FROM daily d \
             WHERE d.card_id IN (SELECT value FROM json_each(?1)) \
             AND d.day >= ?2 AND d.day <= ?3 ORDER BY d.card_id, d.day"
        ))
        .context("preparing the daily usage of cards")?;
    let mut rows = statement
        .query(params![json_ids(ids), from, to])
        .context("reading daily usage")?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().context("reading daily usage")? {
        out.push(card_day(row)?);
    }
    Ok(out)
}

pub(crate) fn status_changes(
    connection: &mut Connection,
    cards: &[i64],
    since: i64,
) -> Result<Vec<StatusChangeRow>> {
    // States without a status are left out before the window function, so
    // each status is compared with the last one reported before it.
    let mut statement = connection
        .prepare_cached(
            "SELECT card_id, since, previous, status FROM ( \
               SELECT card_id, since, status, \
                 lag(status) OVER (PARTITION BY card_id ORDER BY since) AS previous \
               FROM card_state \
               WHERE card_id IN (SELECT value FROM json_each(?1)) AND status IS NOT NULL) \
             WHERE previous IS NOT NULL AND previous <> status AND since >= ?2 \
             ORDER BY since, card_id",
        )
        .context("preparing the status changes")?;
    let mut rows = statement
        .query(params![json_ids(cards), since])
        .context("reading status changes")?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().context("reading status changes")? {
        let c = "reading status changes";
        let status = |i: usize| -> Result<Option<CardStatus>> {
            Ok(row
                .get::<_, Option<String>>(i)
                .context(c)?
                .map(|s| CardStatus::from_name(&s)))
        };
        out.push(StatusChangeRow {
            card: CardId(row.get(0).context(c)?),
            at: stored_instant(row.get(1).context(c)?, "card_state.since")?,
            from: status(2)?,
            to: status(3)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_batch_read_by_key_seeks_each_card_rather_than_walk_the_account() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::sqlite::Sqlite::open(&dir.path().join("h.sqlite3")).unwrap();
        let plan = db
            .call(|c| {
                let sql = format!(
                    "EXPLAIN QUERY PLAN SELECT c.id FROM {KEYS_FROM} WHERE {KEYS_CONDITION}"
                );
                let mut statement = c.prepare(&sql).unwrap();
                let rows = statement
                    .query_map(params![1, "[\"1\"]"], |row| row.get::<_, String>(3))
                    .unwrap();
                Ok(rows.map(|r| r.unwrap()).collect::<Vec<_>>())
            })
            .await
            .unwrap();
        let cards: Vec<&String> = plan.iter().filter(|l| l.contains(" c ")).collect();
        assert_eq!(cards.len(), 1, "{plan:?}");
        assert!(
            cards[0].starts_with("SEARCH c USING")
                && cards[0]
                    .contains("INDEX sqlite_autoindex_cards_1 (account_id=? AND card_key=?)"),
            "{plan:?}"
        );
    }
}
