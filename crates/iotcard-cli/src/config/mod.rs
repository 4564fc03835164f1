//! Settings: from the environment, which wins, else the config file's
//! profile, else its top level, else the documented defaults.

mod check;
pub mod env;
pub mod file;
pub mod watch;

use std::fmt;
use std::path::{Path, PathBuf};

use iotcard_model::Secret;

pub use env::Env;
use file::{ConfigFile, Layer, Location};
pub use watch::WatchConfig;

use crate::error::CliError;
use crate::provider::Provider;

/// IoTBOS's documented base URL.
pub const IOTBOS_DEFAULT_ENDPOINT: &str = "http://sys.iotbos.com";
/// Tencent IoT card's documented base URL.
pub const TENCENT_DEFAULT_ENDPOINT: &str = "https://yun.tim.qq.com";

/// What an IoTBOS client needs.
#[derive(Clone, Debug)]
pub struct IotbosSettings {
    /// Base URL, without a trailing `/`.
    pub endpoint: String,
    /// Account name.
    pub account: String,
    /// Password.
    pub password: Secret,
}

/// What a Tencent client needs.
#[derive(Clone, Debug)]
pub struct TencentSettings {
    /// Base URL, without a trailing `/`.
    pub endpoint: String,
    /// Application id.
    pub sdkappid: String,
    /// Application key.
    pub appkey: Secret,
}

/// The chosen platform's settings.
#[derive(Clone, Debug)]
pub enum Platform {
    /// IoTBOS.
    Iotbos(IotbosSettings),
    /// Tencent IoT card.
    Tencent(TencentSettings),
}

/// Everything a command needs to reach its platform.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The platform and its credentials.
    pub platform: Platform,
    /// Extra trusted CA certificates (PEM).
    pub ca_file: Option<PathBuf>,
}

impl Settings {
    /// Which platform these settings reach.
    pub fn provider(&self) -> Provider {
        match self.platform {
            Platform::Iotbos(_) => Provider::Iotbos,
            Platform::Tencent(_) => Provider::Tencent,
        }
    }
}

/// One setting of a platform table: its name for people, its variable and
/// its key in the file.
struct Setting {
    label: &'static str,
    var: &'static str,
    key: &'static str,
    provider: Provider,
}

const IOTBOS_ENDPOINT: Setting = Setting {
    label: "IoTBOS endpoint",
    var: env::IOTBOS_ENDPOINT,
    key: "endpoint",
    provider: Provider::Iotbos,
};
const IOTBOS_ACCOUNT: Setting = Setting {
    label: "IoTBOS account",
    var: env::IOTBOS_ACCOUNT,
    key: "account",
    provider: Provider::Iotbos,
};
const IOTBOS_PASSWORD: Setting = Setting {
    label: "IoTBOS password",
    var: env::IOTBOS_PASSWORD,
    key: "password",
    provider: Provider::Iotbos,
};
const TENCENT_ENDPOINT: Setting = Setting {
    label: "Tencent endpoint",
    var: env::TENCENT_ENDPOINT,
    key: "endpoint",
    provider: Provider::Tencent,
};
const TENCENT_SDKAPPID: Setting = Setting {
    label: "Tencent sdkappid",
    var: env::TENCENT_SDKAPPID,
    key: "sdkappid",
    provider: Provider::Tencent,
};
const TENCENT_APPKEY: Setting = Setting {
    label: "Tencent appkey",
    var: env::TENCENT_APPKEY,
    key: "appkey",
    provider: Provider::Tencent,
};

fn settings_of(provider: Provider) -> [&'static Setting; 3] {
    match provider {
        Provider::Iotbos => [&IOTBOS_ENDPOINT, &IOTBOS_ACCOUNT, &IOTBOS_PASSWORD],
        Provider::Tencent => [&TENCENT_ENDPOINT, &TENCENT_SDKAPPID, &TENCENT_APPKEY],
    }
}

