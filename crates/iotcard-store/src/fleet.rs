//! The parts of the fleet and daily reads both backends share.

use std::collections::BTreeMap;

use iotcard_model::{CardSnapshot, DataAmount, Decimal, SmsCount};

use crate::account::AccountId;
use crate::query::{AccountDay, CardDay};

/// The share of its quota a card used: data used over the plan's included
/// data, else over used plus left. `None` when neither is known or the
/// units differ.
pub(crate) fn used_share(snapshot: &CardSnapshot) -> Option<Decimal> {
    let used = snapshot.usage.as_ref()?.data_used?;
    let included = snapshot.plan.as_ref().and_then(|p| p.included_data);
    let whole = match included {
        Some(included) if included.unit == used.unit && !included.amount.is_zero() => {
            included.amount
        }
        _ => {
            let left = snapshot.remaining.as_ref()?.data_left?;
            if left.unit != used.unit {
                return None;
            }
            used.amount.checked_add(left.amount)?
        }
    };
    if whole <= Decimal::ZERO {
        return None;
    }
    used.amount.checked_div(whole)
}

/// Sums card days into account days, one per account, day and data unit.
pub(crate) fn by_account(
    rows: impl IntoIterator<Item = (AccountId, String, CardDay)>,
) -> Vec<AccountDay> {
    let mut sums: BTreeMap<(i64, i64, bool), AccountDay> = BTreeMap::new();
    for (account, profile, day) in rows {
        let provider_unit = day
            .data_used
            .map(|d| d.unit == iotcard_model::DataUnit::ProviderUnit)
            .unwrap_or(false);
        let key = (account.0, crate::daily::day_number(day.day), provider_unit);
        let entry = sums.entry(key).or_insert_with(|| AccountDay {
            account,
            profile,
            day: day.day,
            data_used: None,
            sms_used: SmsCount(0),
            cards: 0,
        });
        entry.cards += 1;
        if let Some(used) = day.data_used {
            entry.data_used = Some(match entry.data_used {
                Some(sum) => DataAmount::new(sum.amount + used.amount, used.unit),
                None => used,
            });
        }
        entry.sms_used = SmsCount(entry.sms_used.0 + day.sms_used.map_or(0, |s| s.0));
    }
    sums.into_values().collect()
}
