//! `usage-report --month`: data and SMS used in a month, with the plan's
//! fee and overage cost where the platform gives prices, exact.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Months, NaiveDate};
use iotcard_model::{DataAmount, DataUnit, Decimal, Money, Plan, SmsCount};
use iotcard_store::{CardId, FleetFilter};

use super::card_history::start_of;
use super::location::failed;
use super::records::{
    ReportRecord, REPORT_BY_ACCOUNT, REPORT_BY_CARD, REPORT_BY_OPERATOR, REPORT_BY_PLAN,
};
use super::Opened;
use crate::commands::emit::Out;
use crate::error::CliError;
use crate::exit::Exit;
use crate::history_args::{ReportBy, UsageReportArgs};

/// What one card used in the month, and its plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CardMonth {
    pub profile: String,
    pub card: String,
    pub operator: Option<String>,
    pub plan: Option<Plan>,
    pub data: Option<DataAmount>,
    pub sms: Option<i64>,
}

/// A card's month costs: fee, SMS and data beyond the allowance at the
/// overage prices, and their sum. `None` where the plan gives no price.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Costs {
    pub fee: Option<Decimal>,
    pub sms_overage: Option<Decimal>,
    pub data_overage: Option<Decimal>,
    pub total: Option<Decimal>,
}

/// What was used beyond the allowance, at `price`; nothing beyond costs
/// zero at the price's own places (`0.00`), as a bill would show it.
fn overage(used: Decimal, included: Decimal, price: Decimal) -> Decimal {
    let mut cost = (used - included).max(Decimal::ZERO) * price;
    if cost.is_zero() {
        cost.rescale(price.scale());
    }
    cost
}

/// The costs of `month` under its plan.
pub fn costs(month: &CardMonth) -> Costs {
    let Some(plan) = &month.plan else {
        return Costs::default();
    };
    let fee = plan.monthly_fee.map(|m| m.yuan());
    let sms_overage = match (month.sms, plan.included_sms, plan.sms_overage_price) {
        (Some(used), Some(included), Some(price)) => Some(overage(
            Decimal::from(used),
            Decimal::from(included.0),
            price.yuan(),
        )),
        _ => None,
    };
    let data_overage = match (month.data, plan.included_data, plan.data_overage_price) {
        (Some(used), Some(included), Some(price)) if used.unit == included.unit => {
            Some(overage(used.amount, included.amount, price.yuan()))
        }
        _ => None,
    };
    let parts = [fee, sms_overage, data_overage];
    let total = parts
        .iter()
        .any(Option::is_some)
        .then(|| parts.iter().flatten().copied().sum());
    Costs {
        fee,
        sms_overage,
        data_overage,
        total,
    }
}

fn add(sum: Option<Decimal>, more: Option<Decimal>) -> Option<Decimal> {
    match (sum, more) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    }
}

/// A row's key: its grouping fields, and whether its data is in the
/// provider's unit.
type GroupKey = (Vec<Option<String>>, Option<bool>);

