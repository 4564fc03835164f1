//! What the tests share: answers as the parsers take them.
#![allow(dead_code)]

use http::{Response, StatusCode};

/// A 200 answer with `body` and no headers.
pub fn ok<B: AsRef<[u8]> + ?Sized>(body: &B) -> Response<&[u8]> {
    Response::new(body.as_ref())
}

/// An answer with `status`, `body` and no headers.
pub fn answer<B: AsRef<[u8]> + ?Sized>(status: StatusCode, body: &B) -> Response<&[u8]> {
    let mut response = Response::new(body.as_ref());
    *response.status_mut() = status;
    response
}

/// An [`iotbos_proto::Api`] on `endpoint` for alice.
pub fn api(endpoint: iotbos_proto::Endpoint) -> iotbos_proto::Api {
    let credentials = iotbos_proto::Credentials::new("alice", "pw").expect("not empty");
    iotbos_proto::Api::new(endpoint, credentials)
}
