//! The watcher's tables: alert state, the outbox, leases, and the paged
//! reads rules run over.

use std::collections::HashSet;
use std::time::Duration;

use iotcard_model::{CardStatus, Instant};
use iotcard_store::{
    AlertChanges, AlertKeyRef, AlertRow, CardId, CommitReport, Lease, OutboxEntry, SnapshotParts,
    Store, StoreError,
};

use crate::common::{account, full, sync, t, usage};

fn alert(rule: &str, profile: &str, card: Option<&str>, phase: &str, since: Instant) -> AlertRow {
    AlertRow {
        rule: rule.into(),
        profile: profile.into(),
        card: card.map(Into::into),
        phase: phase.into(),
        since,
        body: format!(r#"{{"rule":"{rule}","value":80}}"#),
    }
}

fn key(rule: &str, profile: &str, card: Option<&str>) -> AlertKeyRef {
    AlertKeyRef {
        rule: rule.into(),
        profile: profile.into(),
        card: card.map(Into::into),
    }
}

fn entry(key: &str, at: Instant) -> OutboxEntry {
    OutboxEntry {
        key: key.into(),
        notifier: "ops".into(),
        rule: "quota".into(),
        profile: "acme".into(),
        payload: format!(r#"{{"key":"{key}"}}"#),
        created_at: at,
        due_at: at,
    }
}

fn upserts(rows: Vec<AlertRow>) -> AlertChanges {
    AlertChanges {
        upserts: rows,
        ..AlertChanges::default()
    }
}

/// Another handle on the same store: its own connection, as a second
/// watcher process would have.
async fn second_handle(store: &Store) -> Store {
    Store::open_url(store.url().clone()).await.unwrap()
}

pub async fn alert_rows_are_upserted_removed_and_read(store: &Store) {
    let at = t("2026-11-30T09:00:00+08:00");
    let later = t("2026-11-30T10:00:00+08:00");
    assert!(store.alert_rows(&[]).await.unwrap().is_empty());
    let rows = vec![
        alert("quota", "acme", Some("1064800000002"), "pending", at),
        alert("quota", "acme", Some("1064800000001"), "firing", at),
        alert("stale", "acme", None, "firing", at),
        alert("quota", "shop", Some("1064800000001"), "pending", at),
    ];
    let report = store
        .commit_evaluation(&upserts(rows.clone()), &[], None, at)
        .await
        .unwrap();
    assert_eq!(
        report,
        CommitReport {
            alerts_written: 4,
            ..CommitReport::default()
        }
    );
    // By profile, rule and card; the account-level alert's card stays None.
    let acme = store.alert_rows(&["acme".into()]).await.unwrap();
    assert_eq!(
        acme,
        vec![rows[1].clone(), rows[0].clone(), rows[2].clone()]
    );
    assert_eq!(store.alert_rows(&[]).await.unwrap().len(), 4);
    assert_eq!(
        store
            .alert_rows(&["shop".into(), "nobody".into()])
            .await
            .unwrap(),
        vec![rows[3].clone()]
    );

    // An upsert replaces the row whole; a removal of a missing alert counts nothing.
    let mut fired = rows[0].clone();
    fired.phase = "firing".into();
    fired.since = later;
    fired.body = r#"{"value":95,"note":"引号 \" and \\ kept"}"#.into();
    let changes = AlertChanges {
        upserts: vec![fired.clone()],
        removals: vec![
            key("stale", "acme", None),
            key("quota", "acme", Some("1064800009999")),
        ],
        ..AlertChanges::default()
    };
    let report = store
        .commit_evaluation(&changes, &[], None, later)
        .await
        .unwrap();
    assert_eq!((report.alerts_written, report.alerts_removed), (1, 1));
    let acme = store.alert_rows(&["acme".into()]).await.unwrap();
    assert_eq!(acme, vec![rows[1].clone(), fired]);

    // Refused before anything is written: a bad phase, an empty card key,
    // one alert changed twice.
    let bad_phase = upserts(vec![alert("quota", "acme", None, "resolved", at)]);
    let empty_card = upserts(vec![alert("quota", "acme", Some(""), "firing", at)]);
    let twice = AlertChanges {
        upserts: vec![alert("new", "acme", None, "firing", at)],
        removals: vec![key("new", "acme", None)],
        ..AlertChanges::default()
    };
    for changes in [bad_phase, empty_card, twice] {
        let error = store
            .commit_evaluation(&changes, &[entry("k-refused", at)], None, at)
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Invalid(_)), "{error}");
    }
    assert_eq!(store.alert_rows(&[]).await.unwrap().len(), 3);
    assert!(store.outbox(false, 10).await.unwrap().is_empty());
}

