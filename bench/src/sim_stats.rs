//! `sim-stats`: the simulator's counters, flattened to one level
//! (`requests.iotbos_usage`) so a reader without a JSON library can pick
//! them out.

use serde_json::{Map, Value};

use crate::error::BenchError;

pub async fn fetch(endpoint: &str) -> Result<String, BenchError> {
    let url = format!("{}/__sim/stats", endpoint.trim_end_matches('/'));
    let stats: Value = reqwest::get(url)
        .await
        .and_then(|r| r.error_for_status())
        .map_err(BenchError::Http)?
        .json()
        .await
        .map_err(BenchError::Http)?;
    let mut flat = Map::new();
    flatten("", &stats, &mut flat);
    Ok(Value::Object(flat).to_string())
}

fn flatten(prefix: &str, value: &Value, into: &mut Map<String, Value>) {
    match value {
        Value::Object(fields) => {
            for (key, inner) in fields {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, inner, into);
            }
        }
        other => {
            into.insert(prefix.to_owned(), other.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_counters_become_dotted_keys() {
        let stats = serde_json::json!({"logins": 2, "requests": {"iotbos_usage": 7}, "faults": {}});
        let mut flat = Map::new();
        flatten("", &stats, &mut flat);
        assert_eq!(
            Value::Object(flat),
            serde_json::json!({"logins": 2, "requests.iotbos_usage": 7})
        );
    }
}
