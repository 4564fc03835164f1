//! Everything that reads a PostgreSQL store.

use chrono::NaiveDate;
use iotcard_model::{CardNumber, DataAmount, DataUnit, Instant, SmsCount};
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::rows::{self, dec, ST_COLUMNS};
use super::Postgres;
use crate::account::{Account, AccountId, AccountSpec};
use crate::daily::{date, day_number, day_of};
use crate::error::{Context, Result, StoreError};
use crate::fleet::used_share;
use crate::query::{CardDay, CardId, CardInfo, FleetCard, FleetFilter, HistoryEntry};
use crate::run::{RunCounts, RunId, RunOutcome, SyncRun};
use crate::runs::split_errors;
use crate::state::{self, stored_instant, State};

pub(crate) const CARD_COLUMNS: &str =
    "c.id, c.account_id, a.profile, c.card_key, c.inventory, c.first_seen, c.last_seen";

/// The columns [`fleet_card`] reads, after [`CARD_COLUMNS`] and before
/// `ST_COLUMNS`: the latest snapshot's figures (alias `s`), decimals as text.
const FIGURE_COLUMNS: &str = "s.sms_used, s.data_used::text, s.sms_left, s.data_left::text";

/// `SELECT` of what [`fleet_card`] reads: a card, its latest figures (alias
/// `s`) and state (alias `st`).
pub(crate) fn fleet_select() -> String {
    format!("SELECT {CARD_COLUMNS}, {FIGURE_COLUMNS}, {ST_COLUMNS}")
}