pub async fn a_lost_lease_fences_the_whole_commit(store: &Store) {
    let at = t("2026-11-30T09:00:00+08:00");
    let ttl = Duration::from_secs(60);
    let lease = store
        .acquire_lease("evaluate:acme", "watcher-a", at, ttl)
        .await
        .unwrap()
        .expect("a free lease");
    let changes = upserts(vec![alert(
        "quota",
        "acme",
        Some("1064800000001"),
        "firing",
        at,
    )]);
    let outbox = [entry("quota/acme/1", at)];

    // Held: written.
    let report = store
        .commit_evaluation(&changes, &outbox, Some(&lease), at)
        .await
        .unwrap();
    assert_eq!((report.alerts_written, report.queued), (1, 1));

    // Expired at `now` (expires_at is exclusive): nothing written.
    let expired_at = lease.expires_at;
    let stale = upserts(vec![alert(
        "quota",
        "acme",
        Some("1064800000002"),
        "firing",
        at,
    )]);
    let error = store
        .commit_evaluation(
            &stale,
            &[entry("quota/acme/2", at)],
            Some(&lease),
            expired_at,
        )
        .await
        .unwrap_err();
    match &error {
        StoreError::LeaseLost { name } => assert_eq!(name, "evaluate:acme"),
        other => panic!("expected LeaseLost, got {other}"),
    }
    assert!(error.to_string().contains("evaluate:acme"), "{error}");

    // Taken over by another watcher: the old holder's commit writes nothing,
    // even at a time its own lease would still have covered.
    let taken = store
        .acquire_lease("evaluate:acme", "watcher-b", expired_at, ttl)
        .await
        .unwrap()
        .expect("an expired lease is free");
    assert!(taken.token > lease.token);
    let error = store
        .commit_evaluation(&stale, &[entry("quota/acme/2", at)], Some(&lease), at)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::LeaseLost { .. }), "{error}");

    // A lease the store never had fences too.
    let invented = Lease {
        name: "evaluate:nobody".into(),
        ..lease.clone()
    };
    let error = store
        .commit_evaluation(&stale, &[], Some(&invented), at)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::LeaseLost { .. }), "{error}");

    assert_eq!(store.alert_rows(&[]).await.unwrap().len(), 1);
    let keys: Vec<String> = store
        .outbox(false, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.key)
        .collect();
    assert_eq!(keys, vec!["quota/acme/1".to_owned()]);

    // The new holder's fence holds.
    store
        .commit_evaluation(
            &stale,
            &[entry("quota/acme/2", at)],
            Some(&taken),
            expired_at,
        )
        .await
        .unwrap();
    assert_eq!(store.alert_rows(&[]).await.unwrap().len(), 2);
}

pub async fn the_outbox_queues_a_key_once(store: &Store) {
    let at = t("2026-11-30T09:00:00+08:00");
    let none = AlertChanges::default();
    let first = [entry("a", at), entry("b", at), entry("a", at)];
    let report = store
        .commit_evaluation(&none, &first, None, at)
        .await
        .unwrap();
    assert_eq!((report.queued, report.already_queued), (2, 1));
    let claimed = store
        .claim_outbox("w1", at, Duration::from_secs(60), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    let a = claimed.iter().find(|i| i.key == "a").unwrap();
    assert!(store.outbox_delivered(a.id, "w1", 1, at).await.unwrap());

    // Pending or delivered, a key already there is never queued again.
    let mut again = entry("a", at);
    again.payload = r#"{"changed":true}"#.into();
    let report = store
        .commit_evaluation(&none, &[again, entry("b", at), entry("c", at)], None, at)
        .await
        .unwrap();
    assert_eq!((report.queued, report.already_queued), (1, 2));
    let all = store.outbox(false, 10).await.unwrap();
    let keys: Vec<&str> = all.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, vec!["c", "b", "a"], "newest first");
    assert_eq!(
        all[2].payload, r#"{"key":"a"}"#,
        "the first payload is kept"
    );

    let error = store
        .commit_evaluation(&none, &[entry("", at)], None, at)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error}");
}

pub async fn outbox_entries_are_claimed_delivered_and_retried(store: &Store) {
    let at = t("2026-11-30T09:00:00+08:00");
    let claim = Duration::from_secs(60);
    let mut late = entry("late", at);
    late.due_at = t("2026-11-30T09:30:00+08:00");
    let entries = [entry("one", at), entry("two", at), late, entry("three", at)];
    store
        .commit_evaluation(&AlertChanges::default(), &entries, None, at)
        .await
        .unwrap();

    // Due entries only, earliest due first, then in the order queued.
    let first = store.claim_outbox("w1", at, claim, 2).await.unwrap();
    let keys: Vec<&str> = first.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, vec!["one", "two"]);
    assert!(first
        .iter()
        .all(|i| i.attempts == 0 && i.delivered_at.is_none()));
    assert_eq!(first[0].payload, r#"{"key":"one"}"#);
    assert_eq!(
        (first[0].notifier.as_str(), first[0].rule.as_str()),
        ("ops", "quota")
    );
    // Another holder gets what is left; claimed rows are not its.
    let second = store.claim_outbox("w2", at, claim, 10).await.unwrap();
    let keys: Vec<&str> = second.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, vec!["three"]);
    assert!(store
        .claim_outbox("w9", at, claim, 10)
        .await
        .unwrap()
        .is_empty());
    // A holder's own claims come back to it (a watcher restarted under its name).
    let mine = store.claim_outbox("w2", at, claim, 10).await.unwrap();
    assert_eq!(mine, second);

    // Only the claim's holder records the outcome.
    let one = &first[0];
    assert!(!store.outbox_delivered(one.id, "w2", 1, at).await.unwrap());
    assert!(store.outbox_delivered(one.id, "w1", 1, at).await.unwrap());
    assert!(
        !store.outbox_delivered(one.id, "w1", 2, at).await.unwrap(),
        "once"
    );

    // A failed attempt: due again later, the error kept, the claim released.
    let two = &first[1];
    let retry_at = t("2026-11-30T09:05:00+08:00");
    assert!(!store
        .outbox_retry(two.id, "w2", 1, retry_at, "HTTP 503")
        .await
        .unwrap());
    assert!(store
        .outbox_retry(two.id, "w1", 1, retry_at, "HTTP 503")
        .await
        .unwrap());
    let pending = store.outbox(true, 10).await.unwrap();
    let keys: Vec<&str> = pending.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, vec!["three", "two", "late"], "earliest due first");
    let retried = pending.iter().find(|i| i.key == "two").unwrap();
    assert_eq!(retried.attempts, 1);
    assert_eq!(retried.last_error.as_deref(), Some("HTTP 503"));
    assert_eq!(retried.due_at, retry_at);

    // A claim that ran out is free for anyone; the old holder can no longer
    // record an outcome once someone else took it.
    let after_claim = t("2026-11-30T09:01:00+08:00");
    let taken = store
        .claim_outbox("w3", after_claim, claim, 10)
        .await
        .unwrap();
    let keys: Vec<&str> = taken.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, vec!["three"]);
    assert!(!store
        .outbox_delivered(second[0].id, "w2", 1, after_claim)
        .await
        .unwrap());
    assert!(store
        .outbox_delivered(taken[0].id, "w3", 1, after_claim)
        .await
        .unwrap());
    let delivered = store.outbox(false, 10).await.unwrap();
    let three = delivered.iter().find(|i| i.key == "three").unwrap();
    assert_eq!(three.delivered_at, Some(after_claim));
    assert_eq!(three.attempts, 1);

    // The retried entry is due again at its new time, not before.
    assert!(store
        .claim_outbox("w9", t("2026-11-30T09:04:59+08:00"), claim, 10)
        .await
        .unwrap()
        .is_empty());
    let again = store.claim_outbox("w2", retry_at, claim, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].key.as_str(), again[0].attempts), ("two", 1));

    // The claim's length is rounded up to the second, never to nothing.
    store
        .commit_evaluation(&AlertChanges::default(), &[entry("short", at)], None, at)
        .await
        .unwrap();
    let short = store
        .claim_outbox("w4", at, Duration::from_millis(200), 10)
        .await
        .unwrap();
    assert_eq!(short.len(), 1);
    assert!(store
        .claim_outbox("w5", at, claim, 10)
        .await
        .unwrap()
        .is_empty());
    let next_second = t("2026-11-30T09:00:01+08:00");
    assert_eq!(
        store
            .claim_outbox("w5", next_second, claim, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store
        .claim_outbox("w5", at, claim, 0)
        .await
        .unwrap()
        .is_empty());
}

