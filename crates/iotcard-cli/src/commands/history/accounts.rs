//! The accounts a history command works on: profiles from `--profile`
//! (repeatable) or `--all-profiles`, each with its platform settings and
//! the part of them the store may keep.

use iotcard_store::AccountSpec;

use crate::cli::GlobalArgs;
use crate::config::{Env, Platform, Settings, Sources};
use crate::error::CliError;
use crate::provider::Provider;

/// The profile name the store keeps for the top level of the config.
pub const DEFAULT_PROFILE: &str = crate::config::watch::TOP_LEVEL;

/// One configured account.
#[derive(Debug)]
pub struct Configured {
    /// Its settings (with credentials: never stored, never shown).
    pub settings: Settings,
    /// What the store keeps: profile, provider, endpoint host.
    pub spec: AccountSpec,
}

/// The profiles named (none: the top level) or, with `all`, every profile
/// of the config file, and the top level when it configures a platform.
pub fn profiles(
    global: &GlobalArgs,
    env: &Env,
    all: bool,
) -> Result<Vec<Option<String>>, CliError> {
    if !all {
        return Ok(if global.profile.is_empty() {
            vec![None]
        } else {
            global.profile.iter().cloned().map(Some).collect()
        });
    }
    let sources = Sources::load(global.config.as_deref(), None, env.clone())?;
    let mut names: Vec<Option<String>> = Vec::new();
    if sources.top_level_configured() {
        names.push(None);
    }
    names.extend(sources.profile_names().into_iter().map(Some));
    if names.is_empty() {
        return Err(CliError::NoProvider(
            "--all-profiles: no account is configured in the environment or the config file".into(),
        ));
    }
    Ok(names)
}

/// The account of `profile` (`None`: the top level) on the platform
/// `--provider` or the configuration chooses.
pub fn configured(
    global: &GlobalArgs,
    env: &Env,
    profile: Option<&str>,
) -> Result<Configured, CliError> {
    let sources = Sources::load(global.config.as_deref(), profile, env.clone())?;
    let provider = sources.provider(global.provider)?;
    account(&sources, profile, provider)
}

/// Every account of `profile`: the chosen platform's, or both when the
/// profile configures both and nothing chooses (a sync then syncs each).
pub fn configured_all(
    global: &GlobalArgs,
    env: &Env,
    profile: Option<&str>,
) -> Result<Vec<Configured>, CliError> {
    let sources = Sources::load(global.config.as_deref(), profile, env.clone())?;
    let providers = match sources.provider(global.provider) {
        Ok(provider) => vec![provider],
        Err(CliError::NoProvider(_)) if sources.configures_both() => {
            vec![Provider::Iotbos, Provider::Tencent]
        }
        Err(e) => return Err(e),
    };
    providers
        .into_iter()
        .map(|provider| account(&sources, profile, provider))
        .collect()
}

fn account(
    sources: &Sources,
    profile: Option<&str>,
    provider: Provider,
) -> Result<Configured, CliError> {
    let settings = sources.settings(provider)?;
    let endpoint = match &settings.platform {
        Platform::Iotbos(s) => &s.endpoint,
        Platform::Tencent(s) => &s.endpoint,
    };
    let name = account_name(
        profile.unwrap_or(DEFAULT_PROFILE),
        provider,
        sources.configures_both(),
    );
    let spec = AccountSpec::new(name, provider.key(), endpoint_host(endpoint));
    Ok(Configured { settings, spec })
}

/// The store keeps one account per name: a profile that configures both
/// platforms holds two accounts, `PROFILE/iotbos` and `PROFILE/tencent`,
/// named so whichever platform a command picks.
pub fn account_name(profile: &str, provider: Provider, both: bool) -> String {
    if both {
        format!("{profile}/{}", provider.key())
    } else {
        profile.to_owned()
    }
}

/// The host and port of an endpoint URL, without scheme, user
/// information or path: what an account row may show.
pub fn endpoint_host(endpoint: &str) -> String {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host.to_owned()
}

/// Whether `provider` is asked through an inventory (it cannot list).
pub fn needs_inventory(provider: Provider) -> bool {
    provider == Provider::Iotbos
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_with_both_platforms_holds_two_accounts() {
        assert_eq!(account_name("shop", Provider::Iotbos, false), "shop");
        assert_eq!(
            account_name("shop", Provider::Tencent, true),
            "shop/tencent"
        );
    }

    #[test]
    fn hosts_keep_nothing_but_host_and_port() {
        assert_eq!(endpoint_host("http://sys.iotbos.com"), "sys.iotbos.com");
        assert_eq!(
            endpoint_host("https://127.0.0.1:8443/api?x=1"),
            "127.0.0.1:8443"
        );
        assert_eq!(endpoint_host("http://user:SENTINEL@h:1/p"), "h:1");
        assert_eq!(endpoint_host("[::1]:80"), "[::1]:80");
    }
}
