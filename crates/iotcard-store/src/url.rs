//! Which backend a store URL names, and where the default store lives.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::StoreError;

/// A parsed store location.
///
/// `sqlite://PATH` (`sqlite:///var/lib/iotcard.sqlite3` is absolute,
/// `sqlite://history.sqlite3` relative to the working directory) or
/// `postgres://…` / `postgresql://…` (any connection string
/// `tokio-postgres` accepts in URL form).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreUrl {
    /// A SQLite file; created with its directory on first open.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, kept verbatim.
    Postgres(String),
}

impl StoreUrl {
    /// Parses `text`; the error names what is wrong.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let bad = |reason: &str| StoreError::BadUrl {
            url: redact(text),
            reason: reason.to_owned(),
        };
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(bad(
                "no scheme: expected sqlite://PATH or postgres://USER@HOST/DATABASE",
            ));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                if rest.is_empty() {
                    return Err(bad("sqlite:// needs a file path after it"));
                }
                if rest.contains('?') || rest.contains('#') {
                    return Err(bad(
                        "sqlite:// takes a file path only, no ?query or #fragment",
                    ));
                }
                Ok(StoreUrl::Sqlite(PathBuf::from(rest)))
            }
            "postgres" | "postgresql" => {
                tokio_postgres::Config::from_str(text).map_err(|error| bad(&error.to_string()))?;
                Ok(StoreUrl::Postgres(text.to_owned()))
            }
            other => Err(bad(&format!(
                "unknown scheme {other:?}: expected sqlite or postgres"
            ))),
        }
    }
}

impl FromStr for StoreUrl {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for StoreUrl {
    /// The URL, with a PostgreSQL password replaced by `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            StoreUrl::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreUrl({self})")
    }
}

/// `scheme://user:password@host…` with the password replaced, so no error
/// or log line shows it.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// The default store: `sqlite://$XDG_DATA_HOME/iotcard/history.sqlite3`,
/// else `sqlite://$HOME/.local/share/iotcard/history.sqlite3`.
///
/// `env` is how the caller reads the environment (`std::env::var_os` in a
/// program, a map in a test). A relative or empty `XDG_DATA_HOME` is ignored,
/// as the XDG base directory specification says.
///
/// ```
/// use std::ffi::OsString;
/// let env = |name: &str| (name == "HOME").then(|| OsString::from("/home/ops"));
/// assert_eq!(
///     iotcard_store::default_url(env)?.to_string(),
///     "sqlite:///home/ops/.local/share/iotcard/history.sqlite3"
/// );
/// # Ok::<(), iotcard_store::StoreError>(())
/// ```
pub fn default_url(env: impl Fn(&str) -> Option<OsString>) -> Result<StoreUrl, StoreError> {
    let absolute = |name: &str| {
        env(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    let data = match absolute("XDG_DATA_HOME") {
        Some(dir) => dir,
        None => absolute("HOME")
            .map(|home| home.join(".local").join("share"))
            .ok_or(StoreError::NoDefaultLocation(
                "neither XDG_DATA_HOME nor HOME is set to an absolute path; give the store URL",
            ))?,
    };
    Ok(StoreUrl::Sqlite(
        Path::new(&data).join("iotcard").join("history.sqlite3"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(
            StoreUrl::parse("sqlite:///tmp/a.db").unwrap(),
            StoreUrl::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(
            StoreUrl::parse("sqlite://rel/a.db").unwrap(),
            StoreUrl::Sqlite("rel/a.db".into())
        );
        assert!(matches!(
            StoreUrl::parse("postgres://u@127.0.0.1:5432/db").unwrap(),
            StoreUrl::Postgres(_)
        ));
        for (bad, says) in [
            ("/tmp/a.db", "no scheme"),
            ("sqlite://", "needs a file path"),
            ("mysql://x/y", "unknown scheme \"mysql\""),
            ("sqlite:///a?mode=ro", "no ?query"),
            (
                "postgres://u:pw@h:notaport/db",
                "postgres://u:***@h:notaport/db",
            ),
        ] {
            let message = StoreUrl::parse(bad).unwrap_err().to_string();
            assert!(message.contains(says), "{bad}: {message}");
            assert!(!message.contains(":pw@"), "{message}");
        }
    }

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(redact("postgres://a:b@h/d"), "postgres://a:***@h/d");
        assert_eq!(redact("postgres://a@h/d"), "postgres://a@h/d");
        assert_eq!(
            StoreUrl::Postgres("postgres://a:b@h/d".into()).to_string(),
            "postgres://a:***@h/d"
        );
    }

    #[test]
    fn default_location_follows_xdg() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        assert_eq!(
            default_url(env(&[("XDG_DATA_HOME", "/x"), ("HOME", "/h")])).unwrap(),
            StoreUrl::Sqlite("/x/iotcard/history.sqlite3".into())
        );
        assert_eq!(
            default_url(env(&[("XDG_DATA_HOME", "rel"), ("HOME", "/h")])).unwrap(),
            StoreUrl::Sqlite("/h/.local/share/iotcard/history.sqlite3".into())
        );
        assert!(default_url(env(&[])).is_err());
    }
}