pub async fn two_holders_never_claim_the_same_entry(store: &Store) {
    let other = second_handle(store).await;
    let at = t("2026-11-30T09:00:00+08:00");
    for round in 0..20 {
        let entries: Vec<OutboxEntry> = (0..60)
            .map(|i| entry(&format!("round-{round}-{i}"), at))
            .collect();
        store
            .commit_evaluation(&AlertChanges::default(), &entries, None, at)
            .await
            .unwrap();
        let drain = |store: Store, holder: &'static str| {
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let claimed = store
                        .claim_outbox(holder, at, Duration::from_secs(600), 4)
                        .await
                        .unwrap();
                    if claimed.is_empty() {
                        return got;
                    }
                    for item in claimed {
                        assert!(store
                            .outbox_delivered(item.id, holder, 1, at)
                            .await
                            .unwrap());
                        got.push(item.id);
                    }
                }
            })
        };
        let (a, b) = tokio::join!(drain(store.clone(), "w-a"), drain(other.clone(), "w-b"));
        let (a, b) = (a.unwrap(), b.unwrap());
        let a_set: HashSet<i64> = a.iter().copied().collect();
        let b_set: HashSet<i64> = b.iter().copied().collect();
        assert_eq!(a_set.len(), a.len());
        assert_eq!(b_set.len(), b.len());
        assert!(
            a_set.is_disjoint(&b_set),
            "round {round}: a row claimed twice"
        );
        assert_eq!(
            a.len() + b.len(),
            60,
            "round {round}: every entry delivered"
        );
    }
    assert!(store.outbox(true, 10).await.unwrap().is_empty());
}

pub async fn leases_are_taken_renewed_and_taken_over(store: &Store) {
    let at = t("2026-11-30T09:00:00+08:00");
    let ttl = Duration::from_secs(30);
    let plus = |s: i64| at + chrono::Duration::seconds(s);
    let a = store
        .acquire_lease("sync:acme", "a", at, ttl)
        .await
        .unwrap()
        .expect("free");
    assert_eq!((a.holder.as_str(), a.expires_at), ("a", plus(30)));
    // Held: nobody else gets it; its holder renews it (same token).
    assert_eq!(
        store
            .acquire_lease("sync:acme", "b", plus(29), ttl)
            .await
            .unwrap(),
        None
    );
    let again = store
        .acquire_lease("sync:acme", "a", plus(10), ttl)
        .await
        .unwrap()
        .expect("its own");
    assert_eq!((again.token, again.expires_at), (a.token, plus(40)));
    let renewed = store
        .renew_lease(&again, plus(20), ttl)
        .await
        .unwrap()
        .expect("held");
    assert_eq!((renewed.token, renewed.expires_at), (a.token, plus(50)));

    // Expired: renewing fails, another holder takes it with a greater token.
    assert_eq!(
        store.renew_lease(&renewed, plus(50), ttl).await.unwrap(),
        None
    );
    let b = store
        .acquire_lease("sync:acme", "b", plus(50), ttl)
        .await
        .unwrap()
        .expect("expired");
    assert!(b.token > a.token);
    assert_eq!(
        store.renew_lease(&renewed, plus(51), ttl).await.unwrap(),
        None
    );
    // Releasing with a stale token does nothing; with the right one frees it.
    store.release_lease(&renewed).await.unwrap();
    assert_eq!(
        store
            .acquire_lease("sync:acme", "a", plus(51), ttl)
            .await
            .unwrap(),
        None
    );
    store.release_lease(&b).await.unwrap();
    assert_eq!(store.renew_lease(&b, plus(52), ttl).await.unwrap(), None);
    // Taken again by its last holder after a release: a new token all the same.
    let b2 = store
        .acquire_lease("sync:acme", "b", plus(52), ttl)
        .await
        .unwrap()
        .expect("released");
    assert!(b2.token > b.token);
    let c = store
        .acquire_lease("sync:shop", "c", plus(52), ttl)
        .await
        .unwrap()
        .expect("another name");
    assert_eq!(store.leases().await.unwrap(), vec![b2, c]);

    let error = store
        .acquire_lease("sync:acme", "", at, ttl)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error}");
    let error = store
        .acquire_lease("sync:acme", "a", at, Duration::ZERO)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error}");
}

