use std::fmt;
use std::str::FromStr;

use iotcard_model::Secret;

use crate::TencentError;

/// The application id the platform assigns (`sdkappid`), e.g. `1400009099`.
///
/// Non-empty ASCII digits: it travels in the query string and inside the
/// signed text, so anything else would be a typo that only shows up as a
/// refused signature.
///
/// ```
/// use tencent_proto::SdkAppId;
/// assert!(SdkAppId::parse("1400009099").is_ok());
/// assert!(SdkAppId::parse("14000 09099").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct SdkAppId(String);

impl SdkAppId {
    /// Validates `s` as an sdkappid.
    pub fn parse(s: &str) -> Result<Self, TencentError> {
        let err = |reason| TencentError::InvalidSdkAppId {
            input: s.to_owned(),
            reason,
        };
        if s.is_empty() {
            return Err(err("is empty"));
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("must be ASCII digits only"));
        }
        Ok(Self(s.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SdkAppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SdkAppId {
    type Err = TencentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// What signs every call: the `sdkappid` and its `appkey`.
///
/// `Debug` shows the appkey as `***`.
///
/// ```
/// use iotcard_model::Secret;
/// use tencent_proto::Credentials;
/// let c = Credentials::new("1400009099".parse()?, Secret::new("dffdfd6029698a5fdf4"))?;
/// assert!(!format!("{c:?}").contains("dffdfd"));
/// # Ok::<(), tencent_proto::TencentError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Credentials {
    sdkappid: SdkAppId,
    appkey: Secret,
}

impl Credentials {
    /// Pairs an sdkappid with its appkey; an empty appkey is refused.
    pub fn new(sdkappid: SdkAppId, appkey: impl Into<Secret>) -> Result<Self, TencentError> {
        let appkey = appkey.into();
        if appkey.is_empty() {
            return Err(TencentError::EmptyAppKey);
        }
        Ok(Self { sdkappid, appkey })
    }

    /// The application id.
    pub fn sdkappid(&self) -> &SdkAppId {
        &self.sdkappid
    }

    /// The application key.
    pub fn appkey(&self) -> &Secret {
        &self.appkey
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdkappid_rules() {
        assert_eq!(
            SdkAppId::parse("1400009099").unwrap().as_str(),
            "1400009099"
        );
        for bad in ["", "14000a", "+1400", " 1400", "１４"] {
            let e = SdkAppId::parse(bad).unwrap_err().to_string();
            assert!(e.contains(&format!("{bad:?}")), "{e}");
        }
    }

    #[test]
    fn empty_appkey_refused() {
        let id = SdkAppId::parse("1").unwrap();
        assert!(matches!(
            Credentials::new(id, Secret::new("")),
            Err(TencentError::EmptyAppKey)
        ));
    }
}
