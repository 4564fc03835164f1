//! The ground truth of one card in the model's types, for tests to compare
//! a client's answers against. Every value here is exactly what the wire
//! answer says for the same fleet clock.

use iotcard_model::{
    CardKind, CardNumber, CardStatus, DataAmount, Decimal, Expiry, Iccid, Instant, Money, Msisdn,
    NetworkStatus, Operator, Outcome, Plan, Remaining, SmsCount, Usage,
};

use super::facts::{CardFacts, Lifecycle, STATE_FOUND, STATE_NO_DATA};
use crate::clock::{cst_instant, Period};

/// The five IoTBOS data calls.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum IotbosCall {
    /// `/Api/TerminalInfo/Exceed`: usage this month.
    Usage,
    /// `/Api/TerminalInfo/Surplus`: what is left this month.
    Remaining,
    /// `/Api/TerminalInfo/ExpireDate`: status and expiry date.
    Expiry,
    /// `/Api/TerminalInfo/ReturnState`: current status.
    State,
    /// `/Api/TerminalInfo/ReturnOperatorServicePackage`: the tariff.
    Plan,
}

impl IotbosCall {
    /// All five, in the order above.
    pub const ALL: [IotbosCall; 5] = [
        IotbosCall::Usage,
        IotbosCall::Remaining,
        IotbosCall::Expiry,
        IotbosCall::State,
        IotbosCall::Plan,
    ];

    /// The call's path.
    pub fn path(self) -> &'static str {
        match self {
            IotbosCall::Usage => "/Api/TerminalInfo/Exceed",
            IotbosCall::Remaining => "/Api/TerminalInfo/Surplus",
            IotbosCall::Expiry => "/Api/TerminalInfo/ExpireDate",
            IotbosCall::State => "/Api/TerminalInfo/ReturnState",
            IotbosCall::Plan => "/Api/TerminalInfo/ReturnOperatorServicePackage",
        }
    }

    pub(crate) fn slot(self) -> usize {
        self as usize
    }
}

/// A card's raw Tencent codes, as `getcardlist`/`getcardinfo` send them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TencentCodes {
    /// `teleoperator`: 1 mobile, 2 telecom, 3 unicom.
    pub teleoperator: u8,
    /// `type`: 1 single, 2 pooled; 3 is undocumented.
    pub kind: u8,
    /// `card_status`: 1 not activated, 2 activated, 3 suspended; 9 is undocumented.
    pub card_status: u8,
    /// `network_status`: 1 off, 2 on; 0 is undocumented (the spec's example sends it).
    pub network_status: u8,
}

/// One card of the fleet: its identifiers and what each platform answers
/// about it.
///
/// Time-dependent values take the fleet clock's instant (see
/// `RunningSimulator::now`); with a frozen clock they match the wire
/// exactly, with a real one they match an answer whose `createtime` was
/// that instant.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SimCard {
    facts: CardFacts,
    number: CardNumber,
    msisdn: Msisdn,
    iccid: Iccid,
}

fn text(bytes: &[u8]) -> &str {
    // The fleet writes identifiers from ASCII digits and letters only.
    std::str::from_utf8(bytes).unwrap_or_default()
}

impl SimCard {
    pub(crate) fn new(facts: CardFacts) -> Self {
        let number = facts.number();
        let number = text(&number);
        // The fleet only makes identifiers that are valid by construction;
        // the unit tests check every shape, so these cannot fail.
        Self {
            number: CardNumber::parse(number).expect("fleet numbers are 13 digits"),
            msisdn: Msisdn::parse(number).expect("fleet numbers are 13 digits"),
            iccid: Iccid::parse(text(&facts.iccid()))
                .expect("fleet ICCIDs are 20 characters from 89"),
            facts,
        }
    }

    /// The card's position in the fleet.
    pub fn index(&self) -> u64 {
        self.facts.index
    }
    /// The IoTBOS card number (the MSISDN).
    pub fn number(&self) -> &CardNumber {
        &self.number
    }
    /// The MSISDN.
    pub fn msisdn(&self) -> &Msisdn {
        &self.msisdn
    }
    /// The ICCID.
    pub fn iccid(&self) -> &Iccid {
        &self.iccid
    }
    /// The operator.
    pub fn operator(&self) -> Operator {
        self.facts.operator
    }

