//! What every platform command does before it sends anything: find the
//! settings, check the platform offers the command, check the numbers.

use std::io::BufRead;

use iotcard_model::{CardNumber, Iccid};

use crate::cli::GlobalArgs;
use crate::config::{Env, Settings, Sources};
use crate::error::CliError;
use crate::input::{self, Asked, Raw};
use crate::provider::Query;

/// The settings of the platform that will answer `command`, or why it
/// cannot: configuration missing or invalid, or the command not offered.
pub fn settings_for(
    global: &GlobalArgs,
    env: Env,
    command: &'static str,
    query: Query,
) -> Result<Settings, CliError> {
    let sources = Sources::load(global.config.as_deref(), global.profile.as_deref(), env)?;
    let provider = sources.provider(global.provider)?;
    if let Some(why) = provider.refusal(query) {
        return Err(CliError::NotOffered {
            command,
            provider,
            why,
        });
    }
    sources.settings(provider)
}

/// Distinct cards, checked for the platform that will be asked.
#[derive(Debug)]
pub enum Cards {
    /// IoTBOS card numbers.
    Iotbos(Vec<Asked<CardNumber>>),
    /// Tencent ICCIDs.
    Tencent(Vec<Asked<Iccid>>),
}

impl Cards {
    /// The cards named by `args` (and standard input for `-`), for the
    /// platform of `settings`.
    pub fn from_args(
        settings: &Settings,
        args: &[String],
        stdin: impl BufRead,
    ) -> Result<Self, CliError> {
        let raws: Vec<Raw> = input::from_args(args, stdin)?;
        Ok(match settings.provider() {
            crate::provider::Provider::Iotbos => Cards::Iotbos(input::distinct_cards(raws)?),
            crate::provider::Provider::Tencent => Cards::Tencent(input::distinct_cards(raws)?),
        })
    }

    /// Each card as asked, in order.
    pub fn asked(&self) -> Vec<&str> {
        match self {
            Cards::Iotbos(c) => c.iter().map(|a| a.asked.as_str()).collect(),
            Cards::Tencent(c) => c.iter().map(|a| a.asked.as_str()).collect(),
        }
    }

    /// How many distinct cards.
    pub fn len(&self) -> usize {
        match self {
            Cards::Iotbos(c) => c.len(),
            Cards::Tencent(c) => c.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::env;
    use crate::provider::Provider;
    use std::io::Cursor;

    fn global(provider: Option<Provider>) -> GlobalArgs {
        GlobalArgs {
            provider,
            ..GlobalArgs::default()
        }
    }

    #[test]
    fn not_offered_is_found_before_credentials_are_needed() {
        let e = settings_for(
            &global(Some(Provider::Iotbos)),
            Env::default(),
            "cards",
            Query::Cards,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                CliError::NotOffered {
                    command: "cards",
                    ..
                }
            ),
            "{e}"
        );
        let e = settings_for(
            &global(Some(Provider::Iotbos)),
            Env::default(),
            "usage",
            Query::PerCard,
        )
        .unwrap_err();
        assert!(matches!(e, CliError::MissingSetting { .. }), "{e}");
    }

    #[test]
    fn numbers_are_checked_for_the_chosen_platform() {
        let env = Env::from_pairs([
            (env::TENCENT_SDKAPPID, "1400009099"),
            (env::TENCENT_APPKEY, "k"),
        ]);
        let settings = settings_for(&global(None), env, "card", Query::PerCard).unwrap();
        let args = ["898602B7091701054333".to_owned(), "-".to_owned()];
        let cards =
            Cards::from_args(&settings, &args, Cursor::new("898602b7091701054333\n")).unwrap();
        assert!(matches!(cards, Cards::Tencent(_)));
        assert_eq!(cards.len(), 1);
        let e = Cards::from_args(&settings, &["1064804085884".to_owned()], Cursor::new(""))
            .unwrap_err();
        assert!(matches!(e, CliError::InvalidCard { .. }), "{e}");
    }
}
