//! No credential survives `redact_uri`, and nothing else is changed.

use iotbos_proto::{redact_query, redact_uri, AccessToken, Api, Call, Credentials, Endpoint};
use iotcard_model::Secret;
use proptest::prelude::*;

fn decoded_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn built_requests_show_no_credential(
        account in ".{1,16}",
        password in ".{1,24}",
        token in ".{1,40}",
    ) {
        let api = Api::new(Endpoint::default(), Credentials::new(account.clone(), Secret::new(password)).unwrap());
        let login = api.login().unwrap();
        let shown: http::Uri = redact_uri(login.uri()).parse().unwrap();
        prop_assert_eq!(shown.path(), "/Api/token");
        prop_assert_eq!(
            decoded_pairs(shown.query().unwrap()),
            vec![("account".to_owned(), account), ("password".to_owned(), "***".to_owned())]
        );

        let cards = ["1064804085884".parse().unwrap(), "1060000000002".parse().unwrap()];
        for call in Call::ALL {
            let request = api.query(call, &cards, &AccessToken::new(token.clone())).unwrap();
            let shown: http::Uri = redact_uri(request.uri()).parse().unwrap();
            prop_assert_eq!(shown.path(), call.path());
            prop_assert_eq!(
                decoded_pairs(shown.query().unwrap()),
                vec![
                    ("cardIdNums".to_owned(), "1064804085884,1060000000002".to_owned()),
                    ("accessToken".to_owned(), "***".to_owned()),
                ]
            );
        }
    }

    #[test]
    fn only_secret_values_change(
        pairs in prop::collection::vec(
            (
                prop_oneof![
                    prop::sample::select(vec![
                        "password", "PassWord", "accessToken", "ACCESSTOKEN", "pass%77ord",
                        "xpassword", "password2", "account", "cardIdNums", "token",
                    ]).prop_map(str::to_owned),
                    "[a-zA-Z%0-9]{0,10}",
                ],
                proptest::option::of("[^&#]{0,12}"),
            ),
            0..8,
        )
    ) {
        let segments: Vec<String> = pairs
            .iter()
            .map(|(name, value)| match value {
                Some(v) => format!("{name}={v}"),
                None => name.clone(),
            })
            .collect();
        let query = segments.join("&");
        let redacted = redact_query(&query);
        let out: Vec<&str> = redacted.split('&').collect();
        prop_assert_eq!(out.len(), query.split('&').count());
        for (segment, (name, value)) in out.iter().zip(&pairs) {
            let decoded: String = percent_decode_ascii(name).to_ascii_lowercase();
            let secret = decoded == "password" || decoded == "accesstoken";
            match value {
                Some(_) if secret => prop_assert_eq!(*segment, format!("{name}=***")),
                Some(v) => prop_assert_eq!(*segment, format!("{name}={v}")),
                None => prop_assert_eq!(*segment, name.as_str()),
            }
        }
    }
}

/// `%XX` decoding of a name, written here independently of the crate; the
/// generated names hold no `+` and no `%u` escapes.
fn percent_decode_ascii(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn user_info_is_hidden_whole() {
    let uri: http::Uri = "http://me:pw@h/x?accessToken=t&a=1".parse().unwrap();
    assert_eq!(redact_uri(&uri), "http://***@h/x?accessToken=***&a=1");
    let uri: http::Uri = "http://SENTINEL@h/x".parse().unwrap();
    assert_eq!(redact_uri(&uri), "http://***@h/x");
}

#[test]
fn the_secret_names_are_iotbos_s() {
    use iotbos_proto::SECRET_NAMES;
    for name in ["password", "PASSWORD", "accessToken", "access%54oken"] {
        assert!(SECRET_NAMES.is_secret(name), "{name}");
    }
    for name in ["account", "cardIdNums", "sig", "appkey"] {
        assert!(!SECRET_NAMES.is_secret(name), "{name}");
    }
    assert_eq!(
        iotbos_proto::redact_text("…?account=a&password=hunter2 …"),
        "…?account=a&password=*** …"
    );
}
