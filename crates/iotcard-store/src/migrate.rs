//! Versioned schema migrations, applied on open.
//!
//! Each version is one SQL script per backend, applied in a transaction
//! together with the bump of `schema_version`, so a store is always at a
//! whole version. A store at a version above [`SUPPORTED`] was written by a
//! newer iotcard and is refused before anything is touched.

use crate::error::StoreError;

/// One schema version.
pub(crate) struct Migration {
    pub version: i64,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// Every version, oldest first; a new version is appended, never edited.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("sqlite/schema_v1.sql"),
        postgres: include_str!("postgres/schema_v1.sql"),
    },
    // The watcher's alert state, outbox and leases.
    Migration {
        version: 2,
        sqlite: include_str!("sqlite/schema_v2.sql"),
        postgres: include_str!("postgres/schema_v2.sql"),
    },
    // Notices staged page by page, and alert reads by card.
    Migration {
        version: 3,
        sqlite: include_str!("sqlite/schema_v3.sql"),
        postgres: include_str!("postgres/schema_v3.sql"),
    },
    // Each card's latest figures and state on its own row.
    Migration {
        version: 4,
        sqlite: include_str!("sqlite/schema_v4.sql"),
        postgres: include_str!("postgres/schema_v4.sql"),
    },
];

/// The newest schema version this build knows.
pub const SUPPORTED: i64 = 4;

/// The migrations to apply to a store at `found`, or why not.
pub(crate) fn pending(found: i64) -> Result<&'static [Migration], StoreError> {
    if found > SUPPORTED {
        return Err(StoreError::TooNew {
            found,
            supported: SUPPORTED,
        });
    }
    let start = MIGRATIONS
        .iter()
        .position(|m| m.version > found)
        .unwrap_or(MIGRATIONS.len());
    Ok(&MIGRATIONS[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_and_end_at_supported() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, index as i64 + 1);
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(SUPPORTED));
        assert_eq!(pending(0).unwrap().len(), MIGRATIONS.len());
        assert!(pending(SUPPORTED).unwrap().is_empty());
        assert!(matches!(
            pending(SUPPORTED + 1),
            Err(StoreError::TooNew { found, .. }) if found == SUPPORTED + 1
        ));
    }
}
