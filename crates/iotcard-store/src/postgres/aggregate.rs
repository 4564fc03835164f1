//! PostgreSQL: the exporter's figures ([`crate::FleetAggregates`]), one
//! `GROUP BY` per family, in one repeatable-read transaction so they agree.

use tokio_postgres::{IsolationLevel, Row};

use super::Postgres;
use crate::account::AccountId;
use crate::aggregate::{
    count, AccountSync, AccountUsage, CardCount, CardUsage, ExpiringCount, FiringAlerts,
    FleetAggregates, StoredRun, WITHIN_30D, WITHIN_7D,
};
use crate::error::{Context, Result};
use crate::state::{shape, stored_instant};

/// The cards [`crate::Store::fleet`] returns: those with a latest snapshot
/// (`s`) and its newest state (`st`, one ordered pass over `card_state`).
const LATEST: &str = "cards c JOIN accounts a ON a.id = c.account_id \
     JOIN snapshots s ON s.card_id = c.id AND s.taken_at = c.last_seen \
     JOIN (SELECT DISTINCT ON (card_id) card_id, operator, status, expires_at, shape \
       FROM card_state ORDER BY card_id DESC, since DESC) st ON st.card_id = c.id";

impl Postgres {
    pub(crate) async fn aggregates(
        &self,
        now: i64,
        per_card_limit: u32,
    ) -> Result<FleetAggregates> {
        let mut client = self.client.lock().await;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .context("starting the aggregate read")?;
        let c = "reading the card counts";
        let cards = tx
            .query(
                &format!(
                    "SELECT a.profile, a.provider, st.operator, st.status, count(*) FROM {LATEST} \
                     GROUP BY a.profile, a.provider, st.operator, st.status"
                ),
                &[],
            )
            .await
            .context(c)?
            .iter()
            .map(|row| {
                Ok(CardCount {
                    profile: row.try_get(0).context(c)?,
                    provider: row.try_get(1).context(c)?,
                    operator: row.try_get(2).context(c)?,
                    status: row.try_get(3).context(c)?,
                    cards: count(row.try_get(4).context(c)?),
                })
            })
            .collect::<Result<Vec<_>>>()?;

        let (used_pu, left_pu) = (shape::USED_IN_PROVIDER_UNIT, shape::LEFT_IN_PROVIDER_UNIT);
        let c = "reading the usage sums";
        let usage = tx
            .query(
                &format!(
                    "SELECT a.profile, \
                     coalesce(sum(s.data_used) FILTER (WHERE st.shape & {used_pu} = 0), 0)::float8, \
                     coalesce(sum(s.data_left) FILTER (WHERE st.shape & {left_pu} = 0), 0)::float8, \
                     coalesce(sum(s.data_used) FILTER (WHERE st.shape & {used_pu} <> 0), 0)::float8, \
                     coalesce(sum(s.data_left) FILTER (WHERE st.shape & {left_pu} <> 0), 0)::float8, \
                     coalesce(sum(s.sms_used), 0)::bigint, count(s.data_used) + count(s.data_left) \
                     FROM {LATEST} GROUP BY a.profile"
                ),
                &[],
            )
            .await
            .context(c)?
            .iter()
            .map(|row| {
                Ok(AccountUsage {
                    profile: row.try_get(0).context(c)?,
                    data_used_mb: row.try_get(1).context(c)?,
                    data_left_mb: row.try_get(2).context(c)?,
                    data_used_provider_unit: row.try_get(3).context(c)?,
                    data_left_provider_unit: row.try_get(4).context(c)?,
                    sms_used: row.try_get(5).context(c)?,
                    figures: count(row.try_get(6).context(c)?),
                })
            })
            .collect::<Result<Vec<_>>>()?;

        let c = "reading the expiring cards";
        let (week, month) = (
            now.saturating_add(WITHIN_7D),
            now.saturating_add(WITHIN_30D),
        );
        let expiring = tx
            .query(
                &format!(
                    "SELECT a.profile, count(*) FILTER (WHERE st.expires_at <= $1), \
                     count(*) FILTER (WHERE st.expires_at <= $2) FROM {LATEST} \
                     WHERE st.expires_at IS NOT NULL GROUP BY a.profile"
                ),
                &[&week, &month],
            )
            .await
            .context(c)?
            .iter()
            .map(|row| {
                Ok(ExpiringCount {
                    profile: row.try_get(0).context(c)?,
                    within_7d: count(row.try_get(1).context(c)?),
                    within_30d: count(row.try_get(2).context(c)?),
                })
            })
            .collect::<Result<Vec<_>>>()?;

        let c = "reading the firing alerts";
        let alerts = tx
            .query(
                "SELECT profile, rule, count(*), count(nullif(card, '')), min(since) FROM alerts \
                 WHERE phase = 'firing' GROUP BY profile, rule ORDER BY profile, rule",
                &[],
            )
            .await
            .context(c)?
            .iter()
            .map(|row| {
                Ok(FiringAlerts {
                    profile: row.try_get(0).context(c)?,
                    rule: row.try_get(1).context(c)?,
                    alerts: count(row.try_get(2).context(c)?),
                    cards: count(row.try_get(3).context(c)?),
                    since: stored_instant(row.try_get(4).context(c)?, "alerts.since")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;

        let c = "reading the accounts' syncs";
        let syncs = tx
            .query(
                "SELECT a.id, a.profile, a.provider, a.endpoint_host, \
                 (SELECT max(x.ended_at) FROM runs x \
                   WHERE x.account_id = a.id AND x.outcome = 'finished'), \
                 r.id, r.started_at, r.ended_at, r.outcome, r.asked, r.answered, r.not_found, \
                 r.failed, r.first_errors \
                 FROM accounts a LEFT JOIN runs r ON r.id = (SELECT y.id FROM runs y \
                   WHERE y.account_id = a.id AND y.ended_at IS NOT NULL \
                   ORDER BY y.started_at DESC, y.id DESC LIMIT 1) \
                 ORDER BY a.profile",
                &[],
            )
            .await
            .context(c)?
            .iter()
            .map(|row| read_sync(row).context(c)?)
            .collect::<Result<Vec<_>>>()?;

        let outbox_pending: i64 = tx
            .query_one(
                "SELECT count(*) FROM outbox WHERE delivered_at IS NULL",
                &[],
            )
            .await
            .context("counting the pending notifications")?
            .try_get(0)
            .context("counting the pending notifications")?;

        let c = "reading the per-card usage";
        let per_card = tx
            .query(
                &format!(
                    "SELECT a.profile, c.card_key, s.data_used::float8, st.shape & {used_pu}, \
                     s.data_left::float8, st.shape & {left_pu} FROM {LATEST} \
                     ORDER BY a.profile, c.card_key LIMIT $1"
                ),
                &[&i64::from(per_card_limit)],
            )
            .await
            .context(c)?
            .iter()
            .map(|row| {
                Ok(CardUsage {
                    profile: row.try_get(0).context(c)?,
                    card: row.try_get(1).context(c)?,
                    data_used: row.try_get(2).context(c)?,
                    used_in_provider_unit: row.try_get::<_, i64>(3).context(c)? != 0,
                    data_left: row.try_get(4).context(c)?,
                    left_in_provider_unit: row.try_get::<_, i64>(5).context(c)? != 0,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        tx.commit().await.context("ending the aggregate read")?;
        let per_card_total = cards.iter().map(|c| c.cards).sum();
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
}

/// One account's row; the outer `Result` is the column read, the inner one
/// the stored times' check.
fn read_sync(row: &Row) -> std::result::Result<Result<AccountSync>, tokio_postgres::Error> {
    let account: i64 = row.try_get(0)?;
    let profile: String = row.try_get(1)?;
    let run = match row.try_get::<_, Option<i64>>(5)? {
        Some(id) => Some(StoredRun {
            id,
            account,
            profile: profile.clone(),
            started_at: row.try_get(6)?,
            ended_at: row.try_get(7)?,
            outcome: row.try_get(8)?,
            counts: [
                row.try_get(9)?,
                row.try_get(10)?,
                row.try_get(11)?,
                row.try_get(12)?,
            ],
            first_errors: row.try_get(13)?,
        }),
        None => None,
    };
    let success: Option<i64> = row.try_get(4)?;
    let provider = row.try_get(2)?;
    let endpoint_host = row.try_get(3)?;
    Ok((|| {
        Ok(AccountSync {
            account: AccountId(account),
            profile,
            provider,
            endpoint_host,
            last_success: success
                .map(|s| stored_instant(s, "runs.ended_at"))
                .transpose()?,
            last_run: run.map(StoredRun::into_run).transpose()?,
        })
    })())
}
