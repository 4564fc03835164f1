//! How one part of an answer is written in a dialect: the letter case of
//! its keys, how its numbers are quoted, which form its dates take.
//! [`Look::CANONICAL`] writes everything as the documents do.

use super::{Dialect, Variant};

/// The letter case keys are written in. A key's words start at its first
/// letter, after `_`, and at each capital of its canonical name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Case {
    /// `state`, `useflow`, `card_status`.
    Lower,
    /// `STATE`, `USEFLOW`, `CARD_STATUS`.
    Upper,
    /// `state`, `useFlow`, `receivesSmsNum`, `card_Status`.
    Camel,
    /// `State`, `UseFlow`, `Num`, `Date`, `Card_Status`.
    Pascal,
}

/// How numbers are written under `numbers-as-strings`: integers as
/// strings (`"6"`) or integral floats (`6.0`); decimals as strings
/// (`"8359.50"`) either way.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Numbers {
    Strings,
    Floats,
}

/// The form of an IoTBOS date under `dashed-dates`. Every form says the
/// same instant as the canonical `YYYY/MM/DD HH:MM:SS`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum DateForm {
    /// `2018-1-6 6:02:08`.
    DashedUnpadded,
    /// `2018-01-16 16:02:08`.
    Dashed,
    /// `2018/01/16T16:02:08`.
    SlashedT,
    /// `2018-01-16 16:02:08.000` (the look's milliseconds).
    DashedMillis,
    /// `2018-01-16T16:02:08.0000000` (.NET's round-trip form).
    DotNet,
    /// `\/Date(1516089728000)\/` (ASP.NET's JSON date, slashes escaped).
    MsEscaped,
    /// `/Date(1516089728000)/`.
    Ms,
    /// `2018-01-16` when the time is exactly midnight; `Dashed` otherwise
    /// (a date alone at another time would change the instant).
    DateOnly,
}

const DATE_FORMS: [DateForm; 8] = [
    DateForm::DashedUnpadded,
    DateForm::Dashed,
    DateForm::SlashedT,
    DateForm::DashedMillis,
    DateForm::DotNet,
    DateForm::MsEscaped,
    DateForm::Ms,
    DateForm::DateOnly,
];

/// How "no date" is written under `dashed-dates`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum NoDate {
    /// `""`.
    Empty,
    /// `0001-01-01 00:00:00` (.NET's empty `DateTime`).
    DotNet,
    /// `0001-01-01T00:00:00`.
    DotNetT,
}

const NO_DATES: [NoDate; 3] = [NoDate::Empty, NoDate::DotNet, NoDate::DotNetT];

/// Which platform an answer is for (their keys differ in convention).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Side {
    Iotbos,
    Tencent,
}

/// How one part of an answer is written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Look {
    pub(crate) case: Option<Case>,
    pub(crate) numbers: Option<Numbers>,
    pub(crate) date: Option<DateForm>,
    pub(crate) no_date: Option<NoDate>,
    /// The fraction `DashedMillis` writes (0 for card values: a card's
    /// dates are whole seconds).
    pub(crate) millis: u16,
}

impl Look {
    /// Everything as the documents write it.
    pub(crate) const CANONICAL: Look = Look {
        case: None,
        numbers: None,
        date: None,
        no_date: None,
        millis: 0,
    };

    /// The envelope of an answer (`status`/`code`, `info`, `data`, `date`,
    /// `createtime`, the login's fields), chosen by the answer's salt.
    /// Under `camel-case-keys` its keys are Pascal or upper case (so
    /// `date` and `data` always change); under `numbers-as-strings` its
    /// `status`/`code` is a string; its dates may carry milliseconds (the
    /// server's clock has them; the same fraction on every date of the
    /// answer, so `expiresTime - createtime` stays exact).
    pub(crate) fn envelope(d: Dialect, salt: u64) -> Look {
        if d.is_canonical() {
            return Look::CANONICAL;
        }
        Look {
            case: d
                .has(Variant::CamelCaseKeys)
                .then(|| [Case::Pascal, Case::Upper][(salt % 2) as usize]),
            numbers: d.has(Variant::NumbersAsStrings).then_some(Numbers::Strings),
            date: d
                .has(Variant::DashedDates)
                .then(|| DATE_FORMS[((salt >> 16) % 8) as usize]),
            no_date: d
                .has(Variant::DashedDates)
                .then(|| NO_DATES[((salt >> 24) % 3) as usize]),
            millis: 1 + ((salt >> 28) % 999) as u16,
        }
    }

    /// One card's entry or record, chosen by the card's dialect bits, so
    /// the same card is written alike in every answer.
    pub(crate) fn card(d: Dialect, bits: u64, side: Side) -> Look {
        if d.is_canonical() {
            return Look::CANONICAL;
        }
        let cases = match side {
            // Each changes `State` or `num`, so every entry shows it.
            Side::Iotbos => [Case::Camel, Case::Lower, Case::Upper],
            // Each changes the keys with a `_`.
            Side::Tencent => [Case::Upper, Case::Pascal, Case::Camel],
        };
        Look {
            case: d
                .has(Variant::CamelCaseKeys)
                .then(|| cases[(bits % 3) as usize]),
            numbers: d
                .has(Variant::NumbersAsStrings)
                .then(|| [Numbers::Strings, Numbers::Floats][((bits >> 8) % 2) as usize]),
            date: d
                .has(Variant::DashedDates)
                .then(|| DATE_FORMS[((bits >> 16) % 8) as usize]),
            no_date: d
                .has(Variant::DashedDates)
                .then(|| NO_DATES[((bits >> 24) % 3) as usize]),
            millis: 0,
        }
    }
}
