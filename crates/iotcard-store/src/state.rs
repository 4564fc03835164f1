//! A snapshot split into what changes every sync (the figures) and what
//! rarely does (the state), and put back together.

use chrono::{DateTime, FixedOffset, TimeZone};
use iotcard_model::{
    CardKind, CardSnapshot, CardStatus, DataAmount, DataUnit, Decimal, Iccid, Instant, Money,
    Msisdn, NetworkStatus, Operator, Plan, Remaining, SmsCount, Usage,
};

use crate::error::StoreError;

/// The figures of one snapshot: one row of `snapshots`.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub(crate) struct Figures {
    pub sms_used: Option<i64>,
    pub data_used: Option<Decimal>,
    pub sms_left: Option<i64>,
    pub data_left: Option<Decimal>,
}

/// Which optional parts a snapshot had and the units of its data amounts,
/// as bits (column `shape`), so `Some(Usage::default())` and `None` stay
/// apart and every unit comes back as written.
pub(crate) mod shape {
    pub const USAGE: i64 = 1;
    pub const REMAINING: i64 = 2;
    pub const PLAN: i64 = 4;
    pub const USED_IN_PROVIDER_UNIT: i64 = 8;
    pub const LEFT_IN_PROVIDER_UNIT: i64 = 16;
    pub const INCLUDED_IN_PROVIDER_UNIT: i64 = 32;
}

/// The rarely-changing part of a snapshot: one row of `card_state`,
/// written only when it differs from the card's previous one. Its texts
/// are `String`s, or (`State<&str>`) borrowed from the row being read, so
/// a snapshot read back copies only the texts it keeps as they are.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub(crate) struct State<S = String> {
    pub iccid: Option<S>,
    pub msisdn: Option<S>,
    pub operator: Option<S>,
    pub kind: Option<S>,
    pub status: Option<S>,
    pub network: Option<S>,
    pub plan_name: Option<S>,
    pub monthly_fee: Option<Decimal>,
    pub included_sms: Option<i64>,
    pub sms_overage_price: Option<Decimal>,
    pub included_data: Option<Decimal>,
    pub data_overage_price: Option<Decimal>,
    pub product_id: Option<S>,
    pub pool_id: Option<S>,
    /// Unix seconds.
    pub expires_at: Option<i64>,
    /// The expiry's UTC offset in seconds, so it comes back as written.
    pub expires_offset: Option<i32>,
    pub shape: i64,
}

fn provider_unit(unit: DataUnit, what: &str) -> Result<bool, StoreError> {
    match unit {
        DataUnit::Mb => Ok(false),
        DataUnit::ProviderUnit => Ok(true),
        other => Err(StoreError::Invalid(format!(
            "{what}: data unit {other:?} is not one the store knows"
        ))),
    }
}

fn unit(provider: bool) -> DataUnit {
    if provider {
        DataUnit::ProviderUnit
    } else {
        DataUnit::Mb
    }
}

/// Splits a snapshot into its state and figures.
pub(crate) fn split(snapshot: &CardSnapshot) -> Result<(State, Figures), StoreError> {
    let mut shape = 0;
    let mut figures = Figures::default();
    if let Some(usage) = &snapshot.usage {
        shape |= shape::USAGE;
        figures.sms_used = usage.sms_used.map(|c| c.0);
        if let Some(data) = usage.data_used {
            figures.data_used = Some(data.amount);
            if provider_unit(data.unit, "data used")? {
                shape |= shape::USED_IN_PROVIDER_UNIT;
            }
        }
    }
    if let Some(remaining) = &snapshot.remaining {
        shape |= shape::REMAINING;
        figures.sms_left = remaining.sms_left.map(|c| c.0);
        if let Some(data) = remaining.data_left {
            figures.data_left = Some(data.amount);
            if provider_unit(data.unit, "data left")? {
                shape |= shape::LEFT_IN_PROVIDER_UNIT;
            }
        }
    }
    let mut state = State {
        iccid: snapshot.iccid.as_ref().map(|i| i.as_str().to_owned()),
        msisdn: snapshot.msisdn.as_ref().map(|m| m.as_str().to_owned()),
        operator: snapshot.operator.map(|o| o.name().to_owned()),
        kind: snapshot.kind.as_ref().map(|k| k.as_str().to_owned()),
        status: snapshot.status.as_ref().map(|s| s.as_str().to_owned()),
        network: snapshot.network.as_ref().map(|n| n.as_str().to_owned()),
        expires_at: snapshot.expires_at.map(|e| e.timestamp()),
        expires_offset: snapshot.expires_at.map(|e| e.offset().local_minus_utc()),
        ..State::default()
    };
    if let Some(plan) = &snapshot.plan {
        shape |= shape::PLAN;
        state.plan_name.clone_from(&plan.name);
        state.monthly_fee = plan.monthly_fee.map(|m| m.yuan());
        state.included_sms = plan.included_sms.map(|c| c.0);
        state.sms_overage_price = plan.sms_overage_price.map(|m| m.yuan());
        if let Some(data) = plan.included_data {
            state.included_data = Some(data.amount);
            if provider_unit(data.unit, "included data")? {
                shape |= shape::INCLUDED_IN_PROVIDER_UNIT;
            }
        }
        state.data_overage_price = plan.data_overage_price.map(|m| m.yuan());
        state.product_id.clone_from(&plan.product_id);
        state.pool_id.clone_from(&plan.pool_id);
    }
    state.shape = shape;
    Ok((state, figures))
}

