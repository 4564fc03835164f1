//! A synthetic fleet like an IoTBOS account's, for the size test and the
//! benches: 13-digit card numbers, one plan, usage growing each sync.

use iotcard_model::{
    CardSnapshot, CardStatus, DataAmount, Decimal, Instant, Money, Operator, Plan, Remaining,
    SmsCount, Usage,
};
use iotcard_store::{Batch, Observation};

/// Card `i`'s snapshot at sync number `sync`.
pub fn card(i: u64, sync: u64) -> CardSnapshot {
    // Deterministic but uneven growth, as real cards have.
    let mix = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
    let used = (mix % 3000) + sync * (mix % 97);
    let sms = (mix % 7) + sync * (mix % 2);
    let included = 10_240u64;
    CardSnapshot {
        card: format!("1064{:09}", i),
        iccid: Some(format!("8986{:016}", i).parse().unwrap()),
        msisdn: Some(format!("1064{:09}", i).parse().unwrap()),
        operator: Some(Operator::ALL[(i % 3) as usize]),
        kind: None,
        status: Some(CardStatus::Active),
        network: None,
        usage: Some(Usage {
            sms_used: Some(SmsCount(sms as i64)),
            data_used: Some(DataAmount::provider_unit(Decimal::from(used))),
        }),
        remaining: Some(Remaining {
            sms_left: Some(SmsCount(100 - sms as i64)),
            data_left: Some(DataAmount::provider_unit(Decimal::from(
                included as i64 - used as i64,
            ))),
        }),
        plan: Some(Plan {
            name: Some("10G 月包".into()),
            monthly_fee: Some(Money::from_yuan(Decimal::new(1500, 2))),
            included_sms: Some(SmsCount(100)),
            sms_overage_price: Some(Money::from_yuan(Decimal::new(10, 2))),
            included_data: Some(DataAmount::provider_unit(Decimal::from(included))),
            data_overage_price: Some(Money::from_yuan(Decimal::new(29, 2))),
            product_id: None,
            pool_id: None,
        }),
        expires_at: Some(
            chrono::DateTime::parse_from_rfc3339("2027-06-30T23:59:59+08:00").unwrap()
                + chrono::Duration::days((i % 400) as i64),
        ),
    }
}

/// Cards `from..to` at sync `sync`, taken at `at`.
pub fn batch(from: u64, to: u64, sync: u64, at: Instant) -> Batch {
    Batch {
        snapshots: (from..to)
            .map(|i| Observation {
                taken_at: at,
                snapshot: card(i, sync),
            })
            .collect(),
        asked: to - from,
        ..Batch::default()
    }
}

/// A size from the environment, or the default.
pub fn env_size(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}
