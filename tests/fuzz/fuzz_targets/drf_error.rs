//! Any error body: a parsed `ErrorBody` whose message can be built, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = waldur_course_accounts::ErrorBody::parse(data);
    let _ = body.message();
});
