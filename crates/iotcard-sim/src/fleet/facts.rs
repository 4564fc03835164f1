//! Everything the simulator knows about one card, derived from the seed and
//! the card's index alone. Both the wire answers and the public ground truth
//! ([`super::SimCard`]) are computed from these facts.
//!
//! Deriving is on the hot path (every card of every answer), so only what
//! most answers need is computed up front; identifiers, expiry and pool
//! are computed when asked for.

use iotcard_model::Operator;

use super::hash::{card_root, lane};
use super::ids::{self, ICCID_LEN, NUMBER_LEN};
use super::plans::{plan_for, PlanDef};
use crate::clock::{cst_month_end, Period};

/// Operators repeat with this period over indices, so per-operator counts and
/// the n-th card of an operator are O(1) (Tencent `getappinfo`/`getcardlist`).
pub(crate) const OPERATOR_PATTERN: [Operator; 10] = {
    use Operator::{ChinaMobile as M, ChinaTelecom as T, ChinaUnicom as U};
    [M, T, M, U, M, M, T, M, U, M]
};

/// Where a card is in its life; each platform names it in its own words.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Lifecycle {
    Active,
    Testing,
    Silent,
    Disabled,
    /// A state neither platform documents (IoTBOS text 已停机, Tencent 9).
    Stopped,
}

impl Lifecycle {
    /// IoTBOS `TerminalState`.
    pub(crate) fn terminal_state(self) -> &'static str {
        match self {
            Lifecycle::Active => "已激活",
            Lifecycle::Testing => "测试期",
            Lifecycle::Silent => "静默期",
            Lifecycle::Disabled => "已禁用",
            Lifecycle::Stopped => "已停机",
        }
    }

    /// Tencent `card_status`: 1 not activated, 2 activated, 3 suspended, 9 undocumented.
    pub(crate) fn tencent_status(self) -> u8 {
        match self {
            Lifecycle::Active => 2,
            Lifecycle::Testing | Lifecycle::Silent => 1,
            Lifecycle::Disabled => 3,
            Lifecycle::Stopped => 9,
        }
    }
}

/// IoTBOS per-card `State` codes.
pub(crate) const STATE_FOUND: u8 = 1;
pub(crate) const STATE_NO_DATA: u8 = 2;
/// Undocumented; the simulator sends it rarely so clients prove they keep it.
pub(crate) const STATE_UNDOCUMENTED: u8 = 3;

// Hash lanes: one independent stream per property.
const LANE_STYLE: u64 = 1;
const LANE_LIFECYCLE: u64 = 2;
const LANE_CODES: u64 = 3;
const LANE_PLAN: u64 = 4;
const LANE_FLOW: u64 = 5;
const LANE_SMS: u64 = 6;
const LANE_EXPIRY: u64 = 7;
const LANE_STATES: u64 = 8;
const LANE_POOL: u64 = 9;

/// Cards per data pool.
const POOL_SIZE: u64 = 500;

/// One card, as a handful of words: every property is computed from the
/// card's root hash when asked for, so an answer pays only for the fields
/// it renders.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct CardFacts {
    pub(crate) index: u64,
    seed: u64,
    serial: u64,
    root: u64,
    pub(crate) operator: Operator,
}

impl CardFacts {
    pub(crate) fn derive(seed: u64, index: u64, serial: u64) -> Self {
        Self {
            index,
            seed,
            serial,
            root: card_root(seed, index),
            operator: OPERATOR_PATTERN[(index % 10) as usize],
        }
    }

    fn lane(&self, l: u64) -> u64 {
        lane(self.root, l)
    }

    pub(crate) fn lifecycle(&self) -> Lifecycle {
        match self.lane(LANE_LIFECYCLE) % 1000 {
            0..=699 => Lifecycle::Active,
            700..=779 => Lifecycle::Testing,
            780..=859 => Lifecycle::Silent,
            860..=959 => Lifecycle::Disabled,
            _ => Lifecycle::Stopped,
        }
    }

    /// Tencent `type`: 1 single, 2 pooled, 3 undocumented.
    pub(crate) fn kind_code(&self) -> u8 {
        match self.lane(LANE_CODES) % 1000 {
            0..=899 => 1,
            900..=994 => 2,
            _ => 3,
        }
    }

    /// Tencent `network_status`: 1 off, 2 on, 0 undocumented (as in the spec's example).
    pub(crate) fn network_code(&self) -> u8 {
        match ((self.lane(LANE_CODES) >> 16) % 10, self.lifecycle()) {
            (0, _) => 0,
            (_, Lifecycle::Active) => 2,
            _ => 1,
        }
    }

