//! The tariffs cards are on, per operator, with amounts in the provider's
//! digits (money in fen, so `1.00` is 100 with two places).

use iotcard_model::Operator;

/// One tariff as IoTBOS describes it (`ServicePackage`), with the Tencent
/// product id it corresponds to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct PlanDef {
    /// `ServiceName`. One name holds quotes on purpose: clients must
    /// unescape JSON strings.
    pub(crate) name: &'static str,
    /// `Cost`, in fen (two decimal places on the wire).
    pub(crate) cost_fen: i64,
    /// `DefaultSms`.
    pub(crate) default_sms: i64,
    /// `ExceedSmsPrice`, in fen.
    pub(crate) exceed_sms_price_fen: i64,
    /// `DefaultFlow`, in the provider's unit (MB), an integer on the wire.
    pub(crate) default_flow: i64,
    /// `ExceedFlowPrice`, in fen.
    pub(crate) exceed_flow_price_fen: i64,
    /// Tencent `product_id`.
    pub(crate) product_id: &'static str,
}

const fn plan(
    name: &'static str,
    cost_fen: i64,
    default_sms: i64,
    exceed_sms_price_fen: i64,
    default_flow: i64,
    exceed_flow_price_fen: i64,
    product_id: &'static str,
) -> PlanDef {
    PlanDef {
        name,
        cost_fen,
        default_sms,
        exceed_sms_price_fen,
        default_flow,
        exceed_flow_price_fen,
        product_id,
    }
}

const MOBILE: &[PlanDef] = &[
    // The spec's own example tariff.
    plan("移动 10 条", 100, 10, 10, 0, 0, "yd000000000000010"),
    plan("移动 30M", 500, 0, 10, 30, 29, "yd000000000000030"),
    plan(
        "移动 \"畅联\" 100M",
        1000,
        20,
        10,
        100,
        29,
        "yd000000000000100",
    ),
    plan("移动 1G", 2000, 50, 10, 1024, 10, "yd000000000001024"),
];
const TELECOM: &[PlanDef] = &[
    plan("电信 30M", 450, 0, 10, 30, 30, "dx000000000000030"),
    plan("电信 500M", 1500, 10, 10, 500, 20, "dx000000000000500"),
];
const UNICOM: &[PlanDef] = &[
    plan("联通 50M", 600, 0, 10, 50, 25, "lt000000000000050"),
    plan("联通 2G", 3000, 100, 8, 2048, 5, "lt000000000002048"),
];

/// The tariff `pick` selects among the operator's.
pub(crate) fn plan_for(op: Operator, pick: u64) -> &'static PlanDef {
    let plans = match op {
        Operator::ChinaMobile => MOBILE,
        Operator::ChinaTelecom => TELECOM,
        Operator::ChinaUnicom => UNICOM,
    };
    &plans[(pick % plans.len() as u64) as usize]
}
