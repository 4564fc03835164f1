//! Decimals and rows as the PostgreSQL backend sends and reads them.
//!
//! Decimals travel as text and are cast to and from `numeric` in SQL:
//! PostgreSQL's `numeric` keeps the scale, and its text form is exact.

use bytes::{BufMut, BytesMut};
use iotcard_model::Decimal;
use tokio_postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};
use tokio_postgres::Row;

use crate::daily::DailyRow;
use crate::error::{Context, Result, StoreError};
use crate::state::{Figures, State};

pub(crate) fn text(d: Option<Decimal>) -> Option<String> {
    d.map(|d| d.to_string())
}

pub(crate) fn dec(row: &Row, index: usize) -> Result<Option<Decimal>> {
    let text: Option<&str> = row.try_get(index).context("reading a decimal")?;
    text.map(|t| {
        iotcard_model::decimal::parse_exact(t).map_err(|e| StoreError::Corrupt(e.to_string()))
    })
    .transpose()
}

/// `card_state`'s columns after `card_id, since`, decimals as text, of alias `st`.
pub(crate) const ST_COLUMNS: &str = "st.iccid, st.msisdn, st.operator, st.kind, st.status, \
    st.network, st.plan_name, st.monthly_fee::text, st.included_sms, \
    st.sms_overage_price::text, st.included_data::text, st.data_overage_price::text, \
    st.product_id, st.pool_id, st.expires_at, st.expires_offset, st.shape";

/// The 17 state columns from `at`, the texts as `S` (`String`, or `&str`
/// borrowed from the row).
pub(crate) fn read_state<'r, S: From<&'r str>>(row: &'r Row, at: usize) -> Result<State<S>> {
    let c = "reading a card state";
    let text = |i: usize| -> Result<Option<S>> {
        Ok(row
            .try_get::<_, Option<&'r str>>(at + i)
            .context(c)?
            .map(S::from))
    };
    Ok(State {
        iccid: text(0)?,
        msisdn: text(1)?,
        operator: text(2)?,
        kind: text(3)?,
        status: text(4)?,
        network: text(5)?,
        plan_name: text(6)?,
        monthly_fee: dec(row, at + 7)?,
        included_sms: row.try_get(at + 8).context(c)?,
        sms_overage_price: dec(row, at + 9)?,
        included_data: dec(row, at + 10)?,
        data_overage_price: dec(row, at + 11)?,
        product_id: text(12)?,
        pool_id: text(13)?,
        expires_at: row.try_get(at + 14).context(c)?,
        expires_offset: row.try_get(at + 15).context(c)?,
        shape: row.try_get(at + 16).context(c)?,
    })
}

/// The four figure columns (decimals as text) from `at`.
pub(crate) fn read_figures(row: &Row, at: usize) -> Result<Figures> {
    Ok(Figures {
        sms_used: row.try_get(at).context("reading a snapshot")?,
        data_used: dec(row, at + 1)?,
        sms_left: row.try_get(at + 2).context("reading a snapshot")?,
        data_left: dec(row, at + 3)?,
    })
}

/// `daily` columns as [`read_daily`] reads them, of alias `d`.
pub(crate) const DAILY_COLUMNS: &str = "d.card_id, d.day, d.data_used::text, \
    d.data_in_provider_unit, d.sms_used, d.snapshots, d.covers_from, d.period_reset";

pub(crate) fn read_daily(row: &Row) -> Result<DailyRow> {
    read_daily_at(row, 0)
}

/// [`DAILY_COLUMNS`] starting at column `at`.
pub(crate) fn read_daily_at(row: &Row, at: usize) -> Result<DailyRow> {
    let c = "reading a daily row";
    Ok(DailyRow {
        card_id: row.try_get(at).context(c)?,
        day: i64::from(row.try_get::<_, i32>(at + 1).context(c)?),
        data: dec(row, at + 2)?,
        data_in_provider_unit: row.try_get(at + 3).context(c)?,
        sms: row.try_get(at + 4).context(c)?,
        snapshots: i64::from(row.try_get::<_, i32>(at + 5).context(c)?),
        covers_from: row.try_get(at + 6).context(c)?,
        reset: row.try_get(at + 7).context(c)?,
    })
}

