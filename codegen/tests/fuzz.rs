//! Property tests standing in for fuzzing the spec loader and the whole generator: any bytes, and any
//! single-character edit of the real fragment, end in a rendered client or an error, never a panic.

mod common;

use std::path::Path;

use codegen::{Options, Spec};
use proptest::prelude::*;

fn fragment() -> String {
    std::fs::read_to_string(common::spec_path()).unwrap()
}

/// One edit of `text` at character `at`: delete it, or insert / replace with `c`.
fn edit(text: &str, at: usize, c: char, kind: u8) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = at % chars.len();
    let mut out: Vec<char> = chars.clone();
    match kind % 3 {
        0 => {
            out.remove(at);
        }
        1 => out.insert(at, c),
        _ => out[at] = c,
    }
    out.into_iter().collect()
}

proptest! {
    #![proptest_config(test_support::proptest_config(test_support::DEFAULT_CASES))]

    #[test]
    fn any_bytes_load_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..512), json in any::<bool>()) {
        let name = if json { "x.json" } else { "x.yaml" };
        if let Err(e) = Spec::from_bytes(Path::new(name), &bytes) {
            prop_assert!(e.to_string().starts_with(name));
        }
    }
}

proptest! {
    #![proptest_config(test_support::proptest_config(300))]

    #[test]
    fn single_character_edits_of_the_fragment_render_or_fail_cleanly(
        at in any::<usize>(),
        c in prop::sample::select(vec![' ', '\n', ':', '-', '{', '[', '\'', '"', '#', 'a', '0', '\t', '&', '*', '!']),
        kind in any::<u8>(),
    ) {
        let text = edit(&fragment(), at, c, kind);
        if let Ok(spec) = Spec::from_bytes(Path::new(codegen::DEFAULT_SPEC), text.as_bytes()) {
            match codegen::render(&spec, &Options::default()) {
                Ok(rendered) => prop_assert!(rendered.code.starts_with("// @generated")),
                Err(e) => prop_assert!(e.to_string().starts_with(codegen::DEFAULT_SPEC), "{e}"),
            }
        }
    }
}
