//! One sync pass of one account, behind an object-safe trait: the
//! platforms' clients are generic ([`CardPlatform`] is not object-safe),
//! and a plan holds accounts of both.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use iotcard_facade::{CallStats, CardPlatform, Clock};
use iotcard_store::{AccountSpec, Store};
use iotcard_sync::{sync_account_telling, Committed, Summary, SyncError, SyncOptions};

/// A boxed future borrowing for `'a`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Runs one sync pass of an account into a store.
pub trait AccountSync: Send + Sync + fmt::Debug {
    /// The platform's name (`iotbos`, `tencent`): how its usage period runs.
    fn provider(&self) -> &'static str;

    /// One pass, as [`sync_account_telling`] runs it: `committed` told
    /// the keys of each batch once committed (the watcher evaluates them
    /// as the pass goes; when fewer are told than the pass answered, it
    /// evaluates every card once the pass ends), `cancel` resolving
    /// commits the batch in hand and records the run as interrupted.
    fn sync<'a>(
        &'a self,
        store: &'a Store,
        spec: &'a AccountSpec,
        clock: &'a dyn Clock,
        options: &'a SyncOptions,
        committed: Option<Committed>,
        cancel: BoxFuture<'a, ()>,
    ) -> BoxFuture<'a, Result<Summary, SyncError>>;

    /// The requests and retries its client has sent, where it counts them
    /// (served as `iotcard_requests_total` and `iotcard_retries_total`).
    fn call_stats(&self) -> Option<&CallStats> {
        None
    }
}

/// [`AccountSync`] for any [`CardPlatform`] client (built with the
/// account's request budget).
#[derive(Clone, Debug)]
pub struct PlatformSync<P>(pub P);

impl<P: CardPlatform> AccountSync for PlatformSync<P> {
    fn provider(&self) -> &'static str {
        self.0.capabilities().provider.as_str()
    }

    fn sync<'a>(
        &'a self,
        store: &'a Store,
        spec: &'a AccountSpec,
        clock: &'a dyn Clock,
        options: &'a SyncOptions,
        committed: Option<Committed>,
        cancel: BoxFuture<'a, ()>,
    ) -> BoxFuture<'a, Result<Summary, SyncError>> {
        Box::pin(sync_account_telling(
            &self.0,
            store,
            spec,
            clock,
            options,
            &|_| {},
            committed,
            cancel,
        ))
    }

    fn call_stats(&self) -> Option<&CallStats> {
        self.0.call_stats()
    }
}