/// A row version's place in its table (`ctid`): the write path reads it
/// with a card or daily row and updates that version in place, with no
/// index descent. Only for the transaction that read it, and checked: a
/// row changed or moved since is not matched, and the caller falls back
/// to its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tid {
    block: u32,
    offset: u16,
}

impl<'a> FromSql<'a> for Tid {
    fn from_sql(
        _: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        match *raw {
            [b0, b1, b2, b3, o0, o1] => Ok(Tid {
                block: u32::from_be_bytes([b0, b1, b2, b3]),
                offset: u16::from_be_bytes([o0, o1]),
            }),
            _ => Err(format!("a tid of {} bytes (expected 6)", raw.len()).into()),
        }
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TID
    }
}

impl ToSql for Tid {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.put_u32(self.block);
        out.put_u16(self.offset);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TID
    }

    to_sql_checked!();
}

/// Column-wise arrays of figures (decimals as text).
#[derive(Default)]
pub(crate) struct FigureColumns {
    pub sms_used: Vec<Option<i64>>,
    pub data_used: Vec<Option<String>>,
    pub sms_left: Vec<Option<i64>>,
    pub data_left: Vec<Option<String>>,
}

impl FigureColumns {
    pub(crate) fn push(&mut self, f: &Figures) {
        self.sms_used.push(f.sms_used);
        self.data_used.push(text(f.data_used));
        self.sms_left.push(f.sms_left);
        self.data_left.push(text(f.data_left));
    }

    /// The arrays as parameters, in [`read_figures`]'s order.
    pub(crate) fn params(&self) -> [&(dyn ToSql + Sync); 4] {
        [
            &self.sms_used,
            &self.data_used,
            &self.sms_left,
            &self.data_left,
        ]
    }
}

/// Column-wise arrays of snapshot rows, for one `unnest` insert.
#[derive(Default)]
pub(crate) struct SnapshotColumns {
    pub card: Vec<i64>,
    pub at: Vec<i64>,
    pub figures: FigureColumns,
}

impl SnapshotColumns {
    pub(crate) fn push(&mut self, card: i64, at: i64, f: &Figures) {
        self.card.push(card);
        self.at.push(at);
        self.figures.push(f);
    }
}

pub(crate) const INSERT_SNAPSHOTS: &str = "INSERT INTO snapshots \
    (card_id, taken_at, sms_used, data_used, sms_left, data_left) \
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[]::numeric[], \
    $5::bigint[], $6::text[]::numeric[])";

/// Column-wise arrays of the 17 state values (decimals as text).
#[derive(Default)]
pub(crate) struct StateValues {
    pub iccid: Vec<Option<String>>,
    pub msisdn: Vec<Option<String>>,
    pub operator: Vec<Option<String>>,
    pub kind: Vec<Option<String>>,
    pub status: Vec<Option<String>>,
    pub network: Vec<Option<String>>,
    pub plan_name: Vec<Option<String>>,
    pub monthly_fee: Vec<Option<String>>,
    pub included_sms: Vec<Option<i64>>,
    pub sms_overage_price: Vec<Option<String>>,
    pub included_data: Vec<Option<String>>,
    pub data_overage_price: Vec<Option<String>>,
    pub product_id: Vec<Option<String>>,
    pub pool_id: Vec<Option<String>>,
    pub expires_at: Vec<Option<i64>>,
    pub expires_offset: Vec<Option<i32>>,
    pub shape: Vec<i64>,
}

/// [`StateValues`]' columns with the SQL type of each array (a decimal
/// travels as `text`, cast to `numeric` where it is written).
pub(crate) const STATE_VALUE_TYPES: [(&str, &str); 17] = [
    ("iccid", "text"),
    ("msisdn", "text"),
    ("operator", "text"),
    ("kind", "text"),
    ("status", "text"),
    ("network", "text"),
    ("plan_name", "text"),
    ("monthly_fee", "numeric"),
    ("included_sms", "bigint"),
    ("sms_overage_price", "numeric"),
    ("included_data", "numeric"),
    ("data_overage_price", "numeric"),
    ("product_id", "text"),
    ("pool_id", "text"),
    ("expires_at", "bigint"),
    ("expires_offset", "int"),
    ("shape", "bigint"),
];

