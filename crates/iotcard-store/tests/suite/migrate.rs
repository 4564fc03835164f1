//! A store written by the version 1 schema opens under this build: it is
//! migrated in place and keeps everything it had.

use std::time::Duration;

use iotcard_model::{CardStatus, DataAmount, SmsCount};
use iotcard_store::{
    AccountId, AlertChanges, AlertNotice, FleetFilter, OutboxEntry, RunOutcome, Store,
    SCHEMA_VERSION,
};

use crate::common::{self, t, usage};

pub async fn a_v1_store_migrates_and_keeps_its_data(store: &Store) {
    let first = t("2026-11-29T09:00:00+08:00");
    let second = t("2026-11-30T09:00:00+08:00");
    let (t0, t1) = (first.timestamp(), second.timestamp());
    // What version 1 wrote for one card synced twice (its status changed),
    // one run, one daily row.
    let rows = |yes: &str| {
        format!(
            "INSERT INTO accounts (id, profile, provider, endpoint_host) \
             VALUES (1, 'acme', 'iotbos', 'sys.example.com'); \
             INSERT INTO cards (id, account_id, card_key, msisdn, first_seen, last_seen, \
               inventory) \
             VALUES (1, 1, '1064800000001', '1064800000001', {t0}, {t1}, {yes}); \
             INSERT INTO card_state (card_id, since, msisdn, iccid, status, shape) \
             VALUES (1, {t0}, '1064800000001', NULL, 'active', 1), \
               (1, {t1}, NULL, '89860000000000000001', 'suspended', 1); \
             INSERT INTO snapshots (card_id, taken_at, sms_used, data_used) \
             VALUES (1, {t0}, 1, '1.50'), (1, {t1}, 2, '2.25'); \
             INSERT INTO daily (card_id, day, data_used, data_in_provider_unit, sms_used, \
               snapshots, covers_from, period_reset) \
             VALUES (1, {day}, '0.75', {no}, 1, 1, {t0}, {no}); \
             INSERT INTO runs (id, account_id, started_at, ended_at, outcome, asked, answered) \
             VALUES (1, 1, {t1}, {t1}, 'finished', 1, 1);",
            day = t1.div_euclid(86_400),
            no = if yes == "1" { "0" } else { "false" },
        )
    };
    // PostgreSQL casts the quoted decimals to numeric as it inserts them;
    // the ids given by hand move its identity sequences on as iotcard's own
    // inserts would have.
    let postgres = format!(
        "{} SELECT setval(pg_get_serial_sequence(t, 'id'), 1) \
         FROM unnest(ARRAY['accounts', 'cards', 'runs']) AS t;",
        rows("true")
    );
    let (url, _dir) = common::store_at_version(store, 1, &rows("1"), &postgres).await;

    let migrated = Store::open_url(url.clone()).await.unwrap();
    assert_eq!(migrated.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 4);

    // The old data reads back as before.
    let fleet = migrated
        .fleet(&FleetFilter::default(), second)
        .await
        .unwrap();
    assert_eq!(fleet.len(), 1);
    let card = &fleet[0];
    assert_eq!(
        (card.card.key.as_str(), card.card.inventory),
        ("1064800000001", true)
    );
    assert_eq!(card.taken_at, second);
    assert_eq!(card.snapshot.status, Some(CardStatus::Suspended));
    // The latest state's identifiers, not the card's earlier ones.
    assert_eq!(
        card.snapshot.iccid.as_ref().map(|i| i.as_str()),
        Some("89860000000000000001")
    );
    assert_eq!(card.snapshot.msisdn, None);
    let used = card.snapshot.usage.as_ref().unwrap();
    assert_eq!(
        used.data_used,
        Some(DataAmount::mb("2.25".parse().unwrap()))
    );
    assert_eq!(used.sms_used, Some(SmsCount(2)));
    let history = migrated.history(card.card.id, first, second + chrono::Duration::seconds(1));
    assert_eq!(history.await.unwrap().len(), 2);
    let runs = migrated.sync_runs(&[], 10).await.unwrap();
    assert_eq!((runs.len(), runs[0].outcome), (1, RunOutcome::Finished));
    let days = migrated
        .daily_by_cards(&[], second.date_naive(), second.date_naive())
        .await
        .unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(
        days[0].data_used,
        Some(DataAmount::mb("0.75".parse().unwrap()))
    );

    // The version 2 reads see the version 1 rows (the latest snapshot as
    // version 4 keeps it on the card, copied from them).
    let page = migrated
        .latest_page(card.card.account, None, 10)
        .await
        .unwrap();
    assert_eq!(page, fleet);
    let changes = migrated
        .status_changes(&[card.card.id], first)
        .await
        .unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].at, &changes[0].from, &changes[0].to),
        (
            second,
            &Some(CardStatus::Active),
            &Some(CardStatus::Suspended)
        )
    );

    // And both old and new writes work on the migrated store.
    let next = t("2026-12-01T09:00:00+08:00");
    common::sync(
        &migrated,
        card.card.account,
        next,
        vec![usage("1064800000001", "3", 3)],
    )
    .await;
    let entry = OutboxEntry {
        key: "k".into(),
        notifier: "ops".into(),
        rule: "quota".into(),
        profile: "acme".into(),
        payload: "{}".into(),
        created_at: next,
        due_at: next,
    };
    let report = migrated
        .commit_evaluation(&AlertChanges::default(), &[entry], None, next)
        .await
        .unwrap();
    assert_eq!(report.queued, 1);
    assert!(migrated
        .acquire_lease("sync:acme", "w", next, Duration::from_secs(5))
        .await
        .unwrap()
        .is_some());
    drop(migrated);

    // Opening it again applies nothing more.
    let reopened = Store::open_url(url).await.unwrap();
    assert_eq!(reopened.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(reopened.outbox(false, 10).await.unwrap().len(), 1);
    assert_eq!(
        reopened
            .fleet(&FleetFilter::default(), next)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// A store written by the version 2 schema (the watcher's tables in use)
/// gains the staged notices and the by-card alert index, and keeps its
/// cards, alerts, outbox and leases.
pub async fn a_v2_store_migrates_and_keeps_its_data(store: &Store) {
    let at = t("2026-11-30T09:00:00+08:00");
    let s = at.timestamp();
    let rows = |yes: &str| {
        format!(
            "INSERT INTO accounts (id, profile, provider, endpoint_host) \
             VALUES (1, 'acme', 'iotbos', 'sys.example.com'); \
             INSERT INTO cards (id, account_id, card_key, inventory) \
             VALUES (1, 1, '1064800000001', {yes}); \
             INSERT INTO alerts (profile, rule, card, phase, since, body) VALUES \
             ('acme', 'quota', '1064800000001', 'firing', {s}, '{{\"v\":1}}'), \
             ('acme', 'sync', '', 'pending', {s}, '{{}}'); \
             INSERT INTO outbox (idempotency_key, notifier, rule, profile, payload, \
               created_at, due_at) VALUES ('k-v2', 'ops', 'quota', 'acme', '{{}}', {s}, {s}); \
             INSERT INTO leases (name, holder, token, expires_at) \
             VALUES ('evaluate:acme', 'w', 7, {until});",
            until = s + 60,
        )
    };
    let postgres = format!(
        "{} SELECT setval(pg_get_serial_sequence(t, 'id'), 1) \
         FROM unnest(ARRAY['accounts', 'cards']) AS t;",
        rows("true")
    );
    let (url, _dir) = common::store_at_version(store, 2, &rows("1"), &postgres).await;

    let migrated = Store::open_url(url.clone()).await.unwrap();
    assert_eq!(migrated.schema_version().await.unwrap(), 4);
    let alerts = migrated.alert_rows(&[]).await.unwrap();
    assert_eq!(alerts.len(), 2);
    assert_eq!(
        migrated
            .card_alert_rows("acme", &["1064800000001".into()])
            .await
            .unwrap(),
        alerts[..1]
    );
    assert_eq!(alerts[0].body, r#"{"v":1}"#);
    assert_eq!(
        migrated.account_alert_rows("acme").await.unwrap(),
        alerts[1..]
    );
    // The inventory card has no snapshot: its alert is an unlisted one.
    let acme = AccountId(1);
    assert_eq!(
        migrated
            .unlisted_alert_rows("acme", acme, None, 10)
            .await
            .unwrap(),
        alerts[..1]
    );
    let outbox = migrated.outbox(false, 10).await.unwrap();
    assert_eq!(
        outbox.iter().map(|i| i.key.as_str()).collect::<Vec<_>>(),
        ["k-v2"]
    );
    let leases = migrated.leases().await.unwrap();
    assert_eq!((leases.len(), leases[0].token), (1, 7));

    // The new table works on the migrated store, fenced by the old lease.
    let staged = AlertChanges {
        notices: vec![AlertNotice {
            profile: "acme".into(),
            rule: "quota".into(),
            notify_at: at,
            body: "{}".into(),
        }],
        ..AlertChanges::default()
    };
    let report = migrated
        .commit_page(&staged, Some(&leases[0]), at)
        .await
        .unwrap();
    assert_eq!(report.notices_staged, 1);
    let entry = OutboxEntry {
        key: "k-v3".into(),
        notifier: "ops".into(),
        rule: "quota".into(),
        profile: "acme".into(),
        payload: "{}".into(),
        created_at: at,
        due_at: at,
    };
    let report = migrated
        .queue_notices("acme", &[entry], Some(&leases[0]), at)
        .await
        .unwrap();
    assert_eq!((report.queued, report.notices_consumed), (1, 1));
    drop(migrated);

    let reopened = Store::open_url(url).await.unwrap();
    assert_eq!(reopened.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(reopened.outbox(false, 10).await.unwrap().len(), 2);
    assert!(!reopened.has_staged_notices("acme").await.unwrap());
}
