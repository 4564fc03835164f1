//! A pass evaluated page by page: each page's alert rows read by card, its
//! changes and notices committed as it goes, and the staged notices turned
//! into outbox entries by the pass's last, fenced commit.

use std::time::Duration;

use iotcard_model::{CardNumber, Instant};
use iotcard_store::{
    AlertChanges, AlertNotice, AlertRow, Lease, OutboxEntry, StagedNotice, Store, StoreError,
};

use crate::common::{account, sync, t, usage};

fn alert(rule: &str, profile: &str, card: Option<&str>, since: Instant) -> AlertRow {
    AlertRow {
        rule: rule.into(),
        profile: profile.into(),
        card: card.map(Into::into),
        phase: "firing".into(),
        since,
        body: format!(r#"{{"rule":"{rule}","card":{card:?}}}"#),
    }
}

fn notice(profile: &str, rule: &str, at: Instant, body: &str) -> AlertNotice {
    AlertNotice {
        profile: profile.into(),
        rule: rule.into(),
        notify_at: at,
        body: body.into(),
    }
}

fn entry(profile: &str, key: &str, at: Instant) -> OutboxEntry {
    OutboxEntry {
        key: key.into(),
        notifier: "ops".into(),
        rule: "quota".into(),
        profile: profile.into(),
        payload: format!(r#"{{"key":"{key}"}}"#),
        created_at: at,
        due_at: at,
    }
}

fn page(upserts: Vec<AlertRow>, notices: Vec<AlertNotice>) -> AlertChanges {
    AlertChanges {
        upserts,
        notices,
        ..AlertChanges::default()
    }
}

async fn lease(store: &Store, at: Instant) -> Lease {
    store
        .acquire_lease("evaluate:acme", "watcher-a", at, Duration::from_secs(60))
        .await
        .unwrap()
        .expect("a free lease")
}

fn notices_of(staged: &[StagedNotice]) -> Vec<AlertNotice> {
    staged.iter().map(|s| s.notice.clone()).collect()
}

pub async fn page_commits_stage_notices_and_a_lost_lease_writes_nothing(store: &Store) {
    let at = t("2026-11-30T09:00:00+08:00");
    let fence = lease(store, at).await;
    let first = vec![
        notice("acme", "quota", at, r#"{"card":"1064800000001","n":1}"#),
        notice("acme", "stale", at, r#"{"note":"引号 \" and \\ kept"}"#),
    ];
    let report = store
        .commit_page(
            &page(
                vec![alert("quota", "acme", Some("1064800000001"), at)],
                first.clone(),
            ),
            Some(&fence),
            at,
        )
        .await
        .unwrap();
    assert_eq!(
        (report.alerts_written, report.notices_staged, report.queued),
        (1, 2, 0)
    );
    // A second page's notices come after the first's.
    let later = t("2026-11-30T09:00:05+08:00");
    let second = vec![notice("acme", "quota", later, r#"{"n":3}"#)];
    let report = store
        .commit_page(&page(Vec::new(), second.clone()), Some(&fence), later)
        .await
        .unwrap();
    assert_eq!(report.notices_staged, 1);

    let staged = store.staged_notices("acme", 0, 10).await.unwrap();
    let all: Vec<AlertNotice> = first.iter().chain(&second).cloned().collect();
    assert_eq!(notices_of(&staged), all);
    assert!(staged.windows(2).all(|w| w[0].id < w[1].id), "{staged:?}");
    // Paged by id.
    let head = store.staged_notices("acme", 0, 1).await.unwrap();
    assert_eq!(head, staged[..1]);
    let rest = store.staged_notices("acme", head[0].id, 10).await.unwrap();
    assert_eq!(rest, staged[1..]);
    assert!(store.has_staged_notices("acme").await.unwrap());
    assert!(!store.has_staged_notices("shop").await.unwrap());
    assert!(store
        .staged_notices("shop", 0, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store.outbox(false, 10).await.unwrap().is_empty());

    // The lease expired: neither the page's alert nor its notice lands.
    let stale = page(
        vec![alert("quota", "acme", Some("1064800000002"), at)],
        vec![notice("acme", "quota", at, "{}")],
    );
    let error = store
        .commit_page(&stale, Some(&fence), fence.expires_at)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::LeaseLost { .. }), "{error}");
    // A notice without a profile is refused before anything is written.
    let nameless = page(
        vec![alert("quota", "acme", Some("1064800000002"), at)],
        vec![notice("", "quota", at, "{}")],
    );
    let error = store.commit_page(&nameless, None, at).await.unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error}");
    assert_eq!(store.staged_notices("acme", 0, 10).await.unwrap(), staged);
    assert_eq!(store.alert_rows(&[]).await.unwrap().len(), 1);
}

pub async fn queue_notices_queues_and_consumes_one_profiles_notices(store: &Store) {
    let at = t("2026-11-30T09:00:00+08:00");
    let fence = lease(store, at).await;
    let acme = vec![
        notice("acme", "quota", at, r#"{"n":1}"#),
        notice("acme", "quota", at, r#"{"n":2}"#),
    ];
    let shop = vec![notice("shop", "quota", at, r#"{"n":3}"#)];
    store
        .commit_page(&page(Vec::new(), acme), None, at)
        .await
        .unwrap();
    store
        .commit_page(&page(Vec::new(), shop.clone()), None, at)
        .await
        .unwrap();
    // A key an earlier pass already queued.
    store
        .commit_evaluation(
            &AlertChanges::default(),
            &[entry("acme", "k-old", at)],
            None,
            at,
        )
        .await
        .unwrap();
    let outbox = [
        entry("acme", "k-1", at),
        entry("acme", "k-old", at),
        entry("acme", "k-2", at),
    ];

    // A lost lease: no entry queued, no notice consumed.
    let error = store
        .queue_notices("acme", &outbox, Some(&fence), fence.expires_at)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::LeaseLost { .. }), "{error}");
    assert_eq!(store.outbox(false, 10).await.unwrap().len(), 1);
    assert_eq!(store.staged_notices("acme", 0, 10).await.unwrap().len(), 2);

    let report = store
        .queue_notices("acme", &outbox, Some(&fence), at)
        .await
        .unwrap();
    assert_eq!(
        (
            report.queued,
            report.already_queued,
            report.notices_consumed,
            report.notices_staged
        ),
        (2, 1, 2, 0)
    );
    let keys: Vec<String> = store
        .outbox(false, 10)
        .await
        .unwrap()
        .into_iter()
        .rev()
        .map(|item| item.key)
        .collect();
    assert_eq!(keys, ["k-old", "k-1", "k-2"]);
    assert!(!store.has_staged_notices("acme").await.unwrap());
    // Another profile's notices stay for its own pass.
    assert_eq!(
        notices_of(&store.staged_notices("shop", 0, 10).await.unwrap()),
        shop
    );

    // Nothing left to consume; a nameless profile is refused.
    let report = store.queue_notices("acme", &[], None, at).await.unwrap();
    assert_eq!(report.notices_consumed, 0);
    let error = store.queue_notices("", &[], None, at).await.unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error}");
    assert!(store.has_staged_notices("shop").await.unwrap());
}

pub async fn card_alert_rows_read_only_the_asked_cards(store: &Store) {
    let at = t("2026-11-30T09:00:00+08:00");
    let rows = vec![
        alert("stale", "acme", Some("1064800000001"), at),
        alert("quota", "acme", Some("1064800000001"), at),
        alert("quota", "acme", Some("1064800000002"), at),
        alert("quota", "acme", Some("1064800000003"), at),
        alert("sync", "acme", None, at),
        alert("quota", "shop", Some("1064800000001"), at),
    ];
    store
        .commit_page(&page(rows.clone(), Vec::new()), None, at)
        .await
        .unwrap();
    let asked = ["1064800000003".to_owned(), "1064800000001".to_owned()];
    assert_eq!(
        store.card_alert_rows("acme", &asked).await.unwrap(),
        vec![rows[1].clone(), rows[0].clone(), rows[3].clone()],
        "by card then rule, only the asked cards of the asked profile"
    );
    assert_eq!(
        store.card_alert_rows("shop", &asked).await.unwrap(),
        vec![rows[5].clone()]
    );
    assert!(store.card_alert_rows("acme", &[]).await.unwrap().is_empty());
    // The account-level row is no card's.
    let none = ["1064800009999".to_owned(), String::new()];
    assert!(store
        .card_alert_rows("acme", &none)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.account_alert_rows("acme").await.unwrap(),
        vec![rows[4].clone()]
    );
    assert!(store.account_alert_rows("shop").await.unwrap().is_empty());
    // Keys that ascend (read as one range of keys on SQLite): still only
    // the asked cards' rows, not those of other cards within the range.
    let ascending = ["1064800000001".to_owned(), "1064800000003".to_owned()];
    assert_eq!(
        store.card_alert_rows("acme", &ascending).await.unwrap(),
        vec![rows[1].clone(), rows[0].clone(), rows[3].clone()],
        "002 lies within the range and is not asked for"
    );
    let one = ["1064800000002".to_owned()];
    assert_eq!(
        store.card_alert_rows("acme", &one).await.unwrap(),
        vec![rows[2].clone()]
    );
    let with_empty = [String::new(), "1064800000001".to_owned()];
    assert_eq!(
        store.card_alert_rows("acme", &with_empty).await.unwrap(),
        vec![rows[1].clone(), rows[0].clone()],
        "an empty key asked for is no card, in a range too"
    );
    assert_eq!(store.card_alert_count("acme").await.unwrap(), 4);
    assert_eq!(store.card_alert_count("shop").await.unwrap(), 1);
    assert_eq!(store.card_alert_count("nobody").await.unwrap(), 0);
}

pub async fn unlisted_alert_rows_page_past_listed_cards(store: &Store) {
    let at = t("2026-11-30T09:00:00+08:00");
    let acme = account(store, "acme", "iotbos").await;
    let shop = account(store, "shop", "iotbos").await;
    // Listed: 001 and 004 have snapshots. 003 is an inventory card never
    // seen (a card row, last_seen NULL); 005 is a card of another account
    // only; 002 has no card row at all.
    sync(
        store,
        acme,
        at,
        vec![
            usage("1064800000001", "1", 1),
            usage("1064800000004", "1", 1),
        ],
    )
    .await;
    let never_seen: CardNumber = "1064800000003".parse().unwrap();
    assert_eq!(store.inventory_add(acme, &[never_seen]).await.unwrap(), 1);
    sync(store, shop, at, vec![usage("1064800000005", "1", 1)]).await;
    let listed: Vec<String> = store
        .latest_page(acme, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.card.key)
        .collect();
    assert_eq!(listed, ["1064800000001", "1064800000004"]);

    let rows = vec![
        alert("quota", "acme", Some("1064800000001"), at),
        alert("stale", "acme", Some("1064800000002"), at),
        alert("quota", "acme", Some("1064800000002"), at),
        alert("quota", "acme", Some("1064800000003"), at),
        alert("stale", "acme", Some("1064800000004"), at),
        alert("quota", "acme", Some("1064800000005"), at),
        alert("sync", "acme", None, at),
        alert("quota", "shop", Some("1064800000002"), at),
    ];
    store
        .commit_page(&page(rows.clone(), Vec::new()), None, at)
        .await
        .unwrap();
    let expected = vec![
        rows[2].clone(),
        rows[1].clone(),
        rows[3].clone(),
        rows[5].clone(),
    ];

    // One row a page: the walk crosses from (002, quota) to (002, stale)
    // within a card, then on to the next cards, and ends with an empty page.
    let mut walked = Vec::new();
    let mut after: Option<(String, String)> = None;
    loop {
        let next = store
            .unlisted_alert_rows(
                "acme",
                acme,
                after.as_ref().map(|(c, r)| (c.as_str(), r.as_str())),
                1,
            )
            .await
            .unwrap();
        assert!(next.len() <= 1, "{next:?}");
        let Some(last) = next.last() else { break };
        after = Some((
            last.card.clone().expect("a card-level row"),
            last.rule.clone(),
        ));
        walked.extend(next);
        assert!(walked.len() <= expected.len(), "{walked:?}");
    }
    assert_eq!(walked, expected);
    assert_eq!(
        store
            .unlisted_alert_rows("acme", acme, None, 10)
            .await
            .unwrap(),
        expected
    );
    assert_eq!(
        store
            .unlisted_alert_rows("acme", acme, Some(("1064800000002", "quota")), 2)
            .await
            .unwrap(),
        expected[1..3]
    );
    // For shop's account, its own card 005 is listed; its alert on 002 is not.
    assert_eq!(
        store
            .unlisted_alert_rows("shop", shop, None, 10)
            .await
            .unwrap(),
        vec![rows[7].clone()]
    );
}
