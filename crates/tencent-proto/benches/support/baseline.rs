//! The baseline: what a quick hand-written client does with the same bytes.
//! It parses the whole answer into a `serde_json::Value` tree and picks the
//! fields by hand into the same model types.
//!
//! Like most such clients it reads amounts with `as_f64` and converts the
//! float. That is also inexact, not only slower: `14.970` becomes
//! `14.97000000000000063948…` and `30.000` loses its three places.
//! The benchmark measures its speed as if that were acceptable.

use iotcard_model::{china_standard_time, DataAmount, Decimal, Iccid, Msisdn};
use serde_json::Value;
use tencent_proto::codes::{card_kind, card_status, network_status};
use tencent_proto::{CardBrief, CardInfo, ReportedMsisdn, Teleoperator};

type Error = Box<dyn std::error::Error>;

/// Opens the envelope: `data` when `code` is 0.
fn data(answer: &Value) -> Result<&Value, Error> {
    if answer["code"].as_i64() != Some(0) {
        return Err(format!("refused: {}", answer["message"]).into());
    }
    Ok(&answer["data"])
}

fn code(record: &Value, field: &str) -> Result<i64, Error> {
    record[field]
        .as_i64()
        .ok_or_else(|| format!("{field} is not an integer").into())
}

/// The quick way to a decimal: through `f64`.
fn megabytes(record: &Value, field: &str) -> Result<DataAmount, Error> {
    record[field]
        .as_f64()
        .and_then(Decimal::from_f64_retain)
        .map(DataAmount::mb)
        .ok_or_else(|| format!("{field} is not a number").into())
}

fn brief(record: &Value) -> Result<CardBrief, Error> {
    let iccid = record["iccid"].as_str().ok_or("record without iccid")?;
    let msisdn = record["msisdn"]
        .as_str()
        .filter(|m| !m.is_empty())
        .map(|m| match Msisdn::parse(m) {
            Ok(m) => ReportedMsisdn::Valid(m),
            Err(_) => ReportedMsisdn::Unrecognized(m.to_owned()),
        });
    Ok(CardBrief {
        iccid: Iccid::parse(iccid)?,
        msisdn,
        operator: Some(Teleoperator::from_code(code(record, "teleoperator")?)),
        kind: Some(card_kind(code(record, "type")?)),
        status: Some(card_status(code(record, "card_status")?)),
        network: Some(network_status(code(record, "network_status")?)),
        data_used_in_period: Some(megabytes(record, "data_used_in_period")?),
        data_total_in_period: Some(megabytes(record, "data_total_in_period")?),
        problems: Vec::new(),
    })
}

/// A `getcardlist` page.
pub fn card_list(body: &[u8]) -> Result<Vec<CardBrief>, Error> {
    let answer: Value = serde_json::from_slice(body)?;
    data(&answer)?["card_brief_infos"]
        .as_array()
        .ok_or("no card list in the answer")?
        .iter()
        .map(brief)
        .collect()
}

/// A `getcardinfo` answer.
pub fn card_info(body: &[u8]) -> Result<CardInfo, Error> {
    let answer: Value = serde_json::from_slice(body)?;
    let record = data(&answer)?;
    let text = |field: &str| {
        record[field]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let product_expires_at = match record["product_expired_time"].as_i64() {
        Some(seconds) => Some(
            chrono::DateTime::from_timestamp(seconds, 0)
                .ok_or("product_expired_time out of range")?
                .with_timezone(&china_standard_time()),
        ),
        None => None,
    };
    Ok(CardInfo {
        card: brief(record)?,
        product_id: text("product_id"),
        pool_id: text("pool_id"),
        product_expires_at,
    })
}
