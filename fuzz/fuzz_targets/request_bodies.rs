#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| edgedesk_fuzz::request_bodies(data));
