//! Inventory tags in SQLite.

use iotcard_model::CardNumber;
use rusqlite::{params, Connection};

use super::immediate;
use super::watch::json_ids;
use crate::account::AccountId;
use crate::error::{Context, Result};
use crate::query::CardId;
use crate::tags::CardTag;

pub(crate) fn inventory_add_tagged(
    connection: &mut Connection,
    account: AccountId,
    cards: &[CardNumber],
    tags: &[String],
) -> Result<u64> {
    let tx = immediate(connection)?;
    let mut added = 0;
    {
        // The inventory's own upsert (see `inventory_add`).
        let mut upsert = tx
            .prepare_cached(
                "INSERT INTO cards (account_id, card_key, inventory) VALUES (?1, ?2, 1) \
                 ON CONFLICT (account_id, card_key) DO UPDATE SET inventory = 1 \
                 WHERE inventory = 0",
            )
            .context("preparing the inventory insert")?;
        let mut tag = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO inventory_tags (card_id, tag) \
                 SELECT id, ?3 FROM cards WHERE account_id = ?1 AND card_key = ?2",
            )
            .context("preparing the tag insert")?;
        for card in cards {
            added += upsert
                .execute(params![account.0, card.as_str()])
                .context("adding a card to the inventory")? as u64;
            for t in tags {
                tag.execute(params![account.0, card.as_str(), t])
                    .context("tagging a card")?;
            }
        }
    }
    tx.commit().context("committing the inventory")?;
    Ok(added)
}

pub(crate) fn inventory_untag(
    connection: &mut Connection,
    account: AccountId,
    cards: &[CardNumber],
    tags: &[String],
) -> Result<u64> {
    let tx = immediate(connection)?;
    let mut removed = 0;
    {
        let mut untag = tx
            .prepare_cached(
                "DELETE FROM inventory_tags WHERE tag = ?3 AND card_id = \
                 (SELECT id FROM cards WHERE account_id = ?1 AND card_key = ?2)",
            )
            .context("preparing the tag removal")?;
        for card in cards {
            for t in tags {
                removed += untag
                    .execute(params![account.0, card.as_str(), t])
                    .context("taking a tag off")? as u64;
            }
        }
    }
    tx.commit().context("committing the tag removal")?;
    Ok(removed)
}

pub(crate) fn tags_of(connection: &mut Connection, ids: &[i64]) -> Result<Vec<CardTag>> {
    let mut statement = connection
        .prepare_cached(
            "SELECT card_id, tag FROM inventory_tags \
             WHERE card_id IN (SELECT value FROM json_each(?1)) ORDER BY card_id, tag",
        )
        .context("preparing the tag read")?;
    let mut rows = statement.query([json_ids(ids)]).context("reading tags")?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().context("reading tags")? {
        out.push(CardTag {
            card: CardId(row.get(0).context("reading tags")?),
            tag: row.get(1).context("reading tags")?,
        });
    }
    Ok(out)
}
