//! The chunked formatter against formatting at once: the joins must not show.

use std::path::{Path, PathBuf};

use codegen::{Options, Spec};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap().to_path_buf()
}

/// The generated file is formatted a chunk of items at a time (a whole-schema client's syntax tree at
/// once took 1.2 GiB); the joins must not show: byte-identical to formatting at once, for any chunk size.
#[test]
fn chunked_formatting_is_byte_identical_to_formatting_the_file_at_once() {
    let corpus = |name: &str| Spec::load(&root().join("codegen/tests/corpus").join(name)).unwrap();
    let cases = [
        (Spec::load(&root().join(codegen::DEFAULT_SPEC)).unwrap(), Options::default()),
        (Spec::load(&root().join("openapi/upstream/waldur-7.8.7-course-accounts.yaml")).unwrap(), Options::default()),
        (corpus("nullable.yaml"), Options { fixups: codegen::Fixups::None, ..Options::default() }),
        (corpus("allof-enum.yaml"), Options { fixups: codegen::Fixups::None, ..Options::default() }),
    ];
    for (spec, options) in cases {
        let prepared = codegen::prepare(&spec, &options).unwrap();
        let settings = codegen::generate::settings(&prepared.fixups);
        let tokens = codegen::generate::tokens(&spec.path, &prepared.doc, &settings).unwrap();
        let response_only = codegen::exhaustive::response_only(&prepared.doc);
        let whole = codegen::generate::format(&spec.path, tokens.clone(), &response_only).unwrap();
        for n in [1, 2, 7, 64] {
            let chunked = whole_api::chunked::in_chunks(&spec.path, tokens.clone(), &response_only, n).unwrap();
            if let Some(diff) = codegen::check::drift("whole.rs", Some(&whole), &chunked) {
                panic!("{} with chunks of {n}:\n{diff}", spec.path.display());
            }
        }
    }
}
