//! Stores for the suite: a SQLite file in a temp dir, or a fresh database
//! in the PostgreSQL named by `IOTCARD_TEST_POSTGRES` (which `cargo xtask
//! test` starts). No mocks.

use std::sync::atomic::{AtomicU32, Ordering};

use iotcard_model::{
    CardKind, CardSnapshot, CardStatus, DataAmount, Instant, Money, NetworkStatus, Operator, Plan,
    Remaining, SmsCount, Usage,
};
use iotcard_store::{AccountId, AccountSpec, Batch, Observation, RunId, Store, StoreUrl};

pub struct Db {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> Db {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = format!(
        "sqlite://{}",
        dir.path().join("nested/history.sqlite3").display()
    );
    Db {
        store: Store::open(&url).await.expect("open SQLite"),
        _dir: Some(dir),
    }
}

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

static DATABASES: AtomicU32 = AtomicU32::new(0);

/// A fresh database, so tests run in parallel; `None` (with the reason on
/// stderr) when no server is configured outside CI. In CI that is a failure.
pub async fn postgres() -> Option<Db> {
    let url = fresh_postgres_database().await?;
    Some(Db {
        store: Store::open(&url).await.expect("open PostgreSQL"),
        _dir: None,
    })
}

/// The URL of a new, empty database in the test PostgreSQL (see [`postgres`]).
async fn fresh_postgres_database() -> Option<String> {
    let Some(base) = std::env::var("IOTCARD_TEST_POSTGRES")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        assert!(
            !is_ci(),
            "CI is set but IOTCARD_TEST_POSTGRES is not: run the tests through `cargo xtask test`, \
             which starts a throwaway PostgreSQL"
        );
        eprintln!(
            "SKIPPED: IOTCARD_TEST_POSTGRES is not set (`cargo xtask test` or `cargo xtask \
             with-postgres cargo test -p iotcard-store` start a throwaway PostgreSQL)"
        );
        return None;
    };
    let name = format!(
        "iotcard_test_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed)
    );
    let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .expect("connect to the test PostgreSQL");
    let task = tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    drop(client);
    let _ = task.await;
    let (prefix, _) = base.rsplit_once('/').expect("a URL with a database");
    Some(format!("{prefix}/{name}"))
}

/// A store as schema version `version` left it (its migrations applied by
/// hand, as that build would have), with `sqlite` or `postgres` run on it
/// after: the URL to open it at, and the temp dir that holds a SQLite one.
pub async fn store_at_version(
    like: &Store,
    version: usize,
    sqlite: &str,
    postgres: &str,
) -> (StoreUrl, Option<tempfile::TempDir>) {
    // What each version's migration ran, in order (the store's own files).
    const SQLITE: [&str; 2] = [
        include_str!("../../src/sqlite/schema_v1.sql"),
        include_str!("../../src/sqlite/schema_v2.sql"),
    ];
    const POSTGRES: [&str; 2] = [
        include_str!("../../src/postgres/schema_v1.sql"),
        include_str!("../../src/postgres/schema_v2.sql"),
    ];
    assert!(
        (1..=SQLITE.len()).contains(&version),
        "no schema files for version {version}"
    );
    match like.url() {
        StoreUrl::Sqlite(_) => {
            let dir = tempfile::tempdir().expect("a temp dir");
            let path = dir.path().join(format!("v{version}.sqlite3"));
            let connection = rusqlite::Connection::open(&path).unwrap();
            for script in &SQLITE[..version] {
                connection.execute_batch(script).unwrap();
            }
            connection
                .pragma_update(None, "user_version", version as i64)
                .unwrap();
            connection.execute_batch(sqlite).unwrap();
            (StoreUrl::Sqlite(path), Some(dir))
        }
        StoreUrl::Postgres(_) => {
            let url = fresh_postgres_database()
                .await
                .expect("a PostgreSQL store implies a server");
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            let mut sql = String::from("CREATE TABLE schema_version (version bigint NOT NULL); ");
            for (index, script) in POSTGRES[..version].iter().enumerate() {
                sql.push_str(&format!(
                    "{script}\nINSERT INTO schema_version VALUES ({});\n",
                    index + 1
                ));
            }
            sql.push_str(postgres);
            client.batch_execute(&sql).await.unwrap();
            (StoreUrl::parse(&url).unwrap(), None)
        }
        other => panic!("unexpected store {other}"),
    }
}

/// Runs `sql` on the store's database directly (what a person with
/// `sqlite3` or `psql` would do).
pub async fn raw(store: &Store, sql: &str) {
    match store.url().clone() {
        StoreUrl::Sqlite(path) => {
            let connection = rusqlite::Connection::open(path).unwrap();
            connection.execute_batch(sql).unwrap();
        }
        StoreUrl::Postgres(url) => {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client.batch_execute(sql).await.unwrap();
        }
        other => panic!("unexpected store {other}"),
    }
}

