//! Everything that writes to a PostgreSQL store: set-based, a few
//! statements per batch whatever its size.

use std::collections::{HashMap, HashSet};

use iotcard_model::CardNumber;
use tokio_postgres::{Statement, Transaction};

use super::rows::{
    self, DailyColumns, FigureColumns, SnapshotColumns, StateColumns, StateValues, Tid,
    DAILY_COLUMNS, FIGURE_TYPES, INSERT_SNAPSHOTS, STATE_IDS, STATE_VALUE_TYPES, ST_COLUMNS,
    UPDATE_DAILY_AT, UPSERT_DAILY, UPSERT_STATES,
};
use super::{cached, Conn, Postgres};
use crate::account::{AccountId, AccountSpec};
use crate::daily::{day_of, DailyRow, Point, LAST_SEEN_DAY};
use crate::error::{Context, Result, StoreError};
use crate::ingest::{self, CardRow, PreparedBatch, Window};
use crate::retention::{PruneReport, Retention};
use crate::run::{RunOutcome, WriteReport};
use crate::runs::{merge_errors, RunTail};

/// The class of the advisory locks that serialize writers of one account
/// (any fixed number; the account id is the lock's second key).
const ACCOUNT_LOCK: i32 = 0x696f_7463;

impl Postgres {
    pub(crate) async fn upsert_account(&self, spec: &AccountSpec) -> Result<AccountId> {
        let client = self.client.lock().await;
        let row = client
            .query_one(
                "INSERT INTO accounts (profile, provider, endpoint_host) VALUES ($1, $2, $3) \
                 ON CONFLICT (profile) DO UPDATE SET provider = excluded.provider, \
                 endpoint_host = excluded.endpoint_host RETURNING id",
                &[&spec.profile, &spec.provider, &spec.endpoint_host],
            )
            .await
            .context("writing an account")?;
        Ok(AccountId(row.try_get(0).context("writing an account")?))
    }

    pub(crate) async fn begin_run(&self, account: AccountId, now: i64) -> Result<i64> {
        let mut client = self.client.lock().await;
        let tx = client.transaction().await.context("starting a run")?;
        let known = tx
            .query_opt(
                "SELECT id FROM accounts WHERE id = $1 FOR UPDATE",
                &[&account.0],
            )
            .await
            .context("finding the account")?;
        if known.is_none() {
            return Err(StoreError::NotFound {
                what: "account",
                id: account.0,
            });
        }
        // A run still open was left by a process that died: it is over.
        tx.execute(
            "UPDATE runs SET outcome = 'interrupted', ended_at = $2 \
             WHERE account_id = $1 AND outcome = 'running'",
            &[&account.0, &now],
        )
        .await
        .context("closing runs left open")?;
        let row = tx
            .query_one(
                "INSERT INTO runs (account_id, started_at, outcome) VALUES ($1, $2, 'running') \
                 RETURNING id",
                &[&account.0, &now],
            )
            .await
            .context("starting a run")?;
        let id = row.try_get(0).context("starting a run")?;
        tx.commit().await.context("committing a new run")?;
        Ok(id)
    }

    pub(crate) async fn end_run(&self, run: i64, now: i64, outcome: RunOutcome) -> Result<()> {
        let client = self.client.lock().await;
        let changed = client
            .execute(
                "UPDATE runs SET outcome = $2, ended_at = $3 WHERE id = $1 AND outcome = 'running'",
                &[&run, &outcome.as_str(), &now],
            )
            .await
            .context("ending a run")?;
        if changed == 0
            && client
                .query_opt("SELECT id FROM runs WHERE id = $1", &[&run])
                .await
                .context("finding the run")?
                .is_none()
        {
            return Err(StoreError::NotFound {
                what: "run",
                id: run,
            });
        }
        Ok(())
    }