/// Where a value came from, for messages.
enum Origin<'a> {
    Env(&'static str),
    File { path: &'a Path, place: String },
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Env(var) => f.write_str(var),
            Origin::File { path, place } => write!(f, "{place} in {}", path.display()),
        }
    }
}

/// The environment and the config file, before a platform is chosen.
#[derive(Clone, Debug)]
pub struct Sources {
    env: Env,
    location: Option<Location>,
    file: Option<ConfigFile>,
    profile: Option<String>,
}

impl Sources {
    /// Finds and reads the config file, and checks that `profile` is in it.
    pub fn load(config: Option<&Path>, profile: Option<&str>, env: Env) -> Result<Self, CliError> {
        if let Some(var) = env.not_unicode().first() {
            return Err(CliError::InvalidSetting {
                setting: "environment variable",
                shown: var.clone(),
                origin: "the environment".into(),
                reason: "is not valid UTF-8".into(),
            });
        }
        let location = file::locate(config, &env);
        let file = match &location {
            Some(location) => file::load(location)?,
            None => None,
        };
        let sources = Sources {
            env,
            location,
            file,
            profile: profile.map(str::to_owned),
        };
        sources.check_profile()?;
        Ok(sources)
    }

    fn check_profile(&self) -> Result<(), CliError> {
        let Some(name) = &self.profile else {
            return Ok(());
        };
        let known = match &self.file {
            Some(f) if f.profiles.contains_key(name) => return Ok(()),
            Some(f) if f.profiles.is_empty() => {
                format!("{} defines no profiles", f.path.display())
            }
            Some(f) => format!(
                "{} defines {}",
                f.path.display(),
                f.profiles
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => format!(
                "profiles live in the config file, and {}",
                self.file_place()
            ),
        };
        Err(CliError::UnknownProfile {
            name: name.clone(),
            known,
        })
    }

    /// The config file for messages: its path, or where it would be.
    fn file_place(&self) -> String {
        match (&self.file, &self.location) {
            (Some(f), _) => f.path.display().to_string(),
            (None, Some(l)) => format!("{} (not found)", l.path.display()),
            (None, None) => "a config file given with --config".into(),
        }
    }

    /// The store URL from `IOTCARD_STORE` or `store = "…"` in the file,
    /// with where it came from.
    pub fn store_url(&self) -> Option<(&str, String)> {
        if let Some(value) = self.env.get(env::STORE) {
            return Some((value, env::STORE.to_owned()));
        }
        let file = self.file.as_ref()?;
        let value = file.store.as_ref()?.text();
        (!value.is_empty()).then(|| (value, format!("`store` in {}", file.path.display())))
    }

    /// Whether both platforms are configured for the chosen profile (the
    /// environment, the profile's tables or the top level's).
    pub fn configures_both(&self) -> bool {
        self.configured(Provider::Iotbos) && self.configured(Provider::Tencent)
    }

    /// The environment these sources read.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The watcher's tables of the config file, checked (an empty
    /// configuration without a file: no rules, no notifiers).
    pub fn watch_config(&self) -> Result<WatchConfig, CliError> {
        let empty;
        let file = match &self.file {
            Some(file) => file,
            None => {
                empty = ConfigFile::empty(&self.file_place());
                &empty
            }
        };
        WatchConfig::from_file(file, self.top_level_configured())
    }

    /// The profiles the config file defines, by name.
    pub fn profile_names(&self) -> Vec<String> {
        self.file
            .as_ref()
            .map(|f| f.profiles.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Whether the top level (the environment or the file outside any
    /// profile) configures a platform: then `default` is an account too.
    pub fn top_level_configured(&self) -> bool {
        [Provider::Iotbos, Provider::Tencent].into_iter().any(|p| {
            settings_of(p).iter().any(|s| self.env.get(s.var).is_some())
                || self
                    .file
                    .as_ref()
                    .is_some_and(|f| f.base.table(p).is_some())
        })
    }

    fn profile_layer(&self) -> Option<(&str, &Layer)> {
        let name = self.profile.as_deref()?;
        Some((name, self.file.as_ref()?.profiles.get(name)?))
    }

    /// The layers of the file, most specific first, with the name of the
    /// table prefix each uses.
    fn layers(&self) -> impl Iterator<Item = (String, &Layer)> {
        let profile = self
            .profile_layer()
            .map(|(name, layer)| (format!("profiles.{name}."), layer));
        let base = self.file.as_ref().map(|f| (String::new(), &f.base));
        profile.into_iter().chain(base)
    }

    fn lookup(&self, setting: &Setting) -> Option<(&str, Origin<'_>)> {
        if let Some(value) = self.env.get(setting.var) {
            return Some((value, Origin::Env(setting.var)));
        }
        let path = self.file.as_ref().map(|f| f.path.as_path())?;
        self.layers().find_map(|(prefix, layer)| {
            let value = layer.table(setting.provider)?.get(setting.key)?.text();
            (!value.is_empty()).then(|| {
                let place = format!(
                    "`{}` under [{prefix}{}]",
                    setting.key,
                    setting.provider.key()
                );
                (value, Origin::File { path, place })
            })
        })
    }

    fn hint(&self, setting: &Setting) -> String {
        let p = setting.provider.key();
        let tables = match &self.profile {
            Some(name) => format!("[profiles.{name}.{p}] or [{p}]"),
            None => format!("[{p}]"),
        };
        format!(
            "set {}, or `{}` under {tables} in {}",
            setting.var,
            setting.key,
            self.file_place()
        )
    }

    fn required(&self, setting: &Setting) -> Result<(&str, Origin<'_>), CliError> {
        self.lookup(setting)
            .ok_or_else(|| CliError::MissingSetting {
                setting: setting.label,
                hint: self.hint(setting),
            })
    }

    /// Whether anything at all is set for `provider`.
    fn configured(&self, provider: Provider) -> bool {
        settings_of(provider)
            .iter()
            .any(|s| self.env.get(s.var).is_some())
            || self
                .layers()
                .any(|(_, layer)| layer.table(provider).is_some())
    }

    /// The platform to use: `--provider`, else `IOTCARD_PROVIDER`, else the
    /// profile's `provider`, else the only platform the profile configures,
    /// else the file's `provider`, else the only platform configured at all.
    pub fn provider(&self, flag: Option<Provider>) -> Result<Provider, CliError> {
        if let Some(p) = flag {
            return Ok(p);
        }
        if let Some(value) = self.env.get(env::PROVIDER) {
            return parse_provider(value, Origin::Env(env::PROVIDER));
        }
        let path = self.file.as_ref().map(|f| f.path.as_path());
        if let (Some((name, layer)), Some(path)) = (self.profile_layer(), path) {
            if let Some(value) = &layer.provider {
                let place = format!("`provider` under [profiles.{name}]");
                return parse_provider(value, Origin::File { path, place });
            }
            if let [only] = configured_in(layer)[..] {
                return Ok(only);
            }
        }
        if let (Some(file), Some(path)) = (&self.file, path) {
            if let Some(value) = &file.base.provider {
                let place = "`provider` at the top".to_owned();
                return parse_provider(value, Origin::File { path, place });
            }
        }
        let configured: Vec<Provider> = [Provider::Iotbos, Provider::Tencent]
            .into_iter()
            .filter(|p| self.configured(*p))
            .collect();
        match configured[..] {
            [only] => Ok(only),
            [] => Err(CliError::NoProvider(format!(
                "no card platform is configured: set {} and {} (IoTBOS) or {} and {} (Tencent), \
                 or write them in {}; `iotcard demo` shows every command on a simulator",
                env::IOTBOS_ACCOUNT,
                env::IOTBOS_PASSWORD,
                env::TENCENT_SDKAPPID,
                env::TENCENT_APPKEY,
                self.file_place()
            ))),
            _ => Err(CliError::NoProvider(format!(
                "both IoTBOS and Tencent are configured: choose one with --provider, {} or \
                 `provider = \"…\"` in {}",
                env::PROVIDER,
                self.file_place()
            ))),
        }
    }

    /// The settings of `provider`, each checked.
    pub fn settings(&self, provider: Provider) -> Result<Settings, CliError> {
        let platform = match provider {
            Provider::Iotbos => Platform::Iotbos(IotbosSettings {
                endpoint: self.endpoint(&IOTBOS_ENDPOINT, IOTBOS_DEFAULT_ENDPOINT)?,
                account: self.plain(&IOTBOS_ACCOUNT, check::account)?,
                password: self.secret(&IOTBOS_PASSWORD)?,
            }),
            Provider::Tencent => Platform::Tencent(TencentSettings {
                endpoint: self.endpoint(&TENCENT_ENDPOINT, TENCENT_DEFAULT_ENDPOINT)?,
                sdkappid: self.plain(&TENCENT_SDKAPPID, check::sdkappid)?,
                appkey: self.secret(&TENCENT_APPKEY)?,
            }),
        };
        Ok(Settings {
            platform,
            ca_file: self.ca_file()?,
        })
    }

    fn endpoint(&self, setting: &Setting, default: &str) -> Result<String, CliError> {
        match self.lookup(setting) {
            None => Ok(default.to_owned()),
            Some((value, origin)) => {
                check::endpoint(value).map_err(|reason| CliError::InvalidSetting {
                    setting: setting.label,
                    shown: check::shown_endpoint(value),
                    origin: origin.to_string(),
                    reason,
                })
            }
        }
    }

    fn plain(
        &self,
        setting: &Setting,
        check: fn(&str) -> Result<String, String>,
    ) -> Result<String, CliError> {
        let (value, origin) = self.required(setting)?;
        check(value).map_err(|reason| CliError::InvalidSetting {
            setting: setting.label,
            shown: format!("{value:?}"),
            origin: origin.to_string(),
            reason,
        })
    }

    fn secret(&self, setting: &Setting) -> Result<Secret, CliError> {
        // Any non-empty text is a possible password: nothing to check, and
        // nothing of it may be shown.
        self.required(setting).map(|(value, _)| Secret::new(value))
    }

    fn ca_file(&self) -> Result<Option<PathBuf>, CliError> {
        let found = match self.env.get(env::CA_FILE) {
            Some(value) => Some((PathBuf::from(value), Origin::Env(env::CA_FILE))),
            None => self.file.as_ref().and_then(|f| {
                self.layers().find_map(|(prefix, layer)| {
                    let path = layer.ca_file.as_ref()?;
                    // A relative path in a file means relative to that file.
                    let dir = f.path.parent().unwrap_or(Path::new(""));
                    let place = match prefix.strip_suffix('.') {
                        Some(table) => format!("`ca_file` under [{table}]"),
                        None => "`ca_file` at the top".to_owned(),
                    };
                    Some((
                        dir.join(path),
                        Origin::File {
                            path: &f.path,
                            place,
                        },
                    ))
                })
            }),
        };
        let Some((path, origin)) = found else {
            return Ok(None);
        };
        check::ca_file(&path).map_err(|reason| CliError::InvalidSetting {
            setting: "CA file",
            shown: path.display().to_string(),
            origin: origin.to_string(),
            reason,
        })?;
        Ok(Some(path))
    }
}

fn parse_provider(value: &str, origin: Origin<'_>) -> Result<Provider, CliError> {
    Provider::from_key(value).ok_or_else(|| CliError::InvalidSetting {
        setting: "provider",
        shown: format!("{value:?}"),
        origin: origin.to_string(),
        reason: "is neither iotbos nor tencent".into(),
    })
}

fn configured_in(layer: &Layer) -> Vec<Provider> {
    [Provider::Iotbos, Provider::Tencent]
        .into_iter()
        .filter(|p| layer.table(*p).is_some())
        .collect()
}

#[cfg(test)]
mod tests;