/// Puts a snapshot back together, its texts moved from `state` (or copied
/// once from the row it borrows them from).
pub(crate) fn join<S: AsRef<str> + Into<String>>(
    key: &str,
    state: State<S>,
    figures: &Figures,
) -> Result<CardSnapshot, StoreError> {
    let corrupt = |what: &str, value: &str| {
        StoreError::Corrupt(format!(
            "card {key:?}: {what} {value:?} cannot be read back"
        ))
    };
    let has = |bit: i64| state.shape & bit != 0;
    let expires_at = match (state.expires_at, state.expires_offset) {
        (Some(at), offset) => Some(
            instant_with_offset(at, offset.unwrap_or(0))
                .ok_or_else(|| corrupt("expiry", &format!("{at} {offset:?}")))?,
        ),
        (None, _) => None,
    };
    let usage = has(shape::USAGE).then(|| Usage {
        sms_used: figures.sms_used.map(SmsCount),
        data_used: figures
            .data_used
            .map(|d| DataAmount::new(d, unit(has(shape::USED_IN_PROVIDER_UNIT)))),
    });
    let remaining = has(shape::REMAINING).then(|| Remaining {
        sms_left: figures.sms_left.map(SmsCount),
        data_left: figures
            .data_left
            .map(|d| DataAmount::new(d, unit(has(shape::LEFT_IN_PROVIDER_UNIT)))),
    });
    let included_in_provider_unit = has(shape::INCLUDED_IN_PROVIDER_UNIT);
    let plan = has(shape::PLAN).then(|| Plan {
        name: state.plan_name.map(Into::into),
        monthly_fee: state.monthly_fee.map(Money::from_yuan),
        included_sms: state.included_sms.map(SmsCount),
        sms_overage_price: state.sms_overage_price.map(Money::from_yuan),
        included_data: state
            .included_data
            .map(|d| DataAmount::new(d, unit(included_in_provider_unit))),
        data_overage_price: state.data_overage_price.map(Money::from_yuan),
        product_id: state.product_id.map(Into::into),
        pool_id: state.pool_id.map(Into::into),
    });
    Ok(CardSnapshot {
        card: key.to_owned(),
        iccid: match state.iccid.as_ref().map(AsRef::as_ref) {
            Some(text) => Some(Iccid::parse(text).map_err(|_| corrupt("ICCID", text))?),
            None => None,
        },
        msisdn: match state.msisdn.as_ref().map(AsRef::as_ref) {
            Some(text) => Some(Msisdn::parse(text).map_err(|_| corrupt("MSISDN", text))?),
            None => None,
        },
        operator: match state.operator.as_ref().map(AsRef::as_ref) {
            Some(text) => Some(
                text.parse::<Operator>()
                    .map_err(|_| corrupt("operator", text))?,
            ),
            None => None,
        },
        kind: state.kind.map(|k| match k.as_ref() {
            "single" => CardKind::Single,
            "pooled" => CardKind::Pooled,
            _ => CardKind::Other(k.into()),
        }),
        status: state
            .status
            .as_ref()
            .map(|s| CardStatus::from_name(s.as_ref())),
        network: state.network.map(|n| match n.as_ref() {
            "on" => NetworkStatus::On,
            "off" => NetworkStatus::Off,
            _ => NetworkStatus::Other(n.into()),
        }),
        usage,
        remaining,
        plan,
        expires_at,
    })
}

impl State {
    /// A stable 64-bit digest (FNV-1a over a length-prefixed encoding of
    /// every field), kept in `cards.state_hash` so the write path compares
    /// a card's new state with its current one without reading it. The
    /// encoding is fixed: a change would only cost one extra state row.
    pub(crate) fn digest(&self) -> i64 {
        let mut hash = Fnv::default();
        for text in [
            &self.iccid,
            &self.msisdn,
            &self.operator,
            &self.kind,
            &self.status,
            &self.network,
            &self.plan_name,
            &self.product_id,
            &self.pool_id,
        ] {
            hash.field(text.as_deref().map(str::as_bytes));
        }
        for amount in [
            self.monthly_fee,
            self.sms_overage_price,
            self.included_data,
            self.data_overage_price,
        ] {
            // rust_decimal's documented 16-byte form keeps sign and scale,
            // so 1.0 and 1.00 differ as written.
            hash.field(amount.map(|d| d.serialize()).as_ref().map(|b| &b[..]));
        }
        for number in [
            self.included_sms,
            self.expires_at,
            self.expires_offset.map(i64::from),
            Some(self.shape),
        ] {
            hash.field(number.map(i64::to_le_bytes).as_ref().map(|b| &b[..]));
        }
        i64::from_le_bytes(hash.0.to_le_bytes())
    }
}

struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn field(&mut self, value: Option<&[u8]>) {
        match value {
            None => self.bytes(&[0]),
            Some(bytes) => {
                self.bytes(&[1]);
                self.bytes(&(bytes.len() as u64).to_le_bytes());
                self.bytes(bytes);
            }
        }
    }
}

/// Unix seconds as an instant in UTC.
pub(crate) fn instant(seconds: i64) -> Option<Instant> {
    instant_with_offset(seconds, 0)
}

fn instant_with_offset(seconds: i64, offset: i32) -> Option<Instant> {
    let zone = FixedOffset::east_opt(offset)?;
    let utc = DateTime::from_timestamp(seconds, 0)?;
    Some(zone.from_utc_datetime(&utc.naive_utc()))
}

/// `instant`, or a corruption error naming the column.
pub(crate) fn stored_instant(seconds: i64, column: &str) -> Result<Instant, StoreError> {
    instant(seconds)
        .ok_or_else(|| StoreError::Corrupt(format!("{column} {seconds} is not a valid time")))
}