/// The rows of `sql`, every column as text (NULL as `None`). SQLite and
/// PostgreSQL spell casts differently, so each gets its own query.
pub async fn texts(
    store: &Store,
    sqlite_sql: &str,
    postgres_sql: &str,
) -> Vec<Vec<Option<String>>> {
    match store.url().clone() {
        StoreUrl::Sqlite(path) => {
            let connection = rusqlite::Connection::open(path).unwrap();
            let mut statement = connection.prepare(sqlite_sql).unwrap();
            let columns = statement.column_count();
            let rows = statement
                .query_map([], |row| {
                    (0..columns)
                        .map(|i| row.get::<_, Option<String>>(i))
                        .collect::<rusqlite::Result<Vec<_>>>()
                })
                .unwrap();
            rows.map(Result::unwrap).collect()
        }
        StoreUrl::Postgres(url) => {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            let rows = client.query(postgres_sql, &[]).await.unwrap();
            rows.iter()
                .map(|row| {
                    (0..row.len())
                        .map(|i| row.get::<_, Option<String>>(i))
                        .collect()
                })
                .collect()
        }
        other => panic!("unexpected store {other}"),
    }
}

/// The column names of a view.
pub async fn columns(store: &Store, view: &str) -> Vec<String> {
    match store.url().clone() {
        StoreUrl::Sqlite(path) => {
            let connection = rusqlite::Connection::open(path).unwrap();
            let statement = connection
                .prepare(&format!("SELECT * FROM {view}"))
                .unwrap();
            statement.column_names().map(str::to_owned).collect()
        }
        StoreUrl::Postgres(url) => {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            let statement = client
                .prepare(&format!("SELECT * FROM {view}"))
                .await
                .unwrap();
            statement
                .columns()
                .iter()
                .map(|c| c.name().to_owned())
                .collect()
        }
        other => panic!("unexpected store {other}"),
    }
}

pub fn t(text: &str) -> Instant {
    chrono::DateTime::parse_from_rfc3339(text).expect("an RFC 3339 time")
}

pub async fn account(store: &Store, profile: &str, provider: &str) -> AccountId {
    store
        .account(&AccountSpec::new(profile, provider, "sys.example.com"))
        .await
        .unwrap()
}

/// A card with month-to-date figures only (as a sync of IoTBOS usage gives).
pub fn usage(key: &str, data_used: &str, sms_used: i64) -> CardSnapshot {
    CardSnapshot {
        card: key.into(),
        status: Some(CardStatus::Active),
        usage: Some(Usage {
            sms_used: Some(SmsCount(sms_used)),
            data_used: Some(DataAmount::provider_unit(data_used.parse().unwrap())),
        }),
        ..CardSnapshot::default()
    }
}

/// A card with every field, the awkward values included.
pub fn full(key: &str) -> CardSnapshot {
    CardSnapshot {
        card: key.into(),
        iccid: Some("898602b7091701054333".parse().unwrap()),
        msisdn: Some("1064878384333".parse().unwrap()),
        operator: Some(Operator::ChinaMobile),
        kind: Some(CardKind::Pooled),
        status: Some(CardStatus::Other("冻结".into())),
        network: Some(NetworkStatus::Other("0".into())),
        usage: Some(Usage {
            sms_used: Some(SmsCount(-3)),
            data_used: Some(DataAmount::mb("14.970".parse().unwrap())),
        }),
        remaining: Some(Remaining {
            sms_left: Some(SmsCount(0)),
            data_left: Some(DataAmount::provider_unit("-8359".parse().unwrap())),
        }),
        plan: Some(Plan {
            name: Some("月包 1GB".into()),
            monthly_fee: Some(Money::from_yuan("1.00".parse().unwrap())),
            included_sms: Some(SmsCount(10)),
            sms_overage_price: Some(Money::from_yuan("0.10".parse().unwrap())),
            included_data: Some(DataAmount::provider_unit("1024.000".parse().unwrap())),
            data_overage_price: Some(Money::from_yuan("0.0001".parse().unwrap())),
            product_id: Some("p-1".into()),
            pool_id: Some("pool-9".into()),
        }),
        expires_at: Some(t("2027-01-31T23:59:59+08:00")),
    }
}

pub fn batch(at: Instant, snapshots: impl IntoIterator<Item = CardSnapshot>) -> Batch {
    let snapshots: Vec<Observation> = snapshots
        .into_iter()
        .map(|snapshot| Observation {
            taken_at: at,
            snapshot,
        })
        .collect();
    Batch {
        asked: snapshots.len() as u64,
        snapshots,
        ..Batch::default()
    }
}

/// One whole run at `at` writing `snapshots`.
pub async fn sync(
    store: &Store,
    account: AccountId,
    at: Instant,
    snapshots: Vec<CardSnapshot>,
) -> RunId {
    let run = store.begin_run(account, at).await.unwrap();
    store
        .write_snapshots(run, &batch(at, snapshots))
        .await
        .unwrap();
    store.finish_run(run, at).await.unwrap();
    run
}
