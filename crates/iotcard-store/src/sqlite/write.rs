//! Everything that writes to a SQLite store.

use std::collections::HashMap;

use iotcard_model::CardNumber;
use rusqlite::{params, Connection, OptionalExtension};

use super::immediate;
use super::rows::{self, RowWriter, DAILY_COLUMNS, STATE_COLUMNS};
use crate::account::{AccountId, AccountSpec};
use crate::daily::{day_of, DailyRow, Point, LAST_SEEN_DAY};
use crate::error::{Context, Result, StoreError};
use crate::ingest::{self, CardRow, Prepared, PreparedBatch, Window};
use crate::retention::{PruneReport, Retention};
use crate::run::{RunOutcome, WriteReport};
use crate::runs::{merge_errors, RunTail};

pub(crate) fn upsert_account(connection: &mut Connection, spec: &AccountSpec) -> Result<AccountId> {
    let tx = immediate(connection)?;
    let id: i64 = tx
        .query_row(
            "INSERT INTO accounts (profile, provider, endpoint_host) VALUES (?1, ?2, ?3) \
             ON CONFLICT (profile) DO UPDATE SET provider = excluded.provider, \
             endpoint_host = excluded.endpoint_host RETURNING id",
            params![spec.profile, spec.provider, spec.endpoint_host],
            |row| row.get(0),
        )
        .context("writing an account")?;
    tx.commit().context("committing an account")?;
    Ok(AccountId(id))
}

pub(crate) fn begin_run(connection: &mut Connection, account: AccountId, now: i64) -> Result<i64> {
    let tx = immediate(connection)?;
    let known: Option<i64> = tx
        .query_row("SELECT id FROM accounts WHERE id = ?1", [account.0], |r| {
            r.get(0)
        })
        .optional()
        .context("finding the account")?;
    if known.is_none() {
        return Err(StoreError::NotFound {
            what: "account",
            id: account.0,
        });
    }
    // A run still open was left by a process that died: it is over.
    tx.execute(
        "UPDATE runs SET outcome = 'interrupted', ended_at = ?2 \
         WHERE account_id = ?1 AND outcome = 'running'",
        params![account.0, now],
    )
    .context("closing runs left open")?;
    let id: i64 = tx
        .query_row(
            "INSERT INTO runs (account_id, started_at, outcome) VALUES (?1, ?2, 'running') \
             RETURNING id",
            params![account.0, now],
            |row| row.get(0),
        )
        .context("starting a run")?;
    tx.commit().context("committing a new run")?;
    Ok(id)
}

pub(crate) fn end_run(
    connection: &mut Connection,
    run: i64,
    now: i64,
    outcome: RunOutcome,
) -> Result<()> {
    let tx = immediate(connection)?;
    let changed = tx
        .execute(
            "UPDATE runs SET outcome = ?2, ended_at = ?3 WHERE id = ?1 AND outcome = 'running'",
            params![run, outcome.as_str(), now],
        )
        .context("ending a run")?;
    if changed == 0 {
        let exists: Option<i64> = tx
            .query_row("SELECT id FROM runs WHERE id = ?1", [run], |r| r.get(0))
            .optional()
            .context("finding the run")?;
        if exists.is_none() {
            return Err(StoreError::NotFound {
                what: "run",
                id: run,
            });
        }
    }
    tx.commit().context("committing the run's end")
}

fn run_tail(tx: &Connection, run: i64) -> Result<RunTail> {
    tx.query_row(
        "SELECT r.account_id, a.provider, r.outcome, r.first_errors FROM runs r \
         JOIN accounts a ON a.id = r.account_id WHERE r.id = ?1",
        [run],
        |row| {
            Ok(RunTail {
                account_id: row.get(0)?,
                provider: row.get(1)?,
                outcome: row.get(2)?,
                first_errors: row.get(3)?,
            })
        },
    )
    .optional()
    .context("finding the run")?
    .ok_or(StoreError::NotFound {
        what: "run",
        id: run,
    })
}

