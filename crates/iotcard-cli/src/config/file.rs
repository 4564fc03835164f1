//! The TOML config file: where it is, and its layout.
//!
//! ```toml
//! provider = "iotbos"
//! ca_file = "/path/to/extra-roots.pem"
//! [iotbos]
//! endpoint = "http://sys.iotbos.com"
//! account = "…"
//! password = "…"
//! [tencent]
//! endpoint = "https://yun.tim.qq.com"
//! sdkappid = "…"
//! appkey = "…"
//! store = "sqlite:///var/lib/iotcard/history.sqlite3"  # fleet history (or postgres://…)
//! [profiles.NAME]        # provider, ca_file, watch_interval, requests_per_minute
//! [profiles.NAME.iotbos] # the same keys again
//! [watch]                # see super::watch: the watcher's schedule
//! [notifiers.NAME]       # see iotcard_notify::NotifierConfig
//! [[rules]]              # see iotcard_rules::RuleConfig
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use iotcard_model::Secret;
use iotcard_notify::NotifierConfig;
use iotcard_rules::{RuleConfig, Span};
use serde::{Deserialize, Deserializer};

use super::env::{self, Env};
use crate::error::CliError;
use crate::provider::Provider;

/// Keys a `[iotbos]` table may hold.
pub const IOTBOS_KEYS: &[&str] = &["endpoint", "account", "password"];
/// Keys a `[tencent]` table may hold.
pub const TENCENT_KEYS: &[&str] = &["endpoint", "sdkappid", "appkey"];

/// A value from the file, kept as a [`Secret`] whichever key it is under,
/// so no `Debug` of the parsed file shows a password.
#[derive(Clone, Debug)]
pub struct FileValue(Secret);

impl FileValue {
    /// The text of the value.
    pub fn text(&self) -> &str {
        self.0.expose()
    }
}

impl<'de> Deserialize<'de> for FileValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Accepts strings and integers (`sdkappid = 1400009099`). Every error
        // names the expected type only: serde's default messages quote the
        // value, and the value may be a password.
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = FileValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FileValue, E> {
                Ok(FileValue(Secret::new(v)))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<FileValue, E> {
                Ok(FileValue(Secret::new(v.to_string())))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<FileValue, E> {
                Ok(FileValue(Secret::new(v.to_string())))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<FileValue, E> {
                Err(E::custom(
                    "expected a string, found a number (quote the value)",
                ))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<FileValue, E> {
                Err(E::custom("expected a string, found a boolean"))
            }
        }
        d.deserialize_any(V)
    }
}

/// The settings of one layer: the top of the file, or one profile.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    /// Default platform.
    pub provider: Option<String>,
    /// Extra trusted CA certificates.
    pub ca_file: Option<PathBuf>,
    /// `[iotbos]`.
    pub iotbos: Option<BTreeMap<String, FileValue>>,
    /// `[tencent]`.
    pub tencent: Option<BTreeMap<String, FileValue>>,
    /// The watcher's interval between passes of this profile's accounts
    /// (over `interval` under `[watch]`).
    pub watch_interval: Option<Span>,
    /// The request budget per minute of each of this profile's accounts
    /// (over `requests_per_minute` under `[watch]`).
    pub requests_per_minute: Option<u32>,
    /// The request ceiling per second of each of this profile's accounts
    /// (over `requests_per_second` under `[watch]`).
    pub requests_per_second: Option<f64>,
}

