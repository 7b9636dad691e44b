//! Property tests standing in for fuzzing the recording loader: any text, and any single-character
//! edit of a real recording, parses or fails with the file named; stored form round-trips.

use std::path::Path;

use contract_tests::recording::{self, Recording};
use proptest::prelude::*;

fn stored() -> &'static [String] {
    static STORED: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        recording::load_all(&contract_tests::recordings_dir())
            .unwrap()
            .into_iter()
            .flat_map(|s| s.recordings.into_iter().map(|(p, _)| std::fs::read_to_string(p).unwrap()))
            .collect()
    });
    &STORED
}

proptest! {
    #![proptest_config(test_support::proptest_config(test_support::DEFAULT_CASES))]

    #[test]
    fn any_text_parses_or_fails_naming_the_file(text in ".{0,400}") {
        if let Err(e) = Recording::parse(Path::new("r.json"), &text) {
            prop_assert!(e.to_string().starts_with("r.json: "));
        }
    }

    #[test]
    fn edited_recordings_parse_or_fail_cleanly(which in any::<usize>(), at in any::<usize>(), c in any::<char>()) {
        let files = stored();
        let text = &files[which % files.len()];
        let mut chars: Vec<char> = text.chars().collect();
        let at = at % chars.len();
        chars[at] = c;
        let edited: String = chars.into_iter().collect();
        if let Ok(r) = Recording::parse(Path::new("r.json"), &edited) {
            // Whatever parses can be stored and read back unchanged.
            let again = Recording::parse(Path::new("r.json"), &r.to_pretty_json()).unwrap();
            prop_assert_eq!(again, r);
        }
    }
}

#[test]
fn every_stored_recording_is_in_its_stored_form() {
    for text in stored() {
        let r = Recording::parse(Path::new("r.json"), text).unwrap();
        assert_eq!(&r.to_pretty_json(), text);
    }
}
