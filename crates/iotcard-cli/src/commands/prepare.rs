//! What every platform command does before it sends anything: find the
//! settings and check the platform offers the command. (The numbers are
//! checked by the job for the platform it runs on.)

use crate::cli::GlobalArgs;
use crate::config::{Env, Settings, Sources};
use crate::error::CliError;
use crate::provider::Query;

/// The settings of the platform that will answer `command`, or why it
/// cannot: configuration missing or invalid, or the command not offered.
pub fn settings_for(
    global: &GlobalArgs,
    env: Env,
    command: &'static str,
    query: Query,
) -> Result<Settings, CliError> {
    let sources = Sources::load(global.config.as_deref(), single_profile(global)?, env)?;
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

/// The one `--profile` a command for one account takes.
pub fn single_profile(global: &GlobalArgs) -> Result<Option<&str>, CliError> {
    match global.profile.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        [..] => Err(CliError::InvalidSetting {
            setting: "--profile",
            shown: global.profile.join(", "),
            origin: "the command line".into(),
            reason:
                "names more than one profile; only `sync` and the history commands take several"
                    .into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Provider;

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
}