pub(crate) fn write_snapshots(
    connection: &mut Connection,
    run: i64,
    batch: &PreparedBatch,
) -> Result<WriteReport> {
    let prepared = &batch.items;
    let tx = immediate(connection)?;
    let tail = run_tail(&tx, run)?;
    tail.check_open(run)?;
    let monthly = AccountSpec::monthly_in_cst(&tail.provider);

    // One statement finds a card, its latest snapshot's figures (kept on
    // the card) and the daily row of that snapshot's day: the only row a newer snapshot can
    // add to. A batch whose keys are neighbours in the account (an IoTBOS
    // inventory page: a sync asks in key order) is found by one range scan;
    // any card that leaves unfound, by its own lookup.
    let mut found = Found::default();
    {
        let columns = format!(
            "SELECT c.card_key, c.id, c.state_hash, c.first_seen, c.last_seen, \
             c.latest_sms_used, c.latest_data_used, c.latest_sms_left, c.latest_data_left, \
             d.card_id, d.day, d.data_used, d.data_in_provider_unit, d.sms_used, \
             d.snapshots, d.covers_from, d.period_reset, c.latest_shape \
             FROM cards c \
             LEFT JOIN daily d ON d.card_id = c.id AND d.day = {LAST_SEEN_DAY} \
             WHERE c.account_id = ?1"
        );
        // The first observation of each key, in key order.
        let mut firsts: Vec<&Prepared> = Vec::with_capacity(prepared.len());
        for p in prepared {
            if firsts.last().is_none_or(|last| last.key != p.key) {
                firsts.push(p);
            }
        }
        if let (Some(low), Some(high)) = (firsts.first(), firsts.last()) {
            let mut range = tx
                .prepare_cached(&format!(
                    "{columns} AND c.card_key >= ?2 AND c.card_key <= ?3 ORDER BY c.card_key"
                ))
                .context("preparing the card range lookup")?;
            let mut rows = range
                .query(params![tail.account_id, low.key, high.key])
                .context("finding the batch's cards")?;
            // Cards in the range that the batch does not hold are read for
            // nothing: past this many, the keys are spread over the account
            // (a listing's order) and the rest are looked up one by one.
            let mut strays = firsts.len() / 16 + 16;
            while let Some(row) = rows.next().context("finding the batch's cards")? {
                let key: String = row.get(0).context("finding the batch's cards")?;
                match firsts.binary_search_by(|p| p.key.as_str().cmp(&key)) {
                    Ok(at) => found.take(row, firsts[at])?,
                    Err(_) if strays == 0 => break,
                    Err(_) => strays -= 1,
                }
            }
        }
        let mut find = tx
            .prepare_cached(&format!("{columns} AND c.card_key = ?2"))
            .context("preparing the card lookup")?;
        let mut create = tx
            .prepare_cached("INSERT INTO cards (account_id, card_key) VALUES (?1, ?2)")
            .context("preparing the card insert")?;
        for p in firsts {
            if found.cards.contains_key(&p.key) {
                continue;
            }
            let mut rows = find
                .query(params![tail.account_id, p.key])
                .context("finding a card")?;
            match rows.next().context("finding a card")? {
                Some(row) => found.take(row, p)?,
                None => {
                    drop(rows);
                    create
                        .execute(params![tail.account_id, p.key])
                        .context("creating a card")?;
                    let card = CardRow {
                        id: tx.last_insert_rowid(),
                        state_hash: None,
                        first_seen: None,
                        last_seen: None,
                    };
                    found.cards.insert(p.key.clone(), card);
                }
            }
        }
    }
    let Found {
        cards,
        latest,
        daily,
    } = found;

    let plan = ingest::plan(prepared, &cards, &latest, &daily, monthly)?;
    let mut writer = RowWriter::new(&tx)?;
    for (card, at, figures) in &plan.snapshots {
        writer.snapshot(*card, *at, figures)?;
    }
    for (card, since, state) in &plan.states {
        writer.state(*card, *since, state)?;
    }
    for row in &plan.daily {
        writer.daily(row)?;
    }
    for u in &plan.cards {
        writer.card(u)?;
    }
    let mut written = plan.snapshots.len() as u64;
    let mut duplicates = batch.repeated;
    for &index in &plan.backfill {
        let p = &prepared[index];
        let card = &cards[&p.key];
        let window = window(&tx, card.id, p.at)?;
        match ingest::plan_backfill(card.id, p, &window, monthly) {
            None => duplicates += 1,
            Some(backfill) => {
                let (card_id, at, figures) = &backfill.snapshot;
                writer.snapshot(*card_id, *at, figures)?;
                for (card, since, state) in &backfill.states {
                    writer.state(*card, *since, state)?;
                }
                for row in &backfill.daily {
                    writer.daily(row)?;
                }
                tx.execute(
                    "UPDATE cards SET first_seen = ?2 WHERE id = ?1",
                    params![card.id, backfill.first_seen],
                )
                .context("updating a card")?;
                written += 1;
            }
        }
    }

    drop(writer);
    tx.execute(
        "UPDATE runs SET asked = asked + ?2, answered = answered + ?3, \
         not_found = not_found + ?4, failed = failed + ?5, first_errors = ?6 WHERE id = ?1",
        params![
            run,
            batch.asked,
            batch.answered,
            batch.not_found,
            batch.failed,
            merge_errors(&tail.first_errors, &batch.errors)
        ],
    )
    .context("counting the batch in its run")?;
    tx.commit().context("committing a batch")?;
    Ok(WriteReport {
        written,
        duplicates,
    })
}

