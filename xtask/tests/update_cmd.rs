//! `cargo xtask update` as a maintainer runs it, in a scratch workspace holding the 7.8.7 state: the
//! update to 8.1.2 writes exactly what this repository committed for that release, and an update
//! that cannot finish writes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A workspace as it was before the 8.1.2 update: the 7.8.7 slice, version 0.1.0, an [Unreleased] note.
struct Scratch {
    dir: tempfile::TempDir,
}

const UPSTREAM_787: &str = "openapi/upstream/waldur-7.8.7-course-accounts.yaml";

impl Scratch {
    fn at_787() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let put = |path: &str, text: &str| {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        };
        put("openapi/course-accounts.yaml", &std::fs::read_to_string(root().join(UPSTREAM_787)).unwrap());
        put(
            "Cargo.toml",
            "[workspace]\nmembers = []\n\n[workspace.dependencies]\nwaldur-course-accounts = { path = \"generated-client\", version = \"0.1.0\" }\n",
        );
        put(
            "generated-client/Cargo.toml",
            "[package]\nname = \"waldur-course-accounts\"\nversion = \"0.1.0+waldur.7.8.7\"\n",
        );
        put("generated-client/src/generated.rs", "// the 7.8.7 client\n");
        put(
            "CHANGELOG.md",
            "# Changelog\n\n## [Unreleased]\n\n### Added\n- a hand-written note\n\n## [0.1.0+waldur.7.8.7]\n\nFirst.\n",
        );
        Scratch { dir }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn update(&self, from: &Path) -> Output {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["update", "--date", "2026-11-30", "--from"])
            .arg(from)
            .current_dir(self.dir.path())
            // Otherwise xtask would act on this repository (the caller's manifest dir wins).
            .env_remove("CARGO_MANIFEST_DIR")
            .output()
            .unwrap()
    }

    /// Every file of the scratch workspace with its bytes.
    fn files(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.insert(path.clone(), std::fs::read(&path).unwrap());
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(self.dir.path(), &mut out);
        out
    }
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_update_to_8_1_2_writes_what_was_committed_for_it() {
    let scratch = Scratch::at_787();
    // The committed slice as the source (extracting a slice is a fixed point): only the header comment
    // (which names the source file and its digest) and the digest line of generated.rs can differ.
    let out = scratch.update(&root().join("openapi/course-accounts.yaml"));
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let without =
        |text: String, prefix: &str| text.lines().filter(|l| !l.starts_with(prefix)).collect::<Vec<_>>().join("\n");
    for (committed, header) in [
        ("openapi/course-accounts.yaml", "#"),
        ("openapi/reports/7.8.7-to-8.1.2.txt", "\0"),
        ("openapi/reports/7.8.7-to-8.1.2.json", "\0"),
        ("generated-client/src/generated.rs", "// Spec sha256:"),
        (UPSTREAM_787, "\0"),
    ] {
        let (made, kept) = (read(&scratch.path(committed)), read(&root().join(committed)));
        assert!(without(made, header) == without(kept, header), "{committed} differs from the committed one");
    }
    assert!(read(&scratch.path("generated-client/Cargo.toml")).contains("version = \"0.2.0+waldur.8.1.2\""));
    assert!(read(&scratch.path("Cargo.toml")).contains("path = \"generated-client\", version = \"0.2.0\" }"));
    let changelog = read(&scratch.path("CHANGELOG.md"));
    let entry = changelog.split("## [Unreleased]\n\n").nth(1).unwrap();
    assert!(entry.starts_with("## [0.2.0+waldur.8.1.2] - 2026-11-30\n"), "{changelog}");
    assert!(entry.contains("- **Breaking:** type CourseAccountsBulkCreate: removed from the crate"), "{changelog}");
    assert!(entry.contains("- operation marketplace_course_accounts_retry: POST"), "{changelog}");
    assert!(entry.find("- a hand-written note").unwrap() < entry.find("## [0.1.0").unwrap(), "{changelog}");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("waldur-course-accounts 0.1.0+waldur.7.8.7 → 0.2.0+waldur.8.1.2"), "{stdout}");
    assert!(stdout.contains("cargo xtask semver"), "{stdout}");

    // Run again: the slice is current, nothing to do, nothing touched.
    let before = scratch.files();
    let again = scratch.update(&root().join("openapi/course-accounts.yaml"));
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(text(&again.stdout).contains("nothing to do"), "{}", text(&again.stdout));
    assert_eq!(scratch.files(), before);
}

#[test]
fn an_update_that_cannot_finish_writes_nothing() {
    let scratch = Scratch::at_787();
    let before = scratch.files();
    // A new release whose `o` parameter no longer has the shape the ordering fixup knows.
    let spec = read(&root().join("openapi/course-accounts.yaml")).replace("explode: false", "explode: true");
    let broken = scratch.path("new.yaml");
    std::fs::write(&broken, spec).unwrap();
    let out = scratch.update(&broken);
    assert_eq!(out.status.code(), Some(2), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        text(&out.stderr).contains("fixup `ordering_is_one_comma_joined_value` no longer applies"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_file(&broken).unwrap();
    assert_eq!(scratch.files(), before, "a failed update changed files");

    // An older release than the current slice is refused, also without writing.
    let older = root().join("openapi/upstream/waldur-7.8.7-course-accounts.yaml");
    std::fs::write(scratch.path("openapi/course-accounts.yaml"), read(&root().join("openapi/course-accounts.yaml")))
        .unwrap();
    let before = scratch.files();
    let out = scratch.update(&older);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("is not newer than the current slice's 8.1.2"), "{}", text(&out.stderr));
    assert_eq!(scratch.files(), before);
}
