//! PostgreSQL only: a batch meets another connection's change to one of
//! its cards. The write path updates card rows where its lookup found
//! them; a row changed in between must still get the batch's values, and
//! keep the other change.

use std::time::Duration;

use iotcard_store::StoreUrl;

use crate::common::{account, batch, sync, t, texts, usage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_changed_during_a_batch_keeps_both_changes() {
    let Some(db) = crate::common::postgres().await else {
        return;
    };
    let store = &db.store;
    let StoreUrl::Postgres(url) = store.url().clone() else {
        panic!("a PostgreSQL store has a postgres URL");
    };
    let acc = account(store, "default", "iotbos").await;
    let key = "1064800000001";
    let (first, second) = (
        t("2026-11-30T09:00:00+08:00"),
        t("2026-11-30T10:00:00+08:00"),
    );
    sync(store, acc, first, vec![usage(key, "10", 1)]).await;
    let run = store.begin_run(acc, second).await.unwrap();

    // Another connection changes the card (as `inventory add` does) and
    // holds its row lock: the batch reads the old row, then waits on it.
    let (mut other, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let tx = other.transaction().await.unwrap();
    let changed = tx
        .execute(
            "UPDATE cards SET inventory = true WHERE card_key = $1",
            &[&key],
        )
        .await
        .unwrap();
    assert_eq!(changed, 1);
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .write_snapshots(run, &batch(second, vec![usage(key, "25", 3)]))
                .await
        })
    };
    wait_for_a_lock_wait(&url).await;
    tx.commit().await.unwrap();
    let report = writer.await.unwrap().unwrap();
    assert_eq!((report.written, report.duplicates), (1, 0));

    let card = texts(
        store,
        "",
        &format!("SELECT last_seen::text, inventory::text FROM cards WHERE card_key = '{key}'"),
    )
    .await;
    assert_eq!(
        card,
        vec![vec![
            Some(second.timestamp().to_string()),
            Some("true".to_owned())
        ]],
        "the batch's last_seen and the other connection's inventory flag"
    );
    let daily = texts(
        store,
        "",
        "SELECT snapshots::text, data_used::text, sms_used::text FROM daily",
    )
    .await;
    assert_eq!(
        daily,
        vec![vec![
            Some("2".to_owned()),
            Some("15".to_owned()),
            Some("2".to_owned())
        ]]
    );
}

/// Returns once some session of the database waits for a lock (the
/// batch, on the card row the test holds); fails after 10 s.
async fn wait_for_a_lock_wait(url: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    for _ in 0..500 {
        let waiting: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                 WHERE NOT l.granted AND a.datname = current_database()",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the batch never waited for the card row the test holds");
}