/// What a batch's lookup found: its cards, each known card's latest
/// snapshot as daily usage sees it, and that snapshot's daily row.
#[derive(Default)]
struct Found {
    cards: HashMap<String, CardRow>,
    latest: HashMap<i64, Point>,
    daily: HashMap<(i64, i64), DailyRow>,
}

impl Found {
    /// Takes one row of the card lookup, for `p`, its key's first
    /// observation in the batch.
    fn take(&mut self, row: &rusqlite::Row<'_>, p: &Prepared) -> Result<()> {
        let e = |source| StoreError::Sqlite {
            context: "finding a card",
            source,
        };
        let card = CardRow {
            id: row.get(1).map_err(e)?,
            state_hash: row.get(2).map_err(e)?,
            first_seen: row.get(3).map_err(e)?,
            last_seen: row.get(4).map_err(e)?,
        };
        if let Some(last) = card.last_seen {
            let figures = rows::read_figures(row, 5)?;
            let shape: Option<i64> = row.get(17).map_err(e)?;
            self.latest
                .insert(card.id, ingest::point(last, &figures, shape.unwrap_or(0)));
            if row.get::<_, Option<i64>>(9).map_err(e)?.is_some() {
                let day_row = rows::read_daily_at(row, 9)?;
                if day_row.day == day_of(last) {
                    self.daily.insert((card.id, day_row.day), day_row);
                }
            }
        }
        self.cards.insert(p.key.clone(), card);
        Ok(())
    }
}

/// What the store holds around time `at` of one card (see [`Window`]).
fn window(tx: &Connection, card: i64, at: i64) -> Result<Window> {
    let exists = tx
        .query_row(
            "SELECT 1 FROM snapshots WHERE card_id = ?1 AND taken_at = ?2",
            params![card, at],
            |_| Ok(()),
        )
        .optional()
        .context("checking for a stored snapshot")?
        .is_some();
    if exists {
        return Ok(Window {
            exists,
            ..Window::default()
        });
    }
    let neighbour = |sql: &str| -> Result<Option<Point>> {
        let found = tx
            .query_row(sql, params![card, at], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    rows::read_figures(row, 1),
                    row.get::<_, Option<i64>>(5)?,
                ))
            })
            .optional()
            .context("reading a neighbouring snapshot")?;
        match found {
            Some((when, figures, shape)) => {
                Ok(Some(ingest::point(when, &figures?, shape.unwrap_or(0))))
            }
            None => Ok(None),
        }
    };
    let shape_at = "(SELECT shape FROM card_state WHERE card_id = ?1 AND since <= s.taken_at \
                    ORDER BY since DESC LIMIT 1)";
    let prev = neighbour(&format!(
        "SELECT s.taken_at, s.sms_used, s.data_used, s.sms_left, s.data_left, {shape_at} \
         FROM snapshots s WHERE s.card_id = ?1 AND s.taken_at < ?2 ORDER BY s.taken_at DESC LIMIT 1"
    ))?;
    let next = neighbour(&format!(
        "SELECT s.taken_at, s.sms_used, s.data_used, s.sms_left, s.data_left, {shape_at} \
         FROM snapshots s WHERE s.card_id = ?1 AND s.taken_at > ?2 ORDER BY s.taken_at LIMIT 1"
    ))?;
    let state_at = tx
        .query_row(
            &format!(
                "SELECT {STATE_COLUMNS} FROM card_state WHERE card_id = ?1 AND since <= ?2 \
                 ORDER BY since DESC LIMIT 1"
            ),
            params![card, at],
            |row| Ok(rows::read_state(row, 0)),
        )
        .optional()
        .context("reading a card state")?
        .transpose()?;
    let state_at_next = match &next {
        Some(next) => tx
            .query_row(
                "SELECT 1 FROM card_state WHERE card_id = ?1 AND since = ?2",
                params![card, next.at],
                |_| Ok(()),
            )
            .optional()
            .context("reading a card state")?
            .is_some(),
        None => false,
    };
    let daily_of = |day: i64| -> Result<Option<DailyRow>> {
        tx.query_row(
            &format!("SELECT {DAILY_COLUMNS} FROM daily WHERE card_id = ?1 AND day = ?2"),
            params![card, day],
            |row| Ok(rows::read_daily(row)),
        )
        .optional()
        .context("reading a daily row")?
        .transpose()
    };
    let first_seen: Option<i64> = tx
        .query_row("SELECT first_seen FROM cards WHERE id = ?1", [card], |r| {
            r.get(0)
        })
        .context("reading a card")?;
    Ok(Window {
        exists,
        daily_here: daily_of(day_of(at))?,
        daily_next: match &next {
            Some(next) => daily_of(day_of(next.at))?,
            None => None,
        },
        prev,
        next,
        state_at,
        state_at_next,
        first_seen,
    })
}

