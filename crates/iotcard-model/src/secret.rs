use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroize;

/// A credential (password, appkey, access token) that must never be shown.
///
/// `Debug`, `Display` and `Serialize` all print `***`; the only way to the
/// value is [`Secret::expose`], which makes every use easy to audit. The
/// memory is wiped on drop.
///
/// ```
/// use iotcard_model::Secret;
/// let s = Secret::new("hunter2");
/// assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
/// assert_eq!(s.expose(), "hunter2");
/// ```
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The credential itself. Call this only where it goes on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// Whether the credential is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        // Constant-time in length-equal inputs, so a comparison (the
        // simulator checks passwords with it) does not leak a prefix.
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}
impl Eq for Secret {}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}
impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for Secret {
    /// Writes `"***"`: a secret never leaves through serialization.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shown() {
        let s = Secret::new("SENTINEL-pw");
        let shown = format!(
            "{s} {s:?} {:?} {}",
            Some(&s),
            serde_json::to_string(&s).unwrap()
        );
        assert!(!shown.contains("SENTINEL"), "{shown}");
        let back: Secret = serde_json::from_str("\"SENTINEL-pw\"").unwrap();
        assert_eq!(back, s);
        assert_ne!(back, Secret::new("SENTINEL-pX"));
    }
}
