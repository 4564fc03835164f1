//! The watcher's tables in PostgreSQL: alert state, the outbox, leases, and
//! the paged reads of rule inputs. Several watchers may share the database,
//! each with its own connections: every check here and the write it guards
//! are one statement or one transaction holding the row's lock.

use iotcard_model::CardStatus;
use tokio_postgres::Row;

use super::notices;
use super::read::{card_day, fleet_card, CARD_COLUMNS, DAY_COLUMNS};
use super::rows::LATEST_COLUMNS;
use super::{cached, Conn, Postgres};
use crate::account::AccountId;
use crate::alerts::{card_column, card_from_column, AlertChanges, AlertRow, CommitReport};
use crate::error::{Context, Result, StoreError};
use crate::lease::Lease;
use crate::outbox::{OutboxEntry, OutboxItem};
use crate::query::{CardDay, CardId, FleetCard, SnapshotParts, StatusChangeRow};
use crate::state::stored_instant;
use crate::watch::attempts;

fn alert_row(row: &Row) -> Result<AlertRow> {
    let c = "reading an alert";
    Ok(AlertRow {
        profile: row.try_get(0).context(c)?,
        rule: row.try_get(1).context(c)?,
        card: card_from_column(row.try_get(2).context(c)?),
        phase: row.try_get(3).context(c)?,
        since: stored_instant(row.try_get(4).context(c)?, "alerts.since")?,
        body: row.try_get(5).context(c)?,
    })
}

const ALERT_COLUMNS: &str = "al.profile, al.rule, al.card, al.phase, al.since, al.body";

const ITEM_COLUMNS: &str = "id, idempotency_key, notifier, rule, profile, payload, created_at, \
    due_at, attempts, last_error, delivered_at";

fn outbox_item(row: &Row) -> Result<OutboxItem> {
    let c = "reading an outbox entry";
    Ok(OutboxItem {
        id: row.try_get(0).context(c)?,
        key: row.try_get(1).context(c)?,
        notifier: row.try_get(2).context(c)?,
        rule: row.try_get(3).context(c)?,
        profile: row.try_get(4).context(c)?,
        payload: row.try_get(5).context(c)?,
        created_at: stored_instant(row.try_get(6).context(c)?, "outbox.created_at")?,
        due_at: stored_instant(row.try_get(7).context(c)?, "outbox.due_at")?,
        attempts: attempts(row.try_get(8).context(c)?)?,
        last_error: row.try_get(9).context(c)?,
        delivered_at: row
            .try_get::<_, Option<i64>>(10)
            .context(c)?
            .map(|s| stored_instant(s, "outbox.delivered_at"))
            .transpose()?,
    })
}

fn lease_row(row: &Row) -> Result<Lease> {
    let c = "reading a lease";
    Ok(Lease {
        name: row.try_get(0).context(c)?,
        holder: row.try_get(1).context(c)?,
        token: row.try_get(2).context(c)?,
        expires_at: stored_instant(row.try_get(3).context(c)?, "leases.expires_at")?,
    })
}

/// Alert upserts, one statement for the whole evaluation.
const UPSERT_ALERTS: &str = "INSERT INTO alerts (profile, rule, card, phase, since, body) \
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], \
    $6::text[]) ON CONFLICT (profile, rule, card) DO UPDATE \
    SET phase = excluded.phase, since = excluded.since, body = excluded.body";

const REMOVE_ALERTS: &str = "DELETE FROM alerts a \
    USING unnest($1::text[], $2::text[], $3::text[]) AS r (profile, rule, card) \
    WHERE a.profile = r.profile AND a.rule = r.rule AND a.card = r.card";

/// Outbox inserts in the order given (ids increase with it); a key already
/// there, or earlier in the same arrays, is skipped.
const QUEUE: &str = "INSERT INTO outbox (idempotency_key, notifier, rule, profile, payload, \
    created_at, due_at) \
    SELECT k, n, r, p, b, c, d FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], \
    $5::text[], $6::bigint[], $7::bigint[]) WITH ORDINALITY AS e (k, n, r, p, b, c, d, i) \
    ORDER BY i ON CONFLICT (idempotency_key) DO NOTHING";

