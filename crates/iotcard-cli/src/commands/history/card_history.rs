//! `history CARD`: one card's snapshots, or its daily usage.

use chrono::{NaiveDate, TimeZone};
use iotcard_model::{china_standard_time, Instant};
use iotcard_store::CardInfo;

use super::location::failed;
use super::records::{shown, DayRecord, HistoryRecord, DAILY, HISTORY};
use super::Opened;
use crate::commands::emit::Out;
use crate::error::CliError;
use crate::exit::Exit;
use crate::history_args::HistoryArgs;

/// Midnight of `day` in China Standard Time.
pub fn start_of(day: NaiveDate) -> Instant {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    china_standard_time()
        .from_local_datetime(&midnight)
        .single()
        .unwrap_or_else(|| china_standard_time().from_utc_datetime(&midnight))
}

/// The one card `number` names, among the `--profile`s given (all when none).
fn the_card(found: Vec<CardInfo>, number: &str, profiles: &[String]) -> Result<CardInfo, CliError> {
    let mut matching: Vec<CardInfo> = found
        .into_iter()
        .filter(|c| profiles.is_empty() || profiles.contains(&c.profile))
        .collect();
    match matching.len() {
        0 => Err(CliError::NotInStore(format!(
            "card {number} is not in the store{}: `iotcard sync` records it (IoTBOS: after \
             `iotcard inventory add`)",
            if profiles.is_empty() {
                String::new()
            } else {
                format!(" under profile {}", profiles.join(", "))
            }
        ))),
        1 => Ok(matching.remove(0)),
        _ => Err(CliError::NotInStore(format!(
            "card {number} is in several accounts ({}): choose one with --profile",
            matching
                .iter()
                .map(|c| c.profile.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

pub async fn run(opened: Opened<'_>, args: &HistoryArgs) -> Result<Exit, CliError> {
    let Opened { global, store, now } = opened;
    let number = args.card.trim();
    let found = store
        .find_cards(number)
        .await
        .map_err(failed("failed finding the card"))?;
    let card = the_card(found, number, &global.profile)?;
    let since = args
        .since
        .or_else(|| {
            card.first_seen
                .map(|f| f.with_timezone(&china_standard_time()).date_naive())
        })
        .unwrap_or_else(|| now.date_naive());
    if args.daily {
        let today = now.with_timezone(&china_standard_time()).date_naive();
        let days = store
            .daily_by_card(card.id, since, today)
            .await
            .map_err(failed("failed reading daily usage"))?;
        let mut out = Out::stdout(global.output, DAILY);
        for day in &days {
            out.write(&DayRecord {
                card: &card.key,
                day: day.day.to_string(),
                data_used: day.data_used,
                sms_used: day.sms_used,
                snapshots: day.snapshots,
                covers_from: day.covers_from.map(shown),
                period_reset: day.period_reset,
            })?;
        }
        out.finish()?;
    } else {
        // Up to the next second: a snapshot taken this second is included.
        let to = now + chrono::Duration::seconds(1);
        let entries = store
            .history(card.id, start_of(since), to)
            .await
            .map_err(failed("failed reading the history"))?;
        let mut out = Out::stdout(global.output, HISTORY);
        for entry in &entries {
            out.write(&HistoryRecord {
                taken_at: shown(entry.taken_at),
                snapshot: &entry.snapshot,
            })?;
        }
        out.finish()?;
    }
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_midnight_in_china() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        assert_eq!(start_of(day).to_rfc3339(), "2026-11-01T00:00:00+08:00");
    }

    #[test]
    fn a_card_in_two_accounts_needs_a_profile() {
        let card = |profile: &str| CardInfo {
            id: iotcard_store::CardId(1),
            account: iotcard_store::AccountId(1),
            profile: profile.into(),
            key: "1064800000001".into(),
            inventory: true,
            first_seen: None,
            last_seen: None,
        };
        let two = || vec![card("a"), card("b")];
        let e = the_card(two(), "1064800000001", &[]).unwrap_err();
        assert!(e.to_string().contains("several accounts (a, b)"), "{e}");
        assert_eq!(the_card(two(), "x", &["b".into()]).unwrap().profile, "b");
        let e = the_card(vec![], "1064800000009", &[]).unwrap_err();
        assert!(e.to_string().contains("not in the store"), "{e}");
    }
}
