use std::fmt;

use sha2::{Digest, Sha256};

use crate::{Credentials, SdkAppId};
use iotcard_model::Secret;

/// A request signature: lower-case hex of
/// `sha256("appkey={appkey}&sdkappid={sdkappid}&time={time}")`, 64 characters.
///
/// It proves knowledge of the appkey for one `time`, so `Debug` shows only
/// its first characters.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Signature(String);

impl Signature {
    /// The 64 hex characters, as sent in the body's `sig`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({}…)", &self.0[..8])
    }
}

/// Signs `time` (unix seconds) for an sdkappid: the spec's
/// `sig = sha256("appkey=…&sdkappid=…&time=…")`. A pure function: the same
/// inputs always give the same signature.
///
/// ```
/// use iotcard_model::Secret;
/// use tencent_proto::{sign, SdkAppId};
/// let sig = sign(&Secret::new("dffdfd6029698a5fdf4"), &"1400009099".parse::<SdkAppId>()?, 1505812393);
/// assert_eq!(sig.as_str(), "4ce121a0be98c7f6748496c9cef31f092381970cf07d5c65294986e0de87d2bd");
/// # Ok::<(), tencent_proto::TencentError>(())
/// ```
pub fn sign(appkey: &Secret, sdkappid: &SdkAppId, time: u64) -> Signature {
    let mut hasher = Sha256::new();
    hasher.update(b"appkey=");
    hasher.update(appkey.expose().as_bytes());
    hasher.update(b"&sdkappid=");
    hasher.update(sdkappid.as_str().as_bytes());
    hasher.update(b"&time=");
    hasher.update(time.to_string().as_bytes());
    Signature(hex::encode(hasher.finalize()))
}

impl Credentials {
    /// Signs `time` (unix seconds) with these credentials; see [`sign`].
    pub fn sign(&self, time: u64) -> Signature {
        sign(self.appkey(), self.sdkappid(), time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_most_of_the_signature() {
        let sig = sign(&Secret::new("k"), &SdkAppId::parse("1").unwrap(), 0);
        let shown = format!("{sig:?}");
        assert_eq!(sig.as_str().len(), 64);
        assert!(!shown.contains(&sig.as_str()[8..]), "{shown}");
    }

    #[test]
    fn every_input_changes_the_signature() {
        let id = SdkAppId::parse("1400009099").unwrap();
        let base = sign(&Secret::new("a"), &id, 1);
        assert_ne!(base, sign(&Secret::new("b"), &id, 1));
        assert_ne!(
            base,
            sign(
                &Secret::new("a"),
                &SdkAppId::parse("1400009098").unwrap(),
                1
            )
        );
        assert_ne!(base, sign(&Secret::new("a"), &id, 2));
        assert_eq!(base, sign(&Secret::new("a"), &id, 1));
    }
}
