//! Binding and reading the rows the write and read paths share.

use rusqlite::{Row, ToSql};

use super::value::{dec, Dec};
use crate::daily::DailyRow;
use crate::error::{Context, Result, StoreError};
use crate::ingest::CardUpdate;
use crate::state::{Figures, State};

/// `card_state`'s columns after `card_id, since`, in table order.
pub(crate) const STATE_COLUMNS: &str = "iccid, msisdn, operator, kind, status, network, \
    plan_name, monthly_fee, included_sms, sms_overage_price, included_data, data_overage_price, \
    product_id, pool_id, expires_at, expires_offset, shape";

/// `STATE_COLUMNS` of table alias `st`.
pub(crate) const ST_COLUMNS: &str = "st.iccid, st.msisdn, st.operator, st.kind, st.status, \
    st.network, st.plan_name, st.monthly_fee, st.included_sms, st.sms_overage_price, \
    st.included_data, st.data_overage_price, st.product_id, st.pool_id, st.expires_at, \
    st.expires_offset, st.shape";

/// The latest snapshot's figures and state that `cards` keeps (schema v4),
/// of alias `c`: [`read_figures`] reads the first four, [`read_state`] the
/// rest. The latest state's identifiers are the card's own where
/// `latest_ids` says the state reports them.
pub(crate) const LATEST_COLUMNS: &str = "c.latest_sms_used, c.latest_data_used, \
    c.latest_sms_left, c.latest_data_left, CASE WHEN c.latest_ids & 1 THEN c.iccid END, \
    CASE WHEN c.latest_ids & 2 THEN c.msisdn END, CASE WHEN c.latest_ids & 4 THEN c.operator END, \
    c.latest_kind, c.latest_status, c.latest_network, c.latest_plan_name, c.latest_monthly_fee, \
    c.latest_included_sms, c.latest_sms_overage_price, c.latest_included_data, \
    c.latest_data_overage_price, c.latest_product_id, c.latest_pool_id, c.latest_expires_at, \
    c.latest_expires_offset, c.latest_shape";

/// The `latest_*` columns a batch writes, in [`RowWriter::card`]'s order
/// after the card's own seven.
const LATEST_WRITTEN: [&str; 19] = [
    "sms_used",
    "data_used",
    "sms_left",
    "data_left",
    "ids",
    "kind",
    "status",
    "network",
    "plan_name",
    "monthly_fee",
    "included_sms",
    "sms_overage_price",
    "included_data",
    "data_overage_price",
    "product_id",
    "pool_id",
    "expires_at",
    "expires_offset",
    "shape",
];

/// `UPDATE cards` after a batch: when the card was seen, its identifiers
/// (a field the snapshot lacks keeps the stored value) and its latest
/// figures and state.
fn update_card_sql() -> String {
    let latest: Vec<String> = LATEST_WRITTEN
        .iter()
        .enumerate()
        .map(|(i, column)| format!("latest_{column} = ?{}", i + 8))
        .collect();
    format!(
        "UPDATE cards SET first_seen = ?2, last_seen = ?3, state_hash = ?4, \
         iccid = coalesce(?5, iccid), msisdn = coalesce(?6, msisdn), \
         operator = coalesce(?7, operator), {} WHERE id = ?1",
        latest.join(", ")
    )
}

/// `[head…, then the state's values after its identifiers]` as SQL
/// parameters: what a `card_state` row and a card's latest state share.
macro_rules! with_state_values {
    ($s:expr; $($head:expr),+ $(,)?) => {
        [
            $($head as &dyn ToSql,)+
            &$s.kind,
            &$s.status,
            &$s.network,
            &$s.plan_name,
            &Dec($s.monthly_fee),
            &$s.included_sms,
            &Dec($s.sms_overage_price),
            &Dec($s.included_data),
            &Dec($s.data_overage_price),
            &$s.product_id,
            &$s.pool_id,
            &$s.expires_at,
            &$s.expires_offset,
            &$s.shape,
        ]
    };
}

/// The row writers of one batch, each statement prepared once and
/// kept for every row (a per-row `prepare_cached` formatted and hashed
/// the SQL text and moved the statement in and out of the cache: a fifth
/// of a state row's cost).
pub(crate) struct RowWriter<'tx> {
    snapshot: rusqlite::CachedStatement<'tx>,
    state: rusqlite::CachedStatement<'tx>,
    daily: rusqlite::CachedStatement<'tx>,
    card: rusqlite::CachedStatement<'tx>,
}

