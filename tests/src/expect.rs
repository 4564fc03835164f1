//! What each call must answer, derived from the simulator's ground truth
//! ([`iotcard_sim::SimCard`]), never from a client's own parsing.

use iotcard_facade::{
    CardBrief, CardInfo, CardNumber, CardProblem, CardSnapshot, CardStatus, Expiry, Instant, Plan,
    ProblemKind, Remaining, ReportedMsisdn, Teleoperator, Usage,
};
use iotcard_sim::{Dialect, Fleet, IotbosCall, Outcome, SimCard};

use crate::errors::chain;

/// One card's result in a form tests can compare whole
/// ([`CardProblem`] holds errors, which do not compare).
#[derive(Clone, Debug, PartialEq)]
pub enum Answer<T> {
    /// The value.
    Value(T),
    /// The platform does not know the card.
    NotFound,
    /// The platform has no data of this kind, with what it sent beside.
    NoData(Option<T>),
    /// An undocumented per-card state, verbatim, with what it sent beside.
    Unknown(i64, Option<T>),
    /// A failure (network, refusal, unreadable, missing): its kind and its
    /// text with every cause (Display shows one level; see
    /// [`crate::errors::chain`] of the error).
    Failure(ProblemKind, String),
}

impl<T: Clone + std::fmt::Debug> Answer<T> {
    /// The comparable form of a facade result.
    pub fn of(result: &Result<T, CardProblem<T>>) -> Self {
        match result {
            Ok(v) => Answer::Value(v.clone()),
            Err(CardProblem::NotFound) => Answer::NotFound,
            Err(CardProblem::NoData { partial }) => Answer::NoData(partial.clone()),
            Err(CardProblem::UnknownOutcome { code, partial }) => {
                Answer::Unknown(*code, partial.clone())
            }
            Err(other) => Answer::Failure(other.kind(), chain(other)),
        }
    }
}

/// The fleet's card IoTBOS knows by `number`, if any.
pub fn card_by_number(fleet: &Fleet, number: &CardNumber) -> Option<SimCard> {
    fleet
        .index_of_number(number.as_str())
        .and_then(|i| fleet.card(i))
}

/// The answer of one IoTBOS call for `number`: the value when the card's
/// state for the call is 1, "no data" (with `no_data`'s partial) when 2,
/// the undocumented code verbatim otherwise, "not found" off the fleet.
fn iotbos_answer<T>(
    fleet: &Fleet,
    number: &CardNumber,
    call: IotbosCall,
    value: impl Fn(&SimCard) -> T,
    no_data: impl Fn(&SimCard) -> Option<T>,
) -> Answer<T> {
    let Some(card) = card_by_number(fleet, number) else {
        return Answer::NotFound;
    };
    match card.outcome(call) {
        Outcome::Found => Answer::Value(value(&card)),
        Outcome::NoData => Answer::NoData(no_data(&card)),
        Outcome::Unknown(code) => Answer::Unknown(code, None),
        other => panic!("the simulator's truth has outcome {other} for a fleet card"),
    }
}

/// `usage` for `number` at `at`.
pub fn usage(fleet: &Fleet, number: &CardNumber, at: &Instant) -> Answer<Usage> {
    iotbos_answer(fleet, number, IotbosCall::Usage, |c| c.usage(at), |_| None)
}

/// `remaining` for `number` at `at`.
pub fn remaining(fleet: &Fleet, number: &CardNumber, at: &Instant) -> Answer<Remaining> {
    iotbos_answer(
        fleet,
        number,
        IotbosCall::Remaining,
        |c| c.remaining(at),
        |_| None,
    )
}

/// `expiry` for `number`: with "no data" the platform still names the
/// status (as the spec's example does), without a date.
pub fn expiry(fleet: &Fleet, number: &CardNumber) -> Answer<Expiry> {
    iotbos_answer(fleet, number, IotbosCall::Expiry, SimCard::expiry, |c| {
        Some(Expiry {
            status: Some(c.iotbos_status()),
            expires_at: None,
        })
    })
}

/// `status` (IoTBOS `TerminalState`) for `number`.
pub fn status(fleet: &Fleet, number: &CardNumber) -> Answer<CardStatus> {
    iotbos_answer(
        fleet,
        number,
        IotbosCall::State,
        SimCard::iotbos_status,
        |_| None,
    )
}

/// `plan` for `number`.
pub fn plan(fleet: &Fleet, number: &CardNumber) -> Answer<Plan> {
    iotbos_answer(fleet, number, IotbosCall::Plan, SimCard::plan, |_| None)
}

/// IoTBOS `snapshots` for `number` at `at`: "not found" off the fleet; otherwise
/// one snapshot holding what each of the five calls knew, `None` where a
/// call had no data. The status comes from the state call, or from the
/// expiry call when the state call had none.
pub fn iotbos_snapshot(fleet: &Fleet, number: &CardNumber, at: &Instant) -> Answer<CardSnapshot> {
    let Some(card) = card_by_number(fleet, number) else {
        return Answer::NotFound;
    };
    let found = |call| card.outcome(call) == Outcome::Found;
    let status_from_expiry = matches!(
        card.outcome(IotbosCall::Expiry),
        Outcome::Found | Outcome::NoData
    );
    Answer::Value(CardSnapshot {
        card: number.to_string(),
        status: (found(IotbosCall::State) || status_from_expiry).then(|| card.iotbos_status()),
        usage: found(IotbosCall::Usage).then(|| card.usage(at)),
        remaining: found(IotbosCall::Remaining).then(|| card.remaining(at)),
        plan: found(IotbosCall::Plan).then(|| card.plan()),
        expires_at: if found(IotbosCall::Expiry) {
            card.expiry().expires_at
        } else {
            None
        },
        ..CardSnapshot::default()
    })
}

/// Tencent's list entry for `card` at `at`.
pub fn brief(card: &SimCard, at: &Instant) -> CardBrief {
    brief_in(card, at, Dialect::CANONICAL)
}

/// Tencent's list entry for `card` at `at`, as read from `dialect`'s
/// answers: the same values, but for what the dialect does not send (a
/// pooled card's total under `expiry-zero`).
pub fn brief_in(card: &SimCard, at: &Instant, dialect: Dialect) -> CardBrief {
    CardBrief {
        iccid: card.iccid().clone(),
        msisdn: Some(ReportedMsisdn::Valid(card.msisdn().clone())),
        operator: Some(Teleoperator::Known(card.operator())),
        kind: Some(card.kind()),
        status: Some(card.tencent_status()),
        network: Some(card.network()),
        data_used_in_period: Some(card.data_used_in_period(at)),
        data_total_in_period: (!dialect.hides_data_total(card))
            .then(|| card.data_total_in_period()),
        problems: Vec::new(),
    }
}

/// Tencent's `getcardinfo` answer for `card` at `at`.
pub fn card_info(card: &SimCard, at: &Instant) -> CardInfo {
    card_info_in(card, at, Dialect::CANONICAL)
}

/// Tencent's `getcardinfo` answer for `card` at `at`, as read from
/// `dialect`'s answers (see [`brief_in`]; no expiry for the cards whose
/// `product_expired_time` `expiry-zero` hides).
pub fn card_info_in(card: &SimCard, at: &Instant, dialect: Dialect) -> CardInfo {
    let pool = card.pool_id();
    CardInfo {
        card: brief_in(card, at, dialect),
        product_id: Some(card.product_id().to_owned()).filter(|p| !p.is_empty()),
        pool_id: (!pool.is_empty()).then_some(pool),
        product_expires_at: (!dialect.hides_product_expiry(card))
            .then(|| card.product_expired_at()),
    }
}
