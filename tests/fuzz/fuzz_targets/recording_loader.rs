//! Any recording file: parsed or refused naming the file; what parses round-trips through its stored form.
#![no_main]
use contract_tests::recording::Recording;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = std::path::Path::new("r.json");
    match Recording::parse(path, text) {
        Ok(recording) => assert_eq!(Recording::parse(path, &recording.to_pretty_json()).ok(), Some(recording)),
        Err(e) => assert!(e.to_string().starts_with("r.json: ")),
    }
});
