//! Helpers shared by this crate's behaviour tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use bytes::Bytes;
use http::Request;
use iotcard_model::Secret;
use sha2::{Digest, Sha256};
use tencent_proto::{Api, Credentials, Endpoint};

/// The known-answer credentials (`API.md`, "Authentication: signing every request").
pub const APPKEY: &str = "dffdfd6029698a5fdf4";
pub const SDKAPPID: &str = "1400009099";
pub const TIME: u64 = 1505812393;
pub const KNOWN_SIG: &str = "4ce121a0be98c7f6748496c9cef31f092381970cf07d5c65294986e0de87d2bd";

pub fn api() -> Api {
    api_at(Endpoint::default())
}

pub fn api_at(endpoint: Endpoint) -> Api {
    let credentials = Credentials::new(SDKAPPID.parse().unwrap(), Secret::new(APPKEY)).unwrap();
    Api::new(endpoint, credentials)
}

/// A vector file's bytes, verbatim.
pub fn vector(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Removes `//` end-of-line comments that start outside JSON strings; see
/// tests/vectors/README.md.
pub fn strip_line_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let mut in_string = false;
        let mut escaped = false;
        let mut cut = None;
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
            } else if b == b'"' {
                in_string = true;
            } else if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
                cut = Some(i);
                break;
            }
        }
        match cut {
            Some(i) => {
                out.push_str(line[..i].trim_end());
                if line.ends_with('\n') {
                    out.push('\n');
                }
            }
            None => out.push_str(line),
        }
    }
    out
}

/// A built request read back the way a server would.
#[derive(Debug)]
pub struct Received {
    pub method: http::Method,
    pub scheme: String,
    pub authority: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub query_pairs: usize,
    pub content_type: Option<String>,
    pub body: serde_json::Map<String, serde_json::Value>,
}

pub fn receive(request: &Request<Bytes>) -> Received {
    let uri = request.uri();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let body: serde_json::Value = serde_json::from_slice(request.body()).expect("body is JSON");
    Received {
        method: request.method().clone(),
        scheme: uri.scheme_str().unwrap_or("").to_owned(),
        authority: uri.authority().map(|a| a.to_string()).unwrap_or_default(),
        path: uri.path().to_owned(),
        query_pairs: pairs.len(),
        query: pairs.into_iter().collect(),
        content_type: request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned()),
        body: match body {
            serde_json::Value::Object(map) => map,
            other => panic!("body is not an object: {other}"),
        },
    }
}

/// The signature as the server recomputes it, written out independently of
/// the crate's signer.
pub fn expected_sig(appkey: &str, sdkappid: &str, time: &str) -> String {
    let digest = Sha256::digest(format!("appkey={appkey}&sdkappid={sdkappid}&time={time}"));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a server checks on every call: POST, the command's path, exactly
/// `sdkappid` and `random` in the query, JSON, a string `time` and a `sig`
/// that recomputes. Returns the body.
pub fn check_envelope(
    received: &Received,
    command: &str,
) -> serde_json::Map<String, serde_json::Value> {
    assert_eq!(received.method, http::Method::POST);
    assert_eq!(received.path, format!("/v1/iotcard/{command}"));
    assert_eq!(received.query_pairs, 2, "{:?}", received.query);
    assert_eq!(
        received.query.get("sdkappid").map(String::as_str),
        Some(SDKAPPID)
    );
    let random = received.query.get("random").expect("random in query");
    assert!(random.parse::<u32>().is_ok_and(|r| r > 0), "{random}");
    assert!(!random.starts_with('0'), "{random}");
    assert_eq!(received.content_type.as_deref(), Some("application/json"));
    let time = received.body["time"]
        .as_str()
        .expect("time is a JSON string");
    assert!(time.parse::<u64>().is_ok(), "{time}");
    assert_eq!(
        received.body["sig"].as_str(),
        Some(expected_sig(APPKEY, SDKAPPID, time).as_str())
    );
    received.body.clone()
}

/// A 200 answer with `body` and no headers.
pub fn ok<B: AsRef<[u8]> + ?Sized>(body: &B) -> http::Response<&[u8]> {
    http::Response::new(body.as_ref())
}

/// An answer with `status`, `body` and no headers.
pub fn answer<B: AsRef<[u8]> + ?Sized>(
    status: http::StatusCode,
    body: &B,
) -> http::Response<&[u8]> {
    let mut response = http::Response::new(body.as_ref());
    *response.status_mut() = status;
    response
}
