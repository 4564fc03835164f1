//! Nested records as flat `parent_child` cells, for CSV and tables.

use std::borrow::Cow;

use serde_json::Value;

use super::columns::Columns;

/// Calls `leaf` with the flattened name and the text of every non-null
/// leaf of `value`. Strings are written without quotes, so money keeps its
/// digits (`"1.00"` → `1.00`).
fn walk<'v>(value: &'v Value, name: &mut String, leaf: &mut impl FnMut(&str, Cow<'v, str>)) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (key, child) in map {
                let len = name.len();
                if !name.is_empty() {
                    name.push('_');
                }
                name.push_str(key);
                walk(child, name, leaf);
                name.truncate(len);
            }
        }
        Value::String(s) => leaf(name, Cow::Borrowed(s)),
        Value::Bool(b) => leaf(name, Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Number(n) => leaf(name, Cow::Owned(n.to_string())),
        // No record holds a list today; if one does, keep it whole as JSON.
        Value::Array(_) => leaf(name, Cow::Owned(value.to_string())),
    }
}

/// Every non-null leaf as (`parent_child`, text).
pub fn flatten(value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(value, &mut String::new(), &mut |name, text| {
        out.push((name.to_owned(), text.into_owned()))
    });
    out
}

/// Fills `row` with `value`'s cells in the order of `columns`; a column the
/// record does not have stays empty. Returns how many leaves had no column.
pub fn fill_row(value: &Value, columns: Columns, row: &mut Vec<String>) -> usize {
    row.clear();
    row.resize(columns.len(), String::new());
    let mut stray = 0;
    walk(
        value,
        &mut String::new(),
        &mut |name, text| match columns.iter().position(|c| *c == name) {
            Some(i) => row[i] = text.into_owned(),
            None => stray += 1,
        },
    );
    stray
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_objects_become_parent_child() {
        let v = json!({"card": "1", "usage": {"sms_used": 6, "data_used": {"amount": "1.00", "unit": "mb"}}, "plan": null, "ok": true});
        let mut got = flatten(&v);
        got.sort();
        let want = [
            ("card", "1"),
            ("ok", "true"),
            ("usage_data_used_amount", "1.00"),
            ("usage_data_used_unit", "mb"),
            ("usage_sms_used", "6"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()));
        assert_eq!(got, want);
    }

    #[test]
    fn rows_follow_the_columns() {
        let v = json!({"card": "1", "sms_used": null, "data_used": {"amount": "-8359", "unit": "provider_unit"}, "extra": 1});
        let mut row = vec!["stale".to_owned()];
        let stray = fill_row(
            &v,
            &["card", "sms_used", "data_used_amount", "data_used_unit"],
            &mut row,
        );
        assert_eq!(row, ["1", "", "-8359", "provider_unit"]);
        assert_eq!(stray, 1);
    }
}
