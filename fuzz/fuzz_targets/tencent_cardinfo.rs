//! `getcardinfo` answers: any bytes give an answer or an error, never a panic;
//! an answer always converts to the model.
#![no_main]

use tencent_proto::http::StatusCode;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    match tencent_proto::parse_card_info(StatusCode::OK, data) {
        Ok(info) => {
            let snapshot = info.to_snapshot();
            assert_eq!(snapshot.iccid.as_ref(), Some(&info.card.iccid));
            assert_eq!(snapshot.expires_at, info.product_expires_at);
        }
        Err(e) => assert!(e.to_string().starts_with("getcardinfo ")),
    }
});
