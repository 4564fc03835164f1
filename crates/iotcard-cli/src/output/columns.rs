//! The fixed column set of each command, for CSV and tables: the record's
//! JSON names, nested objects flattened as `parent_child`. Every per-card
//! set ends with `problems`: the fields the platform sent that could not be
//! read, as `field: problem; …` (empty for nearly every card).

/// A command's columns, in order.
pub type Columns = &'static [&'static str];

/// `usage`.
pub const USAGE: Columns = &[
    "card",
    "sms_used",
    "data_used_amount",
    "data_used_unit",
    "error_kind",
    "error_message",
    "problems",
];

/// `remaining`.
pub const REMAINING: Columns = &[
    "card",
    "sms_left",
    "data_left_amount",
    "data_left_unit",
    "error_kind",
    "error_message",
    "problems",
];

/// `expiry`.
pub const EXPIRY: Columns = &[
    "card",
    "status",
    "expires_at",
    "error_kind",
    "error_message",
    "problems",
];

/// `status`.
pub const STATUS: Columns = &[
    "card",
    "status",
    "network",
    "error_kind",
    "error_message",
    "problems",
];

/// `plan`.
pub const PLAN: Columns = &[
    "card",
    "name",
    "monthly_fee",
    "included_sms",
    "sms_overage_price",
    "included_data_amount",
    "included_data_unit",
    "data_overage_price",
    "product_id",
    "pool_id",
    "error_kind",
    "error_message",
    "problems",
];

/// `card`, `cards` and `export`: a whole snapshot.
pub const CARD: Columns = &[
    "card",
    "iccid",
    "msisdn",
    "operator",
    "kind",
    "status",
    "network",
    "usage_sms_used",
    "usage_data_used_amount",
    "usage_data_used_unit",
    "remaining_sms_left",
    "remaining_data_left_amount",
    "remaining_data_left_unit",
    "plan_name",
    "plan_monthly_fee",
    "plan_included_sms",
    "plan_sms_overage_price",
    "plan_included_data_amount",
    "plan_included_data_unit",
    "plan_data_overage_price",
    "plan_product_id",
    "plan_pool_id",
    "expires_at",
    "error_kind",
    "error_message",
    "problems",
];

/// `account`.
pub const ACCOUNT: Columns = &[
    "name",
    "description",
    "cards_china_mobile",
    "cards_china_telecom",
    "cards_china_unicom",
    "cards_total",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::flatten::flatten;
    use crate::output::record::{Answer, CardRecord, RecordError};
    use iotcard_facade::Status as StatusValues;
    use iotcard_model::{
        CardKind, CardSnapshot, CardStatus, DataAmount, Expiry, Iccid, Msisdn, NetworkStatus,
        Operator, Plan, Remaining, SmsCount, Usage,
    };
    use serde::Serialize;

    fn usage() -> Usage {
        Usage {
            sms_used: Some(SmsCount(6)),
            data_used: Some(DataAmount::provider_unit("8359".parse().unwrap())),
        }
    }
    fn remaining() -> Remaining {
        Remaining {
            sms_left: Some(SmsCount(4)),
            data_left: Some(DataAmount::provider_unit("-8359".parse().unwrap())),
        }
    }
    fn plan() -> Plan {
        Plan {
            name: Some("移动 10 条".into()),
            monthly_fee: Some("1.00".parse().unwrap()),
            included_sms: Some(SmsCount(10)),
            sms_overage_price: Some("0.10".parse().unwrap()),
            included_data: Some(DataAmount::mb("1024.000".parse().unwrap())),
            data_overage_price: Some("0.00".parse().unwrap()),
            product_id: Some("p1".into()),
            pool_id: Some("pool1".into()),
        }
    }
    fn instant() -> iotcard_model::Instant {
        iotcard_model::Instant::parse_from_rfc3339("2018-01-16T16:02:08+08:00").unwrap()
    }

    /// The flattened keys of a full record and of an error record together
    /// are exactly the columns: the lists cannot drift from the model.
    /// (Compared as sets: `serde_json::Value` may sort keys.)
    fn assert_columns<T: Serialize>(columns: Columns, values: &T) {
        let problems = [iotcard_facade::FieldProblem::new("ExpireDate", "x")];
        let full = CardRecord {
            card: "1064804085884",
            answer: Answer::Values(values),
            problems: &problems,
        };
        let error: CardRecord<'_, T> = CardRecord {
            card: "1064804085884",
            answer: Answer::Error {
                error: RecordError::new(iotcard_facade::ProblemKind::Failed, "x"),
            },
            problems: &[],
        };
        let mut keys: Vec<String> = Vec::new();
        for value in [
            serde_json::to_value(&full).unwrap(),
            serde_json::to_value(&error).unwrap(),
        ] {
            for (key, _) in flatten(&value) {
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        keys.sort();
        let mut expected = columns.to_vec();
        expected.sort();
        assert_eq!(keys, expected);
    }

    #[test]
    fn every_column_list_matches_its_record() {
        assert_columns(USAGE, &usage());
        assert_columns(REMAINING, &remaining());
        assert_columns(
            EXPIRY,
            &Expiry {
                status: Some(CardStatus::Active),
                expires_at: Some(instant()),
            },
        );
        assert_columns(
            STATUS,
            &StatusValues {
                status: Some(CardStatus::Active),
                network: Some(NetworkStatus::On),
            },
        );
        assert_columns(PLAN, &plan());
    }

    #[test]
    fn account_columns_match_its_record() {
        let record = crate::output::record::AccountRecord {
            name: "售货机".into(),
            description: "d".into(),
            cards: crate::output::record::CardCountsRecord {
                china_mobile: 1,
                china_telecom: 2,
                china_unicom: 3,
                total: 6,
            },
        };
        let mut keys: Vec<String> = flatten(&serde_json::to_value(&record).unwrap())
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        keys.sort();
        let mut expected = ACCOUNT.to_vec();
        expected.sort();
        assert_eq!(keys, expected);
    }

    #[test]
    fn card_columns_match_a_full_snapshot() {
        let snapshot = CardSnapshot {
            card: "898602B7091701054333".into(),
            iccid: Some(Iccid::parse("898602B7091701054333").unwrap()),
            msisdn: Some(Msisdn::parse("1064878384333").unwrap()),
            operator: Some(Operator::ChinaMobile),
            kind: Some(CardKind::Single),
            status: Some(CardStatus::Active),
            network: Some(NetworkStatus::On),
            usage: Some(usage()),
            remaining: Some(remaining()),
            plan: Some(plan()),
            expires_at: Some(instant()),
        };
        let mut keys: Vec<String> = flatten(&serde_json::to_value(&snapshot).unwrap())
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        keys.extend([
            "error_kind".to_owned(),
            "error_message".to_owned(),
            "problems".to_owned(),
        ]);
        keys.sort();
        let mut expected = CARD.to_vec();
        expected.sort();
        assert_eq!(keys, expected);
    }
}
