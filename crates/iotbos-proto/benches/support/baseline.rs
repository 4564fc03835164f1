//! The baseline: what a quick hand-written client does with the same bytes.
//! It parses the whole answer into a `serde_json::Value` tree and picks the
//! fields by hand into the same model types.
//!
//! Like most such clients it reads decimals with `as_f64` and converts the
//! float. That is also inexact, not only slower: `0.10` becomes
//! `0.10000000000000000555…`, `1.00` loses its two places. The
//! benchmark measures its speed as if that were acceptable.

use chrono::{NaiveDateTime, TimeZone};
use iotcard_model::{
    china_standard_time, CardNumber, CardStatus, DataAmount, Decimal, Expiry, Money, Outcome, Plan,
    Remaining, SmsCount, Usage,
};
use serde_json::Value;

type Error = Box<dyn std::error::Error>;

/// One card's answer: its number, its `State`, its payload.
pub type Entry<T> = (CardNumber, Outcome, Option<T>);

/// Opens the envelope and reads every entry of `data.date` with `payload`.
fn entries<T>(
    body: &[u8],
    payload: impl Fn(&Value) -> Result<Option<T>, Error>,
) -> Result<Vec<Entry<T>>, Error> {
    let answer: Value = serde_json::from_slice(body)?;
    if answer["status"].as_i64() != Some(1) {
        return Err(format!("refused: {}", answer["info"]).into());
    }
    let list = answer["data"]["date"]
        .as_array()
        .ok_or("no card list in the answer")?;
    list.iter()
        .map(|entry| {
            let num = entry["num"].as_str().ok_or("entry without num")?;
            let outcome = match entry["State"].as_i64().ok_or("entry without State")? {
                0 => Outcome::NotFound,
                1 => Outcome::Found,
                2 => Outcome::NoData,
                other => Outcome::Unknown(other),
            };
            Ok((CardNumber::parse(num)?, outcome, payload(entry)?))
        })
        .collect()
}

/// The quick way to a decimal: through `f64`.
fn decimal(value: &Value) -> Option<Decimal> {
    value.as_f64().and_then(Decimal::from_f64_retain)
}

fn sms(value: &Value) -> Option<SmsCount> {
    value.as_i64().map(SmsCount)
}

fn status(text: &str) -> CardStatus {
    match text {
        "已禁用" => CardStatus::Disabled,
        "已激活" => CardStatus::Active,
        "测试期" => CardStatus::Testing,
        "静默期" => CardStatus::Silent,
        other => CardStatus::Other(other.to_owned()),
    }
}

/// `Exceed`.
pub fn usage(body: &[u8]) -> Result<Vec<Entry<Usage>>, Error> {
    entries(body, |entry| {
        let exceed = &entry["Exceed"];
        Ok(exceed.is_object().then(|| Usage {
            sms_used: sms(&exceed["ReceivesSmsNum"]),
            data_used: decimal(&exceed["UseFlow"]).map(DataAmount::provider_unit),
        }))
    })
}

/// `Surplus`.
pub fn remaining(body: &[u8]) -> Result<Vec<Entry<Remaining>>, Error> {
    entries(body, |entry| {
        let surplus = &entry["Surplus"];
        Ok(surplus.is_object().then(|| Remaining {
            sms_left: sms(&surplus["ResidualReceivesSms"]),
            data_left: decimal(&surplus["ResidualFlow"]).map(DataAmount::provider_unit),
        }))
    })
}

/// `ExpireDate`, read with chrono's format parser.
pub fn expiry(body: &[u8]) -> Result<Vec<Entry<Expiry>>, Error> {
    entries(body, |entry| {
        let state = entry["TerminalState"].as_str();
        let date = entry["ExpireDate"].as_str();
        if state.is_none() && date.is_none() {
            return Ok(None);
        }
        let expires_at = match date {
            Some(text) => {
                let local = NaiveDateTime::parse_from_str(text, "%Y/%m/%d %H:%M:%S")?;
                let at = china_standard_time()
                    .from_local_datetime(&local)
                    .single()
                    .ok_or("no such moment")?;
                Some(at)
            }
            None => None,
        };
        Ok(Some(Expiry {
            status: state.map(status),
            expires_at,
        }))
    })
}

/// `TerminalState`.
pub fn state(body: &[u8]) -> Result<Vec<Entry<CardStatus>>, Error> {
    entries(body, |entry| {
        Ok(entry["TerminalState"].as_str().map(status))
    })
}

/// `ServicePackage`.
pub fn plan(body: &[u8]) -> Result<Vec<Entry<Plan>>, Error> {
    entries(body, |entry| {
        let package = &entry["ServicePackage"];
        Ok(package.is_object().then(|| Plan {
            name: package["ServiceName"].as_str().map(str::to_owned),
            monthly_fee: decimal(&package["Cost"]).map(Money::from_yuan),
            included_sms: sms(&package["DefaultSms"]),
            sms_overage_price: decimal(&package["ExceedSmsPrice"]).map(Money::from_yuan),
            included_data: decimal(&package["DefaultFlow"]).map(DataAmount::provider_unit),
            data_overage_price: decimal(&package["ExceedFlowPrice"]).map(Money::from_yuan),
            product_id: None,
            pool_id: None,
        }))
    })
}
