//! Sync runs, inventory and accounts.

use iotcard_model::CardNumber;
use iotcard_store::{AccountSpec, Batch, RunCounts, RunOutcome, Store, StoreError, FIRST_ERRORS};

use crate::common::{account, batch, t, usage};

pub async fn runs_count_and_end(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let start = t("2026-11-30T09:00:00+08:00");
    let run = store.begin_run(acc, start).await.unwrap();
    let mut first = batch(start, vec![usage("1064800000001", "1", 1)]);
    first.asked = 4;
    first.not_found = 2;
    first.failed = 1;
    first.errors = vec!["timeout\non card 3".into()];
    store.write_snapshots(run, &first).await.unwrap();
    let mut second = batch(start, vec![usage("1064800000002", "1", 1)]);
    second.errors = (0..20).map(|i| format!("error {i}")).collect();
    store.write_snapshots(run, &second).await.unwrap();
    let runs = store.sync_runs(&[], 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome, RunOutcome::Running);
    assert_eq!(runs[0].ended_at, None);
    let end = t("2026-11-30T09:05:00+08:00");
    store.finish_run(run, end).await.unwrap();
    // Ending twice changes nothing.
    store.mark_interrupted(run, end).await.unwrap();
    let runs = store.sync_runs(&["default".into()], 10).await.unwrap();
    let got = &runs[0];
    assert_eq!(got.id, run);
    assert_eq!(got.profile, "default");
    assert_eq!(got.outcome, RunOutcome::Finished);
    assert_eq!((got.started_at, got.ended_at), (start, Some(end)));
    assert_eq!(
        got.counts,
        RunCounts {
            asked: 5,
            answered: 2,
            not_found: 2,
            failed: 1
        }
    );
    assert_eq!(got.first_errors.len(), FIRST_ERRORS);
    assert_eq!(got.first_errors[0], "timeout on card 3");
    assert!(store
        .sync_runs(&["other".into()], 10)
        .await
        .unwrap()
        .is_empty());
    let missing = store.finish_run(iotcard_store::RunId(9999), end).await;
    assert!(matches!(
        missing,
        Err(StoreError::NotFound { what: "run", .. })
    ));
}

pub async fn an_open_run_is_interrupted_by_the_next(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let other = account(store, "shop2", "tencent").await;
    let crashed = store
        .begin_run(acc, t("2026-11-30T09:00:00+08:00"))
        .await
        .unwrap();
    let elsewhere = store
        .begin_run(other, t("2026-11-30T09:00:00+08:00"))
        .await
        .unwrap();
    store
        .write_snapshots(
            crashed,
            &batch(
                t("2026-11-30T09:00:00+08:00"),
                vec![usage("1064800000001", "1", 1)],
            ),
        )
        .await
        .unwrap();
    // The process died here; the next sync of the account begins.
    let next_start = t("2026-11-30T10:00:00+08:00");
    let next = store.begin_run(acc, next_start).await.unwrap();
    let runs = store.sync_runs(&[], 10).await.unwrap();
    let find = |id| runs.iter().find(|r| r.id == id).unwrap();
    assert_eq!(find(crashed).outcome, RunOutcome::Interrupted);
    assert_eq!(find(crashed).ended_at, Some(next_start));
    assert_eq!(
        find(crashed).counts.answered,
        1,
        "its committed batch stays"
    );
    assert_eq!(find(next).outcome, RunOutcome::Running);
    assert_eq!(
        find(elsewhere).outcome,
        RunOutcome::Running,
        "other accounts' runs untouched"
    );
    assert_eq!(runs[0].id, next.max(elsewhere), "newest first");
    assert_eq!(store.stats().await.unwrap().snapshots, 1);
}

pub async fn an_ended_run_takes_no_batches(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let at = t("2026-11-30T09:00:00+08:00");
    let run = store.begin_run(acc, at).await.unwrap();
    store.mark_interrupted(run, at).await.unwrap();
    let error = store
        .write_snapshots(run, &batch(at, vec![usage("1064800000001", "1", 1)]))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("interrupted"), "{error}");
    let error = store
        .write_snapshots(iotcard_store::RunId(4242), &Batch::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::NotFound {
                what: "run",
                id: 4242
            }
        ),
        "{error}"
    );
    assert_eq!(store.stats().await.unwrap().snapshots, 0);
}

