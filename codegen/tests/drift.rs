//! `cargo test` alone catches a stale client: the checked-in file must be what the spec renders to.

mod common;

#[test]
fn checked_in_client_is_what_the_spec_generates() {
    let rendered = codegen::render(&common::spec(), &codegen::Options::default()).expect("the spec renders");
    let current = std::fs::read_to_string(common::out_path()).ok();
    if let Some(diff) = codegen::check::drift(codegen::DEFAULT_OUT, current.as_deref(), &rendered.code) {
        panic!("{diff}\n{} is stale; run `{}` and commit the result", codegen::DEFAULT_OUT, codegen::REGENERATE);
    }
}
