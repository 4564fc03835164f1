//! The report as CSV: one figure a row (`section,account,figure,value`),
//! every figure of the JSON form, for a spreadsheet.

use serde_json::Value;

use crate::error::{ReportError, Result};
use crate::report::Report;

/// The leaves of the JSON form, each under its path (`usage.daily.3.sms_used`).
fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                leaves(&join(prefix, key), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(&join(prefix, &i.to_string()), v, out);
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Null => out.push((prefix.to_string(), String::new())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

impl Report {
    /// The report as CSV, one figure a row: its section, the account it
    /// is about (empty for the fleet), its path in the JSON form and its
    /// value, exactly as the JSON prints it.
    pub fn to_csv(&self) -> Result<String> {
        let json = serde_json::to_value(self).map_err(ReportError::Json)?;
        let mut rows = Vec::new();
        leaves("", &json, &mut rows);
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(["section", "account", "figure", "value"])
            .map_err(ReportError::Csv)?;
        for (path, value) in rows {
            let section = path.split('.').next().unwrap_or_default();
            // The account a row of a per-account list is about.
            let account = account_of(&json, &path);
            writer
                .write_record([section, account.as_str(), path.as_str(), value.as_str()])
                .map_err(ReportError::Csv)?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| ReportError::Csv(e.into_error().into()))?;
        // The writer only ever gets UTF-8 strings.
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The `account` beside a figure in its list item, if any.
fn account_of(json: &Value, path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    for end in (1..parts.len()).rev() {
        let pointer = format!("/{}", parts[..end].join("/"));
        if let Some(Value::String(account)) = json.pointer(&format!("{pointer}/account")) {
            return account.clone();
        }
    }
    String::new()
}
