//! Which card platform a command talks to, and what each one can answer.

use std::fmt;

use clap::ValueEnum;

/// A card platform the CLI can talk to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, ValueEnum)]
pub enum Provider {
    /// IoTBOS (sys.iotbos.com): card numbers, SMS and data, tariffs.
    Iotbos,
    /// Tencent IoT card (yun.tim.qq.com): ICCIDs, data per period, card lists.
    Tencent,
}

impl Provider {
    /// The facade's name for this platform.
    pub fn platform(self) -> iotcard_facade::Provider {
        match self {
            Provider::Iotbos => iotcard_facade::Provider::Iotbos,
            Provider::Tencent => iotcard_facade::Provider::Tencent,
        }
    }

    /// The name used in flags, the environment and the config file.
    pub fn key(self) -> &'static str {
        self.platform().as_str()
    }

    /// The name an operator knows the platform by.
    pub fn title(self) -> &'static str {
        self.platform().title()
    }

    /// Parses the config-file / environment spelling (`iotbos`, `tencent`).
    pub fn from_key(s: &str) -> Option<Self> {
        match s.parse::<iotcard_facade::Provider>().ok()? {
            iotcard_facade::Provider::Iotbos => Some(Provider::Iotbos),
            iotcard_facade::Provider::Tencent => Some(Provider::Tencent),
            // A platform the facade speaks and this CLI does not yet.
            _ => None,
        }
    }

    /// Why this platform cannot answer `command`, or `None` when it can.
    ///
    /// Checked before any credential is read or request sent, so an operator
    /// learns it from the first try.
    pub fn refusal(self, command: Query) -> Option<&'static str> {
        match (self, command) {
            (Provider::Iotbos, Query::Cards) => Some(
                "the IoTBOS API has no call that lists an account's cards; \
                 give the numbers you hold to `iotcard export --from FILE`",
            ),
            (Provider::Iotbos, Query::Account) => Some(
                "the IoTBOS API has no account information call; \
                 only Tencent IoT card answers `account`",
            ),
            _ => None,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// The questions a command puts to a platform, for [`Provider::refusal`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Query {
    /// Per-card queries (`usage`, `remaining`, `expiry`, `status`, `plan`, `card`).
    PerCard,
    /// Listing every card of the account.
    Cards,
    /// Account information.
    Account,
    /// A full record for every card.
    Export,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tencent_lists_cards_and_accounts() {
        for q in [Query::Cards, Query::Account] {
            assert!(Provider::Iotbos.refusal(q).is_some());
            assert!(Provider::Tencent.refusal(q).is_none());
        }
        for q in [Query::PerCard, Query::Export] {
            assert!(Provider::Iotbos.refusal(q).is_none());
            assert!(Provider::Tencent.refusal(q).is_none());
        }
    }

    #[test]
    fn keys_round_trip() {
        for p in [Provider::Iotbos, Provider::Tencent] {
            assert_eq!(Provider::from_key(p.key()), Some(p));
        }
        assert_eq!(Provider::from_key(" Tencent "), Some(Provider::Tencent));
        assert_eq!(Provider::from_key("aliyun"), None);
    }
}
