//! The corpus of broken and unsupported specs (`codegen/tests/bad-specs/`): for each, `cargo xtask
//! codegen` exits 2 with one clear message naming the file and the place, never panics, and leaves
//! the output (and the checked-in files) byte-identical.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// What the message must say, for files that cannot carry an `# expect:` comment.
fn expectation(file: &Path, text: &[u8]) -> String {
    match file.file_name().and_then(|n| n.to_str()) {
        Some("malformed-json.json") => "line 1, column 76: invalid JSON".into(),
        Some("empty.yaml") => "the spec is empty".into(),
        Some("tab-indent.yaml") => "line 4".into(),
        _ => {
            let first = String::from_utf8_lossy(text).lines().next().unwrap_or_default().to_string();
            first
                .strip_prefix("# expect: ")
                .unwrap_or_else(|| panic!("{} has no `# expect:` line", file.display()))
                .to_string()
        }
    }
}

fn run(spec: &Path, out: &Path) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--no-fixups", "--spec"])
        .arg(spec)
        .arg("--out")
        .arg(out)
        .current_dir(root())
        .output()
        .unwrap();
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn every_bad_spec_fails_cleanly_naming_the_place() {
    let checked_in = [root().join("generated-client/src/generated.rs"), root().join("openapi/course-accounts.yaml")];
    let before: Vec<Vec<u8>> = checked_in.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("generated.rs");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(root().join("codegen/tests/bad-specs")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 30, "the corpus has {} files", files.len());
    let mut failures = Vec::new();
    for file in &files {
        std::fs::write(&out, &before[0]).unwrap();
        let (code, stderr) = run(file, &out);
        let relative = file.strip_prefix(root()).unwrap().display().to_string();
        let expected = expectation(file, &std::fs::read(file).unwrap());
        let lines: Vec<&str> = stderr.lines().collect();
        let problems = [
            (code != Some(2), format!("exit code {code:?}, expected 2")),
            (stderr.contains("panicked at") || code == Some(101), "the process panicked".into()),
            (lines.len() != 1, format!("{} lines of output", lines.len())),
            (!stderr.starts_with(&format!("error: {relative}: ")), "the message does not start with the file".into()),
            (!stderr.contains(&expected), format!("the message lacks `{expected}`")),
            (std::fs::read(&out).unwrap() != before[0], "the output file changed".into()),
        ];
        for (bad, what) in problems {
            if bad {
                failures.push(format!("{relative}: {what}\n    {}", stderr.trim()));
            }
        }
    }
    let after: Vec<Vec<u8>> = checked_in.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert_eq!(before, after, "checked-in files changed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_huge_spec_is_refused_before_parsing() {
    let scratch = tempfile::tempdir().unwrap();
    let spec = scratch.path().join("huge.yaml");
    let mut text = String::from("openapi: 3.0.3\ninfo: {title: Huge, version: 1.0.0}\npaths: {}\nx-padding: |\n");
    let line = format!("  {}\n", "x".repeat(1022));
    while text.len() <= 65 * 1024 * 1024 {
        text.push_str(&line);
    }
    std::fs::write(&spec, text).unwrap();
    let out = scratch.path().join("generated.rs");
    std::fs::write(&out, "previous").unwrap();
    let started = std::time::Instant::now();
    let (code, stderr) = run(&spec, &out);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("specs over 67108864 bytes are refused"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous");
    assert!(started.elapsed().as_secs() < 30);
}
