//! From Tencent's answers to the provider-neutral model.
//!
//! Tencent reports data only (no SMS), in MB; what is left is computed here
//! as total minus used, exactly, and may be negative when a card overran.
//! A value the answer did not give (a pooled card's `null` total, a field
//! that could not be read) is none here too, and so is what is computed
//! from it.

use iotcard_model::{CardSnapshot, DataAmount, Plan, Remaining, Usage};

use crate::{CardBrief, CardInfo, Teleoperator};

impl CardBrief {
    /// Data used this period.
    pub fn usage(&self) -> Usage {
        Usage {
            sms_used: None,
            data_used: self.data_used_in_period,
        }
    }

    /// Data left this period: `data_total_in_period − data_used_in_period`,
    /// exact. `None` when either is unknown (a pooled card's total), or if
    /// the difference overflows a decimal, which no real amount comes near.
    pub fn remaining(&self) -> Remaining {
        let left = self
            .data_total_in_period
            .zip(self.data_used_in_period)
            .and_then(|(total, used)| total.amount.checked_sub(used.amount))
            .map(DataAmount::mb);
        Remaining {
            sms_left: None,
            data_left: left,
        }
    }

    /// The plan as far as a list entry tells: the data included per period.
    pub fn plan(&self) -> Plan {
        Plan {
            included_data: self.data_total_in_period,
            ..Plan::default()
        }
    }

    /// Everything this record says, provider-neutral; the card is named by
    /// its ICCID.
    pub fn to_snapshot(&self) -> CardSnapshot {
        CardSnapshot {
            card: self.iccid.to_string(),
            iccid: Some(self.iccid.clone()),
            msisdn: self.msisdn.as_ref().and_then(|m| m.msisdn()).cloned(),
            operator: self.operator.and_then(Teleoperator::operator),
            kind: self.kind.clone(),
            status: self.status.clone(),
            network: self.network.clone(),
            usage: Some(self.usage()),
            remaining: Some(self.remaining()),
            plan: Some(self.plan()),
            expires_at: None,
        }
    }
}

impl CardInfo {
    /// The plan: data included, product and pool.
    pub fn plan(&self) -> Plan {
        Plan {
            product_id: self.product_id.clone(),
            pool_id: self.pool_id.clone(),
            ..self.card.plan()
        }
    }

    /// Everything this answer says, provider-neutral; `expires_at` is the
    /// product's expiry.
    pub fn to_snapshot(&self) -> CardSnapshot {
        CardSnapshot {
            plan: Some(self.plan()),
            expires_at: self.product_expires_at,
            ..self.card.to_snapshot()
        }
    }
}

impl From<&CardBrief> for CardSnapshot {
    fn from(card: &CardBrief) -> Self {
        card.to_snapshot()
    }
}

impl From<&CardInfo> for CardSnapshot {
    fn from(info: &CardInfo) -> Self {
        info.to_snapshot()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportedMsisdn;
    use iotcard_model::{CardKind, CardStatus, Iccid, NetworkStatus, Operator};

    fn card(used: &str, total: &str) -> CardBrief {
        CardBrief {
            iccid: Iccid::parse("898602B7091701054333").unwrap(),
            msisdn: Some(ReportedMsisdn::Unrecognized("n/a".into())),
            operator: Some(Teleoperator::Known(Operator::ChinaUnicom)),
            kind: Some(CardKind::Pooled),
            status: Some(CardStatus::Active),
            network: Some(NetworkStatus::Other("0".into())),
            data_used_in_period: Some(DataAmount::mb(used.parse().unwrap())),
            data_total_in_period: Some(DataAmount::mb(total.parse().unwrap())),
            problems: Vec::new(),
        }
    }

    #[test]
    fn remaining_is_exact_and_may_be_negative() {
        let left = |u, t| card(u, t).remaining().data_left.unwrap().to_string();
        assert_eq!(left("14.970", "30.000"), "15.030 MB");
        assert_eq!(left("31.5", "30.000"), "-1.500 MB");
        assert_eq!(left("0.001", "0.001"), "0.000 MB");
    }

    #[test]
    fn an_unknown_total_leaves_plan_and_remaining_unknown() {
        let mut pooled = card("1.000", "2.000");
        pooled.data_total_in_period = None;
        let s = pooled.to_snapshot();
        assert_eq!(s.remaining.unwrap().data_left, None);
        assert_eq!(s.plan.unwrap().included_data, None);
        assert_eq!(s.usage.unwrap().data_used.unwrap().to_string(), "1.000 MB");
        let mut unread = card("1.000", "2.000");
        unread.data_used_in_period = None;
        unread.operator = None;
        let s = unread.to_snapshot();
        assert_eq!(s.remaining.unwrap().data_left, None);
        assert_eq!(s.usage.unwrap().data_used, None);
        assert_eq!(s.operator, None);
    }

    #[test]
    fn snapshot_keeps_every_field() {
        let s = card("1.000", "2.000").to_snapshot();
        assert_eq!(s.card, "898602B7091701054333");
        assert_eq!(s.msisdn, None, "an unrecognized number is not an MSISDN");
        assert_eq!(s.operator, Some(Operator::ChinaUnicom));
        assert_eq!(s.kind, Some(CardKind::Pooled));
        assert_eq!(s.network, Some(NetworkStatus::Other("0".into())));
        assert_eq!(
            s.plan.unwrap().included_data.unwrap().to_string(),
            "2.000 MB"
        );
        assert_eq!(s.usage.unwrap().data_used.unwrap().to_string(), "1.000 MB");
        assert_eq!(s.expires_at, None);
    }

    #[test]
    fn card_info_adds_product_pool_and_expiry() {
        let expires = chrono::DateTime::from_timestamp(1506494258, 0)
            .unwrap()
            .with_timezone(&iotcard_model::china_standard_time());
        let info = CardInfo {
            card: card("1.000", "2.000"),
            product_id: Some("p".into()),
            pool_id: None,
            product_expires_at: Some(expires),
        };
        let s = CardSnapshot::from(&info);
        let plan = s.plan.unwrap();
        assert_eq!(
            (plan.product_id.as_deref(), plan.pool_id),
            (Some("p"), None)
        );
        assert_eq!(plan.included_data.unwrap().to_string(), "2.000 MB");
        assert_eq!(s.expires_at, Some(expires));
        assert_eq!(
            s.remaining.unwrap().data_left.unwrap().to_string(),
            "1.000 MB"
        );
    }
}
