//! Inventory tags in PostgreSQL.

use iotcard_model::CardNumber;

use super::Postgres;
use crate::account::AccountId;
use crate::error::{Context, Result};
use crate::query::CardId;
use crate::tags::CardTag;

impl Postgres {
    pub(crate) async fn inventory_add_tagged(
        &self,
        account: AccountId,
        cards: &[CardNumber],
        tags: &[String],
    ) -> Result<u64> {
        let keys: Vec<&str> = cards.iter().map(CardNumber::as_str).collect();
        let mut client = self.client.lock().await;
        let tx = client
            .transaction()
            .await
            .context("starting the inventory")?;
        // The inventory's own upsert (see `inventory_add`).
        let added = tx
            .execute(
                "INSERT INTO cards (account_id, card_key, inventory) \
                 SELECT DISTINCT $1::bigint, k, true FROM unnest($2::text[]) k \
                 ON CONFLICT (account_id, card_key) DO UPDATE SET inventory = true \
                 WHERE cards.inventory = false",
                &[&account.0, &keys],
            )
            .await
            .context("adding cards to the inventory")?;
        tx.execute(
            "INSERT INTO inventory_tags (card_id, tag) \
             SELECT c.id, t FROM cards c CROSS JOIN unnest($3::text[]) t \
             WHERE c.account_id = $1 AND c.card_key = ANY($2) \
             ON CONFLICT DO NOTHING",
            &[&account.0, &keys, &tags],
        )
        .await
        .context("tagging cards")?;
        tx.commit().await.context("committing the inventory")?;
        Ok(added)
    }

    pub(crate) async fn inventory_untag(
        &self,
        account: AccountId,
        cards: &[CardNumber],
        tags: &[String],
    ) -> Result<u64> {
        let keys: Vec<&str> = cards.iter().map(CardNumber::as_str).collect();
        let client = self.client.lock().await;
        client
            .execute(
                "DELETE FROM inventory_tags t USING cards c \
                 WHERE t.card_id = c.id AND c.account_id = $1 AND c.card_key = ANY($2) \
                 AND t.tag = ANY($3)",
                &[&account.0, &keys, &tags],
            )
            .await
            .context("taking tags off")
    }

    pub(crate) async fn tags_of(&self, ids: &[i64]) -> Result<Vec<CardTag>> {
        let client = self.client.lock().await;
        let rows = client
            .query(
                "SELECT card_id, tag FROM inventory_tags WHERE card_id = ANY($1) \
                 ORDER BY card_id, tag",
                &[&ids],
            )
            .await
            .context("reading tags")?;
        rows.iter()
            .map(|row| {
                Ok(CardTag {
                    card: CardId(row.try_get(0).context("reading tags")?),
                    tag: row.try_get(1).context("reading tags")?,
                })
            })
            .collect()
    }
}
