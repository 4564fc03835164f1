//! `getcardinfo` answers under any HTTP status: an answer or an error with
//! the properties of [`iotcard_fuzz::check_error`], never a panic; an
//! answer always converts to the model, and only a refusal is card-unknown.
#![no_main]

use tencent_proto::Call;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    iotcard_fuzz::for_each_status(data, |response| {
        let status = response.status();
        let result = tencent_proto::parse_card_info(response);
        iotcard_fuzz::check_result(Call::GetCardInfo.name(), status, &result);
        match result {
            Ok(info) => {
                let snapshot = info.to_snapshot();
                assert_eq!(snapshot.iccid.as_ref(), Some(&info.card.iccid));
                assert_eq!(snapshot.expires_at, info.product_expires_at);
            }
            Err(e) => assert!(!e.is_card_unknown() || e.is_refused()),
        }
    });
});
