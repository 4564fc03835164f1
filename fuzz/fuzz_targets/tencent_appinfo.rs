//! `getappinfo` answers: any bytes give an answer or an error, never a panic.
#![no_main]

use tencent_proto::http::StatusCode;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    match tencent_proto::parse_app_info(StatusCode::OK, data) {
        Ok(info) => {
            let _ = info.card_counts.total();
        }
        Err(e) => assert!(e.to_string().starts_with("getappinfo ")),
    }
    // A failed call's body goes into the error only as a short snippet.
    let refused = tencent_proto::parse_app_info(StatusCode::BAD_GATEWAY, data);
    assert!(refused.is_err_and(|e| e.to_string().len() < 1024));
});
