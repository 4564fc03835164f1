//! Exact decimals in SQLite: an INTEGER when the value has no fractional
//! digits (smaller on disk), else the digits as TEXT, so the scale survives.

use iotcard_model::Decimal;
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Row, ToSql};

use crate::error::StoreError;

/// A decimal on its way in.
pub(crate) struct Dec(pub Option<Decimal>);

impl ToSql for Dec {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(match self.0 {
            None => Value::Null,
            Some(d) if d.scale() == 0 => match i64::try_from(d) {
                Ok(whole) => Value::Integer(whole),
                Err(_) => Value::Text(d.to_string()),
            },
            Some(d) => Value::Text(d.to_string()),
        }))
    }
}

/// A decimal on its way out of column `index`.
pub(crate) fn dec(row: &Row<'_>, index: usize) -> Result<Option<Decimal>, StoreError> {
    let value = row.get_ref(index).map_err(|source| StoreError::Sqlite {
        context: "reading a decimal",
        source,
    })?;
    match value {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(whole) => Ok(Some(Decimal::from(whole))),
        ValueRef::Text(bytes) => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| StoreError::Corrupt("a decimal that is not UTF-8".into()))?;
            iotcard_model::decimal::parse_exact(text)
                .map(Some)
                .map_err(|error| StoreError::Corrupt(error.to_string()))
        }
        other => Err(StoreError::Corrupt(format!(
            "a decimal stored as {:?}",
            other.data_type()
        ))),
    }
}
