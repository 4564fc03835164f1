//! `getappinfo` answers under any HTTP status: an answer or an error with
//! the properties of [`iotcard_fuzz::check_error`], never a panic.
#![no_main]

use tencent_proto::Call;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    iotcard_fuzz::for_each_status(data, |response| {
        let status = response.status();
        let result = tencent_proto::parse_app_info(response);
        iotcard_fuzz::check_result(Call::GetAppInfo.name(), status, &result);
        if let Ok(info) = result {
            let _ = info.card_counts.total();
        }
    });
});
