//! PostgreSQL: the fleet report's reads ([`crate::ReportFigures`]), in one
//! read-only repeatable-read transaction; the cards come through a portal
//! page by page, so a million of them never sit in memory at once.

use tokio_postgres::IsolationLevel;

use super::rows::dec;
use super::Postgres;
use crate::error::{Context, Result, StoreError};
use crate::report::{
    stored_date, AccountRow, CardRow, FleetDay, ReportFigures, ReportScope, RunRow, Tally,
};
use crate::state::shape;

/// Rows fetched per round trip of the card pass.
const PAGE: i32 = 10_000;

fn exact(text: Option<&str>) -> Result<Option<iotcard_model::Decimal>> {
    text.map(|t| {
        iotcard_model::decimal::parse_exact(t).map_err(|e| StoreError::Corrupt(e.to_string()))
    })
    .transpose()
}

impl Postgres {
    pub(crate) async fn report(&self, scope: &ReportScope) -> Result<ReportFigures> {
        let mut client = self.client.lock().await;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .context("starting the report read")?;
        let since = crate::store::seconds(scope.since);
        let until = crate::store::seconds(scope.until);
        let (first_day, last_day) = scope.days();
        let (first_day, last_day) = (
            i32::try_from(first_day)
                .map_err(|_| StoreError::Invalid("the period's start is out of range".into()))?,
            i32::try_from(last_day)
                .map_err(|_| StoreError::Invalid("the period's end is out of range".into()))?,
        );

        let c = "reading the accounts for the report";
        let accounts = tx
            .query(
                "SELECT a.id, a.profile, a.provider, (SELECT max(r.started_at) FROM runs r \
                   WHERE r.account_id = a.id AND r.outcome = 'finished' \
                   AND r.started_at >= $1 AND r.started_at < $2) \
                 FROM accounts a ORDER BY a.profile",
                &[&since, &until],
            )
            .await
            .context(c)?
            .iter()
            .map(|row| {
                Ok(AccountRow {
                    id: row.try_get(0).context(c)?,
                    profile: row.try_get(1).context(c)?,
                    provider: row.try_get(2).context(c)?,
                    last_pass_started: row.try_get(3).context(c)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut tally = Tally::new(scope, accounts);

        let (used_pu, included_pu) = (
            shape::USED_IN_PROVIDER_UNIT,
            shape::INCLUDED_IN_PROVIDER_UNIT,
        );
        let sql = format!(
            "SELECT c.account_id, c.card_key, st.operator, st.status, c.first_seen, s.taken_at, \
             s.data_used::text, st.shape & {used_pu}, s.sms_used, st.included_data::text, \
             st.shape & {included_pu}, st.monthly_fee::text, st.data_overage_price::text, \
             st.included_sms, st.sms_overage_price::text, st.expires_at, \
             p.data::text, p.in_provider_unit, p.sms::bigint, \
             (SELECT max(d.day) FROM daily d WHERE d.card_id = c.id AND d.day <= $3 \
               AND d.data_used > 0) \
             FROM cards c \
             CROSS JOIN LATERAL (SELECT x.* FROM snapshots x WHERE x.card_id = c.id \
               AND x.taken_at < $1 ORDER BY x.taken_at DESC LIMIT 1) s \
             CROSS JOIN LATERAL (SELECT y.* FROM card_state y WHERE y.card_id = c.id \
               AND y.since <= s.taken_at ORDER BY y.since DESC LIMIT 1) st \
             CROSS JOIN LATERAL (SELECT sum(d.data_used) AS data, \
               bool_or(d.data_in_provider_unit) AS in_provider_unit, sum(d.sms_used) AS sms \
               FROM daily d WHERE d.card_id = c.id AND d.day BETWEEN $2 AND $3) p"
        );
        let c = "reading the cards for the report";
        let portal = tx
            .bind(sql.as_str(), &[&until, &first_day, &last_day])
            .await
            .context(c)?;
        loop {
            let rows = tx.query_portal(&portal, PAGE).await.context(c)?;
            for row in &rows {
                let account: i64 = row.try_get(0).context(c)?;
                if !tally.wants(account) {
                    continue;
                }
                tally.add(CardRow {
                    account,
                    card: row.try_get(1).context(c)?,
                    operator: row.try_get(2).context(c)?,
                    status: row.try_get(3).context(c)?,
                    first_seen: row.try_get(4).context(c)?,
                    taken_at: row.try_get(5).context(c)?,
                    data_used: dec(row, 6)?,
                    used_in_provider_unit: row.try_get::<_, i64>(7).context(c)? != 0,
                    sms_used: row.try_get(8).context(c)?,
                    included_data: dec(row, 9)?,
                    included_in_provider_unit: row.try_get::<_, i64>(10).context(c)? != 0,
                    monthly_fee: dec(row, 11)?,
                    data_overage_price: dec(row, 12)?,
                    included_sms: row.try_get(13).context(c)?,
                    sms_overage_price: dec(row, 14)?,
                    expires_at: row.try_get(15).context(c)?,
                    period_data: dec(row, 16)?,
                    period_data_in_provider_unit: row
                        .try_get::<_, Option<bool>>(17)
                        .context(c)?
                        .unwrap_or(false),
                    period_sms: row.try_get(18).context(c)?,
                    last_used_day: row.try_get::<_, Option<i32>>(19).context(c)?.map(i64::from),
                })?;
            }
            if rows.len() < PAGE as usize {
                break;
            }
        }

        let c = "reading the daily fleet use";
        let mut daily: Vec<FleetDay> = Vec::new();
        for row in tx
            .query(
                "SELECT d.day, c.account_id, d.data_in_provider_unit, sum(d.data_used)::text, \
                 coalesce(sum(d.sms_used), 0)::bigint FROM daily d JOIN cards c ON c.id = d.card_id \
                 WHERE d.day BETWEEN $1 AND $2 \
                 GROUP BY d.day, c.account_id, d.data_in_provider_unit ORDER BY d.day",
                &[&first_day, &last_day],
            )
            .await
            .context(c)?
        {
            if !tally.wants(row.try_get(1).context(c)?) {
                continue;
            }
            let day = stored_date(i64::from(row.try_get::<_, i32>(0).context(c)?))?;
            if daily.last().is_none_or(|d| d.day != day) {
                daily.push(FleetDay {
                    day,
                    data_used_mb: Default::default(),
                    data_used_provider_unit: Default::default(),
                    sms_used: 0,
                });
            }
            let entry = daily.last_mut().expect("pushed above");
            let data = exact(row.try_get(3).context(c)?)?.unwrap_or_default();
            if row.try_get::<_, bool>(2).context(c)? {
                entry.data_used_provider_unit += data;
            } else {
                entry.data_used_mb += data;
            }
            entry.sms_used += row.try_get::<_, i64>(4).context(c)?;
        }

        let c = "reading the period's sync runs";
        let runs = tx
            .query(
                "SELECT account_id, ended_at, outcome = 'finished', failed FROM runs \
                 WHERE started_at >= $1 AND started_at < $2 AND outcome <> 'running' \
                 ORDER BY account_id, started_at, id",
                &[&since, &until],
            )
            .await
            .context(c)?
            .iter()
            .map(|row| {
                Ok(RunRow {
                    account: row.try_get(0).context(c)?,
                    ended_at: row.try_get(1).context(c)?,
                    finished: row.try_get(2).context(c)?,
                    failed: row.try_get(3).context(c)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        tx.commit().await.context("ending the report read")?;
        Ok(tally.finish(daily, runs))
    }
}
