//! Known answers for every built request, checked by parsing the request
//! back (method, path, every query field decoded), not by string compare
//! alone.

use http::{header, Method, Request};
use iotbos_proto::{redact_uri, AccessToken, Api, Call, Credentials, Endpoint};
use iotcard_model::{CardNumber, Secret};

/// Method, path and decoded query pairs of a request with an empty body.
fn take_apart(request: &Request<bytes::Bytes>) -> (Method, String, Vec<(String, String)>) {
    assert!(request.body().is_empty(), "GET has no body");
    assert_eq!(request.headers()[header::ACCEPT], "application/json");
    let uri = request.uri();
    let query = uri.query().expect("a query");
    let pairs = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    (request.method().clone(), uri.path().to_owned(), pairs)
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn login_known_answer() {
    let endpoint: Endpoint = "http://localhost:25853".parse().unwrap();
    let credentials = Credentials::new("alice@example", Secret::new("p&ss w+rd/=?#%密")).unwrap();
    let request = Api::new(endpoint, credentials).login().unwrap();
    let (method, path, query) = take_apart(&request);
    assert_eq!(method, Method::GET);
    assert_eq!(path, "/Api/token");
    assert_eq!(
        query,
        pairs(&[
            ("account", "alice@example"),
            ("password", "p&ss w+rd/=?#%密")
        ])
    );
    let uri = request.uri();
    assert_eq!(uri.scheme_str(), Some("http"));
    assert_eq!(uri.authority().unwrap().as_str(), "localhost:25853");
    // `+` is escaped, so no decoder can read it as a space.
    assert!(uri.query().unwrap().contains("w%2Brd"));
    assert_eq!(
        uri.to_string(),
        "http://localhost:25853/Api/token?account=alice%40example&password=p%26ss%20w%2Brd%2F%3D%3F%23%25%E5%AF%86"
    );
}

#[test]
fn data_calls_known_answers() {
    let endpoint: Endpoint = "https://gw.example.com:8443/iotbos/".parse().unwrap();
    let api = Api::new(endpoint, Credentials::new("alice", "pw").unwrap());
    let token = AccessToken::new("917B38E2-0CBD-47D3-9264-50B8D022C179");
    let cards: Vec<CardNumber> = ["1064804085884", "89860000000000000001", "1060000000002"]
        .iter()
        .map(|n| n.parse().unwrap())
        .collect();
    let expected_paths = [
        (Call::Usage, "/Api/TerminalInfo/Exceed"),
        (Call::Remaining, "/Api/TerminalInfo/Surplus"),
        (Call::Expiry, "/Api/TerminalInfo/ExpireDate"),
        (Call::State, "/Api/TerminalInfo/ReturnState"),
        (Call::Plan, "/Api/TerminalInfo/ReturnOperatorServicePackage"),
    ];
    for (call, call_path) in expected_paths {
        let request = api.query(call, &cards, &token).unwrap();
        let (method, path, query) = take_apart(&request);
        assert_eq!(method, Method::GET, "{call}");
        assert_eq!(path, format!("/iotbos{call_path}"), "{call}");
        assert_eq!(
            query,
            pairs(&[
                (
                    "cardIdNums",
                    "1064804085884,89860000000000000001,1060000000002"
                ),
                ("accessToken", "917B38E2-0CBD-47D3-9264-50B8D022C179"),
            ]),
            "{call}"
        );
        assert_eq!(request.uri().scheme_str(), Some("https"));
        assert_eq!(request.uri().port_u16(), Some(8443));
        assert_eq!(
            redact_uri(request.uri()),
            format!("https://gw.example.com:8443/iotbos{call_path}?cardIdNums=1064804085884,89860000000000000001,1060000000002&accessToken=***")
        );
    }
}

#[test]
fn the_spec_example_request_is_what_we_build() {
    // 2.2's example: http://localhost:25853/Api/TerminalInfo/Surplus?cardIdNums=1064804085884&accessToken=917B38E2-…
    let endpoint: Endpoint = "http://localhost:25853".parse().unwrap();
    let token = AccessToken::new("917B38E2-0CBD-47D3-9264-50B8D022C179");
    let cards = ["1064804085884".parse().unwrap()];
    let api = Api::new(endpoint, Credentials::new("alice", "pw").unwrap());
    let request = api.query(Call::Remaining, &cards, &token).unwrap();
    assert_eq!(
        request.uri(),
        "http://localhost:25853/Api/TerminalInfo/Surplus?cardIdNums=1064804085884&accessToken=917B38E2-0CBD-47D3-9264-50B8D022C179"
    );
}

#[test]
fn a_token_with_reserved_characters_cannot_change_the_query() {
    let token = AccessToken::new("a&cardIdNums=1&b=+c");
    let cards = ["1064804085884".parse().unwrap()];
    let api = Api::new(
        Endpoint::default(),
        Credentials::new("alice", "pw").unwrap(),
    );
    let request = api.query(Call::Usage, &cards, &token).unwrap();
    let (_, path, query) = take_apart(&request);
    assert_eq!(path, "/Api/TerminalInfo/Exceed");
    assert_eq!(
        query,
        pairs(&[
            ("cardIdNums", "1064804085884"),
            ("accessToken", "a&cardIdNums=1&b=+c")
        ])
    );
    assert_eq!(request.uri().host(), Some("sys.iotbos.com"));
}