pub(crate) fn inventory_add(
    connection: &mut Connection,
    account: AccountId,
    cards: &[CardNumber],
) -> Result<u64> {
    let tx = immediate(connection)?;
    let mut added = 0;
    {
        let mut upsert = tx
            .prepare_cached(
                "INSERT INTO cards (account_id, card_key, inventory) VALUES (?1, ?2, 1) \
                 ON CONFLICT (account_id, card_key) DO UPDATE SET inventory = 1 \
                 WHERE inventory = 0",
            )
            .context("preparing the inventory insert")?;
        // New cards get their ids in key order: a sync asks for the
        // inventory in key order, and the tables it writes are clustered
        // by card id, so each batch then touches a run of neighbouring
        // pages instead of one page per card anywhere in the file (at
        // 1,000,000 cards, 7 s instead of 149 s).
        let mut keys: Vec<&str> = cards.iter().map(CardNumber::as_str).collect();
        keys.sort_unstable();
        for key in keys {
            added += upsert
                .execute(params![account.0, key])
                .context("adding a card to the inventory")? as u64;
        }
    }
    tx.commit().context("committing the inventory")?;
    Ok(added)
}

pub(crate) fn inventory_remove(
    connection: &mut Connection,
    account: AccountId,
    cards: &[CardNumber],
) -> Result<u64> {
    let tx = immediate(connection)?;
    let mut removed = 0;
    {
        let mut clear = tx
            .prepare_cached(
                "UPDATE cards SET inventory = 0 \
                 WHERE account_id = ?1 AND card_key = ?2 AND inventory = 1",
            )
            .context("preparing the inventory removal")?;
        for card in cards {
            removed += clear
                .execute(params![account.0, card.as_str()])
                .context("removing a card from the inventory")? as u64;
        }
    }
    tx.commit().context("committing the inventory")?;
    Ok(removed)
}

pub(crate) fn prune(
    connection: &mut Connection,
    now: i64,
    keep: &Retention,
) -> Result<PruneReport> {
    let cut =
        |d: std::time::Duration| now.saturating_sub(i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let snapshots_before = cut(keep.snapshots);
    let tx = immediate(connection)?;
    // A card's latest snapshot stays: the fleet and the next delta need it.
    let snapshots = tx
        .execute(
            "DELETE FROM snapshots WHERE taken_at < ?1 AND taken_at < \
             (SELECT c.last_seen FROM cards c WHERE c.id = snapshots.card_id)",
            [snapshots_before],
        )
        .context("pruning snapshots")? as u64;
    // The state in effect at the cut-off serves every kept snapshot after it.
    let states = tx
        .execute(
            "DELETE FROM card_state WHERE since < ?1 AND since < \
             (SELECT max(x.since) FROM card_state x \
              WHERE x.card_id = card_state.card_id AND x.since <= ?1)",
            [snapshots_before],
        )
        .context("pruning card states")? as u64;
    let daily = tx
        .execute(
            "DELETE FROM daily WHERE day < ?1",
            [day_of(cut(keep.daily))],
        )
        .context("pruning daily rows")? as u64;
    let runs = tx
        .execute(
            "DELETE FROM runs WHERE outcome <> 'running' AND started_at < ?1",
            [cut(keep.runs)],
        )
        .context("pruning runs")? as u64;
    tx.commit().context("committing the prune")?;
    Ok(PruneReport {
        snapshots,
        states,
        daily,
        runs,
    })
}
