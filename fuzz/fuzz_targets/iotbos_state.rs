//! `iotbos_proto::parse_state` under any HTTP status: an answer or an
//! error with the properties of [`iotcard_fuzz::check_error`], never a
//! panic; an answer matches back to its cards.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    iotcard_fuzz::iotbos_data_call::<iotbos_proto::StateQuery>(data);
});