pub async fn racing_acquirers_get_one_lease(store: &Store) {
    let other = second_handle(store).await;
    let at = t("2026-11-30T09:00:00+08:00");
    let ttl = Duration::from_secs(30);
    let race = |store: Store, name: String, holder: &'static str, now: Instant| {
        tokio::spawn(async move { store.acquire_lease(&name, holder, now, ttl).await.unwrap() })
    };
    for round in 0..40 {
        // A new lease.
        let name = format!("race-{round}");
        let (a, b) = tokio::join!(
            race(store.clone(), name.clone(), "a", at),
            race(other.clone(), name.clone(), "b", at)
        );
        let winners: Vec<Lease> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        assert_eq!(winners[0].token, 1);
        // The takeover of an expired one.
        let later = winners[0].expires_at;
        let (a, b) = tokio::join!(
            race(store.clone(), name.clone(), "c", later),
            race(other.clone(), name.clone(), "d", later)
        );
        let winners: Vec<Lease> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
        assert_eq!(winners.len(), 1, "round {round}, takeover: {winners:?}");
        assert_eq!(winners[0].token, 2);
        assert_eq!(
            store
                .leases()
                .await
                .unwrap()
                .iter()
                .filter(|l| l.name == name)
                .count(),
            1
        );
    }
}

