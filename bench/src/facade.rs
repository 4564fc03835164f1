//! Polling through the facade: one `IotbosClient::usage` call for all the
//! cards, as a user of the crate writes it.

use iotcard_facade::IotbosClient;

use crate::args::PollArgs;
use crate::error::BenchError;
use crate::numbers;
use crate::poll::{Meter, PollReport};

pub async fn poll(args: &PollArgs) -> Result<PollReport, BenchError> {
    let cards = numbers::read_checked(&args.numbers)?;
    let client = IotbosClient::builder()
        .endpoint(args.endpoint.clone())
        .account(args.account.clone())
        .password(args.password.as_str())
        .batch_size(args.batch)
        .concurrency(args.concurrency)
        .build()
        .map_err(BenchError::Client)?;
    let asked = cards.len();
    // The clock starts before the login, as the baseline's does.
    let meter = Meter::start()?;
    let reports = client.usage(cards).await;
    let answered = reports
        .iter()
        // Answered: a value, or the platform's own "not found" / "no
        // data" (anything but a failed request).
        .filter(|r| r.result.as_ref().map_or_else(|p| !p.is_failure(), |_| true))
        .count();
    let with_value = reports.iter().filter(|r| r.result.is_ok()).count();
    let report = meter.finish("facade", asked, answered, with_value)?;
    // Dropped after the meter stops, as the baseline's results are.
    drop(reports);
    Ok(report)
}