/// A card's latest snapshot from a row of [`fleet_select`] (or of the
/// card columns then [`rows::LATEST_COLUMNS`]).
pub(crate) fn fleet_card(row: &Row) -> Result<FleetCard> {
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

fn card_info(row: &Row) -> Result<CardInfo> {
    let c = "reading a card";
    let seen = |i: usize| -> Result<Option<Instant>> {
        row.try_get::<_, Option<i64>>(i)
            .context(c)?
            .map(|s| stored_instant(s, "cards.first_seen/last_seen"))
            .transpose()
    };
    Ok(CardInfo {
        id: CardId(row.try_get(0).context(c)?),
        account: AccountId(row.try_get(1).context(c)?),
        profile: row.try_get(2).context(c)?,
        key: row.try_get(3).context(c)?,
        inventory: row.try_get(4).context(c)?,
        first_seen: seen(5)?,
        last_seen: seen(6)?,
    })
}

/// The columns [`card_day`] reads, first in a row (alias `d`: `daily`),
/// decimals as text.
pub(crate) const DAY_COLUMNS: &str = "d.card_id, d.day, d.data_used::text, \
    d.data_in_provider_unit, d.sms_used, d.snapshots, d.covers_from, d.period_reset";

/// A card's day from a row starting with [`DAY_COLUMNS`].
pub(crate) fn card_day(row: &Row) -> Result<CardDay> {
    let c = "reading daily usage";
    let day = i64::from(row.try_get::<_, i32>(1).context(c)?);
    let provider_unit: bool = row.try_get(3).context(c)?;
    let unit = if provider_unit {
        DataUnit::ProviderUnit
    } else {
        DataUnit::Mb
    };
    let covers_from: Option<i64> = row.try_get(6).context(c)?;
    Ok(CardDay {
        card: CardId(row.try_get(0).context(c)?),
        day: date(day).ok_or_else(|| StoreError::Corrupt(format!("day {day}")))?,
        data_used: dec(row, 2)?.map(|d| DataAmount::new(d, unit)),
        sms_used: row.try_get::<_, Option<i64>>(4).context(c)?.map(SmsCount),
        snapshots: u32::try_from(row.try_get::<_, i32>(5).context(c)?).unwrap_or(0),
        covers_from: covers_from
            .map(|s| stored_instant(s, "daily.covers_from"))
            .transpose()?,
        period_reset: row.try_get(7).context(c)?,
    })
}

fn secs(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// Parameters of a query built piece by piece.
#[derive(Default)]
struct Params(Vec<Box<dyn ToSql + Sync + Send>>);

impl Params {
    fn add(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.0.push(Box::new(value));
        format!("${}", self.0.len())
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.0
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

impl Postgres {
    pub(crate) async fn accounts(&self) -> Result<Vec<Account>> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT id, profile, provider, endpoint_host FROM accounts ORDER BY profile",
                &[],
            )
            .await
            .context("listing accounts")?;
        rows.iter()
            .map(|row| {
                let c = "listing accounts";
                Ok(Account {
                    id: AccountId(row.try_get(0).context(c)?),
                    spec: AccountSpec::new(
                        row.try_get::<_, String>(1).context(c)?,
                        row.try_get::<_, String>(2).context(c)?,
                        row.try_get::<_, String>(3).context(c)?,
                    ),
                })
            })
            .collect()
    }

    pub(crate) async fn fleet(&self, filter: &FleetFilter, now: i64) -> Result<Vec<FleetCard>> {
        let mut params = Params::default();
        let mut conditions: Vec<String> = Vec::new();
        if !filter.profiles.is_empty() {
            let p = params.add(filter.profiles.clone());
            conditions.push(format!("a.profile = ANY({p})"));
        }
        if !filter.operators.is_empty() {
            let names: Vec<String> = filter
                .operators
                .iter()
                .map(|o| o.name().to_owned())
                .collect();
            let p = params.add(names);
            conditions.push(format!("st.operator = ANY({p})"));
        }
        if !filter.statuses.is_empty() {
            let names: Vec<String> = filter
                .statuses
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect();
            let p = params.add(names);
            conditions.push(format!("st.status = ANY({p})"));
        }
        if let Some(within) = filter.expiring_within {
            let p = params.add(now.saturating_add(secs(within)));
            conditions.push(format!("st.expires_at <= {p}"));
        }
        if let Some(silent) = filter.silent_for {
            let since = now.saturating_sub(secs(silent));
            let since_p = params.add(since);
            let day_p = params.add(i32::try_from(day_of(since)).unwrap_or(i32::MIN));
            conditions.push(format!(
                "c.first_seen <= {since_p} AND NOT EXISTS (SELECT 1 FROM daily d \
                 WHERE d.card_id = c.id AND d.day >= {day_p} AND d.data_used > 0)"
            ));
        }
        // A card's newest state is the one in effect at its latest snapshot
        // (states start at snapshot times), so one ordered pass over
        // card_state serves every card, instead of a lookup per card.
        let mut sql = format!(
            "{} FROM cards c JOIN accounts a ON a.id = c.account_id \
             JOIN snapshots s ON s.card_id = c.id AND s.taken_at = c.last_seen \
             JOIN (SELECT DISTINCT ON (card_id) * FROM card_state \
               ORDER BY card_id DESC, since DESC) st ON st.card_id = c.id",
            fleet_select()
        );
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(" ORDER BY a.profile, c.card_key");
        let client = self.client.lock().await;
        let rows = client
            .query(&sql, &params.refs())
            .await
            .context("reading the fleet")?;
        let mut fleet = Vec::with_capacity(rows.len());
        for row in &rows {
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

    pub(crate) async fn find_cards(&self, number: &str) -> Result<Vec<CardInfo>> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                &format!(
                    "SELECT {CARD_COLUMNS} FROM cards c JOIN accounts a ON a.id = c.account_id \
                     WHERE c.card_key = $1 OR c.iccid = upper($1) OR c.msisdn = $1 \
                     ORDER BY a.profile, c.card_key"
                ),
                &[&number],
            )
            .await
            .context("finding cards")?;
        rows.iter().map(card_info).collect()
    }

    pub(crate) async fn card(&self, id: CardId) -> Result<Option<CardInfo>> {
        let client = self.client.lock().await;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {CARD_COLUMNS} FROM cards c JOIN accounts a ON a.id = c.account_id \
                     WHERE c.id = $1"
                ),
                &[&id.0],
            )
            .await
            .context("finding a card")?;
        row.as_ref().map(card_info).transpose()
    }

    pub(crate) async fn history(
        &self,
        id: CardId,
        from: i64,
        to: i64,
    ) -> Result<Vec<HistoryEntry>> {
        let card = self.card(id).await?.ok_or(StoreError::NotFound {
            what: "card",
            id: id.0,
        })?;
        let client = self.client.lock().await;
        let state_rows = client
            .query(
                &format!(
                    "SELECT st.since, {ST_COLUMNS} FROM card_state st WHERE st.card_id = $1 \
                     AND st.since < $2 ORDER BY st.since"
                ),
                &[&id.0, &to],
            )
            .await
            .context("reading states")?;
        let mut states: Vec<(i64, State)> = Vec::with_capacity(state_rows.len());
        for row in &state_rows {
            states.push((
                row.try_get(0).context("reading states")?,
                rows::read_state(row, 1)?,
            ));
        }
        let snapshot_rows = client
            .query(
                "SELECT taken_at, sms_used, data_used::text, sms_left, data_left::text \
                 FROM snapshots WHERE card_id = $1 AND taken_at >= $2 AND taken_at < $3 \
                 ORDER BY taken_at",
                &[&id.0, &from, &to],
            )
            .await
            .context("reading history")?;
        let mut entries = Vec::with_capacity(snapshot_rows.len());
        let mut current = 0;
        for row in &snapshot_rows {
            let at: i64 = row.try_get(0).context("reading history")?;
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

    pub(crate) async fn daily(
        &self,
        card: Option<CardId>,
        profiles: &[String],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(AccountId, String, CardDay)>> {
        let mut params = Params::default();
        let clamp = |d: i64| i32::try_from(d).unwrap_or(if d < 0 { i32::MIN } else { i32::MAX });
        let from_p = params.add(clamp(day_number(from)));
        let to_p = params.add(clamp(day_number(to)));
        let mut sql = format!(
            "SELECT {DAY_COLUMNS}, c.account_id, a.profile FROM daily d \
             JOIN cards c ON c.id = d.card_id JOIN accounts a ON a.id = c.account_id \
             WHERE d.day >= {from_p} AND d.day <= {to_p}"
        );
        if let Some(card) = card {
            let p = params.add(card.0);
            sql.push_str(&format!(" AND d.card_id = {p}"));
        }
        if !profiles.is_empty() {
            let p = params.add(profiles.to_vec());
            sql.push_str(&format!(" AND a.profile = ANY({p})"));
        }
        sql.push_str(" ORDER BY d.card_id, d.day");
        let client = self.client.lock().await;
        let rows = client
            .query(&sql, &params.refs())
            .await
            .context("reading daily usage")?;
        let c = "reading daily usage";
        rows.iter()
            .map(|row| {
                Ok((
                    AccountId(row.try_get(8).context(c)?),
                    row.try_get(9).context(c)?,
                    card_day(row)?,
                ))
            })
            .collect()
    }

    pub(crate) async fn sync_runs(&self, profiles: &[String], limit: u32) -> Result<Vec<SyncRun>> {
        let mut params = Params::default();
        let limit_p = params.add(i64::from(limit));
        let mut sql = String::from(
            "SELECT r.id, r.account_id, a.profile, r.started_at, r.ended_at, r.outcome, r.asked, \
             r.answered, r.not_found, r.failed, r.first_errors FROM runs r \
             JOIN accounts a ON a.id = r.account_id",
        );
        if !profiles.is_empty() {
            let p = params.add(profiles.to_vec());
            sql.push_str(&format!(" WHERE a.profile = ANY({p})"));
        }
        sql.push_str(&format!(
            " ORDER BY r.started_at DESC, r.id DESC LIMIT {limit_p}"
        ));
        let client = self.client.lock().await;
        let rows = client
            .query(&sql, &params.refs())
            .await
            .context("listing runs")?;
        let c = "listing runs";
        rows.iter()
            .map(|row| {
                let outcome: String = row.try_get(5).context(c)?;
                let count = |i: usize| -> Result<u64> {
                    Ok(row.try_get::<_, i64>(i).context(c)?.max(0) as u64)
                };
                Ok(SyncRun {
                    id: RunId(row.try_get(0).context(c)?),
                    account: AccountId(row.try_get(1).context(c)?),
                    profile: row.try_get(2).context(c)?,
                    started_at: stored_instant(row.try_get(3).context(c)?, "runs.started_at")?,
                    ended_at: row
                        .try_get::<_, Option<i64>>(4)
                        .context(c)?
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
                    first_errors: split_errors(&row.try_get::<_, String>(10).context(c)?),
                })
            })
            .collect()
    }

    pub(crate) async fn inventory(&self, account: AccountId) -> Result<Vec<CardNumber>> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT card_key FROM cards WHERE account_id = $1 AND inventory ORDER BY card_key",
                &[&account.0],
            )
            .await
            .context("listing the inventory")?;
        rows.iter()
            .map(|row| {
                let key: &str = row.try_get(0).context("listing the inventory")?;
                CardNumber::parse(key).map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect()
    }
}

impl Postgres {
    pub(crate) async fn inventory_page(
        &self,
        account: AccountId,
        after: &str,
        limit: u32,
    ) -> Result<Vec<CardNumber>> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT card_key FROM cards WHERE account_id = $1 AND inventory \
                 AND card_key > $2 ORDER BY card_key LIMIT $3",
                &[&account.0, &after, &i64::from(limit)],
            )
            .await
            .context("listing the inventory")?;
        rows.iter()
            .map(|row| {
                let key: &str = row.try_get(0).context("listing the inventory")?;
                CardNumber::parse(key).map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect()
    }

    pub(crate) async fn stats(&self) -> Result<crate::retention::StoreStats> {
        let client = self.client.lock().await;
        let row = client
            .query_one(
                "SELECT (SELECT coalesce(max(version), 0) FROM schema_version), \
                 (SELECT count(*) FROM accounts), (SELECT count(*) FROM cards), \
                 (SELECT count(*) FROM snapshots), (SELECT count(*) FROM card_state), \
                 (SELECT count(*) FROM daily), (SELECT count(*) FROM runs), \
                 pg_database_size(current_database())",
                &[],
            )
            .await
            .context("counting rows")?;
        let n = |i: usize| -> Result<u64> {
            Ok(row.try_get::<_, i64>(i).context("counting rows")?.max(0) as u64)
        };
        Ok(crate::retention::StoreStats {
            schema_version: row.try_get(0).context("counting rows")?,
            accounts: n(1)?,
            cards: n(2)?,
            snapshots: n(3)?,
            states: n(4)?,
            daily: n(5)?,
            runs: n(6)?,
            bytes: n(7)?,
        })
    }
}