pub async fn latest_page_walks_every_card_once_in_order(store: &Store) {
    let acme = account(store, "acme", "iotbos").await;
    let shop = account(store, "shop", "tencent").await;
    // Interleaved, so acme's card ids are not consecutive.
    for i in 0..25 {
        let at = t("2026-11-30T09:00:00+08:00");
        sync(
            store,
            acme,
            at,
            vec![usage(&format!("10648000{i:05}"), "1", 1)],
        )
        .await;
        sync(
            store,
            shop,
            at,
            vec![usage(&format!("10649000{i:05}"), "2", 2)],
        )
        .await;
    }
    // A later snapshot of some: the page has the latest.
    let later = t("2026-11-30T10:00:00+08:00");
    let mut newer = usage("1064800000003", "7.50", 4);
    newer.status = Some(CardStatus::Suspended);
    sync(store, acme, later, vec![newer.clone()]).await;
    // A card with no snapshot is not a rule input.
    store
        .inventory_add(acme, &["1064800099999".parse().unwrap()])
        .await
        .unwrap();

    let mut seen = Vec::new();
    let mut after: Option<CardId> = None;
    let mut pages = 0;
    loop {
        let page = store.latest_page(acme, after, 7).await.unwrap();
        if page.is_empty() {
            break;
        }
        pages += 1;
        assert!(page.len() <= 7);
        after = Some(page.last().unwrap().card.id);
        seen.extend(page);
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), 25);
    let ids: Vec<CardId> = seen.iter().map(|c| c.card.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "in id order, each once");
    assert!(seen.iter().all(|c| c.card.profile == "acme"));
    let three = seen.iter().find(|c| c.card.key == "1064800000003").unwrap();
    assert_eq!((three.taken_at, &three.snapshot), (later, &newer));
    // The same cards and snapshots as the fleet read.
    let mut fleet = store
        .fleet(
            &iotcard_store::FleetFilter {
                profiles: vec!["acme".into()],
                ..Default::default()
            },
            later,
        )
        .await
        .unwrap();
    fleet.sort_by_key(|c| c.card.id);
    assert_eq!(seen, fleet);
    assert!(store.latest_page(acme, after, 7).await.unwrap().is_empty());
    assert!(store.latest_page(acme, None, 0).await.unwrap().is_empty());

    // Ranges of ids (read on SQLite's read-only connections, which see
    // the writes above): from the least id to the greatest, 7 ids at a
    // time, the same cards once each; shop's ids in between are not acme's.
    let (low, high) = store.card_id_span(acme).await.unwrap().unwrap();
    assert_eq!(low, seen[0].card.id);
    assert!(
        high > seen[24].card.id,
        "the inventory card without a snapshot is acme's last"
    );
    let mut ranged = Vec::new();
    let mut after = low.0 - 1;
    while after < high.0 {
        let upto = (after + 7).min(high.0);
        let range = store
            .latest_range(acme, CardId(after), CardId(upto))
            .await
            .unwrap();
        assert!(range.len() <= 7);
        assert!(range
            .iter()
            .all(|c| c.card.id.0 > after && c.card.id.0 <= upto));
        ranged.extend(range);
        after = upto;
    }
    assert_eq!(ranged, seen, "the same cards and snapshots as the pages");
    // With their alert rows: each range's cards, and the rows of exactly
    // those cards of the asked profile (not shop's, not the account's, not
    // a card of another range's).
    let rows = vec![
        alert("quota", "acme", Some("1064800000003"), "firing", later),
        alert("stale", "acme", Some("1064800000003"), "pending", later),
        alert("quota", "acme", Some("1064800000011"), "firing", later),
        alert("quota", "acme", Some("1064800000024"), "firing", later),
        alert("sync", "acme", None, "firing", later),
        alert("quota", "shop", Some("1064800000003"), "firing", later),
    ];
    let changes = AlertChanges {
        upserts: rows.clone(),
        ..AlertChanges::default()
    };
    store.commit_page(&changes, None, later).await.unwrap();
    let (mut with_cards, mut with_rows) = (Vec::new(), Vec::new());
    let mut after = low.0 - 1;
    while after < high.0 {
        let upto = (after + 7).min(high.0);
        let (cards, alerts) = store
            .latest_range_with_alerts(
                acme,
                "acme",
                CardId(after),
                CardId(upto),
                None,
                SnapshotParts::ALL,
            )
            .await
            .unwrap();
        let keys: Vec<String> = cards.iter().map(|c| c.card.key.clone()).collect();
        assert_eq!(alerts, store.card_alert_rows("acme", &keys).await.unwrap());
        assert!(alerts
            .iter()
            .all(|a| keys.contains(a.card.as_ref().unwrap())));
        with_cards.extend(cards);
        with_rows.extend(alerts);
        after = upto;
    }
    assert_eq!(with_cards, seen);
    assert_eq!(
        with_rows,
        vec![
            rows[0].clone(),
            rows[1].clone(),
            rows[2].clone(),
            rows[3].clone()
        ]
    );
    // Only the cards last seen before `later`: every card but the third
    // (seen then), with the rows of those cards only.
    let (unseen, unseen_rows) = store
        .latest_range_with_alerts(
            acme,
            "acme",
            CardId(low.0 - 1),
            high,
            Some(later),
            SnapshotParts::ALL,
        )
        .await
        .unwrap();
    let before: Vec<_> = seen
        .iter()
        .filter(|c| c.taken_at < later)
        .cloned()
        .collect();
    assert_eq!(before.len(), 24);
    assert_eq!(unseen, before);
    assert_eq!(unseen_rows, vec![rows[2].clone(), rows[3].clone()]);
    // Seen before a time before every snapshot: none.
    let (none, _) = store
        .latest_range_with_alerts(
            acme,
            "acme",
            CardId(low.0 - 1),
            high,
            Some(t("2026-11-30T08:00:00+08:00")),
            SnapshotParts::ALL,
        )
        .await
        .unwrap();
    assert!(none.is_empty());
    // By keys, as a pass's batch names them (in any order, a key twice;
    // unknown keys, another account's and a card without a snapshot are
    // left out): the same cards, once each, in id order, with their rows.
    let keys: Vec<String> = [
        "1064800000024",
        "1064800000003",
        "1064900000005",
        "1064800099999",
        "1064800000011",
        "1064800000001",
        "no such card",
        "1064800000003",
    ]
    .iter()
    .map(|k| (*k).to_owned())
    .collect();
    let (by_keys, key_rows) = store
        .latest_of_keys_with_alerts(acme, "acme", &keys, SnapshotParts::ALL)
        .await
        .unwrap();
    let wanted = [
        "1064800000001",
        "1064800000003",
        "1064800000011",
        "1064800000024",
    ];
    let expected: Vec<_> = seen
        .iter()
        .filter(|c| wanted.contains(&c.card.key.as_str()))
        .cloned()
        .collect();
    assert_eq!(by_keys, expected);
    assert_eq!(key_rows, rows[..4].to_vec());
    let (parted, _) = store
        .latest_of_keys_with_alerts(acme, "acme", &keys, SnapshotParts::ESSENTIAL)
        .await
        .unwrap();
    let mut projected = expected[0].snapshot.clone();
    SnapshotParts::ESSENTIAL.project(&mut projected);
    assert_eq!(parted[0].snapshot, projected);
    let (nothing, no_rows) = store
        .latest_of_keys_with_alerts(acme, "acme", &[], SnapshotParts::ALL)
        .await
        .unwrap();
    assert!(nothing.is_empty() && no_rows.is_empty());
    let (cards, alerts) = store
        .latest_range_with_alerts(acme, "acme", CardId(5), CardId(5), None, SnapshotParts::ALL)
        .await
        .unwrap();
    assert!(cards.is_empty() && alerts.is_empty());
    assert!(store
        .latest_range(acme, CardId(high.0), CardId(high.0 + 100))
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .latest_range(acme, CardId(5), CardId(5))
        .await
        .unwrap()
        .is_empty());
    let nobody = account(store, "nobody", "iotbos").await;
    assert_eq!(store.card_id_span(nobody).await.unwrap(), None);
    // A write after a read is seen by the next read (the readers keep no
    // stale snapshot between statements).
    let mut newest = usage("1064800000003", "9.25", 6);
    newest.status = Some(CardStatus::Active);
    let latest = t("2026-11-30T11:00:00+08:00");
    sync(store, acme, latest, vec![newest.clone()]).await;
    let range = store
        .latest_range(acme, CardId(three.card.id.0 - 1), three.card.id)
        .await
        .unwrap();
    assert_eq!((range[0].taken_at, &range[0].snapshot), (latest, &newest));
}