impl Layer {
    /// The table of one platform, if the layer has it.
    pub fn table(&self, provider: Provider) -> Option<&BTreeMap<String, FileValue>> {
        match provider {
            Provider::Iotbos => self.iotbos.as_ref(),
            Provider::Tencent => self.tencent.as_ref(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    provider: Option<String>,
    ca_file: Option<PathBuf>,
    iotbos: Option<BTreeMap<String, FileValue>>,
    tencent: Option<BTreeMap<String, FileValue>>,
    /// Kept as a secret: a PostgreSQL URL may hold a password.
    store: Option<FileValue>,
    #[serde(default)]
    profiles: BTreeMap<String, Layer>,
    watch: Option<WatchTable>,
    #[serde(default)]
    notifiers: BTreeMap<String, NotifierConfig>,
    #[serde(default)]
    rules: Vec<RuleConfig>,
}

/// `[watch]` as written; [`super::watch::WatchConfig`] checks the values.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchTable {
    /// The profiles watched (default: every profile that configures a
    /// platform, and the top level when it does).
    pub profiles: Option<Vec<String>>,
    /// Between two passes of one account.
    pub interval: Option<Span>,
    /// Each pass starts up to this share of the interval late, at random,
    /// so accounts with one interval do not all start together.
    pub jitter: Option<iotcard_rules::Share>,
    /// The request budget per minute of each account.
    pub requests_per_minute: Option<u32>,
    /// The request ceiling per second of each account.
    pub requests_per_second: Option<f64>,
    /// How long an account's lease in a shared store lasts unless renewed.
    pub lease_ttl: Option<Span>,
    /// This watcher's name in leases and outbox claims.
    pub holder: Option<String>,
    /// Serve per-card series on `/metrics`.
    pub per_card_metrics: Option<bool>,
    /// At most this many per-card series.
    pub per_card_limit: Option<u32>,
}

/// A parsed config file.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// The top-level settings.
    pub base: Layer,
    /// Named profiles.
    pub profiles: BTreeMap<String, Layer>,
    /// `store = "…"`: the fleet history store's URL.
    pub store: Option<FileValue>,
    /// `[watch]`.
    pub watch: Option<WatchTable>,
    /// `[notifiers.NAME]`, by name.
    pub notifiers: BTreeMap<String, NotifierConfig>,
    /// `[[rules]]`, in the order written.
    pub rules: Vec<RuleConfig>,
}

impl ConfigFile {
    /// No file: what the commands see when there is none (`place` says
    /// where it would be, for messages).
    pub fn empty(place: &str) -> Self {
        ConfigFile {
            path: PathBuf::from(place),
            base: Layer::default(),
            profiles: BTreeMap::new(),
            store: None,
            watch: None,
            notifiers: BTreeMap::new(),
            rules: Vec::new(),
        }
    }

