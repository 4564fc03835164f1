//! Which Tencent request fields are credentials, and the URL and text
//! renderers built on that list.
//!
//! The `appkey` never travels (only its signature does), but a URL or a
//! body pasted into a log might still hold it, and the `sig` in every body
//! is a credential for as long as its `time` is accepted. The rendering
//! itself lives in the model ([`SecretNames`]), shared by every platform;
//! this crate only says which names are secret here.

use iotcard_model::SecretNames;

/// The fields whose values are Tencent credentials: `sig` (in every request
/// body) and `appkey` (never sent, but never to be shown either), matched
/// ignoring ASCII case.
///
/// ```
/// use tencent_proto::SECRET_NAMES;
/// assert!(SECRET_NAMES.is_secret("sig") && SECRET_NAMES.is_secret("AppKey"));
/// assert!(!SECRET_NAMES.is_secret("sdkappid"));
/// ```
pub const SECRET_NAMES: SecretNames = SecretNames::new(&["sig", "appkey"]);

/// Renders `uri` for a log line or an error message: `sig` and `appkey`
/// query values are replaced by `***`, a user-info part is hidden whole;
/// everything else is kept as sent.
///
/// ```
/// let uri: http::Uri =
///     "https://u:pw@yun.tim.qq.com/v1/iotcard/getcardinfo?sdkappid=1400009099&random=7&appkey=k".parse()?;
/// assert_eq!(
///     tencent_proto::redact_uri(&uri),
///     "https://***@yun.tim.qq.com/v1/iotcard/getcardinfo?sdkappid=1400009099&random=7&appkey=***"
/// );
/// # Ok::<(), http::uri::InvalidUri>(())
/// ```
pub fn redact_uri(uri: &http::Uri) -> String {
    SECRET_NAMES.url(&uri.to_string()).to_string()
}

/// Redacts a raw query string (without the leading `?`); see [`redact_uri`].
///
/// ```
/// assert_eq!(
///     tencent_proto::redact_query("sdkappid=1400009099&random=7&SIG=4ce1"),
///     "sdkappid=1400009099&random=7&SIG=***"
/// );
/// ```
pub fn redact_query(query: &str) -> String {
    SECRET_NAMES.query(query).to_string()
}

/// Redacts the credentials a body may hold: a JSON `"sig"` or `"appkey"`
/// member's value, or `sig=…` / `appkey=…` in running text.
///
/// ```
/// assert_eq!(
///     tencent_proto::redact_text(r#"{"iccid":"8986","sig":"4ce121a0","time":"1505812393"}"#),
///     r#"{"iccid":"8986","sig":"***","time":"1505812393"}"#
/// );
/// ```
pub fn redact_text(text: &str) -> String {
    SECRET_NAMES.text(text)
}

/// A base URL as given, fit for an error message: query credentials
/// redacted and any user-info hidden whole, even where the text is too
/// broken to have a scheme (`me:pw@host`, `//me:pw@host`).
pub(crate) fn shown_base_url(input: &str) -> String {
    SECRET_NAMES.url(input).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_never_show_user_info() {
        for (input, shown) in [
            ("https://user:SENTINEL@host", "https://***@host"),
            ("user:SENTINEL@host/x", "***@host/x"),
            ("//user:SENTINEL@host", "//***@host"),
            ("SENTINEL@host?appkey=SENTINEL", "***@host?appkey=***"),
            ("host/a@b", "host/a@b"),
            ("", ""),
        ] {
            assert_eq!(shown_base_url(input), shown, "{input}");
        }
    }
}