pub async fn a_range_reads_only_the_parts_asked_for(store: &Store) {
    let acme = account(store, "acme", "iotbos").await;
    let at = t("2026-11-30T09:00:00+08:00");
    let mut other = full("1064800000002");
    other.plan.as_mut().unwrap().name = Some("another plan".into());
    let written = vec![full("1064800000001"), other];
    sync(store, acme, at, written.clone()).await;
    let (low, high) = store.card_id_span(acme).await.unwrap().unwrap();
    let each = |f: fn(&mut SnapshotParts)| {
        let mut parts = SnapshotParts::ESSENTIAL;
        f(&mut parts);
        parts
    };
    let asked = [
        SnapshotParts::ALL,
        SnapshotParts::ESSENTIAL,
        each(|p| p.identifiers = true),
        each(|p| p.operator = true),
        each(|p| p.kind_and_network = true),
        each(|p| p.plan_name = true),
        each(|p| p.prices = true),
        each(|p| p.plan_ids = true),
    ];
    for parts in asked {
        let (cards, alerts) = store
            .latest_range_with_alerts(acme, "acme", CardId(low.0 - 1), high, None, parts)
            .await
            .unwrap();
        assert!(alerts.is_empty());
        let read: Vec<_> = cards
            .into_iter()
            .map(|c| (c.taken_at, c.snapshot))
            .collect();
        let expected: Vec<_> = written
            .iter()
            .map(|s| {
                let mut s = s.clone();
                parts.project(&mut s);
                (at, s)
            })
            .collect();
        assert_eq!(read, expected, "{parts:?}");
    }
    // Left out, a part is unknown: the projection is not the snapshot.
    let mut bare = written[0].clone();
    SnapshotParts::ESSENTIAL.project(&mut bare);
    assert_ne!(bare, written[0]);
    assert_eq!(
        (&bare.status, &bare.usage, &bare.expires_at),
        (
            &written[0].status,
            &written[0].usage,
            &written[0].expires_at
        )
    );
    let (plan, whole) = (bare.plan.unwrap(), written[0].plan.clone().unwrap());
    assert_eq!((plan.included_data, plan.name), (whole.included_data, None));
}

pub async fn status_changes_come_from_the_snapshots(store: &Store) {
    let acc = account(store, "acme", "tencent").await;
    let with = |key: &str, status: Option<CardStatus>| {
        let mut s = usage(key, "1", 1);
        s.status = status;
        s
    };
    let (one, two) = ("1064800000001", "1064800000002");
    let times = [
        t("2026-11-28T09:00:00+08:00"),
        t("2026-11-29T09:00:00+08:00"),
        t("2026-11-30T09:00:00+08:00"),
        t("2026-12-01T09:00:00+08:00"),
        t("2026-12-02T09:00:00+08:00"),
    ];
    use CardStatus::{Active, Disabled, Suspended};
    let one_states = [
        Some(Active),
        Some(Suspended),
        None,
        Some(Suspended),
        Some(Active),
    ];
    let two_states = [
        None,
        Some(Active),
        Some(Active),
        Some(Disabled),
        Some(Disabled),
    ];
    for (i, at) in times.iter().enumerate() {
        sync(
            store,
            acc,
            *at,
            vec![
                with(one, one_states[i].clone()),
                with(two, two_states[i].clone()),
            ],
        )
        .await;
    }
    let cards = store.find_cards(one).await.unwrap();
    let one_id = cards[0].id;
    let two_id = store.find_cards(two).await.unwrap()[0].id;
    let changes = store
        .status_changes(&[one_id, two_id], times[0])
        .await
        .unwrap();
    let got: Vec<(CardId, Instant, Option<CardStatus>, Option<CardStatus>)> = changes
        .into_iter()
        .map(|c| (c.card, c.at, c.from, c.to))
        .collect();
    // One: active → suspended, then (no status reported, not a change)
    // suspended again (not a change), then → active. Two: its first status
    // is not a change; active → disabled is.
    assert_eq!(
        got,
        vec![
            (one_id, times[1], Some(Active), Some(Suspended)),
            (two_id, times[3], Some(Active), Some(Disabled)),
            (one_id, times[4], Some(Suspended), Some(Active)),
        ]
    );
    // `since` is inclusive, and the status before it still counts as "from".
    let recent = store.status_changes(&[one_id], times[4]).await.unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].from, Some(Suspended));
    assert!(store
        .status_changes(&[one_id, two_id], t("2026-12-03T00:00:00+08:00"))
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .status_changes(&[], times[0])
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .status_changes(&[CardId(987_654)], times[0])
        .await
        .unwrap()
        .is_empty());
}

pub async fn the_watch_views_have_the_documented_columns(store: &Store) {
    let at = t("2026-11-30T09:00:00+08:00");
    store
        .commit_evaluation(
            &upserts(vec![alert("stale", "acme", None, "firing", at)]),
            &[entry("k", at)],
            None,
            at,
        )
        .await
        .unwrap();
    store
        .acquire_lease("sync:acme", "w", at, Duration::from_secs(5))
        .await
        .unwrap();
    let documented: [(&str, &[&str]); 3] = [
        (
            "alert_state",
            &["profile", "rule", "card", "phase", "since", "body"],
        ),
        (
            "notification_outbox",
            &[
                "id",
                "idempotency_key",
                "notifier",
                "rule",
                "profile",
                "payload",
                "created_at",
                "due_at",
                "attempts",
                "last_error",
                "delivered_at",
                "claimed_by",
                "claimed_until",
            ],
        ),
        ("watch_leases", &["name", "holder", "token", "expires_at"]),
    ];
    for (view, columns) in documented {
        assert_eq!(crate::common::columns(store, view).await, columns, "{view}");
    }
    // An account-level alert's card is NULL in the view.
    let rows = crate::common::texts(
        store,
        "SELECT coalesce(card, 'account'), since FROM alert_state",
        "SELECT coalesce(card, 'account'), to_char(since AT TIME ZONE 'UTC', \
         'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM alert_state",
    )
    .await;
    assert_eq!(
        rows,
        vec![vec![
            Some("account".to_owned()),
            Some("2026-11-30T01:00:00Z".to_owned())
        ]]
    );
}