    pub(crate) fn plan(&self) -> &'static PlanDef {
        plan_for(self.operator, self.lane(LANE_PLAN))
    }

    /// Decimal places of IoTBOS `UseFlow`/`ResidualFlow` for this card (0 or 2).
    pub(crate) fn flow_scale(&self) -> u8 {
        if (self.lane(LANE_PLAN) >> 20) % 5 == 0 {
            2
        } else {
            0
        }
    }

    /// Data the card uses over a whole month, in KB (can exceed the plan).
    pub(crate) fn month_flow_kb(&self) -> i64 {
        let flow = self.lane(LANE_FLOW);
        let plan = self.plan();
        if plan.default_flow > 0 {
            let plan_kb = plan.default_flow as u64 * 1000;
            let per_mille = if flow % 10 == 0 {
                1000 + (flow >> 8) % 600 // one card in ten overruns its plan
            } else {
                50 + (flow >> 8) % 950
            };
            (plan_kb * per_mille / 1000) as i64
        } else {
            ((flow >> 8) % 10_000_000) as i64
        }
    }

    /// Text messages the card receives over a whole month.
    pub(crate) fn month_sms(&self) -> i64 {
        (self.lane(LANE_SMS) % (2 * self.plan().default_sms as u64 + 6)) as i64
    }

    /// IoTBOS `State` for a call (by [`super::IotbosCall`] slot).
    pub(crate) fn state(&self, slot: usize) -> u8 {
        match (self.lane(LANE_STATES) >> (slot * 12)) % 1000 {
            0..=29 => STATE_NO_DATA,
            30..=32 => STATE_UNDOCUMENTED,
            _ => STATE_FOUND,
        }
    }

    /// The card's 9-digit serial (what its identifiers encode).
    pub(crate) fn serial(&self) -> u64 {
        self.serial
    }

    /// The source of the card's dialect choices (see `crate::dialect`).
    pub(crate) fn dialect_bits(&self) -> u64 {
        crate::dialect::card_bits(self.serial)
    }

    /// The MSISDN, which is also the IoTBOS card number.
    pub(crate) fn number(&self) -> [u8; NUMBER_LEN] {
        ids::number(self.serial)
    }

    /// The ICCID.
    pub(crate) fn iccid(&self) -> [u8; ICCID_LEN] {
        ids::iccid(self.operator, self.serial, lane(self.root, LANE_STYLE))
    }

    /// Service/plan expiry, Unix seconds: the last second of a month
    /// (UTC+8) between 2026 and 2028.
    pub(crate) fn expires_at(&self) -> i64 {
        let months_ahead = (lane(self.root, LANE_EXPIRY) % 36) as u32;
        cst_month_end(2026 + i64::from(months_ahead / 12), 1 + months_ahead % 12)
    }

    /// Tencent `teleoperator`.
    pub(crate) fn teleoperator(&self) -> u8 {
        match self.operator {
            Operator::ChinaMobile => 1,
            Operator::ChinaTelecom => 2,
            Operator::ChinaUnicom => 3,
        }
    }

    /// Data used this period, in KB: the month's usage spread evenly over
    /// the month, so a poller sees it grow.
    pub(crate) fn used_kb(&self, period: &Period) -> i64 {
        period.share(self.month_flow_kb())
    }

    /// Text messages received this period.
    pub(crate) fn sms_used(&self, period: &Period) -> i64 {
        period.share(self.month_sms())
    }

    /// IoTBOS `UseFlow`, in units of 10^-`flow_scale`.
    pub(crate) fn use_flow_units(&self, period: &Period) -> i64 {
        let kb = self.used_kb(period);
        if self.flow_scale() == 0 {
            kb / 1000
        } else {
            kb / 10
        }
    }

    /// IoTBOS `ResidualFlow` (negative once overrun), same units.
    pub(crate) fn residual_flow_units(&self, period: &Period) -> i64 {
        self.plan().default_flow * 10i64.pow(u32::from(self.flow_scale()))
            - self.use_flow_units(period)
    }

    /// Tencent `data_total_in_period`, in thousandths of a MB.
    pub(crate) fn data_total_milli_mb(&self) -> i64 {
        self.plan().default_flow * 1000
    }

    /// Tencent `pool_id` of a pooled card (16 characters, shared by the
    /// pooled cards of one block of indices); single cards answer an empty
    /// string.
    pub(crate) fn pool_id(&self) -> Option<[u8; 16]> {
        if self.kind_code() != 2 {
            return None;
        }
        let mut v =
            lane(card_root(self.seed, self.index / POOL_SIZE), LANE_POOL) % 1_000_000_000_000;
        let mut out = *b"pool000000000000";
        for slot in out[4..].iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
        Some(out)
    }
}
