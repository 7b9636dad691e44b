//! The published client must compile fast for consumers: no generator, no YAML, no build script of its own.

use std::path::Path;
use std::process::Command;

#[test]
fn published_client_has_no_generator_or_yaml_dependencies() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--locked",
            "--offline",
            "-p",
            "waldur-course-accounts",
            "-e",
            "normal,build",
            "--prefix",
            "none",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("progenitor-client"), "the runtime is expected:\n{tree}");
    for banned in ["yaml", "progenitor-impl", "progenitor v", "typify", "openapiv3", "prettyplease", "codegen"] {
        let hits: Vec<&str> = tree.lines().filter(|l| l.contains(banned)).collect();
        assert!(hits.is_empty(), "`{banned}` is in the client's dependency tree: {hits:?}");
    }
    assert!(!root.join("generated-client/build.rs").exists(), "the client has no build script");
}