    pub(crate) async fn write_snapshots(
        &self,
        run: i64,
        batch: &PreparedBatch,
    ) -> Result<WriteReport> {
        let prepared = &batch.items;
        let mut guard = self.client.lock().await;
        let Conn { client, statements } = &mut *guard;
        let tx = client.transaction().await.context("starting a batch")?;
        let mut keys: Vec<&str> = prepared.iter().map(|p| p.key.as_str()).collect();
        keys.dedup();
        let tail_sql = cached(
            statements,
            &tx,
            "SELECT r.account_id, a.provider, r.outcome, r.first_errors FROM runs r \
             JOIN accounts a ON a.id = r.account_id WHERE r.id = $1 FOR UPDATE OF r",
        )
        .await?;
        // Two hosts syncing the same account take turns, batch by batch: one
        // lock per batch, where locking each card row would write to every
        // one of them twice. (Keyed by the run's account, so that it can go
        // out with the statements around it: see below.)
        let lock = cached(
            statements,
            &tx,
            "SELECT pg_advisory_xact_lock($1, \
             ((SELECT account_id FROM runs WHERE id = $2) % 2147483647)::int)",
        )
        .await?;
        // A batch's keys (sorted) are neighbours in the cards index: one
        // range scan from the first to the last finds them, where a lookup
        // of each key descends the index once per key (and `= ANY` over a
        // whole batch let the planner scan every card of the account
        // through `cards_by_account_id` instead: 8-12 ms against 0.3 ms
        // for 1,000 of 20,000 cards). It reads at most a sixteenth more
        // rows than the batch has (cards of the account the batch skips);
        // keys it leaves unfound, spread ones or new, are looked up by key.
        let range = cached(
            statements,
            &tx,
            &lookup_sql(
                "account_id = $1 AND card_key >= $2 AND card_key <= $3 \
                 ORDER BY card_key LIMIT $4",
            ),
        )
        .await?;
        let by_key = cached(
            statements,
            &tx,
            &lookup_sql("account_id = $1 AND card_key = ANY($2)"),
        )
        .await?;
        // The run and the lock go out together (pipelined: one round trip)
        // and run in that order; the lookup needs the run's account.
        let (tail, ()) = tokio::try_join!(
            async {
                tx.query_opt(&tail_sql, &[&run])
                    .await
                    .context("finding the run")
            },
            async {
                tx.execute(&lock, &[&ACCOUNT_LOCK, &run])
                    .await
                    .map(drop)
                    .context("taking the account's write lock")
            },
        )?;
        let tail = tail.ok_or(StoreError::NotFound {
            what: "run",
            id: run,
        })?;
        let tail = RunTail {
            account_id: tail.try_get(0).context("finding the run")?,
            provider: tail.try_get(1).context("finding the run")?,
            outcome: tail.try_get(2).context("finding the run")?,
            first_errors: tail.try_get(3).context("finding the run")?,
        };
        tail.check_open(run)?;
        let monthly = AccountSpec::monthly_in_cst(&tail.provider);

        let mut found = Vec::with_capacity(keys.len());
        // The batch's own keys (borrowed): a row's key is compared, not copied.
        let mut known: HashSet<&str> = HashSet::with_capacity(keys.len());
        if let (Some(first), Some(last)) = (keys.first(), keys.last()) {
            let wanted: HashSet<&str> = keys.iter().copied().collect();
            let reach = i64::try_from(keys.len() + keys.len() / 16 + 16).unwrap_or(i64::MAX);
            for row in tx
                .query(&range, &[&tail.account_id, first, last, &reach])
                .await
                .context("finding cards")?
            {
                let key: &str = row.try_get(0).context("finding cards")?;
                if let Some(&key) = wanted.get(key) {
                    known.insert(key);
                    found.push(row);
                }
            }
        }
        if found.len() < keys.len() {
            let missing: Vec<&str> = keys
                .iter()
                .copied()
                .filter(|k| !known.contains(*k))
                .collect();
            tx.execute(
                "INSERT INTO cards (account_id, card_key) SELECT $1, k FROM unnest($2::text[]) k \
                 ORDER BY k ON CONFLICT (account_id, card_key) DO NOTHING",
                &[&tail.account_id, &missing],
            )
            .await
            .context("creating cards")?;
            found.extend(
                tx.query(&by_key, &[&tail.account_id, &missing])
                    .await
                    .context("finding new cards")?,
            );
        }
        let mut cards: HashMap<String, CardRow> = HashMap::with_capacity(found.len());
        let mut latest: HashMap<i64, Point> = HashMap::with_capacity(found.len());
        let mut daily: HashMap<(i64, i64), DailyRow> = HashMap::new();
        let mut card_at: HashMap<i64, Tid> = HashMap::with_capacity(found.len());
        let mut daily_at: HashMap<(i64, i64), Tid> = HashMap::with_capacity(found.len());
        for row in &found {
            let c = "finding cards";
            let key: String = row.try_get(0).context(c)?;
            let card = CardRow {
                id: row.try_get(1).context(c)?,
                state_hash: row.try_get(2).context(c)?,
                first_seen: row.try_get(3).context(c)?,
                last_seen: row.try_get(4).context(c)?,
            };
            if let Some(last) = card.last_seen {
                let shape: Option<i64> = row.try_get(5).context(c)?;
                let figures = rows::read_figures(row, 6)?;
                latest.insert(card.id, ingest::point(last, &figures, shape.unwrap_or(0)));
                if row.try_get::<_, Option<i64>>(10).context(c)?.is_some() {
                    let day_row = rows::read_daily_at(row, 10)?;
                    if day_row.day == day_of(last) {
                        let at: Tid = row.try_get(19).context(c)?;
                        daily_at.insert((card.id, day_row.day), at);
                        daily.insert((card.id, day_row.day), day_row);
                    }
                }
            }
            card_at.insert(card.id, row.try_get(18).context(c)?);
            cards.insert(key, card);
        }

        let plan = ingest::plan(prepared, &cards, &latest, &daily, monthly)?;
        let mut snapshots = SnapshotColumns::default();
        for (card, at, figures) in &plan.snapshots {
            snapshots.push(*card, *at, figures);
        }
        let mut states = StateColumns::default();
        for (card, since, state) in &plan.states {
            states.push(*card, *since, state);
        }
        // Daily rows the lookup read are updated where they are; the rest
        // (a new day, a new card) are upserted.
        let mut days = DailyColumns::default();
        let mut days_at = DailyColumns::default();
        let mut days_tid: Vec<Tid> = Vec::new();
        for row in &plan.daily {
            match daily_at.get(&(row.card_id, row.day)) {
                Some(&tid) => {
                    days_tid.push(tid);
                    days_at.push(row)?;
                }
                None => days.push(row)?,
            }
        }
        let mut update = CardColumns::default();
        for u in &plan.cards {
            let tid = card_at.get(&u.id).copied().ok_or_else(|| {
                StoreError::Corrupt(format!("card {} was planned but not read", u.id))
            })?;
            update.tid.push(tid);
            update.id.push(u.id);
            update.first_seen.push(u.first_seen);
            update.last_seen.push(u.last_seen);
            update.state_hash.push(u.state_hash);
            update.iccid.push(u.iccid.map(str::to_owned));
            update.msisdn.push(u.msisdn.map(str::to_owned));
            update.operator.push(u.operator.map(str::to_owned));
            update.figures.push(u.figures);
            update.ids.push(u.latest_ids());
            update.state.push(u.state);
        }
        let insert_sql = cached(statements, &tx, INSERT_SNAPSHOTS).await?;
        let states_sql = cached(statements, &tx, UPSERT_STATES).await?;
        let daily_sql = cached(statements, &tx, UPSERT_DAILY).await?;
        let daily_at_sql = cached(statements, &tx, UPDATE_DAILY_AT).await?;
        let update_cards_at = cached(statements, &tx, &update_cards_sql(CardsBy::Tid)).await?;
        let count_run = cached(
            statements,
            &tx,
            "UPDATE runs SET asked = asked + $2, answered = answered + $3, \
             not_found = not_found + $4, failed = failed + $5, first_errors = $6 WHERE id = $1",
        )
        .await?;
        let first_errors = merge_errors(&tail.first_errors, &batch.errors);
        // The batch's writes go out together (pipelined) and run in order;
        // the first that fails fails the batch, and the transaction is
        // rolled back when `tx` is dropped.
        let ((), (), (), days_matched, cards_matched, _) = tokio::try_join!(
            run_insert_snapshots(&tx, &insert_sql, &snapshots),
            run_upsert_states(&tx, &states_sql, &states),
            run_upsert_daily(&tx, &daily_sql, &days),
            run_update_daily_at(&tx, &daily_at_sql, &days_tid, &days_at),
            run_update_cards(&tx, &update_cards_at, &update, CardsBy::Tid),
            async {
                tx.execute(
                    &count_run,
                    &[
                        &run,
                        &batch.asked,
                        &batch.answered,
                        &batch.not_found,
                        &batch.failed,
                        &first_errors,
                    ],
                )
                .await
                .context("counting the batch in its run")
            },
        )?;
        // A row another transaction changed since the lookup (`inventory
        // add` on a card, a prune of a daily row) was not matched where it
        // was: every row of its kind is written again by its key (the
        // values are whole rows, so writing one twice changes nothing).
        if days_matched < days_tid.len() as u64 {
            run_upsert_daily(&tx, &daily_sql, &days_at).await?;
        }
        if cards_matched < update.id.len() as u64 {
            let by_id = cached(statements, &tx, &update_cards_sql(CardsBy::Id)).await?;
            run_update_cards(&tx, &by_id, &update, CardsBy::Id).await?;
        }

        let mut written = plan.snapshots.len() as u64;
        let mut duplicates = batch.repeated;
        for &index in &plan.backfill {
            let p = &prepared[index];
            let card = &cards[&p.key];
            let window = window(&tx, card.id, p.at).await?;
            match ingest::plan_backfill(card.id, p, &window, monthly) {
                None => duplicates += 1,
                Some(backfill) => {
                    let mut one = SnapshotColumns::default();
                    let (card_id, at, figures) = &backfill.snapshot;
                    one.push(*card_id, *at, figures);
                    run_insert_snapshots(&tx, &insert_sql, &one).await?;
                    let mut states = StateColumns::default();
                    for (card, since, state) in &backfill.states {
                        states.push(*card, *since, state);
                    }
                    run_upsert_states(&tx, &states_sql, &states).await?;
                    let mut days = DailyColumns::default();
                    for row in &backfill.daily {
                        days.push(row)?;
                    }
                    run_upsert_daily(&tx, &daily_sql, &days).await?;
                    tx.execute(
                        "UPDATE cards SET first_seen = $2 WHERE id = $1",
                        &[&card.id, &backfill.first_seen],
                    )
                    .await
                    .context("updating a card")?;
                    written += 1;
                }
            }
        }

        tx.commit().await.context("committing a batch")?;
        Ok(WriteReport {
            written,
            duplicates,
        })
    }

