//! Which IoTBOS parameters are credentials, and the URL and text renderers
//! built on that list.
//!
//! IoTBOS takes `password` (log in) and `accessToken` (every data call) in
//! the query string, over plain HTTP, so any URL printed as-is leaks one.
//! The rendering itself lives in the model ([`SecretNames`]), shared by
//! every platform; this crate only says which names are secret here.

use iotcard_model::SecretNames;

/// The query parameters (and JSON fields) whose values are IoTBOS
/// credentials: `password` (log in) and `accessToken` (every data call),
/// matched the way the ASP.NET server matches them, decoded and ignoring
/// ASCII case.
///
/// ```
/// use iotbos_proto::SECRET_NAMES;
/// assert!(SECRET_NAMES.is_secret("ACCESS%54OKEN"));
/// assert!(!SECRET_NAMES.is_secret("account"));
/// ```
pub const SECRET_NAMES: SecretNames = SecretNames::new(&["password", "accessToken"]);

/// Renders `uri` for a log line or an error message: the values of
/// `password` and `accessToken` query parameters are replaced by `***`,
/// and a user-info part is hidden whole; everything else is kept as sent.
///
/// ```
/// let uri: http::Uri =
///     "http://me:pw@sys.iotbos.com/Api/token?account=alice&password=hunter2".parse()?;
/// assert_eq!(
///     iotbos_proto::redact_uri(&uri),
///     "http://***@sys.iotbos.com/Api/token?account=alice&password=***"
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
///     iotbos_proto::redact_query("cardIdNums=1064804085884&ACCESSTOKEN=917B38E2"),
///     "cardIdNums=1064804085884&ACCESSTOKEN=***"
/// );
/// ```
pub fn redact_query(query: &str) -> String {
    SECRET_NAMES.query(query).to_string()
}

/// Redacts the credentials a server may echo in a body (an IIS error page
/// showing the request URL, a JSON `"accessToken"` member).
///
/// ```
/// assert_eq!(
///     iotbos_proto::redact_text(r#"<p>/Api/token?account=a&password=hunter2</p> {"accessToken":"7dc1"}"#),
///     r#"<p>/Api/token?account=a&password=***</p> {"accessToken":"***"}"#
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
            ("SENTINEL@host?password=SENTINEL", "***@host?password=***"),
            ("host/a@b", "host/a@b"),
            ("", ""),
        ] {
            assert_eq!(shown_base_url(input), shown, "{input}");
        }
    }
}