impl<'tx> RowWriter<'tx> {
    pub(crate) fn new(tx: &'tx rusqlite::Connection) -> Result<Self> {
        Ok(Self {
            snapshot: tx
                .prepare_cached(
                    "INSERT INTO snapshots (card_id, taken_at, sms_used, data_used, sms_left, \
                     data_left) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .context("preparing the snapshot insert")?,
            state: tx
                .prepare_cached(&format!(
                    "INSERT OR REPLACE INTO card_state (card_id, since, {STATE_COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, \
                     ?16, ?17, ?18, ?19)"
                ))
                .context("preparing the state insert")?,
            daily: tx
                .prepare_cached(
                    // An upsert changes the row in place (REPLACE would
                    // delete and insert it again).
                    "INSERT INTO daily (card_id, day, data_used, data_in_provider_unit, \
                     sms_used, snapshots, covers_from, period_reset) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                     ON CONFLICT (card_id, day) DO UPDATE SET data_used = excluded.data_used, \
                     data_in_provider_unit = excluded.data_in_provider_unit, \
                     sms_used = excluded.sms_used, snapshots = excluded.snapshots, \
                     covers_from = excluded.covers_from, period_reset = excluded.period_reset",
                )
                .context("preparing the daily upsert")?,
            card: tx
                .prepare_cached(&update_card_sql())
                .context("preparing the card update")?,
        })
    }

    pub(crate) fn card(&mut self, u: &CardUpdate<'_>) -> Result<()> {
        let (f, s) = (u.figures, u.state);
        let ids = u.latest_ids();
        let params: [&dyn ToSql; 26] = with_state_values!(
            s;
            &u.id,
            &u.first_seen,
            &u.last_seen,
            &u.state_hash,
            &u.iccid,
            &u.msisdn,
            &u.operator,
            &f.sms_used,
            &Dec(f.data_used),
            &f.sms_left,
            &Dec(f.data_left),
            &ids
        );
        self.card.execute(&params[..]).context("updating a card")?;
        Ok(())
    }

    pub(crate) fn state(&mut self, card_id: i64, since: i64, s: &State) -> Result<()> {
        let params: [&dyn ToSql; 19] = with_state_values!(
            s;
            &card_id,
            &since,
            &s.iccid,
            &s.msisdn,
            &s.operator
        );
        self.state
            .execute(&params[..])
            .context("writing a card state")?;
        Ok(())
    }

    pub(crate) fn snapshot(&mut self, card_id: i64, at: i64, f: &Figures) -> Result<()> {
        self.snapshot
            .execute(rusqlite::params![
                card_id,
                at,
                f.sms_used,
                Dec(f.data_used),
                f.sms_left,
                Dec(f.data_left)
            ])
            .context("writing a snapshot")?;
        Ok(())
    }

    pub(crate) fn daily(&mut self, d: &DailyRow) -> Result<()> {
        self.daily
            .execute(rusqlite::params![
                d.card_id,
                d.day,
                Dec(d.data),
                d.data_in_provider_unit,
                d.sms,
                d.snapshots,
                d.covers_from,
                d.reset
            ])
            .context("writing a daily row")?;
        Ok(())
    }
}

/// The 17 state columns starting at `at`, the texts as `S` (`String`, or
/// `&str` borrowed from the row).
pub(crate) fn read_state<'r, S: From<&'r str>>(row: &'r Row<'_>, at: usize) -> Result<State<S>> {
    let c = "reading a card state";
    let get = |i: usize| -> Result<Option<S>> {
        let text = row.get_ref(at + i).context(c)?.as_str_or_null();
        text.map(|t| t.map(S::from))
            .map_err(|e| StoreError::Corrupt(format!("card_state column {}: {e}", at + i)))
    };
    let int = |i: usize| -> Result<Option<i64>> { row.get(at + i).context(c) };
    Ok(State {
        iccid: get(0)?,
        msisdn: get(1)?,
        operator: get(2)?,
        kind: get(3)?,
        status: get(4)?,
        network: get(5)?,
        plan_name: get(6)?,
        monthly_fee: dec(row, at + 7)?,
        included_sms: int(8)?,
        sms_overage_price: dec(row, at + 9)?,
        included_data: dec(row, at + 10)?,
        data_overage_price: dec(row, at + 11)?,
        product_id: get(12)?,
        pool_id: get(13)?,
        expires_at: int(14)?,
        expires_offset: row.get(at + 15).context(c)?,
        shape: row.get(at + 16).context(c)?,
    })
}

/// The four figure columns starting at `at`.
pub(crate) fn read_figures(row: &Row<'_>, at: usize) -> Result<Figures> {
    Ok(Figures {
        sms_used: row.get(at).context("reading a snapshot")?,
        data_used: dec(row, at + 1)?,
        sms_left: row.get(at + 2).context("reading a snapshot")?,
        data_left: dec(row, at + 3)?,
    })
}

/// `DAILY_COLUMNS` as `daily` stores them, from `card_id` on.
pub(crate) const DAILY_COLUMNS: &str =
    "card_id, day, data_used, data_in_provider_unit, sms_used, snapshots, covers_from, period_reset";

pub(crate) fn read_daily(row: &Row<'_>) -> Result<DailyRow> {
    read_daily_at(row, 0)
}

/// [`DAILY_COLUMNS`] starting at column `at`.
pub(crate) fn read_daily_at(row: &Row<'_>, at: usize) -> Result<DailyRow> {
    let c = "reading a daily row";
    Ok(DailyRow {
        card_id: row.get(at).context(c)?,
        day: row.get(at + 1).context(c)?,
        data: dec(row, at + 2)?,
        data_in_provider_unit: row.get(at + 3).context(c)?,
        sms: row.get(at + 4).context(c)?,
        snapshots: row.get(at + 5).context(c)?,
        covers_from: row.get(at + 6).context(c)?,
        reset: row.get(at + 7).context(c)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_columns_are_the_figures_then_the_state_columns() {
        let read: Vec<&str> = LATEST_COLUMNS
            .split(',')
            .map(|c| {
                let c = c.trim();
                match c.strip_prefix("CASE WHEN c.latest_ids & ") {
                    Some(rest) => rest.split(' ').nth(2).unwrap_or(c),
                    None => c,
                }
            })
            .map(|c| c.trim_start_matches("c.latest_").trim_start_matches("c."))
            .collect();
        let expected: Vec<&str> = ["sms_used", "data_used", "sms_left", "data_left"]
            .into_iter()
            .chain(STATE_COLUMNS.split(',').map(str::trim))
            .collect();
        assert_eq!(read, expected);
        // Written: the same, the identifiers as their bits.
        let written: Vec<&str> = expected
            .iter()
            .filter(|c| !matches!(**c, "iccid" | "msisdn" | "operator"))
            .copied()
            .collect();
        assert_eq!(
            [&LATEST_WRITTEN[..4], &LATEST_WRITTEN[5..]].concat(),
            written
        );
        assert!(update_card_sql().contains("latest_shape = ?26 WHERE id = ?1"));
    }
}
