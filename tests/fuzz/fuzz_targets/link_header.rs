//! Any header value: parsed links or none, never a panic; every target is free of `>`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for link in waldur_course_accounts::parse_link_header(text) {
            assert!(!link.target.contains('>'));
        }
    }
});
