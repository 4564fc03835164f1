//! Inventory tags: labels an operator gives cards (`iotcard inventory add
//! --tag T`), so a rule scoped by tags watches only the cards carrying one.

use iotcard_model::CardNumber;

use crate::account::AccountId;
use crate::error::{Result, StoreError};
use crate::query::CardId;
use crate::sqlite;
use crate::store::{Inner, Store};

/// The longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 64;

/// One tag of one card.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct CardTag {
    /// The card.
    pub card: CardId,
    /// The tag, as given.
    pub tag: String,
}

/// Refuses a tag a rule's `tags` could not name plainly: empty, longer
/// than [`MAX_TAG_CHARS`], or with whitespace, a control character or a
/// comma (which separates tags on a command line).
pub fn check_tags(tags: &[String]) -> Result<()> {
    for tag in tags {
        let problem = if tag.is_empty() {
            Some("is empty")
        } else if tag.chars().count() > MAX_TAG_CHARS {
            Some("is longer than 64 characters")
        } else if tag
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ',')
        {
            Some("has whitespace, a control character or a comma")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(StoreError::Invalid(format!("the tag {tag:?} {problem}")));
        }
    }
    Ok(())
}

impl Store {
    /// Adds cards to an account's inventory, as [`Store::inventory_add`]
    /// does, and gives each of them `tags` (tags a card has already stay),
    /// in one transaction. Returns how many cards were not in the inventory
    /// already. A tag that is empty, longer than [`MAX_TAG_CHARS`], or has
    /// whitespace, a control character or a comma is refused as
    /// [`StoreError::Invalid`] before anything is written.
    pub async fn inventory_add_tagged(
        &self,
        account: AccountId,
        cards: &[CardNumber],
        tags: &[String],
    ) -> Result<u64> {
        check_tags(tags)?;
        match &self.inner {
            Inner::Sqlite(db) => {
                let (cards, tags) = (cards.to_vec(), tags.to_vec());
                db.call(move |c| sqlite::inventory_add_tagged(c, account, &cards, &tags))
                    .await
            }
            Inner::Postgres(db) => db.inventory_add_tagged(account, cards, tags).await,
        }
    }

    /// Takes `tags` off these cards of an account (the cards stay in the
    /// inventory); returns how many tags were taken off.
    pub async fn inventory_untag(
        &self,
        account: AccountId,
        cards: &[CardNumber],
        tags: &[String],
    ) -> Result<u64> {
        match &self.inner {
            Inner::Sqlite(db) => {
                let (cards, tags) = (cards.to_vec(), tags.to_vec());
                db.call(move |c| sqlite::inventory_untag(c, account, &cards, &tags))
                    .await
            }
            Inner::Postgres(db) => db.inventory_untag(account, cards, tags).await,
        }
    }

    /// The tags of these cards, by card and tag: one read for a page of
    /// rule inputs. A card keeps its tags when it leaves the inventory,
    /// until they are taken off.
    pub async fn tags_of(&self, cards: &[CardId]) -> Result<Vec<CardTag>> {
        if cards.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = cards.iter().map(|c| c.0).collect();
        match &self.inner {
            Inner::Sqlite(db) => db.read(move |c| sqlite::tags_of(c, &ids)).await,
            Inner::Postgres(db) => db.tags_of(&ids).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_refused_with_what_is_wrong() {
        let tag = |s: &str| vec![s.to_owned()];
        assert!(check_tags(&tag("fleet-north")).is_ok());
        assert!(check_tags(&tag("冷链")).is_ok());
        assert!(check_tags(&tag(&"x".repeat(MAX_TAG_CHARS))).is_ok());
        for (bad, says) in [
            ("", "is empty"),
            ("a b", "whitespace"),
            ("a,b", "comma"),
            ("a\u{7}", "control"),
            (&"x".repeat(MAX_TAG_CHARS + 1), "longer than 64"),
        ] {
            let e = check_tags(&tag(bad)).unwrap_err().to_string();
            assert!(e.contains(says), "{bad:?}: {e}");
        }
    }
}