/// Rows grouped as `by` says; data of different units never share a row.
pub fn rows(months: &[CardMonth], by: ReportBy) -> Vec<ReportRecord> {
    let mut groups: BTreeMap<GroupKey, (ReportRecord, Costs)> = BTreeMap::new();
    for month in months {
        let plan_name = month.plan.as_ref().and_then(|p| p.name.clone());
        let key_fields = match by {
            ReportBy::Card => vec![
                Some(month.profile.clone()),
                Some(month.card.clone()),
                month.operator.clone(),
                plan_name.clone(),
            ],
            ReportBy::Account => vec![Some(month.profile.clone())],
            ReportBy::Operator => vec![month.operator.clone()],
            ReportBy::Plan => vec![plan_name.clone()],
        };
        let unit = month.data.map(|d| d.unit == DataUnit::ProviderUnit);
        let (record, sums) = groups.entry((key_fields, unit)).or_insert_with(|| {
            let mut record = ReportRecord::default();
            match by {
                ReportBy::Card => {
                    record.profile = Some(month.profile.clone());
                    record.card = Some(month.card.clone());
                    record.operator = month.operator.clone();
                    record.plan = plan_name.clone();
                }
                ReportBy::Account => record.profile = Some(month.profile.clone()),
                ReportBy::Operator => record.operator = month.operator.clone(),
                ReportBy::Plan => record.plan = plan_name.clone(),
            }
            (record, Costs::default())
        });
        record.cards += 1;
        if let Some(data) = month.data {
            record.data_used = Some(match record.data_used {
                Some(sum) => DataAmount::new(sum.amount + data.amount, data.unit),
                None => data,
            });
        }
        if let Some(sms) = month.sms {
            record.sms_used = Some(SmsCount(record.sms_used.map_or(0, |s| s.0) + sms));
        }
        let c = costs(month);
        sums.fee = add(sums.fee, c.fee);
        sums.sms_overage = add(sums.sms_overage, c.sms_overage);
        sums.data_overage = add(sums.data_overage, c.data_overage);
        sums.total = add(sums.total, c.total);
    }
    groups
        .into_values()
        .map(|(mut record, sums)| {
            record.monthly_fee = sums.fee.map(Money::from_yuan);
            record.sms_overage_cost = sums.sms_overage.map(Money::from_yuan);
            record.data_overage_cost = sums.data_overage.map(Money::from_yuan);
            record.total_cost = sums.total.map(Money::from_yuan);
            record
        })
        .collect()
}

/// The month's first and last day.
pub fn month_days(first: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = first.with_day(1).unwrap_or(first);
    let last = first
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(first);
    (first, last)
}

/// Every card's month: the sum of its daily usage over the month's days;
/// for an IoTBOS card first seen within the month, plus the month-to-date
/// counter of that first snapshot (IoTBOS counts from the 1st, so that
/// figure is what was used before the store knew the card).
async fn gather(
    opened: &Opened<'_>,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<CardMonth>, CliError> {
    let Opened { global, store, now } = opened;
    let days = store
        .daily_by_cards(&global.profile, first, last)
        .await
        .map_err(failed("failed reading daily usage"))?;
    let filter = FleetFilter {
        profiles: global.profile.clone(),
        ..FleetFilter::default()
    };
    let latest = store
        .fleet(&filter, *now)
        .await
        .map_err(failed("failed reading the fleet"))?;
    let providers: HashMap<_, String> = store
        .accounts()
        .await
        .map_err(failed("failed listing accounts"))?
        .into_iter()
        .map(|a| (a.id, a.spec.provider))
        .collect();
    let mut used: HashMap<CardId, (Option<DataAmount>, Option<i64>)> = HashMap::new();
    for day in &days {
        let entry = used.entry(day.card).or_default();
        if let Some(d) = day.data_used {
            entry.0 = Some(match entry.0 {
                Some(sum) if sum.unit == d.unit => DataAmount::new(sum.amount + d.amount, d.unit),
                Some(sum) => sum,
                None => d,
            });
        }
        if let Some(s) = day.sms_used {
            entry.1 = Some(entry.1.unwrap_or(0) + s.0);
        }
    }
    let (from, to) = (start_of(first), start_of(last) + chrono::Duration::days(1));
    let mut months = Vec::new();
    for card in latest {
        let info = &card.card;
        let first_seen_here = info.first_seen.is_some_and(|f| f >= from && f < to);
        let mut figures = used.remove(&info.id);
        let iotbos = providers.get(&info.account).is_some_and(|p| p == "iotbos");
        if iotbos && first_seen_here {
            if let Some(seen) = info.first_seen {
                let first_snapshot = store
                    .history(info.id, seen, seen + chrono::Duration::seconds(1))
                    .await
                    .map_err(failed("failed reading the history"))?;
                if let Some(usage) = first_snapshot
                    .first()
                    .and_then(|e| e.snapshot.usage.clone())
                {
                    let entry = figures.get_or_insert((None, None));
                    if let Some(d) = usage.data_used {
                        entry.0 = Some(match entry.0 {
                            Some(sum) if sum.unit == d.unit => {
                                DataAmount::new(sum.amount + d.amount, d.unit)
                            }
                            Some(sum) => sum,
                            None => d,
                        });
                    }
                    if let Some(s) = usage.sms_used {
                        entry.1 = Some(entry.1.unwrap_or(0) + s.0);
                    }
                }
            }
        }
        let Some((data, sms)) = figures else { continue };
        months.push(CardMonth {
            profile: info.profile.clone(),
            card: info.key.clone(),
            operator: card.snapshot.operator.map(|o| o.name().to_owned()),
            plan: card.snapshot.plan.clone(),
            data,
            sms,
        });
    }
    Ok(months)
}

