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
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
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

/// Every field of every kind of [`Figures`], as the JSON may hold them.
#[derive(Deserialize)]
struct FlatFigures {
    kind: FiguresKind,
    measure: Option<Measure>,
    used: Option<Decimal>,
    allowance: Option<Decimal>,
    unit: Option<DataUnit>,
    percent: Option<Decimal>,
    step: Option<Decimal>,
    daily_rate: Option<Decimal>,
    projected_percent: Option<Decimal>,
    runs_out_on: Option<NaiveDate>,
    period_ends_on: Option<NaiveDate>,
    left: Option<Decimal>,
    below: Option<Decimal>,
    #[serde(default, deserialize_with = "crate::rfc3339::optional_instant")]
    expires_at: Option<Instant>,
    days_left: Option<i64>,
    status: Option<CardStatus>,
    from: Option<CardStatus>,
    #[serde(default, deserialize_with = "crate::rfc3339::optional_instant")]
    changed_at: Option<Instant>,
    days: Option<i64>,
    last_used_on: Option<NaiveDate>,
    day: Option<NaiveDate>,
    median: Option<Decimal>,
    factor: Option<Decimal>,
    #[serde(default, deserialize_with = "crate::rfc3339::optional_instant")]
    last_success: Option<Instant>,
    age_seconds: Option<i64>,
    asked: Option<u64>,
    failed: Option<u64>,
    stale: Option<bool>,
    failing: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum FiguresKind {
    Quota,
    Forecast,
    Remaining,
    Expiry,
    Status,
    Silent,
    Spike,
    Sync,
}

/// Read in one pass over the fields, in any order: the derived form of an
/// internally tagged enum first copies every key and value aside to find
/// the tag, and a watcher reads an alert row per firing card every pass.
impl<'de> Deserialize<'de> for Figures {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let f = FlatFigures::deserialize(deserializer)?;
        fn need<T, E: Error>(value: Option<T>, field: &'static str) -> Result<T, E> {
            value.ok_or_else(|| E::missing_field(field))
        }
        Ok(match f.kind {
            FiguresKind::Quota => Figures::Quota {
                measure: need(f.measure, "measure")?,
                used: need(f.used, "used")?,
                allowance: need(f.allowance, "allowance")?,
                unit: f.unit,
                percent: need(f.percent, "percent")?,
                step: f.step,
            },
            FiguresKind::Forecast => Figures::Forecast {
                measure: need(f.measure, "measure")?,
                used: need(f.used, "used")?,
                allowance: need(f.allowance, "allowance")?,
                unit: f.unit,
                daily_rate: need(f.daily_rate, "daily_rate")?,
                projected_percent: need(f.projected_percent, "projected_percent")?,
                runs_out_on: f.runs_out_on,
                period_ends_on: need(f.period_ends_on, "period_ends_on")?,
            },
            FiguresKind::Remaining => Figures::Remaining {
                left: need(f.left, "left")?,
                unit: need(f.unit, "unit")?,
                below: need(f.below, "below")?,
            },
            FiguresKind::Expiry => Figures::Expiry {
                expires_at: f.expires_at,
                days_left: f.days_left,
            },
            FiguresKind::Status => Figures::Status {
                status: f.status,
                from: f.from,
                changed_at: f.changed_at,
            },
            FiguresKind::Silent => Figures::Silent {
                days: need(f.days, "days")?,
                last_used_on: f.last_used_on,
            },
            FiguresKind::Spike => Figures::Spike {
                day: need(f.day, "day")?,
                used: need(f.used, "used")?,
                median: need(f.median, "median")?,
                factor: need(f.factor, "factor")?,
            },
            FiguresKind::Sync => Figures::Sync {
                last_success: f.last_success,
                age_seconds: f.age_seconds,
                asked: need(f.asked, "asked")?,
                failed: need(f.failed, "failed")?,
                stale: need(f.stale, "stale")?,
                failing: need(f.failing, "failing")?,
            },
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn every_kind() -> Vec<Figures> {
        let at: Instant =
            chrono::DateTime::parse_from_rfc3339("2026-11-30T09:00:00+08:00").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        vec![
            Figures::Quota {
                measure: Measure::Sms,
                used: d("80.50"),
                allowance: d("100"),
                unit: None,
                percent: d("80.50"),
                step: Some(d("80")),
            },
            Figures::Forecast {
                measure: Measure::Data,
                used: d("1.5"),
                allowance: d("1024"),
                unit: Some(DataUnit::Mb),
                daily_rate: d("0.25"),
                projected_percent: d("101.00"),
                runs_out_on: Some(day),
                period_ends_on: day,
            },
            Figures::Remaining {
                left: d("0.5"),
                unit: DataUnit::ProviderUnit,
                below: d("1"),
            },
            Figures::Expiry {
                expires_at: Some(at),
                days_left: Some(-2),
            },
            Figures::Status {
                status: Some(CardStatus::Other("冻结".into())),
                from: Some(CardStatus::Active),
                changed_at: None,
            },
            Figures::Silent {
                days: 4,
                last_used_on: None,
            },
            Figures::Spike {
                day,
                used: d("30"),
                median: d("3"),
                factor: d("3"),
            },
            Figures::Sync {
                last_success: Some(at),
                age_seconds: Some(7200),
                asked: 10,
                failed: 9,
                stale: true,
                failing: true,
            },
        ]
    }

    #[test]
    fn every_kind_reads_back_from_its_json_in_any_field_order() {
        for figures in every_kind() {
            let json = serde_json::to_value(&figures).unwrap();
            assert_eq!(
                serde_json::from_value::<Figures>(json.clone()).unwrap(),
                figures
            );
            // The tag last, the fields reversed.
            let serde_json::Value::Object(map) = json else {
                panic!("figures are an object")
            };
            let mut fields: Vec<(String, serde_json::Value)> = map.into_iter().collect();
            fields.reverse();
            let text = format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|(k, v)| format!("{:?}:{v}", k))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            assert_eq!(
                serde_json::from_str::<Figures>(&text).unwrap(),
                figures,
                "{text}"
            );
        }
    }

    #[test]
    fn a_missing_field_or_an_unknown_kind_is_named() {
        let err = serde_json::from_str::<Figures>(r#"{"kind":"silent"}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `days`"), "{err}");
        let err = serde_json::from_str::<Figures>(r#"{"kind":"weather","days":1}"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown variant `weather`"),
            "{err}"
        );
        let err = serde_json::from_str::<Figures>(r#"{"days":1}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `kind`"), "{err}");
    }
}
