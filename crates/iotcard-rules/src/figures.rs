//! The figures that made an alert fire (or resolve), for its message.

use std::fmt;

use chrono::NaiveDate;
use iotcard_model::{CardStatus, DataUnit, Decimal, Instant};
use serde::{Deserialize, Serialize};

/// What a `quota` or `forecast` rule counts.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Mobile data.
    #[default]
    Data,
    /// Text messages.
    Sms,
}

impl Measure {
    /// `data` or `sms`.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Data => "data",
            Measure::Sms => "SMS",
        }
    }
}

/// The figures one rule looked at for one card or account, as of the
/// evaluation that made the transition.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Figures {
    /// `quota`: used against the period's allowance.
    Quota {
        /// Data or SMS.
        measure: Measure,
        /// Used this period.
        used: Decimal,
        /// The period's allowance.
        allowance: Decimal,
        /// The data unit (`None` for SMS).
        unit: Option<DataUnit>,
        /// `used` as a percentage of `allowance`, two places.
        percent: Decimal,
        /// The highest threshold (percent) crossed, `None` below all.
        step: Option<Decimal>,
    },
    /// `forecast`: where the period ends at the recent daily rate.
    Forecast {
        /// Data or SMS.
        measure: Measure,
        /// Used this period.
        used: Decimal,
        /// The period's allowance.
        allowance: Decimal,
        /// The data unit (`None` for SMS).
        unit: Option<DataUnit>,
        /// The recent daily rate.
        daily_rate: Decimal,
        /// Used at the period's end at that rate, as a percentage of the
        /// allowance, two places.
        projected_percent: Decimal,
        /// The day (China Standard Time) the allowance runs out at that
        /// rate, `None` when it does not within the period.
        runs_out_on: Option<NaiveDate>,
        /// The period's last day (China Standard Time).
        period_ends_on: NaiveDate,
    },
    /// `remaining`: data left.
    Remaining {
        /// Data left.
        left: Decimal,
        /// Its unit.
        unit: DataUnit,
        /// The rule's amount.
        below: Decimal,
    },
    /// `expiry`: when service ends.
    Expiry {
        /// The expiry, if known.
        expires_at: Option<Instant>,
        /// Whole days left (negative once expired).
        days_left: Option<i64>,
    },
    /// `status`: the card's status, and the change that led to it.
    Status {
        /// The status now.
        status: Option<CardStatus>,
        /// The status before the latest change, when the rule is about one.
        from: Option<CardStatus>,
        /// When that change was seen.
        changed_at: Option<Instant>,
    },
    /// `silent`: days without data.
    Silent {
        /// Days since the last day with data used.
        days: i64,
        /// That day, if the history has it.
        last_used_on: Option<NaiveDate>,
    },
    /// `spike`: one day against the previous week's median.
    Spike {
        /// The day (China Standard Time).
        day: NaiveDate,
        /// Data used that day.
        used: Decimal,
        /// The median of the previous 7 days.
        median: Decimal,
        /// The rule's factor.
        factor: Decimal,
    },
    /// `sync`: the account's syncs.
    Sync {
        /// When the last successful pass ended.
        last_success: Option<Instant>,
        /// Seconds since then.
        age_seconds: Option<i64>,
        /// Cards the last pass asked.
        asked: u64,
        /// Cards whose call failed in it.
        failed: u64,
        /// The last success is older than the rule allows.
        stale: bool,
        /// The last pass failed for more than the rule's share.
        failing: bool,
    },
}

fn unit_suffix(unit: Option<DataUnit>) -> &'static str {
    match unit {
        Some(DataUnit::Mb) => " MB",
        Some(_) => " (provider unit)",
        None => "",
    }
}

impl fmt::Display for Figures {
    /// One sentence with the figures, for a message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Figures::Quota {
                measure,
                used,
                allowance,
                unit,
                percent,
                step,
            } => {
                let u = unit_suffix(*unit);
                write!(
                    f,
                    "{} used {used}{u} of {allowance}{u} ({percent}%)",
                    measure.name()
                )?;
                match step {
                    Some(step) => write!(f, ", past the {step}% step"),
                    None => Ok(()),
                }
            }
            Figures::Forecast {
                measure,
                used,
                allowance,
                unit,
                daily_rate,
                projected_percent,
                runs_out_on,
                period_ends_on,
            } => {
                let u = unit_suffix(*unit);
                write!(
                    f,
                    "{} used {used}{u} of {allowance}{u} at {daily_rate}{u} a day",
                    measure.name()
                )?;
                match runs_out_on {
                    Some(day) => write!(
                        f,
                        ": runs out on {day}, before the period ends on {period_ends_on} \
                         ({projected_percent}% by then)"
                    ),
                    None => write!(
                        f,
                        ": {projected_percent}% by the period's end on {period_ends_on}"
                    ),
                }
            }
            Figures::Remaining { left, unit, below } => {
                let u = unit_suffix(Some(*unit));
                write!(f, "data left {left}{u}, below {below}{u}")
            }
            Figures::Expiry {
                expires_at,
                days_left,
            } => match (expires_at, days_left) {
                (Some(at), Some(d)) if *d < 0 => write!(f, "expired on {at} ({} days ago)", -d),
                (Some(at), Some(d)) => write!(f, "expires on {at} (in {d} days)"),
                _ => f.write_str("no expiry known"),
            },
            Figures::Status {
                status,
                from,
                changed_at,
            } => {
                let name = |s: &Option<CardStatus>| {
                    s.as_ref()
                        .map_or_else(|| "unknown".to_owned(), ToString::to_string)
                };
                write!(f, "status {}", name(status))?;
                if from.is_some() || changed_at.is_some() {
                    write!(f, " (changed from {}", name(from))?;
                    if let Some(at) = changed_at {
                        write!(f, " at {at}")?;
                    }
                    f.write_str(")")?;
                }
                Ok(())
            }
            Figures::Silent { days, last_used_on } => match last_used_on {
                Some(day) => write!(f, "no data used for {days} days (last on {day})"),
                None => write!(f, "no data used for at least {days} days"),
            },
            Figures::Spike {
                day,
                used,
                median,
                factor,
            } => write!(
                f,
                "used {used} on {day}, above {factor} × the previous 7 days' median of {median}"
            ),
            Figures::Sync {
                last_success,
                age_seconds,
                asked,
                failed,
                stale,
                failing,
            } => {
                match (last_success, age_seconds) {
                    (Some(at), Some(age)) => write!(
                        f,
                        "last successful sync {at} ({} ago)",
                        crate::Span::from_secs((*age).max(0) as u64)
                    )?,
                    _ => f.write_str("no successful sync yet")?,
                }
                write!(f, "; last pass: {failed} of {asked} cards failed")?;
                match (stale, failing) {
                    (true, true) => f.write_str(" (stale and failing)"),
                    (true, false) => f.write_str(" (stale)"),
                    (false, true) => f.write_str(" (failing)"),
                    (false, false) => Ok(()),
                }
            }
        }
    }
}