impl Postgres {
    pub(crate) async fn alert_rows(&self, profiles: &[String]) -> Result<Vec<AlertRow>> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT profile, rule, card, phase, since, body FROM alerts \
                 WHERE cardinality($1::text[]) = 0 OR profile = ANY($1) \
                 ORDER BY profile, rule, card",
                &[&profiles],
            )
            .await
            .context("listing alerts")?;
        rows.iter().map(alert_row).collect()
    }

    /// The one commit transaction (an evaluation, a page, a pass's
    /// queueing): the fence, the alert changes, the outbox entries, the
    /// staged notices of `consume` deleted, and the notices of `changes`
    /// staged, in that order (a commit never consumes what it stages).
    pub(crate) async fn commit(
        &self,
        changes: &AlertChanges,
        outbox: &[OutboxEntry],
        consume: Option<&str>,
        fence: Option<&Lease>,
        now: i64,
    ) -> Result<CommitReport> {
        let mut guard = self.client.lock().await;
        let Conn { client, statements } = &mut *guard;
        let tx = client
            .transaction()
            .await
            .context("starting an evaluation commit")?;
        if let Some(fence) = fence {
            // FOR SHARE: a takeover (an update of the row) waits for this
            // commit, so the lease cannot change hands before the writes land.
            let check = cached(
                statements,
                &tx,
                "SELECT 1 FROM leases WHERE name = $1 AND holder = $2 AND token = $3 \
                 AND expires_at > $4 FOR SHARE",
            )
            .await?;
            let held = tx
                .query_opt(&check, &[&fence.name, &fence.holder, &fence.token, &now])
                .await
                .context("checking the lease")?;
            if held.is_none() {
                return Err(StoreError::LeaseLost {
                    name: fence.name.clone(),
                });
            }
        }
        let mut report = CommitReport::default();
        if !changes.upserts.is_empty() {
            let u = &changes.upserts;
            let profiles: Vec<&str> = u.iter().map(|r| r.profile.as_str()).collect();
            let rules: Vec<&str> = u.iter().map(|r| r.rule.as_str()).collect();
            let cards: Vec<&str> = u.iter().map(|r| card_column(&r.card)).collect();
            let phases: Vec<&str> = u.iter().map(|r| r.phase.as_str()).collect();
            let since: Vec<i64> = u.iter().map(|r| r.since.timestamp()).collect();
            let bodies: Vec<&str> = u.iter().map(|r| r.body.as_str()).collect();
            let upsert = cached(statements, &tx, UPSERT_ALERTS).await?;
            report.alerts_written = tx
                .execute(
                    &upsert,
                    &[&profiles, &rules, &cards, &phases, &since, &bodies],
                )
                .await
                .context("writing alerts")?;
        }
        if !changes.removals.is_empty() {
            let r = &changes.removals;
            let profiles: Vec<&str> = r.iter().map(|k| k.profile.as_str()).collect();
            let rules: Vec<&str> = r.iter().map(|k| k.rule.as_str()).collect();
            let cards: Vec<&str> = r.iter().map(|k| card_column(&k.card)).collect();
            let remove = cached(statements, &tx, REMOVE_ALERTS).await?;
            report.alerts_removed = tx
                .execute(&remove, &[&profiles, &rules, &cards])
                .await
                .context("removing alerts")?;
        }
        if !outbox.is_empty() {
            let keys: Vec<&str> = outbox.iter().map(|e| e.key.as_str()).collect();
            let notifiers: Vec<&str> = outbox.iter().map(|e| e.notifier.as_str()).collect();
            let rules: Vec<&str> = outbox.iter().map(|e| e.rule.as_str()).collect();
            let profiles: Vec<&str> = outbox.iter().map(|e| e.profile.as_str()).collect();
            let payloads: Vec<&str> = outbox.iter().map(|e| e.payload.as_str()).collect();
            let created: Vec<i64> = outbox.iter().map(|e| e.created_at.timestamp()).collect();
            let due: Vec<i64> = outbox.iter().map(|e| e.due_at.timestamp()).collect();
            let queue = cached(statements, &tx, QUEUE).await?;
            report.queued = tx
                .execute(
                    &queue,
                    &[
                        &keys, &notifiers, &rules, &profiles, &payloads, &created, &due,
                    ],
                )
                .await
                .context("queueing notifications")?;
            report.already_queued = outbox.len() as u64 - report.queued;
        }
        if let Some(profile) = consume {
            report.notices_consumed = notices::consume(statements, &tx, profile).await?;
        }
        report.notices_staged = notices::stage(statements, &tx, &changes.notices).await?;
        tx.commit().await.context("committing an evaluation")?;
        Ok(report)
    }

    pub(crate) async fn card_alert_count(&self, profile: &str) -> Result<u64> {
        let client = self.client.lock().await;
        let row = client
            .query_one(
                "SELECT count(*) FROM alerts WHERE profile = $1 AND card <> ''",
                &[&profile],
            )
            .await
            .context("counting alerts")?;
        let count: i64 = row.try_get(0).context("counting alerts")?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    pub(crate) async fn card_alert_rows(
        &self,
        profile: &str,
        cards: &[String],
    ) -> Result<Vec<AlertRow>> {
        // One statement per page whatever its size; each card one range of
        // alerts_by_card. `card <> ''`: an empty key asked for is no card.
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts al WHERE al.profile = $1 \
             AND al.card = ANY($2) AND al.card <> '' ORDER BY al.card, al.rule"
        );
        let mut guard = self.client.lock().await;
        let Conn { client, statements } = &mut *guard;
        let statement = cached(statements, &*client, &sql).await?;
        let rows = client
            .query(&statement, &[&profile, &cards])
            .await
            .context("reading the alerts of cards")?;
        rows.iter().map(alert_row).collect()
    }

    pub(crate) async fn account_alert_rows(&self, profile: &str) -> Result<Vec<AlertRow>> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                &format!(
                    "SELECT {ALERT_COLUMNS} FROM alerts al WHERE al.profile = $1 \
                     AND al.card = '' ORDER BY al.rule"
                ),
                &[&profile],
            )
            .await
            .context("reading the account's alerts")?;
        rows.iter().map(alert_row).collect()
    }

    /// The card-level alerts of cards `latest_page` does not list for
    /// `account`: no card of it has the key, or the one that has it has no
    /// snapshot (`last_seen` NULL).
    pub(crate) async fn unlisted_alert_rows(
        &self,
        profile: &str,
        account: AccountId,
        (card, rule): (&str, &str),
        limit: u32,
    ) -> Result<Vec<AlertRow>> {
        // One anti-join in the database, never the account's cards loaded
        // here. alerts_by_card (profile, card, rule) gives the order and
        // can start the range at (card, rule); over a whole account of
        // listed cards the planner rather hash-joins the account's cards
        // once (seen with 200,000 alerts), which is as cheap as the walk.
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts al WHERE al.profile = $1 AND al.card <> '' \
             AND (al.card, al.rule) > ($3, $4) \
             AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.account_id = $2 \
               AND c.card_key = al.card AND c.last_seen IS NOT NULL) \
             ORDER BY al.card, al.rule LIMIT $5"
        );
        let mut guard = self.client.lock().await;
        let Conn { client, statements } = &mut *guard;
        let statement = cached(statements, &*client, &sql).await?;
        let rows = client
            .query(
                &statement,
                &[&profile, &account.0, &card, &rule, &i64::from(limit)],
            )
            .await
            .context("reading the alerts of unlisted cards")?;
        rows.iter().map(alert_row).collect()
    }

    pub(crate) async fn claim_outbox(
        &self,
        holder: &str,
        now: i64,
        until: i64,
        limit: u32,
    ) -> Result<Vec<OutboxItem>> {
        let client = self.client.lock().await;
        // SKIP LOCKED: a row another watcher is claiming right now is left
        // to it; once that claim commits, the row no longer matches here
        // (PostgreSQL re-checks the condition on the row it locks).
        let rows = client
            .query(
                "UPDATE outbox o SET claimed_by = $1, claimed_until = $3 FROM ( \
                 SELECT id FROM outbox WHERE delivered_at IS NULL AND due_at <= $2 \
                 AND (claimed_by IS NULL OR claimed_by = $1 OR claimed_until <= $2) \
                 ORDER BY due_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) pick \
                 WHERE o.id = pick.id RETURNING o.id, o.idempotency_key, o.notifier, o.rule, \
                 o.profile, o.payload, o.created_at, o.due_at, o.attempts, o.last_error, \
                 o.delivered_at",
                &[&holder, &now, &until, &i64::from(limit)],
            )
            .await
            .context("claiming outbox entries")?;
        let mut items = rows.iter().map(outbox_item).collect::<Result<Vec<_>>>()?;
        // RETURNING gives the rows in no promised order.
        items.sort_by_key(|item| (item.due_at, item.id));
        Ok(items)
    }

    pub(crate) async fn outbox_delivered(
        &self,
        id: i64,
        holder: &str,
        attempts: u32,
        now: i64,
    ) -> Result<bool> {
        let client = self.client.lock().await;
        let changed = client
            .execute(
                "UPDATE outbox SET delivered_at = $4, attempts = $3, claimed_by = NULL, \
                 claimed_until = NULL WHERE id = $1 AND claimed_by = $2 AND delivered_at IS NULL",
                &[&id, &holder, &i64::from(attempts), &now],
            )
            .await
            .context("recording a delivery")?;
        Ok(changed == 1)
    }

    pub(crate) async fn outbox_retry(
        &self,
        id: i64,
        holder: &str,
        attempts: u32,
        next_due: i64,
        error: &str,
    ) -> Result<bool> {
        let client = self.client.lock().await;
        let changed = client
            .execute(
                "UPDATE outbox SET due_at = $4, attempts = $3, last_error = $5, \
                 claimed_by = NULL, claimed_until = NULL \
                 WHERE id = $1 AND claimed_by = $2 AND delivered_at IS NULL",
                &[&id, &holder, &i64::from(attempts), &next_due, &error],
            )
            .await
            .context("recording a failed delivery")?;
        Ok(changed == 1)
    }

    pub(crate) async fn outbox(&self, pending_only: bool, limit: u32) -> Result<Vec<OutboxItem>> {
        let sql = if pending_only {
            format!(
                "SELECT {ITEM_COLUMNS} FROM outbox WHERE delivered_at IS NULL \
                 ORDER BY due_at, id LIMIT $1"
            )
        } else {
            format!("SELECT {ITEM_COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1")
        };
        let client = self.client.lock().await;
        let rows = client
            .query(&sql, &[&i64::from(limit)])
            .await
            .context("listing the outbox")?;
        rows.iter().map(outbox_item).collect()
    }

    pub(crate) async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: i64,
        until: i64,
    ) -> Result<Option<Lease>> {
        let client = self.client.lock().await;
        // One statement: of two racing for a new name, the second waits on
        // the first's insert and then finds the lease held; for an existing
        // name, the update locks the row and re-checks the condition on the
        // version it locked, so only one takeover of an expired lease wins.
        let row = client
            .query_opt(
                "INSERT INTO leases (name, holder, token, expires_at) VALUES ($1, $2, 1, $4) \
                 ON CONFLICT (name) DO UPDATE SET \
                 token = CASE WHEN leases.holder = excluded.holder AND leases.expires_at > $3 \
                 THEN leases.token ELSE leases.token + 1 END, \
                 holder = excluded.holder, expires_at = excluded.expires_at \
                 WHERE leases.holder = excluded.holder OR leases.expires_at <= $3 \
                 RETURNING name, holder, token, expires_at",
                &[&name, &holder, &now, &until],
            )
            .await
            .context("taking a lease")?;
        row.as_ref().map(lease_row).transpose()
    }

    pub(crate) async fn renew_lease(
        &self,
        lease: &Lease,
        now: i64,
        until: i64,
    ) -> Result<Option<Lease>> {
        let client = self.client.lock().await;
        let row = client
            .query_opt(
                "UPDATE leases SET expires_at = $5 WHERE name = $1 AND holder = $2 \
                 AND token = $3 AND expires_at > $4 RETURNING name, holder, token, expires_at",
                &[&lease.name, &lease.holder, &lease.token, &now, &until],
            )
            .await
            .context("renewing a lease")?;
        row.as_ref().map(lease_row).transpose()
    }

    pub(crate) async fn release_lease(&self, lease: &Lease) -> Result<()> {
        let client = self.client.lock().await;
        // Expired at the epoch rather than deleted: the row keeps the token,
        // so the next holder's is greater than every token handed out before.
        client
            .execute(
                "UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2 AND token = $3",
                &[&lease.name, &lease.holder, &lease.token],
            )
            .await
            .context("releasing a lease")?;
        Ok(())
    }

    pub(crate) async fn leases(&self) -> Result<Vec<Lease>> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT name, holder, token, expires_at FROM leases ORDER BY name",
                &[],
            )
            .await
            .context("listing leases")?;
        rows.iter().map(lease_row).collect()
    }

    pub(crate) async fn card_id_span(&self, account: AccountId) -> Result<Option<(i64, i64)>> {
        let client = self.client.lock().await;
        let row = client
            .query_one(
                "SELECT min(id), max(id) FROM cards WHERE account_id = $1",
                &[&account.0],
            )
            .await
            .context("reading the account's card ids")?;
        let c = "reading the account's card ids";
        let low: Option<i64> = row.try_get(0).context(c)?;
        let high: Option<i64> = row.try_get(1).context(c)?;
        Ok(low.zip(high))
    }

    pub(crate) async fn latest_page(
        &self,
        account: AccountId,
        after: i64,
        limit: u32,
        parts: SnapshotParts,
    ) -> Result<Vec<FleetCard>> {
        self.latest_page_seen_before(account, after, limit, None, parts)
            .await
    }

    /// [`Self::latest_page`] of the cards last seen before `seen_before`
    /// (Unix seconds), when given.
    pub(crate) async fn latest_page_seen_before(
        &self,
        account: AccountId,
        after: i64,
        limit: u32,
        seen_before: Option<i64>,
        parts: SnapshotParts,
    ) -> Result<Vec<FleetCard>> {
        // The page's cards in id order through cards_by_account_id, each
        // with the latest figures and state it keeps (schema v4); a card
        // never seen has no latest state.
        let sql = format!(
            "SELECT {CARD_COLUMNS}, {} FROM cards c \
             JOIN accounts a ON a.id = c.account_id \
             WHERE c.account_id = $1 AND c.id > $2 AND c.latest_shape IS NOT NULL \
             AND ($4::bigint IS NULL OR c.last_seen < $4) \
             ORDER BY c.id LIMIT $3",
            parts.select(LATEST_COLUMNS)
        );
        let mut guard = self.client.lock().await;
        let Conn { client, statements } = &mut *guard;
        let statement = cached(statements, &*client, &sql).await?;
        let rows = client
            .query(
                &statement,
                &[&account.0, &after, &i64::from(limit), &seen_before],
            )
            .await
            .context("reading a page of cards")?;
        rows.iter().map(fleet_card).collect()
    }

    /// The latest snapshots of `account`'s cards with these keys, in id
    /// order.
    pub(crate) async fn latest_of_keys(
        &self,
        account: AccountId,
        keys: &[String],
        parts: SnapshotParts,
    ) -> Result<Vec<FleetCard>> {
        let sql = format!(
            "SELECT {CARD_COLUMNS}, {} FROM cards c \
             JOIN accounts a ON a.id = c.account_id \
             WHERE c.account_id = $1 AND c.card_key = ANY($2) AND c.latest_shape IS NOT NULL \
             ORDER BY c.id",
            parts.select(LATEST_COLUMNS)
        );
        let mut guard = self.client.lock().await;
        let Conn { client, statements } = &mut *guard;
        let statement = cached(statements, &*client, &sql).await?;
        let rows = client
            .query(&statement, &[&account.0, &keys])
            .await
            .context("reading a batch of cards")?;
        rows.iter().map(fleet_card).collect()
    }

    /// The daily usage of the cards `ids` over the days `from..=to` (day
    /// numbers), by card and day, in one statement.
    pub(crate) async fn daily_of_cards(
        &self,
        ids: &[i64],
        from: i32,
        to: i32,
    ) -> Result<Vec<CardDay>> {
        let sql = format!(
            "SELECT {DAY_COLUMNS} FROM daily d WHERE d.card_id = ANY($1) \
             AND d.day >= $2 AND d.day <= $3 ORDER BY d.card_id, d.day"
        );
        let mut guard = self.client.lock().await;
        let Conn { client, statements } = &mut *guard;
        let statement = cached(statements, &*client, &sql).await?;
        let rows = client
            .query(&statement, &[&ids, &from, &to])
            .await
            .context("reading daily usage")?;
        rows.iter().map(card_day).collect()
    }

    pub(crate) async fn status_changes(
        &self,
        cards: &[i64],
        since: i64,
    ) -> Result<Vec<StatusChangeRow>> {
        let client = self.client.lock().await;
        // States without a status are left out before the window function,
        // so each status is compared with the last one reported before it.
        let rows = client
            .query(
                "SELECT card_id, since, previous, status FROM ( \
                   SELECT card_id, since, status, \
                     lag(status) OVER (PARTITION BY card_id ORDER BY since) AS previous \
                   FROM card_state WHERE card_id = ANY($1) AND status IS NOT NULL) changes \
                 WHERE previous IS NOT NULL AND previous <> status AND since >= $2 \
                 ORDER BY since, card_id",
                &[&cards, &since],
            )
            .await
            .context("reading status changes")?;
        let c = "reading status changes";
        rows.iter()
            .map(|row| {
                let status = |i: usize| -> Result<Option<CardStatus>> {
                    Ok(row
                        .try_get::<_, Option<&str>>(i)
                        .context(c)?
                        .map(CardStatus::from_name))
                };
                Ok(StatusChangeRow {
                    card: CardId(row.try_get(0).context(c)?),
                    at: stored_instant(row.try_get(1).context(c)?, "card_state.since")?,
                    from: status(2)?,
                    to: status(3)?,
                })
            })
            .collect()
    }
}