    pub(crate) async fn inventory_add(
        &self,
        account: AccountId,
        cards: &[CardNumber],
    ) -> Result<u64> {
        let keys: Vec<&str> = cards.iter().map(CardNumber::as_str).collect();
        let client = self.client.lock().await;
        // Ids in key order, the order a sync asks in (see the SQLite side).
        client
            .execute(
                "INSERT INTO cards (account_id, card_key, inventory) \
                 SELECT DISTINCT $1::bigint, k, true FROM unnest($2::text[]) k ORDER BY k \
                 ON CONFLICT (account_id, card_key) DO UPDATE SET inventory = true \
                 WHERE cards.inventory = false",
                &[&account.0, &keys],
            )
            .await
            .context("adding cards to the inventory")
    }

    pub(crate) async fn inventory_remove(
        &self,
        account: AccountId,
        cards: &[CardNumber],
    ) -> Result<u64> {
        let keys: Vec<&str> = cards.iter().map(CardNumber::as_str).collect();
        let client = self.client.lock().await;
        client
            .execute(
                "UPDATE cards SET inventory = false \
                 WHERE account_id = $1 AND card_key = ANY($2) AND inventory",
                &[&account.0, &keys],
            )
            .await
            .context("removing cards from the inventory")
    }

    pub(crate) async fn prune(&self, now: i64, keep: &Retention) -> Result<PruneReport> {
        let cut = |d: std::time::Duration| {
            now.saturating_sub(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        };
        let snapshots_before = cut(keep.snapshots);
        let daily_before = i32::try_from(day_of(cut(keep.daily))).unwrap_or(i32::MIN);
        let mut client = self.client.lock().await;
        let tx = client.transaction().await.context("starting the prune")?;
        // A card's latest snapshot stays: the fleet and the next delta need it.
        let snapshots = tx
            .execute(
                "DELETE FROM snapshots s USING cards c WHERE c.id = s.card_id \
                 AND s.taken_at < $1 AND s.taken_at < c.last_seen",
                &[&snapshots_before],
            )
            .await
            .context("pruning snapshots")?;
        // The state in effect at the cut-off serves every kept snapshot after it.
        let states = tx
            .execute(
                "DELETE FROM card_state st WHERE st.since < $1 AND st.since < \
                 (SELECT max(x.since) FROM card_state x WHERE x.card_id = st.card_id AND x.since <= $1)",
                &[&snapshots_before],
            )
            .await
            .context("pruning card states")?;
        let daily = tx
            .execute("DELETE FROM daily WHERE day < $1", &[&daily_before])
            .await
            .context("pruning daily rows")?;
        let runs = tx
            .execute(
                "DELETE FROM runs WHERE outcome <> 'running' AND started_at < $1",
                &[&cut(keep.runs)],
            )
            .await
            .context("pruning runs")?;
        tx.commit().await.context("committing the prune")?;
        Ok(PruneReport {
            snapshots,
            states,
            daily,
            runs,
        })
    }
}

#[derive(Default)]
struct CardColumns {
    tid: Vec<Tid>,
    id: Vec<i64>,
    first_seen: Vec<i64>,
    last_seen: Vec<i64>,
    state_hash: Vec<i64>,
    iccid: Vec<Option<String>>,
    msisdn: Vec<Option<String>>,
    operator: Vec<Option<String>>,
    /// The latest snapshot's figures and state (schema v4), its
    /// identifiers as `latest_ids` (only the values after
    /// [`STATE_IDS`] are sent).
    figures: FigureColumns,
    ids: Vec<i64>,
    state: StateValues,
}

/// The write path's lookup of cards (those `cards_where` selects): each
/// with its latest snapshot's figures and shape (kept on the card), that
/// day's daily row (the only one a newer snapshot adds to), and where the
/// card and daily rows are: they are updated there (see [`Tid`]).
fn lookup_sql(cards_where: &str) -> String {
    format!(
        "SELECT c.card_key, c.id, c.state_hash, c.first_seen, c.last_seen, \
         c.latest_shape, c.latest_sms_used, c.latest_data_used::text, c.latest_sms_left, \
         c.latest_data_left::text, {DAILY_COLUMNS}, c.at, d.ctid FROM (SELECT ctid AS at, id, \
         card_key, state_hash, first_seen, last_seen, latest_shape, latest_sms_used, \
         latest_data_used, latest_sms_left, latest_data_left FROM cards WHERE {cards_where}) c \
         LEFT JOIN daily d ON d.card_id = c.id AND d.day = {LAST_SEEN_DAY}"
    )
}

/// How `UPDATE cards` finds its rows.
#[derive(Clone, Copy)]
enum CardsBy {
    /// Where the lookup read them (and still their id): no index descent.
    Tid,
    /// By id, wherever they are now.
    Id,
}

fn update_cards_sql(by: CardsBy) -> String {
    let (from, matched) = match by {
        CardsBy::Tid => ("$1::tid[], ", "c.ctid = u.t AND c.id = u.id"),
        CardsBy::Id => ("", "c.id = u.id"),
    };
    let (names, first) = match by {
        CardsBy::Tid => ("t, ", 2),
        CardsBy::Id => ("", 1),
    };
    let latest: Vec<(&str, &str)> = FIGURE_TYPES
        .iter()
        .chain(&[("ids", "bigint")])
        .chain(&STATE_VALUE_TYPES[STATE_IDS..])
        .copied()
        .collect();
    // A decimal travels as text and is cast where it is written.
    let array = |ty: &str| if ty == "numeric" { "text" } else { ty }.to_owned();
    let types = [
        "bigint", "bigint", "bigint", "bigint", "text", "text", "text",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain(latest.iter().map(|(_, ty)| array(ty)));
    let params: Vec<String> = types
        .enumerate()
        .map(|(i, ty)| format!("${}::{ty}[]", first + i))
        .collect();
    let set: Vec<String> = latest
        .iter()
        .map(|(name, ty)| {
            let cast = if *ty == "numeric" { "::numeric" } else { "" };
            format!("latest_{name} = u.l_{name}{cast}")
        })
        .collect();
    let aliases: Vec<String> = latest.iter().map(|(name, _)| format!("l_{name}")).collect();
    format!(
        "UPDATE cards c SET first_seen = u.f, last_seen = u.l, state_hash = u.h, \
         iccid = coalesce(u.iccid, c.iccid), msisdn = coalesce(u.msisdn, c.msisdn), \
         operator = coalesce(u.op, c.operator), {} \
         FROM unnest({from}{}) AS u({names}id, f, l, h, iccid, msisdn, op, {}) WHERE {matched}",
        set.join(", "),
        params.join(", "),
        aliases.join(", ")
    )
}

/// Updates the batch's cards; returns how many rows matched.
async fn run_update_cards(
    tx: &Transaction<'_>,
    statement: &Statement,
    u: &CardColumns,
    by: CardsBy,
) -> Result<u64> {
    if u.id.is_empty() {
        return Ok(0);
    }
    let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = Vec::with_capacity(29);
    if let CardsBy::Tid = by {
        params.push(&u.tid);
    }
    params.extend([
        &u.id as &(dyn tokio_postgres::types::ToSql + Sync),
        &u.first_seen,
        &u.last_seen,
        &u.state_hash,
        &u.iccid,
        &u.msisdn,
        &u.operator,
    ]);
    params.extend(u.figures.params());
    params.push(&u.ids);
    params.extend(&u.state.params()[STATE_IDS..]);
    tx.execute(statement, &params)
        .await
        .context("updating cards")
}

async fn run_insert_snapshots(
    tx: &Transaction<'_>,
    statement: &Statement,
    s: &SnapshotColumns,
) -> Result<()> {
    if s.card.is_empty() {
        return Ok(());
    }
    tx.execute(
        statement,
        &[
            &s.card,
            &s.at,
            &s.figures.sms_used,
            &s.figures.data_used,
            &s.figures.sms_left,
            &s.figures.data_left,
        ],
    )
    .await
    .context("writing snapshots")?;
    Ok(())
}

async fn run_upsert_states(
    tx: &Transaction<'_>,
    statement: &Statement,
    s: &StateColumns,
) -> Result<()> {
    if s.card.is_empty() {
        return Ok(());
    }
    tx.execute(
        statement,
        &[
            &s.card as &(dyn tokio_postgres::types::ToSql + Sync),
            &s.since,
        ]
        .into_iter()
        .chain(s.values.params())
        .collect::<Vec<_>>(),
    )
    .await
    .context("writing card states")?;
    Ok(())
}

async fn run_upsert_daily(
    tx: &Transaction<'_>,
    statement: &Statement,
    d: &DailyColumns,
) -> Result<()> {
    if d.card.is_empty() {
        return Ok(());
    }
    tx.execute(
        statement,
        &[
            &d.card,
            &d.day,
            &d.data,
            &d.provider_unit,
            &d.sms,
            &d.snapshots,
            &d.covers_from,
            &d.reset,
        ],
    )
    .await
    .context("writing daily rows")?;
    Ok(())
}

/// Updates daily rows where the batch read them; returns how many matched.
async fn run_update_daily_at(
    tx: &Transaction<'_>,
    statement: &Statement,
    at: &[Tid],
    d: &DailyColumns,
) -> Result<u64> {
    if at.is_empty() {
        return Ok(0);
    }
    tx.execute(
        statement,
        &[
            &at,
            &d.card,
            &d.day,
            &d.data,
            &d.provider_unit,
            &d.sms,
            &d.snapshots,
            &d.covers_from,
            &d.reset,
        ],
    )
    .await
    .context("writing daily rows")
}

/// What the store holds around time `at` of one card (see [`Window`]).
async fn window(tx: &Transaction<'_>, card: i64, at: i64) -> Result<Window> {
    let exists = tx
        .query_opt(
            "SELECT 1 FROM snapshots WHERE card_id = $1 AND taken_at = $2",
            &[&card, &at],
        )
        .await
        .context("checking for a stored snapshot")?
        .is_some();
    if exists {
        return Ok(Window {
            exists,
            ..Window::default()
        });
    }
    let shape_at = "(SELECT shape FROM card_state WHERE card_id = $1 AND since <= s.taken_at \
                    ORDER BY since DESC LIMIT 1)";
    let columns = format!(
        "s.taken_at, s.sms_used, s.data_used::text, s.sms_left, s.data_left::text, {shape_at}"
    );
    let mut neighbours = Vec::new();
    for sql in [
        format!("SELECT {columns} FROM snapshots s WHERE s.card_id = $1 AND s.taken_at < $2 ORDER BY s.taken_at DESC LIMIT 1"),
        format!("SELECT {columns} FROM snapshots s WHERE s.card_id = $1 AND s.taken_at > $2 ORDER BY s.taken_at LIMIT 1"),
    ] {
        let row = tx
            .query_opt(&sql, &[&card, &at])
            .await
            .context("reading a neighbouring snapshot")?;
        neighbours.push(match row {
            Some(row) => {
                let c = "reading a neighbouring snapshot";
                let when: i64 = row.try_get(0).context(c)?;
                let figures = rows::read_figures(&row, 1)?;
                let shape: Option<i64> = row.try_get(5).context(c)?;
                Some(ingest::point(when, &figures, shape.unwrap_or(0)))
            }
            None => None,
        });
    }
    let next = neighbours.pop().flatten();
    let prev = neighbours.pop().flatten();
    let state_at = match tx
        .query_opt(
            &format!(
                "SELECT {ST_COLUMNS} FROM card_state st WHERE st.card_id = $1 AND st.since <= $2 \
                 ORDER BY st.since DESC LIMIT 1"
            ),
            &[&card, &at],
        )
        .await
        .context("reading a card state")?
    {
        Some(row) => Some(rows::read_state(&row, 0)?),
        None => None,
    };
    let state_at_next = match &next {
        Some(next) => tx
            .query_opt(
                "SELECT 1 FROM card_state WHERE card_id = $1 AND since = $2",
                &[&card, &next.at],
            )
            .await
            .context("reading a card state")?
            .is_some(),
        None => false,
    };
    let mut daily_rows = Vec::new();
    for day in [Some(day_of(at)), next.as_ref().map(|n| day_of(n.at))] {
        let row = match day.and_then(|d| i32::try_from(d).ok()) {
            Some(day) => tx
                .query_opt(
                    &format!(
                        "SELECT {DAILY_COLUMNS} FROM daily d WHERE d.card_id = $1 AND d.day = $2"
                    ),
                    &[&card, &day],
                )
                .await
                .context("reading a daily row")?
                .map(|row| rows::read_daily(&row))
                .transpose()?,
            None => None,
        };
        daily_rows.push(row);
    }
    let daily_next = daily_rows.pop().flatten();
    let daily_here = daily_rows.pop().flatten();
    let first_seen: Option<i64> = tx
        .query_one("SELECT first_seen FROM cards WHERE id = $1", &[&card])
        .await
        .context("reading a card")?
        .try_get(0)
        .context("reading a card")?;
    Ok(Window {
        exists,
        prev,
        next,
        state_at,
        state_at_next,
        daily_here,
        daily_next,
        first_seen,
    })
}
