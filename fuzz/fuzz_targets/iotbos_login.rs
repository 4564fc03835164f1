//! `iotbos_proto::parse_login`: any bytes under any HTTP status give an
//! answer or an error naming the call, never a panic.
#![no_main]

use iotbos_proto::http::StatusCode;

fn check(status: StatusCode, body: &[u8]) {
    if let Err(e) = iotbos_proto::parse_login(status, body) {
        let shown = e.to_string();
        assert!(shown.starts_with("login "), "{shown}");
        // A failed call's body is kept only as a short snippet.
        assert!(
            status.is_success() || shown.chars().count() < 1024,
            "{shown}"
        );
    } else {
        assert!(status.is_success());
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    check(StatusCode::OK, data);
    // The first two bytes pick another status (100..=999), the rest is the body.
    if let [hi, lo, body @ ..] = data {
        let code = 100 + u16::from_be_bytes([*hi, *lo]) % 900;
        if let Ok(status) = StatusCode::from_u16(code) {
            check(status, body);
        }
    }
});