pub async fn run(opened: Opened<'_>, args: &UsageReportArgs) -> Result<Exit, CliError> {
    let (first, last) = month_days(args.month);
    let months = gather(&opened, first, last).await?;
    let columns = match args.by {
        ReportBy::Card => REPORT_BY_CARD,
        ReportBy::Account => REPORT_BY_ACCOUNT,
        ReportBy::Operator => REPORT_BY_OPERATOR,
        ReportBy::Plan => REPORT_BY_PLAN,
    };
    let mut out = Out::stdout(opened.global.output, columns);
    for row in rows(&months, args.by) {
        out.write(&row)?;
    }
    out.finish()?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn plan() -> Plan {
        Plan {
            name: Some("月包 1GB".into()),
            monthly_fee: Some(Money::from_yuan(d("1.00"))),
            included_sms: Some(SmsCount(10)),
            sms_overage_price: Some(Money::from_yuan(d("0.10"))),
            included_data: Some(DataAmount::provider_unit(d("1024"))),
            data_overage_price: Some(Money::from_yuan(d("0.0001"))),
            ..Plan::default()
        }
    }

    fn month(card: &str, data: &str, sms: i64) -> CardMonth {
        CardMonth {
            profile: "default".into(),
            card: card.into(),
            operator: Some("china_mobile".into()),
            plan: Some(plan()),
            data: Some(DataAmount::provider_unit(d(data))),
            sms: Some(sms),
        }
    }

    #[test]
    fn overage_is_exact_and_never_negative() {
        let over = costs(&month("1", "1124.5", 13));
        assert_eq!(over.fee.unwrap().to_string(), "1.00");
        assert_eq!(over.sms_overage.unwrap().to_string(), "0.30");
        assert_eq!(over.data_overage.unwrap().to_string(), "0.01005");
        assert_eq!(over.total.unwrap().to_string(), "1.31005");
        let under = costs(&month("2", "10", 2));
        assert_eq!(under.sms_overage.unwrap().to_string(), "0.00");
        assert_eq!(under.total.unwrap().to_string(), "1.00");
        // No plan prices (Tencent): no costs at all.
        let mut tencent = month("3", "5", 0);
        tencent.plan = None;
        assert_eq!(costs(&tencent), Costs::default());
    }

    #[test]
    fn groups_sum_exactly_and_keep_units_apart() {
        let mut mb = month("3", "2.5", 1);
        mb.data = Some(DataAmount::mb(d("2.5")));
        let months = [month("1", "1124.5", 13), month("2", "10", 2), mb];
        let by_card = rows(&months, ReportBy::Card);
        assert_eq!(by_card.len(), 3);
        let by_account = rows(&months, ReportBy::Account);
        assert_eq!(
            by_account.len(),
            2,
            "MB and provider units are separate rows"
        );
        let provider = by_account
            .iter()
            .find(|r| r.data_used.unwrap().unit == DataUnit::ProviderUnit)
            .unwrap();
        assert_eq!(provider.cards, 2);
        assert_eq!(provider.data_used.unwrap().amount.to_string(), "1134.5");
        assert_eq!(provider.sms_used, Some(SmsCount(15)));
        assert_eq!(provider.monthly_fee.unwrap().yuan().to_string(), "2.00");
        assert_eq!(provider.total_cost.unwrap().yuan().to_string(), "2.31005");
        assert!(provider.card.is_none() && provider.profile.as_deref() == Some("default"));
    }

    #[test]
    fn months_end_on_their_last_day() {
        let (a, b) = month_days(NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("2026-02-01".into(), "2026-02-28".into())
        );
        let (_, b) = month_days(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(b.to_string(), "2026-12-31");
    }
}
