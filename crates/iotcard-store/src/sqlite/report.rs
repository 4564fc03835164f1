//! SQLite: the fleet report's reads ([`crate::ReportFigures`]), in one read
//! transaction so the card pass, the daily sums and the runs agree.
//!
//! SQLite has no exact decimal sum, so the daily rows' figures are summed
//! as integers of millionths (exact for figures of up to six fractional
//! digits, which is more than either platform gives); a figure with more
//! is refused rather than rounded.

use rusqlite::{params, Connection};

use super::read::LATEST_STATE;
use super::value::dec;
use crate::error::{Context, Result, StoreError};
use crate::report::{
    from_millionths, stored_date, AccountRow, CardRow, FleetDay, ReportFigures, ReportScope,
    RunRow, Tally,
};
use crate::state::shape;

/// A daily figure as millionths, and whether it has more than six
/// fractional digits (`?` stands for the column).
const MILLIONTHS: &str = "CAST(round(CAST(? AS REAL) * 1000000) AS INTEGER)";
const TOO_FINE: &str =
    "(typeof(?) = 'text' AND instr(?, '.') > 0 AND length(?) - instr(?, '.') > 6)";

fn with(template: &str, column: &str) -> String {
    template.replace('?', column)
}

pub(crate) fn report(connection: &mut Connection, scope: &ReportScope) -> Result<ReportFigures> {
    let tx = connection
        .transaction()
        .context("starting the report read")?;
    let since = crate::store::seconds(scope.since);
    let until = crate::store::seconds(scope.until);
    let (first_day, last_day) = scope.days();

    let c = "reading the accounts for the report";
    let accounts = {
        let mut statement = tx
            .prepare(
                "SELECT a.id, a.profile, a.provider, (SELECT max(r.started_at) FROM runs r \
                   WHERE r.account_id = a.id AND r.outcome = 'finished' \
                   AND r.started_at >= ?1 AND r.started_at < ?2) \
                 FROM accounts a ORDER BY a.profile",
            )
            .context(c)?;
        let rows = statement
            .query_map(params![since, until], |row| {
                Ok(AccountRow {
                    id: row.get(0)?,
                    profile: row.get(1)?,
                    provider: row.get(2)?,
                    last_pass_started: row.get(3)?,
                })
            })
            .context(c)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().context(c)?
    };
    let mut tally = Tally::new(scope, accounts);

    let (used_pu, included_pu) = (
        shape::USED_IN_PROVIDER_UNIT,
        shape::INCLUDED_IN_PROVIDER_UNIT,
    );
    let latest_state = LATEST_STATE.replace("c.last_seen", "s.taken_at");
    let sum = with(MILLIONTHS, "d.data_used");
    let fine = with(TOO_FINE, "d.data_used");
    // Each card's latest snapshot before the period's end, its state then,
    // and its daily rows in the period, all through the primary keys.
    let sql = format!(
        "SELECT c.account_id, c.card_key, st.operator, st.status, c.first_seen, s.taken_at, \
         s.data_used, st.shape & {used_pu}, s.sms_used, st.included_data, \
         st.shape & {included_pu}, st.monthly_fee, st.data_overage_price, st.included_sms, \
         st.sms_overage_price, st.expires_at, \
         (SELECT sum({sum}) FROM daily d WHERE d.card_id = c.id AND d.day BETWEEN ?2 AND ?3), \
         (SELECT max(d.data_in_provider_unit) FROM daily d \
           WHERE d.card_id = c.id AND d.day BETWEEN ?2 AND ?3), \
         (SELECT sum(d.sms_used) FROM daily d WHERE d.card_id = c.id AND d.day BETWEEN ?2 AND ?3), \
         (SELECT max(d.day) FROM daily d WHERE d.card_id = c.id AND d.day <= ?3 \
           AND CAST(d.data_used AS REAL) > 0), \
         (SELECT count(*) FROM daily d WHERE d.card_id = c.id AND d.day BETWEEN ?2 AND ?3 \
           AND {fine}) \
         FROM cards c \
         CROSS JOIN snapshots s ON s.card_id = c.id AND s.taken_at = (SELECT max(x.taken_at) \
           FROM snapshots x WHERE x.card_id = c.id AND x.taken_at < ?1) \
         CROSS JOIN card_state st ON st.card_id = c.id AND {latest_state}"
    );
    let c = "reading the cards for the report";
    {
        let mut statement = tx.prepare(&sql).context(c)?;
        let mut rows = statement
            .query(params![until, first_day, last_day])
            .context(c)?;
        while let Some(row) = rows.next().context(c)? {
            let account: i64 = row.get(0).context(c)?;
            if !tally.wants(account) {
                continue;
            }
            let too_fine: i64 = row.get(20).context(c)?;
            let card: String = row.get(1).context(c)?;
            if too_fine > 0 {
                return Err(StoreError::Corrupt(format!(
                    "card {card}: a daily data figure with more than six fractional digits"
                )));
            }
            let period_data: Option<i64> = row.get(16).context(c)?;
            tally.add(CardRow {
                account,
                card,
                operator: row.get(2).context(c)?,
                status: row.get(3).context(c)?,
                first_seen: row.get(4).context(c)?,
                taken_at: row.get(5).context(c)?,
                data_used: dec(row, 6)?,
                used_in_provider_unit: row.get::<_, i64>(7).context(c)? != 0,
                sms_used: row.get(8).context(c)?,
                included_data: dec(row, 9)?,
                included_in_provider_unit: row.get::<_, i64>(10).context(c)? != 0,
                monthly_fee: dec(row, 11)?,
                data_overage_price: dec(row, 12)?,
                included_sms: row.get(13).context(c)?,
                sms_overage_price: dec(row, 14)?,
                expires_at: row.get(15).context(c)?,
                period_data: period_data.map(from_millionths),
                period_data_in_provider_unit: row.get::<_, Option<i64>>(17).context(c)? == Some(1),
                period_sms: row.get(18).context(c)?,
                last_used_day: row.get(19).context(c)?,
            })?;
        }
    }

    let c = "reading the daily fleet use";
    let mut daily: Vec<FleetDay> = Vec::new();
    {
        let mut statement = tx
            .prepare(&format!(
                "SELECT d.day, c.account_id, d.data_in_provider_unit, sum({sum}), \
                 coalesce(sum(d.sms_used), 0) FROM daily d JOIN cards c ON c.id = d.card_id \
                 WHERE d.day BETWEEN ?1 AND ?2 \
                 GROUP BY d.day, c.account_id, d.data_in_provider_unit ORDER BY d.day"
            ))
            .context(c)?;
        let mut rows = statement.query(params![first_day, last_day]).context(c)?;
        while let Some(row) = rows.next().context(c)? {
            if !tally.wants(row.get(1).context(c)?) {
                continue;
            }
            let day = stored_date(row.get(0).context(c)?)?;
            if daily.last().is_none_or(|d| d.day != day) {
                daily.push(FleetDay {
                    day,
                    data_used_mb: Default::default(),
                    data_used_provider_unit: Default::default(),
                    sms_used: 0,
                });
            }
            let entry = daily.last_mut().expect("pushed above");
            let data = from_millionths(row.get::<_, Option<i64>>(3).context(c)?.unwrap_or(0));
            if row.get::<_, i64>(2).context(c)? == 1 {
                entry.data_used_provider_unit += data;
            } else {
                entry.data_used_mb += data;
            }
            entry.sms_used += row.get::<_, i64>(4).context(c)?;
        }
    }

    let c = "reading the period's sync runs";
    let runs = {
        let mut statement = tx
            .prepare(
                "SELECT account_id, ended_at, outcome = 'finished', failed FROM runs \
                 WHERE started_at >= ?1 AND started_at < ?2 AND outcome <> 'running' \
                 ORDER BY account_id, started_at, id",
            )
            .context(c)?;
        let rows = statement
            .query_map(params![since, until], |row| {
                Ok(RunRow {
                    account: row.get(0)?,
                    ended_at: row.get(1)?,
                    finished: row.get(2)?,
                    failed: row.get(3)?,
                })
            })
            .context(c)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().context(c)?
    };
    tx.commit().context("ending the report read")?;
    Ok(tally.finish(daily, runs))
}
