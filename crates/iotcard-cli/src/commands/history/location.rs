//! Where the history store is: `--store URL`, else `IOTCARD_STORE`, else
//! `store = "…"` in the config file, else a SQLite file under the XDG data
//! directory.

use std::ffi::OsString;

use iotcard_store::{Store, StoreUrl};

use crate::cli::GlobalArgs;
use crate::config::Sources;
use crate::error::CliError;

/// The store's URL, from the first place that gives one.
pub fn url(global: &GlobalArgs, sources: &Sources) -> Result<StoreUrl, CliError> {
    let given = global
        .store
        .as_deref()
        .map(|url| (url, "--store".to_owned()))
        .or_else(|| sources.store_url());
    match given {
        Some((text, origin)) => StoreUrl::parse(text).map_err(|source| CliError::InvalidSetting {
            setting: "store URL",
            // The store's own message shows the URL with any password hidden.
            shown: String::new(),
            origin,
            reason: source.to_string(),
        }),
        None => iotcard_store::default_url(|name| sources.env().get(name).map(OsString::from))
            .map_err(|source| CliError::Store {
                what: "has no location",
                source,
            }),
    }
}

/// Opens (creating and migrating as needed) the store `global` and the
/// sources point at.
pub async fn open(global: &GlobalArgs, sources: &Sources) -> Result<Store, CliError> {
    let url = url(global, sources)?;
    Store::open_url(url)
        .await
        .map_err(|source| CliError::Store {
            what: "cannot be opened",
            source,
        })
}

/// A store operation's error, saying what was being done.
pub fn failed(what: &'static str) -> impl FnOnce(iotcard_store::StoreError) -> CliError {
    move |source| CliError::Store { what, source }
}