    /// IoTBOS per-card `State` for this call, as an outcome (3, which the
    /// simulator sends rarely, is `Unknown(3)`).
    pub fn outcome(&self, call: IotbosCall) -> Outcome {
        match self.facts.state(call.slot()) {
            STATE_FOUND => Outcome::Found,
            STATE_NO_DATA => Outcome::NoData,
            other => Outcome::Unknown(i64::from(other)),
        }
    }

    /// IoTBOS `TerminalState` text (one of the documented four, or the
    /// undocumented `已停机`).
    pub fn terminal_state(&self) -> &'static str {
        self.facts.lifecycle().terminal_state()
    }

    /// The status IoTBOS reports (`TerminalState`, typed; unknown text kept).
    pub fn iotbos_status(&self) -> CardStatus {
        match self.facts.lifecycle() {
            Lifecycle::Active => CardStatus::Active,
            Lifecycle::Testing => CardStatus::Testing,
            Lifecycle::Silent => CardStatus::Silent,
            Lifecycle::Disabled => CardStatus::Disabled,
            Lifecycle::Stopped => CardStatus::Other(self.terminal_state().to_owned()),
        }
    }

    /// IoTBOS usage this month (`Exceed`) at `at`.
    pub fn usage(&self, at: &Instant) -> Usage {
        let t = Period::at(at.timestamp());
        Usage {
            sms_used: Some(SmsCount(self.facts.sms_used(&t))),
            data_used: Some(DataAmount::provider_unit(Decimal::new(
                self.facts.use_flow_units(&t),
                u32::from(self.facts.flow_scale()),
            ))),
        }
    }

    /// IoTBOS remainder this month (`Surplus`) at `at`; negative once overrun.
    pub fn remaining(&self, at: &Instant) -> Remaining {
        let t = Period::at(at.timestamp());
        Remaining {
            sms_left: Some(SmsCount(
                self.facts.plan().default_sms - self.facts.sms_used(&t),
            )),
            data_left: Some(DataAmount::provider_unit(Decimal::new(
                self.facts.residual_flow_units(&t),
                u32::from(self.facts.flow_scale()),
            ))),
        }
    }

    /// IoTBOS `ExpireDate` answer for `State: 1`: the status, and the date
    /// only when the card is activated (`null` otherwise, as the spec says).
    /// A `State: 2` answer carries the same status with a `null` date (as
    /// the spec's example); other states carry neither.
    pub fn expiry(&self) -> Expiry {
        Expiry {
            status: Some(self.iotbos_status()),
            expires_at: (self.facts.lifecycle() == Lifecycle::Active)
                .then(|| cst_instant(self.facts.expires_at())),
        }
    }

    /// IoTBOS tariff (`ServicePackage`), amounts with the provider's digits.
    pub fn plan(&self) -> Plan {
        let p = self.facts.plan();
        Plan {
            name: Some(p.name.to_owned()),
            monthly_fee: Some(Money::from_yuan(Decimal::new(p.cost_fen, 2))),
            included_sms: Some(SmsCount(p.default_sms)),
            sms_overage_price: Some(Money::from_yuan(Decimal::new(p.exceed_sms_price_fen, 2))),
            included_data: Some(DataAmount::provider_unit(Decimal::from(p.default_flow))),
            data_overage_price: Some(Money::from_yuan(Decimal::new(p.exceed_flow_price_fen, 2))),
            product_id: None,
            pool_id: None,
        }
    }

    /// Tencent's raw codes for the card.
    pub fn tencent_codes(&self) -> TencentCodes {
        TencentCodes {
            teleoperator: self.facts.teleoperator(),
            kind: self.facts.kind_code(),
            card_status: self.facts.lifecycle().tencent_status(),
            network_status: self.facts.network_code(),
        }
    }

    /// Single or pooled (Tencent `type`; unknown codes kept as text).
    pub fn kind(&self) -> CardKind {
        match self.facts.kind_code() {
            1 => CardKind::Single,
            2 => CardKind::Pooled,
            other => CardKind::Other(other.to_string()),
        }
    }

    /// The status Tencent reports (`card_status`, typed; unknown codes kept as text).
    pub fn tencent_status(&self) -> CardStatus {
        match self.facts.lifecycle().tencent_status() {
            1 => CardStatus::Inactive,
            2 => CardStatus::Active,
            3 => CardStatus::Suspended,
            other => CardStatus::Other(other.to_string()),
        }
    }

    /// Tencent `network_status`, typed; unknown codes kept as text.
    pub fn network(&self) -> NetworkStatus {
        match self.facts.network_code() {
            1 => NetworkStatus::Off,
            2 => NetworkStatus::On,
            other => NetworkStatus::Other(other.to_string()),
        }
    }

    /// Tencent `data_used_in_period` at `at` (MB, three places).
    pub fn data_used_in_period(&self, at: &Instant) -> DataAmount {
        DataAmount::mb(Decimal::new(
            self.facts.used_kb(&Period::at(at.timestamp())),
            3,
        ))
    }

    /// Tencent `data_total_in_period` (MB, three places).
    pub fn data_total_in_period(&self) -> DataAmount {
        DataAmount::mb(Decimal::new(self.facts.data_total_milli_mb(), 3))
    }

    /// What is left of the period's data on Tencent: total minus used,
    /// exactly (MB, three places; negative once overrun).
    pub fn data_left_in_period(&self, at: &Instant) -> DataAmount {
        let used = self.facts.used_kb(&Period::at(at.timestamp()));
        DataAmount::mb(Decimal::new(self.facts.data_total_milli_mb() - used, 3))
    }

    /// Tencent `product_id`.
    pub fn product_id(&self) -> &'static str {
        self.facts.plan().product_id
    }

    /// Tencent `pool_id`: 16 characters for a pooled card, `""` for a single one.
    pub fn pool_id(&self) -> String {
        self.facts
            .pool_id()
            .map(|id| text(&id).to_owned())
            .unwrap_or_default()
    }

    /// Tencent `product_expired_time`, as an instant in UTC+8.
    pub fn product_expired_at(&self) -> Instant {
        cst_instant(self.facts.expires_at())
    }
}