pub async fn inventory_adds_lists_and_removes(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let other = account(store, "shop2", "iotbos").await;
    let numbers: Vec<CardNumber> = ["1064800000003", "898602b7091701054333", "1064800000001"]
        .iter()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(store.inventory_add(acc, &numbers).await.unwrap(), 3);
    assert_eq!(
        store.inventory_add(acc, &numbers[..1]).await.unwrap(),
        0,
        "already there"
    );
    let listed: Vec<String> = store
        .inventory(acc)
        .await
        .unwrap()
        .iter()
        .map(|n| n.as_str().to_owned())
        .collect();
    assert_eq!(
        listed,
        ["1064800000001", "1064800000003", "898602B7091701054333"]
    );
    assert!(store.inventory(other).await.unwrap().is_empty());
    // Added out of order, the cards get their ids in key order: the order
    // a sync asks in, so its writes land on neighbouring pages.
    let mut ids = Vec::new();
    for key in &listed {
        let found = store.find_cards(key).await.unwrap();
        assert_eq!(found.len(), 1, "{key}");
        ids.push(found[0].id);
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    // Paged, in the same order, each page after the last key of the one before.
    let first = store.inventory_page(acc, "", 2).await.unwrap();
    let rest = store
        .inventory_page(acc, first[1].as_str(), 2)
        .await
        .unwrap();
    let paged: Vec<&str> = first.iter().chain(&rest).map(|n| n.as_str()).collect();
    assert_eq!(paged, listed);
    assert!(store
        .inventory_page(acc, rest[0].as_str(), 2)
        .await
        .unwrap()
        .is_empty());
    // A synced inventory card is the same card, and says so.
    let at = t("2026-11-30T09:00:00+08:00");
    crate::common::sync(store, acc, at, vec![usage("1064800000001", "5", 1)]).await;
    let fleet = store.fleet(&Default::default(), at).await.unwrap();
    assert_eq!(fleet.len(), 1);
    assert!(fleet[0].card.inventory);
    assert_eq!(store.stats().await.unwrap().cards, 3);
    assert_eq!(store.inventory_remove(acc, &numbers[2..]).await.unwrap(), 1);
    assert_eq!(store.inventory_remove(acc, &numbers[2..]).await.unwrap(), 0);
    assert_eq!(store.inventory(acc).await.unwrap().len(), 2);
    let fleet = store.fleet(&Default::default(), at).await.unwrap();
    assert!(!fleet[0].card.inventory, "history stays, the flag goes");
}

pub async fn accounts_are_kept_by_profile(store: &Store) {
    let first = store
        .account(&AccountSpec::new("default", "iotbos", "sys.iotbos.com"))
        .await
        .unwrap();
    let again = store
        .account(&AccountSpec::new("default", "iotbos", "10.0.0.1:8080"))
        .await
        .unwrap();
    assert_eq!(first, again);
    let accounts = store.accounts().await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].spec.endpoint_host, "10.0.0.1:8080");
    for host in ["https://sys.iotbos.com", "user:pw@host", "host/path", ""] {
        let error = store
            .account(&AccountSpec::new("x", "iotbos", host))
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Invalid(_)), "{host}: {error}");
    }
    assert!(store
        .account(&AccountSpec::new(" ", "iotbos", "h"))
        .await
        .is_err());
    let missing = store
        .begin_run(iotcard_store::AccountId(77), t("2026-11-30T09:00:00Z"))
        .await;
    assert!(matches!(
        missing,
        Err(StoreError::NotFound {
            what: "account",
            id: 77
        })
    ));
}

/// A batch holding the two ends of a large account (a listing's order,
/// not an inventory page) is found whole: the cards between them are more
/// than the range lookup reads for nothing, so the last one is looked up
/// on its own, and neither is created again.
pub async fn a_batch_spread_over_the_account_finds_every_card(store: &Store) {
    let acc = account(store, "default", "iotbos").await;
    let keys: Vec<String> = (0..40).map(|i| format!("10648{i:08}")).collect();
    let first = t("2026-11-30T09:00:00+08:00");
    let all = keys.iter().map(|k| usage(k, "1", 1)).collect();
    crate::common::sync(store, acc, first, all).await;
    let later = t("2026-11-30T10:00:00+08:00");
    let ends = vec![usage(&keys[0], "3", 4), usage(&keys[39], "3", 4)];
    crate::common::sync(store, acc, later, ends).await;
    assert_eq!(store.stats().await.unwrap().cards, 40);
    let day = "2026-11-30".parse().unwrap();
    let days = store.daily_by_cards(&[], day, day).await.unwrap();
    assert_eq!(days.len(), 40);
    let grown: Vec<_> = days
        .iter()
        .filter(|d| d.snapshots == 2)
        .map(|d| {
            (
                d.data_used.map(|a| a.amount.to_string()),
                d.sms_used.map(|s| s.0),
            )
        })
        .collect();
    assert_eq!(grown, vec![(Some("2".into()), Some(3)); 2]);
}