/// [`FigureColumns`]' columns with the SQL type of each array.
pub(crate) const FIGURE_TYPES: [(&str, &str); 4] = [
    ("sms_used", "bigint"),
    ("data_used", "numeric"),
    ("sms_left", "bigint"),
    ("data_left", "numeric"),
];

impl StateValues {
    pub(crate) fn push(&mut self, s: &State) {
        self.iccid.push(s.iccid.clone());
        self.msisdn.push(s.msisdn.clone());
        self.operator.push(s.operator.clone());
        self.kind.push(s.kind.clone());
        self.status.push(s.status.clone());
        self.network.push(s.network.clone());
        self.plan_name.push(s.plan_name.clone());
        self.monthly_fee.push(text(s.monthly_fee));
        self.included_sms.push(s.included_sms);
        self.sms_overage_price.push(text(s.sms_overage_price));
        self.included_data.push(text(s.included_data));
        self.data_overage_price.push(text(s.data_overage_price));
        self.product_id.push(s.product_id.clone());
        self.pool_id.push(s.pool_id.clone());
        self.expires_at.push(s.expires_at);
        self.expires_offset.push(s.expires_offset);
        self.shape.push(s.shape);
    }

    /// The arrays as parameters, in [`STATE_VALUE_TYPES`]' order.
    pub(crate) fn params(&self) -> [&(dyn ToSql + Sync); 17] {
        [
            &self.iccid,
            &self.msisdn,
            &self.operator,
            &self.kind,
            &self.status,
            &self.network,
            &self.plan_name,
            &self.monthly_fee,
            &self.included_sms,
            &self.sms_overage_price,
            &self.included_data,
            &self.data_overage_price,
            &self.product_id,
            &self.pool_id,
            &self.expires_at,
            &self.expires_offset,
            &self.shape,
        ]
    }
}

/// Column-wise arrays of state rows.
#[derive(Default)]
pub(crate) struct StateColumns {
    pub card: Vec<i64>,
    pub since: Vec<i64>,
    pub values: StateValues,
}

impl StateColumns {
    pub(crate) fn push(&mut self, card: i64, since: i64, s: &State) {
        self.card.push(card);
        self.since.push(since);
        self.values.push(s);
    }
}

/// The latest snapshot's figures and state that `cards` keeps (schema v4),
/// of alias `c`, decimals as text: [`read_figures`] reads the first four,
/// [`read_state`] the rest. The latest state's identifiers are the card's
/// own where `latest_ids` says the state reports them.
pub(crate) const LATEST_COLUMNS: &str = "c.latest_sms_used, c.latest_data_used::text, \
    c.latest_sms_left, c.latest_data_left::text, \
    CASE WHEN c.latest_ids & 1 <> 0 THEN c.iccid END, \
    CASE WHEN c.latest_ids & 2 <> 0 THEN c.msisdn END, \
    CASE WHEN c.latest_ids & 4 <> 0 THEN c.operator END, c.latest_kind, c.latest_status, \
    c.latest_network, c.latest_plan_name, c.latest_monthly_fee::text, c.latest_included_sms, \
    c.latest_sms_overage_price::text, c.latest_included_data::text, \
    c.latest_data_overage_price::text, c.latest_product_id, c.latest_pool_id, \
    c.latest_expires_at, c.latest_expires_offset, c.latest_shape";

/// How many of [`STATE_VALUE_TYPES`] come first and are the identifiers,
/// which `cards` keeps as bits of `latest_ids` beside its own columns.
pub(crate) const STATE_IDS: usize = 3;

pub(crate) const UPSERT_STATES: &str = "INSERT INTO card_state (card_id, since, iccid, msisdn, \
    operator, kind, status, network, plan_name, monthly_fee, included_sms, sms_overage_price, \
    included_data, data_overage_price, product_id, pool_id, expires_at, expires_offset, shape) \
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], \
    $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]::numeric[], $11::bigint[], \
    $12::text[]::numeric[], $13::text[]::numeric[], $14::text[]::numeric[], $15::text[], \
    $16::text[], $17::bigint[], $18::int[], $19::bigint[]) \
    ON CONFLICT (card_id, since) DO UPDATE SET iccid = excluded.iccid, msisdn = excluded.msisdn, \
    operator = excluded.operator, kind = excluded.kind, status = excluded.status, \
    network = excluded.network, plan_name = excluded.plan_name, \
    monthly_fee = excluded.monthly_fee, included_sms = excluded.included_sms, \
    sms_overage_price = excluded.sms_overage_price, included_data = excluded.included_data, \
    data_overage_price = excluded.data_overage_price, product_id = excluded.product_id, \
    pool_id = excluded.pool_id, expires_at = excluded.expires_at, \
    expires_offset = excluded.expires_offset, shape = excluded.shape";