#[cfg(test)]
mod tests {
    use crate::Fleet;

    #[test]
    fn the_fleet_has_every_kind_of_card() {
        let fleet = Fleet::new(11, 20_000).unwrap();
        let at = crate::clock::cst_instant(1_516_082_528);
        let mut seen = std::collections::BTreeSet::new();
        for card in fleet.cards() {
            let c = card.tencent_codes();
            seen.insert(format!("status {}", c.card_status));
            seen.insert(format!("network {}", c.network_status));
            seen.insert(format!("type {}", c.kind));
            seen.insert(format!("terminal {}", card.terminal_state()));
            for call in super::IotbosCall::ALL {
                seen.insert(format!("outcome {}", card.outcome(call)));
            }
            let left = card.remaining(&at).data_left.unwrap().amount;
            if left.is_sign_negative() {
                seen.insert("overrun".into());
            }
            seen.insert(format!("flow scale {}", left.scale()));
        }
        for expected in [
            "status 1",
            "status 2",
            "status 3",
            "status 9",
            "network 0",
            "network 1",
            "network 2",
            "type 1",
            "type 2",
            "type 3",
            "terminal 已激活",
            "terminal 已禁用",
            "terminal 测试期",
            "terminal 静默期",
            "terminal 已停机",
            "outcome found",
            "outcome no_data",
            "outcome unknown:3",
            "overrun",
            "flow scale 0",
            "flow scale 2",
        ] {
            assert!(seen.contains(expected), "no card with {expected}: {seen:?}");
        }
    }

    #[test]
    fn usage_grows_within_the_month_and_resets() {
        let fleet = Fleet::new(5, 50).unwrap();
        let card = (0..50)
            .filter_map(|i| fleet.card(i))
            .max_by_key(|c| c.facts.month_flow_kb())
            .unwrap();
        let early = crate::clock::cst_instant(1_514_736_000 + 86_400);
        let late = crate::clock::cst_instant(1_514_736_000 + 20 * 86_400);
        let next_month = crate::clock::cst_instant(1_514_736_000 + 31 * 86_400 + 60);
        let used = |at| card.data_used_in_period(&at).amount;
        assert!(used(early) < used(late));
        assert!(used(next_month) < used(late));
    }
}
