//! `history-read`: one card with a year of hourly snapshots, its history
//! read back whole, timed (the "8,760 hourly snapshots ≤ 20 ms").
//!
//! The snapshots are written straight through the store, a day (24) per
//! batch as a sync of a day would, with month-to-date counters that grow
//! and reset on the 1st (China Standard Time), so the daily rows are real.

use chrono::{Datelike, Duration, TimeZone};
use iotcard_facade::{CardSnapshot, CardStatus, DataAmount, SmsCount, Usage};
use iotcard_store::{AccountSpec, Batch, Observation, Store};
use serde_json::json;

use crate::args::HistoryReadArgs;
use crate::clock;
use crate::error::BenchError;

const CARD: &str = "1064800000001";

fn snapshot(hour: i64, month_hour: i64) -> CardSnapshot {
    CardSnapshot {
        card: CARD.into(),
        status: Some(CardStatus::Active),
        usage: Some(Usage {
            sms_used: Some(SmsCount(month_hour / 24)),
            data_used: Some(DataAmount::provider_unit(iotcard_facade::Decimal::new(
                month_hour * 137 + hour % 7,
                3,
            ))),
        }),
        ..CardSnapshot::default()
    }
}

pub async fn run(args: &HistoryReadArgs) -> Result<String, BenchError> {
    let store = Store::open(&args.store).await.map_err(BenchError::Store)?;
    let spec = AccountSpec::new("bench-history", "iotbos", "127.0.0.1");
    let account = store.account(&spec).await.map_err(BenchError::Store)?;
    let cst = iotcard_model::china_standard_time();
    let start = cst
        .with_ymd_and_hms(2025, 12, 1, 0, 30, 0)
        .single()
        .unwrap_or_else(|| cst.timestamp_opt(0, 0).unwrap());
    let run = store
        .begin_run(account, start)
        .await
        .map_err(BenchError::Store)?;
    let hours = i64::from(args.hours);
    let mut batch = Batch::default();
    let mut month_start = 0;
    let mut month = start.month();
    for hour in 0..hours {
        let at = start + Duration::hours(hour);
        if at.month() != month {
            month = at.month();
            month_start = hour;
        }
        batch.asked += 1;
        batch.snapshots.push(Observation {
            taken_at: at,
            snapshot: snapshot(hour, hour - month_start),
        });
        if batch.snapshots.len() == 24 || hour + 1 == hours {
            store
                .write_snapshots(run, &std::mem::take(&mut batch))
                .await
                .map_err(BenchError::Store)?;
        }
    }
    let end = start + Duration::hours(hours);
    store
        .finish_run(run, end)
        .await
        .map_err(BenchError::Store)?;
    let card = store
        .find_cards(CARD)
        .await
        .map_err(BenchError::Store)?
        .into_iter()
        .find(|c| c.account == account)
        .map(|c| c.id)
        .ok_or_else(|| BenchError::Store(iotcard_store::StoreError::Invalid("no card".into())))?;
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..args.runs.max(1) {
        let began = clock::now();
        let entries = store
            .history(card, start, end)
            .await
            .map_err(BenchError::Store)?;
        times.push(began.elapsed().as_secs_f64() * 1e3);
        rows = entries.len();
    }
    times.sort_by(f64::total_cmp);
    Ok(json!({
        "rows": rows,
        "median_ms": times[times.len() / 2],
        "max_ms": times[times.len() - 1],
        "runs": times.len(),
    })
    .to_string())
}
