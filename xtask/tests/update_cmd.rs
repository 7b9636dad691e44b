//! `cargo xtask update` as a maintainer runs it, in a scratch workspace: from the 7.8.7 state, the
//! update to 8.1.2 writes exactly what this repository committed for that release, and an update
//! that cannot finish writes nothing; from the 8.1.2 state, three plausible next releases derived from
//! the 8.1.2 slice: one where upstream fixes its schema (the fixups step aside, a minor release), one
//! where a fixup's target turns into neither the bug nor the fix (a stop, nothing written), and one
//! that truly breaks callers (a major release).

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

    /// A workspace at the committed 8.1.2 state: its slice, its version, an [Unreleased] note.
    fn at_812() -> Scratch {
        let scratch = Scratch::at_787();
        let put = |path: &str, text: &str| std::fs::write(scratch.path(path), text).unwrap();
        put("openapi/course-accounts.yaml", &read(&root().join("openapi/course-accounts.yaml")));
        put(
            "Cargo.toml",
            "[workspace]\nmembers = []\n\n[workspace.dependencies]\n# the client\nwaldur-course-accounts = { path = \"generated-client\", version = \"0.2.0\" }\n",
        );
        put(
            "generated-client/Cargo.toml",
            "[package]\nname = \"waldur-course-accounts\"\nversion = \"0.2.0+waldur.8.1.2\" # the release\n",
        );
        scratch
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
            // The scratch workspace is no crate cargo-semver-checks could build: the schema report decides.
            .env("XTASK_NO_SEMVER_CHECKS", "1")
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

/// The 8.1.2 slice as JSON, edited into a next release (`info.version` 8.1.3), written beside the
/// scratch workspace.
fn next_release(scratch: &Scratch, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let mut doc = codegen::Spec::load(&root().join("openapi/course-accounts.yaml")).unwrap().value;
    doc["info"]["version"] = serde_json::json!("8.1.3");
    edit(&mut doc);
    let path = scratch.path("waldur-8.1.3.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path
}

const DELETE: &str = "/paths/~1api~1marketplace-course-accounts~1{uuid}~1/delete/responses";

/// Upstream documents delete as 202 with the closed account (as servers since 8.1.3 answer), makes
/// the user fields nullable, adds a state, a response field and an operation. The crate already
/// absorbs the first two; the rest is new API: a minor release, the fixed fixup named.
#[test]
fn a_release_that_fixes_upstream_schema_bugs_is_a_minor_update_naming_the_fixed_fixups() {
    use serde_json::json;
    let scratch = Scratch::at_812();
    let next = next_release(&scratch, |doc| {
        doc.pointer_mut(DELETE).unwrap()["202"] = json!({"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CourseAccount"}}}});
        let account = &mut doc["components"]["schemas"]["CourseAccount"];
        account["properties"]["user_uuid"]["nullable"] = json!(true);
        account["properties"]["username"]["nullable"] = json!(true);
        account["properties"]["student_id"] = json!({"type": "string", "nullable": true, "readOnly": true});
        doc["components"]["schemas"]["CourseAccountStateEnum"]["enum"].as_array_mut().unwrap().push(json!("Archived"));
        let retry = doc["paths"]["/api/marketplace-course-accounts/{uuid}/retry/"].clone();
        let mut extend = retry;
        extend["post"]["operationId"] = json!("marketplace_course_accounts_extend");
        doc["paths"]["/api/marketplace-course-accounts/{uuid}/extend/"] = extend;
    });
    let out = scratch.update(&next);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("fixed upstream in Waldur 8.1.3"), "{stdout}");
    assert!(
        stdout.contains("  - destroy_may_answer_202_with_body (fixed_in not recorded yet: set it to 8.1.3)"),
        "{stdout}"
    );
    assert!(!stdout.contains("uncertain"), "{stdout}");
    assert!(stdout.contains("cargo-semver-checks is not installed"), "{stdout}");
    assert!(
        stdout.contains("waldur-course-accounts 0.2.0+waldur.8.1.2 → 0.2.1+waldur.8.1.3"),
        "a minor release: {stdout}"
    );
    assert!(stdout.contains("5. name the new values in the hand-written type"), "{stdout}");
    let report = read(&scratch.path("openapi/reports/8.1.2-to-8.1.3.txt"));
    assert!(report.contains("breaking (0):"), "{report}");
    for absorbed in ["CourseAccount.user_uuid", "CourseAccount.username", "marketplace_course_accounts_destroy"] {
        assert!(!report.contains(absorbed), "{absorbed} is no change: {report}");
    }
    let changelog = read(&scratch.path("CHANGELOG.md"));
    let entry = changelog.split("## [Unreleased]\n\n").nth(1).unwrap();
    assert!(entry.starts_with("## [0.2.1+waldur.8.1.3] - 2026-11-30\n"), "{changelog}");
    for line in [
        "a minor release",
        "cargo-semver-checks is not installed, so the crate was not checked: the schema report's verdict alone (minor)",
        "Fixed upstream in Waldur 8.1.3",
        "`destroy_may_answer_202_with_body`",
        "new value `Archived`",
        "CourseAccount.student_id",
        "operation marketplace_course_accounts_extend",
    ] {
        assert!(entry.contains(line), "`{line}` not in the entry:\n{entry}");
    }
    assert!(
        read(&scratch.path("generated-client/Cargo.toml")).contains("version = \"0.2.1+waldur.8.1.3\" # the release")
    );
    assert!(
        read(&scratch.path("Cargo.toml"))
            .contains("# the client\nwaldur-course-accounts = { path = \"generated-client\", version = \"0.2.1\" }")
    );
    let code = read(&scratch.path("generated-client/src/generated.rs"));
    assert!(code.contains("pub fn marketplace_course_accounts_extend("), "the new operation is generated");
    assert!(code.contains("// Fixups not needed for this release: create_bulk_returns_course_accounts, destroy_may_answer_202_with_body, course_account_project_dates_nullable"), "header");
}

