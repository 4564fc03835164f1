//! The process environment, as a map a test can build by hand.

use std::collections::BTreeMap;
use std::ffi::OsString;

/// Which platform to use.
pub const PROVIDER: &str = "IOTCARD_PROVIDER";
/// Config file path.
pub const CONFIG: &str = "IOTCARD_CONFIG";
/// Extra trusted CA certificates (PEM file).
pub const CA_FILE: &str = "IOTCARD_CA_FILE";
/// IoTBOS base URL.
pub const IOTBOS_ENDPOINT: &str = "IOTCARD_IOTBOS_ENDPOINT";
/// IoTBOS account.
pub const IOTBOS_ACCOUNT: &str = "IOTCARD_IOTBOS_ACCOUNT";
/// IoTBOS password.
pub const IOTBOS_PASSWORD: &str = "IOTCARD_IOTBOS_PASSWORD";
/// Tencent base URL.
pub const TENCENT_ENDPOINT: &str = "IOTCARD_TENCENT_ENDPOINT";
/// Tencent sdkappid.
pub const TENCENT_SDKAPPID: &str = "IOTCARD_TENCENT_SDKAPPID";
/// Tencent appkey.
pub const TENCENT_APPKEY: &str = "IOTCARD_TENCENT_APPKEY";
/// The fleet history store's URL.
pub const STORE: &str = "IOTCARD_STORE";

/// The variables configuration reads: ours, the two that locate the
/// default config file, and the one that locates the default store.
fn is_relevant(name: &str) -> bool {
    name.starts_with("IOTCARD_")
        || name == "XDG_CONFIG_HOME"
        || name == "HOME"
        || name == "XDG_DATA_HOME"
}

/// Environment variables, captured once.
///
/// An empty value counts as unset, as most tools treat it. A value that is
/// not UTF-8 is remembered by name so resolution can say which one is wrong
/// instead of silently altering a password.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    not_unicode: Vec<String>,
}

impl std::fmt::Debug for Env {
    // Values may be credentials: show names only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("set", &self.vars.keys().collect::<Vec<_>>())
            .field("not_unicode", &self.not_unicode)
            .finish()
    }
}

impl Env {
    /// The relevant variables of this process.
    pub fn from_process() -> Self {
        Self::from_os_pairs(std::env::vars_os())
    }

    fn from_os_pairs(pairs: impl IntoIterator<Item = (OsString, OsString)>) -> Self {
        let mut env = Env::default();
        for (name, value) in pairs {
            let Some(name) = name.to_str().filter(|n| is_relevant(n)) else {
                continue;
            };
            match value.into_string() {
                Ok(v) => {
                    env.vars.insert(name.to_owned(), v);
                }
                Err(_) => env.not_unicode.push(name.to_owned()),
            }
        }
        env
    }

    /// An environment holding exactly these variables (for tests and for
    /// `demo`, which points the clients at its own simulator).
    #[cfg(any(test, feature = "simulator"))]
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            not_unicode: Vec::new(),
        }
    }

    /// The value of `name`, or `None` when unset or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Names of variables whose value is not valid UTF-8.
    pub fn not_unicode(&self) -> &[String] {
        &self.not_unicode
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_relevant_variables_and_treats_empty_as_unset() {
        let env = Env::from_os_pairs([
            (IOTBOS_ACCOUNT.into(), "me".into()),
            (IOTBOS_PASSWORD.into(), "".into()),
            ("PATH".into(), "/bin".into()),
            ("HOME".into(), "/home/me".into()),
        ]);
        assert_eq!(env.get(IOTBOS_ACCOUNT), Some("me"));
        assert_eq!(env.get(IOTBOS_PASSWORD), None);
        assert_eq!(env.get("PATH"), None);
        assert_eq!(env.get("HOME"), Some("/home/me"));
    }

    #[cfg(unix)]
    #[test]
    fn remembers_non_unicode_values_by_name() {
        use std::os::unix::ffi::OsStringExt;
        let env = Env::from_os_pairs([(
            OsString::from(TENCENT_APPKEY),
            OsString::from_vec(vec![0xff, 0xfe]),
        )]);
        assert_eq!(env.get(TENCENT_APPKEY), None);
        assert_eq!(env.not_unicode(), [TENCENT_APPKEY]);
    }

    #[test]
    fn debug_shows_names_not_values() {
        let env = Env::from_pairs([(TENCENT_APPKEY, "SENTINEL")]);
        let shown = format!("{env:?}");
        assert!(
            shown.contains(TENCENT_APPKEY) && !shown.contains("SENTINEL"),
            "{shown}"
        );
    }
}
