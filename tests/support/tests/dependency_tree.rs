//! Dependency direction: the published client compiles fast for consumers (no generator, no YAML, no
//! build script, no test-only crates), and xtask depends on the generator only, never on the client it
//! generates (a broken `generated.rs` must not block its own regeneration).

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap()
}

/// `cargo tree -p PACKAGE -e EDGES`, one crate a line.
fn tree(package: &str, edges: &str) -> String {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--offline", "-p", package, "-e", edges, "--prefix", "none"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn xtask_depends_on_the_generator_only() {
    let tree = tree("xtask", "normal,build");
    assert!(tree.lines().any(|l| l.starts_with("codegen v")), "{tree}");
    for banned in ["waldur-course-accounts", "contract-tests", "bench v", "whole-api", "reqwest", "tokio v"] {
        let hits: Vec<&str> = tree.lines().filter(|l| l.contains(banned)).collect();
        assert!(hits.is_empty(), "`{banned}` is in xtask's dependency tree: {hits:?}");
    }
}

#[test]
fn published_client_has_no_generator_or_yaml_dependencies() {
    let root = root();
    let tree = tree("waldur-course-accounts", "normal,build");
    assert!(tree.contains("progenitor-client"), "the runtime is expected:\n{tree}");
    for banned in [
        "yaml",
        "progenitor-impl",
        "progenitor v",
        "typify",
        "openapiv3",
        "prettyplease",
        "codegen",
        // Test-only crates belong in dev-dependencies.
        "proptest",
        "tracing-subscriber",
        "wiremock",
        "test-support",
    ] {
        let hits: Vec<&str> = tree.lines().filter(|l| l.contains(banned)).collect();
        assert!(hits.is_empty(), "`{banned}` is in the client's dependency tree: {hits:?}");
    }
    assert!(!root.join("generated-client/build.rs").exists(), "the client has no build script");
}

#[test]
fn the_command_line_is_built_on_the_published_crate_never_the_generator() {
    let tree = tree("waldur-course-accounts-cli", "normal,build");
    assert!(tree.lines().any(|l| l.starts_with("waldur-course-accounts v")), "{tree}");
    for banned in
        ["codegen", "progenitor v", "progenitor-impl", "typify", "openapiv3", "yaml", "testkit", "contract-tests"]
    {
        let hits: Vec<&str> = tree.lines().filter(|l| l.contains(banned)).collect();
        assert!(hits.is_empty(), "`{banned}` is in the command line's dependency tree: {hits:?}");
    }
}