/// A breaking change of the hand-written API noted under [Unreleased] since the last release makes
/// even a compatible schema release major: the crate check compares with `HEAD`, which already holds it.
#[test]
fn a_breaking_note_since_the_last_release_makes_a_compatible_update_major() {
    let scratch = Scratch::at_812();
    std::fs::write(
        scratch.path("CHANGELOG.md"),
        "# Changelog\n\n## [Unreleased]\n\n- **Breaking:** `Error` by kind\n\n## [0.2.0+waldur.8.1.2]\n\nSecond.\n",
    )
    .unwrap();
    let next = next_release(&scratch, |doc| {
        doc["components"]["schemas"]["CourseAccountStateEnum"]["enum"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!("Archived"));
    });
    let out = scratch.update(&next);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("waldur-course-accounts 0.2.0+waldur.8.1.2 → 0.3.0+waldur.8.1.3"), "{stdout}");
    assert!(stdout.contains("notes hold 1 breaking change(s)"), "{stdout}");
    let changelog = read(&scratch.path("CHANGELOG.md"));
    let entry = changelog.split("## [Unreleased]\n\n").nth(1).unwrap();
    assert!(entry.starts_with("## [0.3.0+waldur.8.1.3] - 2026-11-30\n"), "{changelog}");
    assert!(entry.contains("- **Breaking:** `Error` by kind"), "the note moves under the release: {entry}");
}

/// A fixup's target that is neither the bug nor upstream's fix: the update stops, naming the fixup,
/// what it expected and what it found, and writes nothing.
#[test]
fn a_target_that_is_neither_the_bug_nor_the_fix_stops_the_update_and_writes_nothing() {
    let scratch = Scratch::at_812();
    let next = next_release(&scratch, |doc| {
        doc.pointer_mut(DELETE).unwrap()["200"] =
            serde_json::json!({"description": "", "content": {"application/json": {"schema": {"type": "object"}}}});
    });
    let before = scratch.files();
    let out = scratch.update(&next);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}{stderr}", text(&out.stdout));
    assert!(stderr.contains("fixup `destroy_may_answer_202_with_body` no longer applies to Waldur 8.1.3"), "{stderr}");
    assert!(stderr.contains("expected the success responses"), "{stderr}");
    assert!(stderr.contains(r#"found ["200", "204"]"#), "what it found: {stderr}");
    assert_eq!(scratch.files(), before, "nothing written");
}

/// An operation removed and a request field made required break callers: a major release.
#[test]
fn a_truly_breaking_release_is_major() {
    let scratch = Scratch::at_812();
    let next = next_release(&scratch, |doc| {
        doc["paths"].as_object_mut().unwrap().shift_remove("/api/marketplace-course-accounts/{uuid}/retry/");
        let request = &mut doc["components"]["schemas"]["CourseAccountRequest"];
        request["required"].as_array_mut().unwrap().push(serde_json::json!("description"));
    });
    let out = scratch.update(&next);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("waldur-course-accounts 0.2.0+waldur.8.1.2 → 0.3.0+waldur.8.1.3"), "{stdout}");
    let report = read(&scratch.path("openapi/reports/8.1.2-to-8.1.3.txt"));
    assert!(report.contains("operation marketplace_course_accounts_retry"), "{report}");
    assert!(report.contains("CourseAccountRequest.description"), "{report}");
    let changelog = read(&scratch.path("CHANGELOG.md"));
    assert!(changelog.contains("a major release"), "{changelog}");
    assert!(changelog.contains("**Breaking:** operation marketplace_course_accounts_retry"), "{changelog}");
}