/// Column-wise arrays of daily rows.
#[derive(Default)]
pub(crate) struct DailyColumns {
    pub card: Vec<i64>,
    pub day: Vec<i32>,
    pub data: Vec<Option<String>>,
    pub provider_unit: Vec<bool>,
    pub sms: Vec<Option<i64>>,
    pub snapshots: Vec<i32>,
    pub covers_from: Vec<Option<i64>>,
    pub reset: Vec<bool>,
}

impl DailyColumns {
    pub(crate) fn push(&mut self, d: &DailyRow) -> Result<()> {
        let small = |v: i64, what: &str| {
            i32::try_from(v).map_err(|_| StoreError::Invalid(format!("{what} {v} is out of range")))
        };
        self.card.push(d.card_id);
        self.day.push(small(d.day, "day")?);
        self.data.push(text(d.data));
        self.provider_unit.push(d.data_in_provider_unit);
        self.sms.push(d.sms);
        self.snapshots.push(small(d.snapshots, "snapshot count")?);
        self.covers_from.push(d.covers_from);
        self.reset.push(d.reset);
        Ok(())
    }
}

pub(crate) const UPSERT_DAILY: &str = "INSERT INTO daily (card_id, day, data_used, \
    data_in_provider_unit, sms_used, snapshots, covers_from, period_reset) \
    SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[]::numeric[], $4::bool[], \
    $5::bigint[], $6::int[], $7::bigint[], $8::bool[]) \
    ON CONFLICT (card_id, day) DO UPDATE SET data_used = excluded.data_used, \
    data_in_provider_unit = excluded.data_in_provider_unit, sms_used = excluded.sms_used, \
    snapshots = excluded.snapshots, covers_from = excluded.covers_from, \
    period_reset = excluded.period_reset";

/// [`UPSERT_DAILY`] for rows the batch read, each by its [`Tid`] (`$1`)
/// then the same columns; a row not matched is left for the upsert.
pub(crate) const UPDATE_DAILY_AT: &str = "UPDATE daily d SET data_used = u.data, \
    data_in_provider_unit = u.pu, sms_used = u.sms, snapshots = u.n, covers_from = u.cf, \
    period_reset = u.r \
    FROM unnest($1::tid[], $2::bigint[], $3::int[], $4::text[]::numeric[], $5::bool[], \
    $6::bigint[], $7::int[], $8::bigint[], $9::bool[]) AS u(t, card, day, data, pu, sms, n, cf, r) \
    WHERE d.ctid = u.t AND d.card_id = u.card AND d.day = u.day";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_columns_are_the_figures_then_the_state_values() {
        let latest: Vec<&str> = LATEST_COLUMNS
            .split(',')
            .map(|c| {
                let c = c.trim();
                let c = match c.strip_prefix("CASE WHEN c.latest_ids & ") {
                    Some(rest) => rest.split(' ').nth(4).unwrap_or(c),
                    None => c,
                };
                c.trim_start_matches("c.latest_")
                    .trim_start_matches("c.")
                    .trim_end_matches("::text")
            })
            .collect();
        let expected: Vec<&str> = FIGURE_TYPES
            .iter()
            .chain(&STATE_VALUE_TYPES)
            .map(|(name, _)| *name)
            .collect();
        assert_eq!(latest, expected);
        let state: Vec<&str> = ST_COLUMNS
            .split(',')
            .map(|c| {
                c.trim()
                    .trim_start_matches("st.")
                    .trim_end_matches("::text")
            })
            .collect();
        assert_eq!(state, expected[4..]);
        assert_eq!(
            STATE_VALUE_TYPES[..STATE_IDS]
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>(),
            ["iccid", "msisdn", "operator"]
        );
    }
}
