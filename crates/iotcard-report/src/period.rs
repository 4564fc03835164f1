//! What a report covers: a calendar month in China Standard Time (the
//! IoTBOS billing month) or any `[since, until)`.

use chrono::{Datelike, NaiveDate};
use iotcard_model::{china_standard_time, Instant};
use serde::Serialize;

use crate::error::{ReportError, Result};

/// A report's period, `[since, until)`, with the label the page shows.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Period {
    /// `2026-11` for a month, else `since … until`.
    pub label: String,
    /// The first instant, RFC 3339.
    pub since: Instant,
    /// The first instant after the period, RFC 3339.
    pub until: Instant,
}

impl Period {
    /// The calendar month `YYYY-MM` in China Standard Time.
    pub fn month(text: &str) -> Result<Self> {
        let bad = || ReportError::Period(format!("{text:?} is not a month like 2026-11"));
        let (year, month) = text.split_once('-').ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let month: u32 = month.parse().map_err(|_| bad())?;
        let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        }
        .ok_or_else(bad)?;
        Ok(Period {
            label: format!("{:04}-{:02}", first.year(), first.month()),
            since: midnight(first).ok_or_else(bad)?,
            until: midnight(next).ok_or_else(bad)?,
        })
    }

    /// The month an instant falls in (China Standard Time).
    pub fn month_of(at: Instant) -> Result<Self> {
        let day = at.with_timezone(&china_standard_time()).date_naive();
        Period::month(&format!("{:04}-{:02}", day.year(), day.month()))
    }

    /// Any period `[since, until)`.
    pub fn between(since: Instant, until: Instant) -> Result<Self> {
        if until <= since {
            return Err(ReportError::Period(format!(
                "it ends ({until}) before it starts ({since})"
            )));
        }
        Ok(Period {
            label: format!("{} – {}", since.to_rfc3339(), until.to_rfc3339()),
            since,
            until,
        })
    }
}

fn midnight(day: NaiveDate) -> Option<Instant> {
    day.and_hms_opt(0, 0, 0)?
        .and_local_timezone(china_standard_time())
        .single()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_its_cst_days() {
        let p = Period::month("2026-12").unwrap();
        assert_eq!(p.since.to_rfc3339(), "2026-12-01T00:00:00+08:00");
        assert_eq!(p.until.to_rfc3339(), "2027-01-01T00:00:00+08:00");
        assert_eq!(p.label, "2026-12");
    }

    #[test]
    fn bad_periods_are_refused_by_name() {
        for bad in ["2026-13", "2026", "26-x", ""] {
            let e = Period::month(bad).unwrap_err().to_string();
            assert!(e.contains("not a month"), "{bad}: {e}");
        }
        let p = Period::month("2026-11").unwrap();
        assert!(Period::between(p.until, p.since).is_err());
    }
}
