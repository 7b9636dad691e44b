//! The `codegen` command as a user runs it: exit codes, the diff and fix command of `--check`, and
//! that a failed run leaves the output untouched.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).current_dir(root()).output().unwrap()
}

/// A scratch folder with `generated.rs` in it, and the `--spec`/`--out` arguments pointing at the
/// checked-in spec and that file.
struct Scratch {
    _dir: tempfile::TempDir,
    out: PathBuf,
    spec: String,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("generated.rs");
        let spec = root().join("openapi/course-accounts.yaml").to_str().unwrap().to_string();
        Scratch { _dir: dir, out, spec }
    }

    fn out_arg(&self) -> &str {
        self.out.to_str().unwrap()
    }
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

#[test]
fn check_passes_on_the_checked_in_tree() {
    let out = xtask(&["codegen", "--check"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
}

#[test]
fn generate_then_check_round_trips_and_check_reports_drift_with_the_fix() {
    let scratch = Scratch::new();
    let (out_file, out_arg, spec_arg) = (scratch.out.clone(), scratch.out_arg(), scratch.spec.as_str());

    let gen_out = xtask(&["codegen", "--spec", spec_arg, "--out", out_arg]);
    assert!(gen_out.status.success(), "{}", text(&gen_out.stderr));
    assert_eq!(
        std::fs::read(&out_file).unwrap(),
        std::fs::read(root().join("generated-client/src/generated.rs")).unwrap()
    );
    assert!(xtask(&["codegen", "--check", "--spec", spec_arg, "--out", out_arg]).status.success());

    // A hand edit of the generated file is drift.
    let edited = std::fs::read_to_string(&out_file).unwrap().replace("pub customer_name:", "pub customer_nam:");
    std::fs::write(&out_file, edited).unwrap();
    let check = xtask(&["codegen", "--check", "--spec", spec_arg, "--out", out_arg]);
    assert_eq!(check.status.code(), Some(1));
    let stdout = text(&check.stdout);
    assert!(stdout.contains("-        pub customer_nam:"), "{stdout}");
    assert!(stdout.contains("+        pub customer_name:"), "{stdout}");
    let stderr = text(&check.stderr);
    assert!(stderr.contains("is stale"), "{stderr}");
    assert!(stderr.contains("cargo xtask codegen --out"), "the fix command keeps the flags: {stderr}");

    // A missing output is drift too, not a crash.
    std::fs::remove_file(&out_file).unwrap();
    assert_eq!(xtask(&["codegen", "--check", "--spec", spec_arg, "--out", out_arg]).status.code(), Some(1));
}

#[test]
fn a_broken_spec_fails_cleanly_and_leaves_the_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("broken.yaml");
    let out_file = dir.path().join("generated.rs");
    std::fs::write(&out_file, "// the previous client\n").unwrap();
    let good = std::fs::read_to_string(root().join("openapi/course-accounts.yaml")).unwrap();
    std::fs::write(
        &spec,
        good.replace("$ref: '#/components/schemas/CourseAccountRequest'", "$ref: '#/components/schemas/Missing'"),
    )
    .unwrap();
    let out = xtask(&["codegen", "--spec", spec.to_str().unwrap(), "--out", out_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("dangling `$ref: #/components/schemas/Missing`"), "{stderr}");
    assert!(stderr.contains("/requestBody/content/application~1json/schema/$ref"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "// the previous client\n");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 2, "no temporary file is left behind: {leftovers:?}");
}

#[test]
fn regenerates_over_a_corrupted_generated_file() {
    // A merge conflict or garbage in generated.rs must not stop its own regeneration: the generator
    // never compiles or parses the file it writes (xtask does not depend on the client crate).
    let scratch = Scratch::new();
    let (out_file, out_arg, spec_arg) = (scratch.out.clone(), scratch.out_arg(), scratch.spec.as_str());
    let mut garbage = b"<<<<<<< HEAD\npub struct {{{ not rust\n=======\n".to_vec();
    garbage.extend_from_slice(&[0xff, 0xfe, 0x00, b'\n']);
    std::fs::write(&out_file, &garbage).unwrap();

    let check = xtask(&["codegen", "--check", "--spec", spec_arg, "--out", out_arg]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stderr));
    assert!(text(&check.stdout).contains("+// @generated"), "the diff shows what is missing");
    let regenerated = xtask(&["codegen", "--spec", spec_arg, "--out", out_arg]);
    assert!(regenerated.status.success(), "{}", text(&regenerated.stderr));
    assert_eq!(
        std::fs::read(&out_file).unwrap(),
        std::fs::read(root().join("generated-client/src/generated.rs")).unwrap()
    );
}
