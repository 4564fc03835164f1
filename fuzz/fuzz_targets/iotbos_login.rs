//! `iotbos_proto::parse_login` under any HTTP status: a login or an error
//! with the properties of [`iotcard_fuzz::check_error`], never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    iotcard_fuzz::for_each_status(data, |response| {
        let status = response.status();
        let result = iotbos_proto::parse_login(response);
        iotcard_fuzz::check_result("login", status, &result);
        if let Ok(login) = result {
            // Any answer with a token yields a usable lifetime.
            let lifetime = login.lifetime(std::time::Duration::from_secs(7200));
            assert!(lifetime.duration > std::time::Duration::ZERO);
            assert!(lifetime.duration <= iotbos_proto::MAX_BELIEVED_LIFETIME);
        }
    });
});