fn day(text: &str) -> chrono::NaiveDate {
    text.parse().expect("a date")
}

async fn card_id(store: &Store, profile: &str, key: &str) -> CardId {
    store
        .find_cards(key)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.profile == profile)
        .unwrap_or_else(|| panic!("card {profile}/{key}"))
        .id
}

pub async fn daily_of_cards_reads_a_page_of_cards_at_once(store: &Store) {
    let acme = account(store, "acme", "tencent").await;
    let shop = account(store, "shop", "tencent").await;
    let keys = ["1064800000001", "1064800000002", "1064800000003"];
    // Four days of growing usage, the third card only from the third day;
    // the same keys in another account, which the ids keep apart.
    for (n, at) in [
        "2026-11-27T09:00:00+08:00",
        "2026-11-28T09:00:00+08:00",
        "2026-11-29T09:00:00+08:00",
        "2026-11-30T09:00:00+08:00",
    ]
    .iter()
    .enumerate()
    {
        let mut cards: Vec<_> = keys[..2]
            .iter()
            .enumerate()
            .map(|(i, k)| usage(k, &format!("{}", (n + 1) * (i + 1) * 10), n as i64))
            .collect();
        if n >= 2 {
            cards.push(usage(keys[2], &format!("{}", n * 5), 0));
        }
        sync(store, acme, t(at), cards).await;
        sync(
            store,
            shop,
            t(at),
            vec![usage(keys[0], &format!("{}", n * 99), 0)],
        )
        .await;
    }
    let mut ids = Vec::new();
    for key in keys {
        ids.push(card_id(store, "acme", key).await);
    }
    let other = card_id(store, "shop", keys[0]).await;
    let (from, to) = (day("2026-11-28"), day("2026-11-30"));

    let page = store.daily_of_cards(&ids, from, to).await.unwrap();
    let mut each = Vec::new();
    for id in &ids {
        each.extend(store.daily_by_card(*id, from, to).await.unwrap());
    }
    assert_eq!(
        page, each,
        "what daily_by_card gives each card, by card and day"
    );
    assert_eq!(page.len(), 3 + 3 + 2);
    assert!(page
        .windows(2)
        .all(|w| (w[0].card, w[0].day) < (w[1].card, w[1].day)));
    assert!(page.iter().all(|d| d.day >= from && d.day <= to));
    assert!(page.iter().all(|d| d.card != other));
    // The ids given in any order, one twice, read the same rows once.
    let shuffled = [ids[2], ids[0], ids[2], ids[1]];
    assert_eq!(
        store.daily_of_cards(&shuffled, from, to).await.unwrap(),
        page
    );
    // One day; a card of another account; nothing to read.
    let one = store
        .daily_of_cards(&[ids[1], other], to, to)
        .await
        .unwrap();
    let mut want = vec![(ids[1], to), (other, to)];
    want.sort();
    assert_eq!(
        one.iter().map(|d| (d.card, d.day)).collect::<Vec<_>>(),
        want
    );
    assert!(store
        .daily_of_cards(&[], from, to)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .daily_of_cards(&ids, to, from)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .daily_of_cards(&[CardId(i64::MAX)], from, to)
        .await
        .unwrap()
        .is_empty());
}

pub async fn inventory_tags_are_added_read_and_taken_off(store: &Store) {
    use iotcard_store::CardTag;
    let acme = account(store, "acme", "iotbos").await;
    let shop = account(store, "shop", "iotbos").await;
    let north: Vec<iotcard_model::CardNumber> = ["1064800000001", "1064800000002"]
        .iter()
        .map(|k| k.parse().unwrap())
        .collect();
    let plain: iotcard_model::CardNumber = "1064800000003".parse().unwrap();
    let tags = |t: &[&str]| t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();

    assert_eq!(
        store
            .inventory_add_tagged(acme, &north, &tags(&["north", "冷链"]))
            .await
            .unwrap(),
        2
    );
    store.inventory_add(acme, &[plain]).await.unwrap();
    // The same key in another account is another card, untagged.
    store.inventory_add(shop, &north[..1]).await.unwrap();
    // Adding again: no card is new, a tag already there stays once.
    assert_eq!(
        store
            .inventory_add_tagged(acme, &north[..1], &tags(&["north", "pilot"]))
            .await
            .unwrap(),
        0
    );
    let inventory = store.inventory(acme).await.unwrap();
    assert_eq!(inventory.len(), 3);

    let one = card_id(store, "acme", "1064800000001").await;
    let two = card_id(store, "acme", "1064800000002").await;
    let three = card_id(store, "acme", "1064800000003").await;
    let elsewhere = card_id(store, "shop", "1064800000001").await;
    let tag = |card, tag: &str| CardTag {
        card,
        tag: tag.to_owned(),
    };
    let mut expected = vec![
        tag(one, "north"),
        tag(one, "pilot"),
        tag(one, "冷链"),
        tag(two, "north"),
        tag(two, "冷链"),
    ];
    expected.sort();
    let read = store.tags_of(&[three, two, elsewhere, one]).await.unwrap();
    assert_eq!(read, expected, "by card and tag; untagged cards have none");
    assert!(store.tags_of(&[]).await.unwrap().is_empty());
    assert!(store.tags_of(&[three, elsewhere]).await.unwrap().is_empty());

    // A bad tag is refused before anything is written: the card is not added.
    let new: iotcard_model::CardNumber = "1064800000004".parse().unwrap();
    for bad in ["", "two words", "a,b", &"x".repeat(65)] {
        let e = store
            .inventory_add_tagged(acme, std::slice::from_ref(&new), &tags(&["ok", bad]))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{bad:?}: {e}");
    }
    assert_eq!(store.inventory(acme).await.unwrap().len(), 3);
    // No tags at all is the plain inventory add.
    assert_eq!(
        store.inventory_add_tagged(acme, &[new], &[]).await.unwrap(),
        1
    );

    // Taking tags off: only the named ones, only this account's cards.
    assert_eq!(
        store
            .inventory_untag(acme, &north, &tags(&["north", "absent"]))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store.tags_of(&[one, two]).await.unwrap(),
        vec![tag(one, "pilot"), tag(one, "冷链"), tag(two, "冷链")]
    );
    assert_eq!(store.inventory(acme).await.unwrap().len(), 4);
}

