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
        Value::Array(items) => leaf(
            name,
            Cow::Owned(problems_text(items).unwrap_or_else(|| value.to_string())),
        ),
    }
}

/// A record's `problems` (`[{"field": …, "problem": …}]`) as one cell:
/// `ExpireDate: "soon" is not a date; Exceed.UseFlow: …`. `None` for any
/// other list, which is kept whole as JSON.
fn problems_text(items: &[Value]) -> Option<String> {
    let parts: Option<Vec<String>> = items
        .iter()
        .map(problem_parts)
        .map(|p| p.map(|(field, problem)| format!("{field}: {problem}")))
        .collect();
    parts.map(|parts| parts.join("; "))
}

/// The field and problem of one entry of a record's `problems`.
fn problem_parts(item: &Value) -> Option<(&str, &str)> {
    Some((item.get("field")?.as_str()?, item.get("problem")?.as_str()?))
}

/// The names of the fields in a record's `problems`, joined by `, `: the
/// table's short marker (the messages go to stderr).
pub fn problem_fields(record: &Value) -> Option<String> {
    let items = record.get("problems")?.as_array()?;
    let names: Option<Vec<&str>> = items
        .iter()
        .map(|item| problem_parts(item).map(|(field, _)| field))
        .collect();
    names.filter(|n| !n.is_empty()).map(|n| n.join(", "))
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
    fn field_problems_are_one_cell() {
        let v = json!({"card": "1", "problems": [
            {"field": "ExpireDate", "problem": "\"soon\" is not a date"},
            {"field": "Exceed.UseFlow", "problem": "expected a decimal number, found \"x\""}
        ], "other": [1, 2]});
        let mut row = Vec::new();
        fill_row(&v, &["card", "problems", "other"], &mut row);
        assert_eq!(
            row,
            [
                "1",
                "ExpireDate: \"soon\" is not a date; Exceed.UseFlow: expected a decimal number, found \"x\"",
                "[1,2]"
            ]
        );
        assert_eq!(
            problem_fields(&v).as_deref(),
            Some("ExpireDate, Exceed.UseFlow")
        );
        assert_eq!(problem_fields(&json!({"card": "1"})), None);
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
