use std::fmt;

use iotcard_model::Secret;

/// The `accessToken` a login returns and every data call sends.
///
/// A [`Secret`]: `Debug` and `Display` print `***`.
///
/// ```
/// use iotbos_proto::AccessToken;
/// let token = AccessToken::new("917B38E2-0CBD-47D3-9264-50B8D022C179");
/// assert_eq!(format!("{token:?}"), "AccessToken(***)");
/// assert_eq!(token.expose(), "917B38E2-0CBD-47D3-9264-50B8D022C179");
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct AccessToken(Secret);

impl AccessToken {
    /// Wraps a token value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Secret::new(value))
    }

    /// The token itself. Call this only where it goes on the wire.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// The token as a [`Secret`].
    pub fn as_secret(&self) -> &Secret {
        &self.0
    }
}

impl From<Secret> for AccessToken {
    fn from(secret: Secret) -> Self {
        Self(secret)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(***)")
    }
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
