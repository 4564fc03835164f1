//! One sync pass of an iotcard account into the fleet history store
//! ([`iotcard_store`]): the library behind `iotcard sync`.
//!
//! A pass asks every card of one account for its whole snapshot, through
//! the provider-neutral [`CardPlatform`](iotcard_facade::CardPlatform):
//! Tencent lists its cards (with their details) itself; IoTBOS, which has
//! no listing call, is asked about the account's *inventory* — the cards
//! added to the store with [`Store::inventory_add`](iotcard_store::Store::inventory_add)
//! (`iotcard inventory add`).
//!
//! Results are written as they stream in, in batched transactions (a
//! batch commits at [`SyncOptions::batch_cards`] cards or when its first
//! result is [`SyncOptions::batch_age`] old, whichever comes first), each
//! with the run's counters, so a pass killed at any moment leaves whole,
//! counted batches and the next pass simply runs: the store marks the run
//! left open as interrupted when the next begins. A pass cancelled through
//! its `cancel` future commits what it holds and records the run as
//! interrupted itself.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use iotcard_facade::{IotbosClient, SystemClock};
//! use iotcard_store::{AccountSpec, Store};
//! use iotcard_sync::{sync_account, SyncOptions};
//!
//! let sim = iotcard_sim::Simulator::builder().cards(50).start().await?;
//! let creds = sim.credentials().clone();
//! let client = IotbosClient::builder()
//!     .endpoint(sim.iotbos_url())
//!     .account(creds.iotbos_account)
//!     .password(creds.iotbos_password)
//!     .build()?;
//! let dir = tempfile::tempdir()?;
//! let store = Store::open(&format!("sqlite://{}/h.sqlite3", dir.path().display())).await?;
//! let spec = AccountSpec::new("default", "iotbos", "sys.iotbos.com");
//! let account = store.account(&spec).await?;
//! let cards: Vec<_> = sim.fleet().numbers().take(20).collect();
//! store.inventory_add(account, &cards).await?;
//!
//! let never = std::future::pending::<()>();
//! let summary = sync_account(&client, &store, &spec, &SystemClock::default(), &SyncOptions::default(),
//!     &|_| {}, never).await?;
//! assert_eq!(summary.asked, 20);
//! assert_eq!(summary.answered + summary.not_found + summary.no_data + summary.failed, 20);
//! assert_eq!(summary.written, summary.answered);
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod error;
mod options;
mod pass;
mod pending;
mod summary;
mod writer;

pub use error::SyncError;
pub use options::SyncOptions;
pub use pass::{instant, sync_account, sync_account_telling};
pub use summary::{Grade, Summary};
pub use writer::Committed;
