//! Durations and shares as flags are typed: one grammar for each, whichever
//! flag takes it, so `--timeout 2m`, `--since 30d` and `--expiring-within
//! 12h` read alike.

use std::time::Duration;

use iotcard_model::Decimal;

/// What a number without a unit means: seconds for timeouts and intervals
/// (`--timeout 30`), days for spans of history (`--since 30`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Bare {
    /// `30` is 30 seconds.
    Seconds,
    /// `30` is 30 days.
    Days,
}

/// A positive duration: a number (`30`, `1.5`) with an optional unit —
/// `ms`, `s` (`sec`, `secs`), `m` (`min`), `h`, `d` or `w` — and `bare`
/// saying what a number without one means.
pub fn duration(s: &str, bare: Bare) -> Result<Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number.parse().map_err(|_| {
        format!("{s:?} is not a duration (write e.g. 500ms, 30s, 2m, 12h, 30d or 2w)")
    })?;
    let seconds_per_unit = match unit.trim() {
        "" => match bare {
            Bare::Seconds => 1.0,
            Bare::Days => 86_400.0,
        },
        "ms" => 0.001,
        "s" | "sec" | "secs" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3_600.0,
        "d" => 86_400.0,
        "w" => 7.0 * 86_400.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {s:?} (use ms, s, m, h, d or w)"
            ))
        }
    };
    Duration::try_from_secs_f64(value * seconds_per_unit)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{s:?} must be a positive duration"))
}

/// `--timeout`, `--commit-interval`: a bare number is seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    duration(s, Bare::Seconds)
}

/// `--since`, `--expiring-within`, `--keep-*`: a bare number is days.
pub fn parse_span(s: &str) -> Result<Duration, String> {
    duration(s, Bare::Days)
}

/// A share from 0 to 1, exact: `80%` or `0.8`.
pub fn parse_share(s: &str) -> Result<Decimal, String> {
    let t = s.trim();
    let (number, percent) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    let value: Decimal = number
        .parse()
        .map_err(|_| format!("{s:?} is not a share (write 80% or 0.8)"))?;
    let share = if percent {
        value / Decimal::ONE_HUNDRED
    } else {
        value
    };
    if share < Decimal::ZERO || share > Decimal::ONE {
        return Err(format!("{s:?} is not between 0 and 1 (0% and 100%)"));
    }
    Ok(share)
}

/// [`parse_share`] as a float, for the simulator's fault rates.
#[cfg(any(test, feature = "simulator"))]
pub fn parse_share_f64(s: &str) -> Result<f64, String> {
    let share = parse_share(s)?;
    // Every decimal from 0 to 1 reads back as the nearest float.
    share
        .to_string()
        .parse()
        .map_err(|_| format!("{s:?} is not a share (write 80% or 0.8)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_flags_keep_their_spellings() {
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("30sec"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("2min"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        // What the span flags took, now here too.
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        for bad in ["", "s", "-1", "0", "10 parsecs", "1e9999", "3y"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn span_flags_keep_their_spellings() {
        assert_eq!(parse_span("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_span("7"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_span("2w"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_span("12h"), Ok(Duration::from_secs(12 * 3_600)));
        // What the seconds flags took, now here too.
        assert_eq!(parse_span("1.5d"), Ok(Duration::from_secs(36 * 3_600)));
        assert_eq!(parse_span("90m"), Ok(Duration::from_secs(90 * 60)));
        for bad in ["", "0d", "d", "3y", "-1d", "1..5d"] {
            assert!(parse_span(bad).is_err(), "{bad:?}");
        }
        let e = parse_span("3y").unwrap_err();
        assert!(e.contains("unknown unit \"y\""), "{e}");
    }

    #[test]
    fn shares_are_exact_and_floats_agree() {
        assert_eq!(parse_share("80%").unwrap().to_string(), "0.80");
        assert_eq!(parse_share("0.8").unwrap().to_string(), "0.8");
        assert_eq!(parse_share("12.5%").unwrap().to_string(), "0.125");
        for bad in ["150%", "-1", "lots", "1.01"] {
            assert!(parse_share(bad).is_err(), "{bad:?}");
            assert!(parse_share_f64(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_share_f64("10%"), Ok(0.1));
        assert_eq!(parse_share_f64("0.02"), Ok(0.02));
        assert_eq!(parse_share_f64("0"), Ok(0.0));
    }
}
