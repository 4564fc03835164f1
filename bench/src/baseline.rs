//! The baseline: the same poll written the way most users would without
//! iotcard — reqwest, `serde_json::Value`, fields picked by hand, numbers
//! as floats, the same batch size and concurrency, no retries.

use futures::stream::{self, StreamExt};
use reqwest::Client;
use serde_json::Value;

use crate::args::PollArgs;
use crate::error::BenchError;
use crate::numbers;
use crate::poll::{Meter, PollReport};

/// One card's usage as a quick client keeps it.
#[derive(Debug)]
#[allow(dead_code)] // Read by nobody: kept so the work of picking fields is not optimised away.
struct CardUsage {
    num: String,
    state: i64,
    sms: Option<i64>,
    flow: Option<f64>,
}

pub async fn poll(args: &PollArgs) -> Result<PollReport, BenchError> {
    let cards = numbers::read_text(&args.numbers)?;
    let http = Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(BenchError::Http)?;
    let base = args.endpoint.trim_end_matches('/');
    let meter = Meter::start()?;

    let login: Value = http
        .get(format!("{base}/Api/token"))
        .query(&[("account", &args.account), ("password", &args.password)])
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(BenchError::Http)?
        .json()
        .await
        .map_err(BenchError::Http)?;
    let token = login["data"]["accessToken"]
        .as_str()
        .ok_or_else(|| BenchError::Answer(format!("login refused: {}", login["info"])))?
        .to_owned();

    let usage_url = format!("{base}/Api/TerminalInfo/Exceed");
    let batches: Vec<Result<Vec<CardUsage>, BenchError>> =
        stream::iter(cards.chunks(args.batch.max(1)))
            .map(|batch| {
                let (http, url, token) = (&http, &usage_url, &token);
                async move {
                    let joined = batch.join(",");
                    let answer: Value = http
                        .get(url)
                        .query(&[("cardIdNums", &joined), ("accessToken", token)])
                        .send()
                        .await
                        .and_then(|r| r.error_for_status())
                        .map_err(BenchError::Http)?
                        .json()
                        .await
                        .map_err(BenchError::Http)?;
                    pick(&answer)
                }
            })
            .buffer_unordered(args.concurrency.max(1))
            .collect()
            .await;
    let mut answered = 0;
    let mut with_value = 0;
    let mut kept = Vec::with_capacity(cards.len());
    for batch in batches {
        for usage in batch? {
            answered += 1;
            with_value += usize::from(usage.state == 1);
            kept.push(usage);
        }
    }
    let report = meter.finish("baseline", cards.len(), answered, with_value)?;
    drop(kept);
    Ok(report)
}

/// The fields of every card of one answer, picked from the `Value` tree.
fn pick(answer: &Value) -> Result<Vec<CardUsage>, BenchError> {
    if answer["status"].as_i64() != Some(1) {
        return Err(BenchError::Answer(format!("refused: {}", answer["info"])));
    }
    let entries = answer["data"]["date"]
        .as_array()
        .ok_or_else(|| BenchError::Answer("no data.date list in the answer".into()))?;
    Ok(entries
        .iter()
        .map(|entry| CardUsage {
            num: entry["num"].as_str().unwrap_or_default().to_owned(),
            state: entry["State"].as_i64().unwrap_or(-1),
            sms: entry["Exceed"]["ReceivesSmsNum"].as_i64(),
            flow: entry["Exceed"]["UseFlow"].as_f64(),
        })
        .collect())
}