/// Each card's latest snapshot as the watcher reads it (the copy on the
/// card, schema v4), against the same from the history tables (the fleet
/// read, which joins `snapshots` and `card_state`).
async fn assert_latest_is_the_history_s(
    store: &Store,
    account: iotcard_store::AccountId,
    now: Instant,
) {
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store.latest_page(account, after, 3).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.card.id);
        pages.extend(page);
    }
    let profile = pages.first().map(|c| c.card.profile.clone());
    let mut fleet = store
        .fleet(
            &iotcard_store::FleetFilter {
                profiles: profile.into_iter().collect(),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    fleet.sort_by_key(|c| c.card.id);
    assert_eq!(pages, fleet);
    let ranged = match store.card_id_span(account).await.unwrap() {
        Some((low, high)) => store
            .latest_range(account, CardId(low.0 - 1), high)
            .await
            .unwrap(),
        None => Vec::new(),
    };
    assert_eq!(ranged, fleet);
}

pub async fn the_latest_each_card_keeps_is_its_history_s_latest(store: &Store) {
    use iotcard_model::{Operator, Plan};
    use iotcard_store::Retention;
    let acme = account(store, "acme", "iotbos").await;
    let (one, two, three) = ("1064800000001", "1064800000002", "1064800000003");
    let with = |key: &str, data: &str, status: CardStatus, plan: Option<&str>| {
        let mut s = usage(key, data, 1);
        s.status = Some(status);
        s.iccid = Some("89860000000000000001".parse().unwrap());
        s.operator = Some(Operator::ChinaMobile);
        s.plan = plan.map(|name| Plan {
            name: Some(name.into()),
            monthly_fee: Some(iotcard_model::Money::from_yuan("1.50".parse().unwrap())),
            ..Plan::default()
        });
        s
    };
    let day = |d: u32| t(&format!("2026-11-{d:02}T09:00:00+08:00"));
    // In order: a new state, then the same state with new figures.
    sync(
        store,
        acme,
        day(10),
        vec![with(one, "1", CardStatus::Active, Some("a"))],
    )
    .await;
    sync(
        store,
        acme,
        day(12),
        vec![with(one, "2", CardStatus::Suspended, None)],
    )
    .await;
    sync(
        store,
        acme,
        day(13),
        vec![with(one, "3", CardStatus::Suspended, None)],
    )
    .await;
    assert_latest_is_the_history_s(store, acme, day(13)).await;

    // Older snapshots fill in behind the latest, one with a state of its
    // own (the store writes the old state again after it): the latest stays.
    sync(
        store,
        acme,
        day(11),
        vec![with(one, "1.5", CardStatus::Disabled, Some("b"))],
    )
    .await;
    sync(
        store,
        acme,
        day(9),
        vec![with(one, "0.5", CardStatus::Active, Some("a"))],
    )
    .await;
    assert_latest_is_the_history_s(store, acme, day(13)).await;

    // A field the latest snapshot lacks is not on the card's latest, though
    // the card keeps the identifier an earlier one gave.
    let mut bare = with(two, "4", CardStatus::Active, Some("c"));
    sync(store, acme, day(10), vec![bare.clone()]).await;
    bare.iccid = None;
    bare.operator = None;
    bare.usage = None;
    sync(store, acme, day(14), vec![bare.clone()]).await;
    // One batch with several snapshots of a card, out of order: the last
    // wins.
    let run = store.begin_run(acme, day(15)).await.unwrap();
    let mut batch = crate::common::batch(day(15), []);
    for (at, data) in [(day(16), "9"), (day(15), "8")] {
        batch.snapshots.push(iotcard_store::Observation {
            taken_at: at,
            snapshot: with(three, data, CardStatus::Active, Some("d")),
        });
    }
    store.write_snapshots(run, &batch).await.unwrap();
    store.finish_run(run, day(16)).await.unwrap();
    assert_latest_is_the_history_s(store, acme, day(16)).await;
    let latest = store.latest_page(acme, None, 10).await.unwrap();
    let two_latest = latest.iter().find(|c| c.card.key == two).unwrap();
    assert_eq!(two_latest.snapshot, bare);
    let three_latest = latest.iter().find(|c| c.card.key == three).unwrap();
    assert_eq!(three_latest.taken_at, day(16));

    // A prune keeps each card's latest.
    store
        .prune(
            day(30),
            &Retention {
                snapshots: Duration::from_secs(86_400 * 5),
                ..Retention::default()
            },
        )
        .await
        .unwrap();
    assert_latest_is_the_history_s(store, acme, day(30)).await;
}
