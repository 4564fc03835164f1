//! `inventory add|remove|list`: the cards `sync` asks IoTBOS about.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use iotcard_facade::CardNumber;
use iotcard_store::{AccountId, Store};

use super::accounts::{self, DEFAULT_PROFILE};
use super::location::{self, failed};
use super::records::{InventoryRecord, INVENTORY};
use crate::cli::GlobalArgs;
use crate::commands::emit::Out;
use crate::commands::prepare::single_profile;
use crate::config::{Env, Sources};
use crate::error::CliError;
use crate::exit::Exit;
use crate::history_args::InventoryCommand;
use crate::input::{self, NumberReader};
use crate::provider::Provider;

/// Cards per transaction when adding or removing.
const CHUNK: usize = 10_000;

pub async fn run(
    global: &GlobalArgs,
    env: Env,
    command: &InventoryCommand,
) -> Result<Exit, CliError> {
    let profile = single_profile(global)?;
    let name = profile.unwrap_or(DEFAULT_PROFILE);
    match command {
        InventoryCommand::Add(file) => {
            // The account's provider and host come from its settings; the
            // numbers are all checked before anything is stored.
            let account = accounts::configured(global, &env, profile)?;
            let provider = account.settings.provider();
            if !accounts::needs_inventory(provider) {
                return Err(CliError::NotOffered {
                    command: "inventory",
                    provider,
                    why: "Tencent lists the account's cards itself: `iotcard sync` needs no inventory",
                });
            }
            let mut cards = read_numbers(&file.from)?;
            // Sorted across chunks, not only within one: the store gives
            // new cards ids in the order added, and a sync, which asks in
            // key order, writes fastest when ids follow the keys.
            cards.sort_unstable();
            let store = open(global, env).await?;
            let id = store
                .account(&account.spec)
                .await
                .map_err(failed("failed recording the account"))?;
            let mut added = 0;
            for chunk in cards.chunks(CHUNK) {
                added += store
                    .inventory_add(id, chunk)
                    .await
                    .map_err(failed("failed adding cards"))?;
            }
            eprintln!(
                "iotcard: {added} cards added to the inventory of profile {name} ({} already in it)",
                cards.len() as u64 - added
            );
            Ok(Exit::Success)
        }
        InventoryCommand::Remove(file) => {
            let cards = read_numbers(&file.from)?;
            let store = open(global, env).await?;
            let mut removed = 0;
            if let Some(id) = account_of(&store, name).await? {
                for chunk in cards.chunks(CHUNK) {
                    removed += store
                        .inventory_remove(id, chunk)
                        .await
                        .map_err(failed("failed removing cards"))?;
                }
            }
            eprintln!(
                "iotcard: {removed} cards removed from the inventory of profile {name} (their history stays)"
            );
            Ok(Exit::Success)
        }
        InventoryCommand::List => {
            let store = open(global, env).await?;
            let mut out = Out::stdout(global.output, INVENTORY);
            if let Some(id) = account_of(&store, name).await? {
                for card in store
                    .inventory(id)
                    .await
                    .map_err(failed("failed listing the inventory"))?
                {
                    out.write(&InventoryRecord {
                        card: card.as_str(),
                    })?;
                }
            }
            out.finish()?;
            Ok(Exit::Success)
        }
    }
}

async fn open(global: &GlobalArgs, env: Env) -> Result<Store, CliError> {
    let sources = Sources::load(global.config.as_deref(), None, env)?;
    location::open(global, &sources).await
}

/// The store's account of `profile`, if it has one.
async fn account_of(store: &Store, profile: &str) -> Result<Option<AccountId>, CliError> {
    let all = store
        .accounts()
        .await
        .map_err(failed("failed listing accounts"))?;
    // A profile configuring both platforms keeps its IoTBOS account as
    // `PROFILE/iotbos` (see `accounts::account_name`).
    let both = accounts::account_name(profile, Provider::Iotbos, true);
    Ok(all
        .into_iter()
        .find(|a| a.spec.profile == profile || a.spec.profile == both)
        .map(|a| a.id))
}

/// Every number in `from` (a file, or `-` for standard input), each
/// checked as the per-card commands check IoTBOS numbers.
fn read_numbers(from: &Path) -> Result<Vec<CardNumber>, CliError> {
    let (reader, name): (Box<dyn BufRead>, String) = if from == Path::new("-") {
        (
            Box::new(BufReader::new(std::io::stdin())),
            "standard input".into(),
        )
    } else {
        let file = File::open(from).map_err(|source| CliError::ReadCards {
            from: from.display().to_string(),
            source,
        })?;
        (Box::new(BufReader::new(file)), from.display().to_string())
    };
    let mut cards = Vec::new();
    for raw in NumberReader::new(reader, name.clone()) {
        cards.push(input::check::<CardNumber>(raw?)?.id);
    }
    if cards.is_empty() {
        return Err(CliError::NoCards(format!("{name} holds no card numbers")));
    }
    Ok(cards)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_checked_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.txt");
        std::fs::write(&path, "1064804085884, 1064804085885\n\n1064804085886\n").unwrap();
        assert_eq!(read_numbers(&path).unwrap().len(), 3);
        std::fs::write(&path, "1064804085884\n10648x\n").unwrap();
        let e = read_numbers(&path).unwrap_err();
        assert!(e.to_string().contains("n.txt line 2"), "{e}");
        assert_eq!(e.exit(), Exit::Usage);
        std::fs::write(&path, "\n").unwrap();
        assert!(matches!(read_numbers(&path), Err(CliError::NoCards(_))));
    }
}