    /// Parses `text`, read from `path`, and checks every table's keys.
    pub fn parse(path: &Path, text: &str) -> Result<Self, CliError> {
        let doc: Document = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| s.start);
            let table = at.and_then(|offset| table_at(text, offset));
            let message = scrub_value(e.message().trim_end());
            CliError::ConfigParse {
                path: path.to_owned(),
                line: at.map(|offset| line_of(text.as_bytes(), offset)),
                message: match table {
                    Some(table) => format!("{table}: {message}"),
                    None => message,
                },
            }
        })?;
        let file = ConfigFile {
            path: path.to_owned(),
            base: Layer {
                provider: doc.provider,
                ca_file: doc.ca_file,
                iotbos: doc.iotbos,
                tencent: doc.tencent,
                watch_interval: None,
                requests_per_minute: None,
                requests_per_second: None,
            },
            profiles: doc.profiles,
            store: doc.store,
            watch: doc.watch,
            notifiers: doc.notifiers,
            rules: doc.rules,
        };
        file.check_keys()?;
        Ok(file)
    }

    fn check_keys(&self) -> Result<(), CliError> {
        let layers = std::iter::once((String::new(), &self.base)).chain(
            self.profiles
                .iter()
                .map(|(name, layer)| (format!("profiles.{name}."), layer)),
        );
        for (prefix, layer) in layers {
            for (provider, allowed) in [
                (Provider::Iotbos, IOTBOS_KEYS),
                (Provider::Tencent, TENCENT_KEYS),
            ] {
                let Some(table) = layer.table(provider) else {
                    continue;
                };
                if let Some(key) = table.keys().find(|k| !allowed.contains(&k.as_str())) {
                    return Err(CliError::ConfigParse {
                        path: self.path.clone(),
                        line: None,
                        message: format!(
                            "unknown key `{key}` under [{prefix}{}] (expected {})",
                            provider.key(),
                            allowed.join(", ")
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}

/// The table header in force at byte `offset` of `text` (`[watch]`,
/// `[notifiers.ops]`, `[[rules]] #2`), so a message names the table as well
/// as the line. `None` before the first header (the top level).
fn table_at(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?;
    let mut current = None;
    let mut rules_seen = 0;
    for line in before.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix("[[").and_then(|l| l.split_once("]]")) {
            let name = name.0.trim();
            if name == "rules" {
                rules_seen += 1;
                current = Some(format!("[[rules]] #{rules_seen}"));
            } else {
                current = Some(format!("[[{name}]]"));
            }
        } else if let Some(name) = line.strip_prefix('[').and_then(|l| l.split_once(']')) {
            current = Some(format!("[{}]", name.0.trim()));
        }
    }
    current
}

/// The parser's message without the value it quotes in backticks after
/// "invalid type" or "invalid value" (`invalid type: integer `123`, expected
/// a string`): the value may be a secret written without quotes.
fn scrub_value(message: &str) -> String {
    let quotes_value =
        message.starts_with("invalid type:") || message.starts_with("invalid value:");
    if !quotes_value {
        return message.to_owned();
    }
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    // Only the first backticked part is the value; later ones (in
    // "expected one of `a`, `b`") are the documented names.
    if let Some(open) = rest.find('`') {
        if let Some(close) = rest[open + 1..].find('`') {
            out.push_str(rest[..open].trim_end());
            rest = &rest[open + 1 + close + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &[u8], offset: usize) -> usize {
    text.iter().take(offset).filter(|&&b| b == b'\n').count() + 1
}

/// Where the config file is, and whether someone asked for it by name.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Location {
    /// The path.
    pub path: PathBuf,
    /// Named by `--config` or `IOTCARD_CONFIG`: then it must exist.
    pub explicit: bool,
}

/// `--config FILE`, else `IOTCARD_CONFIG`, else
/// `$XDG_CONFIG_HOME/iotcard/config.toml`, else `~/.config/iotcard/config.toml`.
pub fn locate(flag: Option<&Path>, env: &Env) -> Option<Location> {
    if let Some(path) = flag {
        return Some(Location {
            path: path.to_owned(),
            explicit: true,
        });
    }
    if let Some(path) = env.get(env::CONFIG) {
        return Some(Location {
            path: path.into(),
            explicit: true,
        });
    }
    // The XDG spec says relative values are invalid and must be ignored.
    let xdg = env
        .get("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| env.get("HOME").map(|h| Path::new(h).join(".config")))?;
    Some(Location {
        path: base.join("iotcard").join("config.toml"),
        explicit: false,
    })
}

/// Reads the file at `location`. A missing default file is no file; a
/// missing named file is an error.
pub fn load(location: &Location) -> Result<Option<ConfigFile>, CliError> {
    let text = match std::fs::read_to_string(&location.path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !location.explicit => {
            return Ok(None)
        }
        Err(source) => {
            return Err(CliError::ConfigRead {
                path: location.path.clone(),
                source,
            })
        }
    };
    let file = ConfigFile::parse(&location.path, &text)?;
    warn_if_readable_by_others(&file);
    Ok(Some(file))
}

#[cfg(unix)]
fn warn_if_readable_by_others(file: &ConfigFile) {
    use std::os::unix::fs::PermissionsExt;
    let holds_secret = std::iter::once(&file.base)
        .chain(file.profiles.values())
        .flat_map(|l| [l.table(Provider::Iotbos), l.table(Provider::Tencent)])
        .flatten()
        .any(|t| t.contains_key("password") || t.contains_key("appkey"))
        // Robot URLs carry their tokens; robots and SMTP have secrets.
        || !file.notifiers.is_empty();
    let mode = std::fs::metadata(&file.path).map(|m| m.permissions().mode());
    if holds_secret && mode.is_ok_and(|m| m & 0o077 != 0) {
        tracing::warn!(
            path = %file.path.display(),
            "the config file holds credentials and other users may read it; run chmod 600 on it"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &ConfigFile) {}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
provider = "iotbos"
ca_file = "roots.pem"
[iotbos]
endpoint = "http://localhost:25853"
account = "shop"
password = "SENTINEL-pw"
[tencent]
sdkappid = 1400009099
appkey = "SENTINEL-key"
[profiles.second]
provider = "tencent"
[profiles.second.tencent]
sdkappid = "1400000002"
"#;

    #[test]
    fn parses_the_documented_layout() {
        let f = ConfigFile::parse(Path::new("c.toml"), FULL).unwrap();
        assert_eq!(f.base.provider.as_deref(), Some("iotbos"));
        assert_eq!(f.base.ca_file, Some(PathBuf::from("roots.pem")));
        let iotbos = f.base.table(Provider::Iotbos).unwrap();
        assert_eq!(iotbos["account"].text(), "shop");
        let tencent = f.base.table(Provider::Tencent).unwrap();
        assert_eq!(
            tencent["sdkappid"].text(),
            "1400009099",
            "integers accepted"
        );
        let second = &f.profiles["second"];
        assert_eq!(second.provider.as_deref(), Some("tencent"));
        assert_eq!(
            second.table(Provider::Tencent).unwrap()["sdkappid"].text(),
            "1400000002"
        );
        assert!(second.table(Provider::Iotbos).is_none());
        let shown = format!("{f:?}");
        assert!(!shown.contains("SENTINEL"), "{shown}");
    }

    #[test]
    fn typos_are_named() {
        let top = ConfigFile::parse(Path::new("c.toml"), "iotbox = 1\n").unwrap_err();
        assert!(top.to_string().contains("iotbox"), "{top}");
        let key = ConfigFile::parse(Path::new("c.toml"), "[iotbos]\npasword = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(key.contains("`pasword` under [iotbos]"), "{key}");
        assert!(key.contains("endpoint, account, password"), "{key}");
        let profile = ConfigFile::parse(Path::new("c.toml"), "[profiles.a.tencent]\nkey = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(profile.contains("[profiles.a.tencent]"), "{profile}");
    }

    #[test]
    fn parse_errors_never_quote_the_line() {
        let text = "[iotbos]\naccount = \"a\"\npassword = SENTINEL-unquoted\n";
        let err = ConfigFile::parse(Path::new("c.toml"), text).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("SENTINEL"), "{shown}");
        assert!(shown.contains("line 3"), "{shown}");
        for typed in ["password = 1.5", "password = true"] {
            let err = ConfigFile::parse(Path::new("c.toml"), &format!("[iotbos]\n{typed}\n"))
                .unwrap_err()
                .to_string();
            assert!(!err.contains("1.5") && !err.contains("true"), "{err}");
        }
    }

    #[test]
    fn location_order() {
        let env = Env::from_pairs([
            ("HOME", "/home/me"),
            ("XDG_CONFIG_HOME", "/xdg"),
            (env::CONFIG, "/etc/iotcard.toml"),
        ]);
        let flag = locate(Some(Path::new("flag.toml")), &env).unwrap();
        assert_eq!((flag.path, flag.explicit), ("flag.toml".into(), true));
        let by_env = locate(None, &env).unwrap();
        assert_eq!(
            (by_env.path, by_env.explicit),
            ("/etc/iotcard.toml".into(), true)
        );
        let xdg = locate(
            None,
            &Env::from_pairs([("HOME", "/home/me"), ("XDG_CONFIG_HOME", "/xdg")]),
        );
        assert_eq!(xdg.unwrap().path, PathBuf::from("/xdg/iotcard/config.toml"));
        let relative_xdg = locate(
            None,
            &Env::from_pairs([("HOME", "/home/me"), ("XDG_CONFIG_HOME", "rel")]),
        );
        assert_eq!(
            relative_xdg.unwrap().path,
            PathBuf::from("/home/me/.config/iotcard/config.toml")
        );
        assert_eq!(locate(None, &Env::default()), None);
    }

    #[test]
    fn missing_default_is_fine_missing_named_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent.toml");
        let default = Location {
            path: path.clone(),
            explicit: false,
        };
        assert!(load(&default).unwrap().is_none());
        let named = Location {
            path,
            explicit: true,
        };
        let err = load(&named).unwrap_err().to_string();
        assert!(err.contains("absent.toml"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_fails_cleanly(text in "(\\PC|\n|=|\\[|\\]|\"){0,200}") {
            let _ = ConfigFile::parse(Path::new("c.toml"), &text);
        }
    }
}
