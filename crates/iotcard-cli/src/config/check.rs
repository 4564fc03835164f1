//! What makes a setting's value usable. Each check returns why not, phrased
//! to follow the value in a message ("… must start with http:// or https://").

use std::path::Path;

/// A base URL: `http` or `https`, a host, an optional path prefix, no
/// query, no fragment, no `user:password@`.
pub fn endpoint(text: &str) -> Result<String, String> {
    if text.contains('#') {
        return Err("must not have a fragment (#…)".into());
    }
    if text.contains('?') {
        return Err("must not have a query string (?…)".into());
    }
    let uri: http::Uri = text
        .parse()
        .map_err(|_| "is not a URL (expected e.g. http://sys.iotbos.com)".to_owned())?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err("must start with http:// or https://".into()),
    }
    let authority = uri.authority().ok_or("has no host")?;
    if authority.as_str().contains('@') {
        return Err("must not carry credentials (user:password@); set them apart".into());
    }
    if authority.host().is_empty() {
        return Err("has no host".into());
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// How an endpoint may be shown in a message: without user info, which
/// may be a password.
pub fn shown_endpoint(text: &str) -> String {
    match (text.find("://"), text.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://…@{}", &text[..scheme_end], &text[at + 1..])
        }
        _ => format!("{text:?}"),
    }
}

/// A Tencent sdkappid: the platform assigns decimal numbers, and it goes
/// into the query string and the signed text as written.
pub fn sdkappid(text: &str) -> Result<String, String> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err("must be the decimal number Tencent assigned (e.g. 1400009099)".into())
    }
}

/// An IoTBOS account name: anything printable, since the platform does
/// not document a format; whitespace at the ends is a copy-paste slip.
pub fn account(text: &str) -> Result<String, String> {
    if text.trim() != text {
        return Err("has spaces at its start or end".into());
    }
    if text.chars().any(char::is_control) {
        return Err("has control characters".into());
    }
    Ok(text.to_owned())
}

/// A CA certificate file must exist as a file; its PEM is read later, by
/// the transport, which says what is wrong inside it.
pub fn ca_file(path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err("is not a file".into()),
        Err(e) => Err(format!("cannot be read: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            endpoint("http://sys.iotbos.com/").unwrap(),
            "http://sys.iotbos.com"
        );
        assert_eq!(
            endpoint("https://127.0.0.1:8443/tencent").unwrap(),
            "https://127.0.0.1:8443/tencent"
        );
        for (bad, why) in [
            ("sys.iotbos.com", "http://"),
            ("ftp://sys.iotbos.com", "http://"),
            ("http://", "URL"),
            ("http://h/?a=1", "query"),
            ("http://h/#x", "fragment"),
            ("http://user:pw@h/", "credentials"),
            ("not a url", "URL"),
        ] {
            let e = endpoint(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn shown_endpoint_hides_user_info() {
        assert_eq!(shown_endpoint("http://me:SENTINEL@h:1/p"), "http://…@h:1/p");
        assert_eq!(shown_endpoint("ftp://h"), "\"ftp://h\"");
    }

    #[test]
    fn sdkappids_and_accounts() {
        assert!(sdkappid("1400009099").is_ok());
        assert!(sdkappid("14000 9099").is_err());
        assert!(account("shop-1").is_ok());
        assert!(account(" shop").is_err());
        assert!(account("sh\top").is_err());
    }

    #[test]
    fn ca_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(ca_file(dir.path()).unwrap_err().contains("not a file"));
        assert!(ca_file(&dir.path().join("absent.pem")).is_err());
        let pem = dir.path().join("ca.pem");
        std::fs::write(&pem, "-----BEGIN CERTIFICATE-----\n").unwrap();
        assert!(ca_file(&pem).is_ok());
    }
}
