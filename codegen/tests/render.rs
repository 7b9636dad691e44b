//! What the generator promises: deterministic output, an honest header, fixups that fail loudly, and
//! drift detection that notices real edits of the fragment.

mod common;

use codegen::{Options, check};
use serde_json::{Value, json};

use common::Edit;

const LIST: &str = "/paths/~1api~1marketplace-course-accounts~1/get";
const BULK: &str = "/paths/~1api~1marketplace-course-accounts~1create_bulk~1/post";

fn current() -> String {
    std::fs::read_to_string(common::out_path()).unwrap()
}

#[test]
fn output_is_byte_identical_run_to_run() {
    let a = codegen::render(&common::spec(), &Options::default()).unwrap();
    let b = codegen::render(&common::spec(), &Options::default()).unwrap();
    assert_eq!(a.code, b.code);
}

#[test]
fn header_names_spec_digest_generator_and_fixups() {
    let spec = common::spec();
    let code = codegen::render(&spec, &Options::default()).unwrap().code;
    let header: Vec<&str> = code.lines().take(6).collect();
    assert!(header[0].starts_with("// @generated"), "{header:?}");
    assert!(header.iter().any(|l| l.contains(&spec.sha256)), "{header:?}");
    assert!(header.iter().any(|l| l.contains("progenitor 0.15.1")), "{header:?}");
    let release = spec.value["info"]["version"].as_str().unwrap();
    assert!(header.iter().any(|l| l.contains(&format!("Waldur API {release}"))), "{header:?}");
    for fixup in codegen::fixups::ALL {
        assert!(header.iter().any(|l| l.contains(fixup.name)), "{} missing from {header:?}", fixup.name);
    }
}

#[test]
fn progenitor_version_in_header_matches_the_pin() {
    let manifest = std::fs::read_to_string(common::root().join("Cargo.toml")).unwrap();
    let pin = format!("progenitor = {{ version = \"={}\"", codegen::generate::PROGENITOR_VERSION);
    assert!(manifest.contains(&pin), "Cargo.toml does not pin `{pin}`");
    // The runtime the generated code calls: at least the generator's release, any compatible one above.
    let runtime = format!("progenitor-client = \"{}\"", codegen::generate::PROGENITOR_VERSION);
    assert!(manifest.contains(&runtime), "Cargo.toml does not require `{runtime}` (a caret requirement)");
}

#[test]
fn crlf_checkout_is_not_drift_and_digest_is_the_same() {
    let rendered = codegen::render(&common::spec(), &Options::default()).unwrap();
    let crlf = current().replace('\n', "\r\n");
    assert_eq!(check::drift("generated.rs", Some(&crlf), &rendered.code), None);
    let text = std::fs::read_to_string(common::spec_path()).unwrap().replace('\n', "\r\n");
    let spec = codegen::Spec::from_bytes(&common::spec_path(), text.as_bytes()).unwrap();
    assert_eq!(spec.sha256, common::spec().sha256);
}

/// Edits a maintainer might make to the fragment; each must show up as drift with a readable diff.
#[test]
fn edits_to_the_fragment_are_drift_with_a_readable_diff() {
    let edits: Vec<(&str, Edit, &str)> = vec![
        (
            "add a field",
            Box::new(|v| {
                v["components"]["schemas"]["CourseAccount"]["properties"]["student_id"] = json!({"type": "string"})
            }),
            "+        pub student_id:",
        ),
        (
            "rename an operation",
            Box::new(|v| {
                v["paths"]["/api/marketplace-course-accounts/{uuid}/"]["get"]["operationId"] =
                    json!("course_account_get")
            }),
            "+    pub fn course_account_get(",
        ),
        (
            "change a type",
            Box::new(|v| {
                v["components"]["schemas"]["CourseAccount"]["properties"]["project_slug"] = json!({"type": "integer"})
            }),
            "+        pub project_slug: i64,",
        ),
    ];
    let checked_in = current();
    for (what, edit, expected_line) in edits {
        let rendered = common::render_edited(edit).unwrap_or_else(|e| panic!("{what}: {e}"));
        let diff = check::drift("generated.rs", Some(&checked_in), &rendered.code)
            .unwrap_or_else(|| panic!("{what}: no drift"));
        assert!(diff.contains("--- a/generated.rs"), "{what}: not a unified diff:\n{diff}");
        assert!(diff.lines().any(|l| l.starts_with(expected_line)), "{what}: `{expected_line}` not in diff:\n{diff}");
        // The digest line changes too: the header always tells a stale file apart.
        assert!(diff.lines().any(|l| l.starts_with("+// Spec sha256:")), "{what}: the digest line did not change");
    }
}

#[test]
fn ordering_is_one_typed_value_and_state_is_open() {
    let code = current();
    assert!(code.contains("crate::ordering::Ordering<"), "o must use the hand-written Ordering");
    assert!(code.contains("pub state: crate::state::CourseAccountState"));
    assert!(
        code.contains("::std::vec::Vec<crate::state::CourseAccountState>"),
        "the state filter shares the open enum"
    );
    assert!(!code.contains("ServiceAccountState"), "no closed state enum is generated");
}

fn fixup_error(release: &str, edit: impl FnOnce(&mut Value)) -> String {
    common::render_edited_slice(release, edit).map(|_| ()).expect_err("the fixup must refuse").to_string()
}

/// Each fixup, on the newest real slice it still concerns, refuses once its target is gone.
#[test]
fn each_fixup_fails_loudly_when_its_target_is_gone() {
    let cases: Vec<(&str, &str, Edit)> = vec![
        (
            "ordering_is_one_comma_joined_value",
            "8.1.2",
            Box::new(|v| {
                let params = v.pointer_mut(&format!("{LIST}/parameters")).unwrap().as_array_mut().unwrap();
                params.retain(|p| p["name"] != "o");
            }),
        ),
        (
            "create_bulk_returns_course_accounts",
            "7.8.7",
            Box::new(|v| {
                *v.pointer_mut(&format!("{BULK}/responses/200/content/application~1json/schema")).unwrap() =
                    json!({"type": "string"})
            }),
        ),
        (
            "create_bulk_may_answer_202",
            "8.1.2",
            Box::new(|v| {
                v.pointer_mut(&format!("{BULK}/responses")).unwrap()["202"] =
                    json!({"description": "", "content": {"application/json": {"schema": {"type": "object"}}}});
            }),
        ),
        (
            "destroy_may_answer_202_with_body",
            "8.1.2",
            Box::new(|v| {
                v["paths"]["/api/marketplace-course-accounts/{uuid}/"]["delete"]["responses"]["200"] =
                    json!({"description": ""});
            }),
        ),
        (
            "course_account_state_is_open",
            "8.1.2",
            Box::new(|v| {
                v["components"]["schemas"]["CourseAccount"]["properties"]["state"] = json!({"type": "string"})
            }),
        ),
        (
            "course_account_project_dates_nullable",
            "8.0.5",
            Box::new(|v| {
                v["components"]["schemas"]["CourseAccount"]["properties"]
                    .as_object_mut()
                    .unwrap()
                    .shift_remove("project_end_date");
            }),
        ),
        (
            "course_account_user_fields_nullable",
            "8.1.2",
            Box::new(|v| {
                v["components"]["schemas"]["CourseAccount"]["properties"]["username"]["nullable"] = json!("yes")
            }),
        ),
    ];
    assert_eq!(cases.len(), codegen::fixups::ALL.len(), "every fixup has a case");
    for (name, release, edit) in cases {
        let message = fixup_error(release, edit);
        assert!(message.contains(&format!("fixup `{name}` no longer applies")), "{name} on {release}: {message}");
    }
}

/// The generated code without its header (digest and fixup lines differ by design).
fn body(code: &str) -> String {
    code.lines().skip_while(|l| l.starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// When upstream documents the real behaviour, the fixup steps aside (it names itself fixed
/// upstream) and the crate's code stays exactly what the repair made of the bug. The two fixups that
/// repair what the generator cannot express have no such shape.
#[test]
fn each_fixup_steps_aside_on_upstreams_fix_and_the_crate_stays_the_same() {
    let cases: Vec<(&str, &str, Edit)> = vec![
        (
            "create_bulk_returns_course_accounts",
            "7.8.7",
            Box::new(|v| {
                *v.pointer_mut(&format!("{BULK}/responses/200/content/application~1json/schema")).unwrap() =
                    json!({"type": "array", "items": {"$ref": "#/components/schemas/CourseAccount"}})
            }),
        ),
        (
            "create_bulk_may_answer_202",
            "8.1.2",
            Box::new(|v| {
                let r = v.pointer(&format!("{BULK}/responses/200")).unwrap().clone();
                v.pointer_mut(&format!("{BULK}/responses")).unwrap()["202"] = r;
            }),
        ),
        (
            "destroy_may_answer_202_with_body",
            "8.1.2",
            Box::new(|v| {
                v["paths"]["/api/marketplace-course-accounts/{uuid}/"]["delete"]["responses"]["202"] = json!({"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CourseAccount"}}}});
            }),
        ),
        (
            "course_account_project_dates_nullable",
            "8.0.5",
            Box::new(|v| {
                for date in ["project_start_date", "project_end_date"] {
                    v["components"]["schemas"]["CourseAccount"]["properties"][date]["nullable"] = json!(true)
                }
            }),
        ),
        (
            "course_account_user_fields_nullable",
            "8.1.2",
            Box::new(|v| {
                let account = &mut v["components"]["schemas"]["CourseAccount"];
                for field in ["user_uuid", "username"] {
                    account["properties"][field]["nullable"] = json!(true);
                }
                account["required"].as_array_mut().unwrap().retain(|f| f != "user_uuid" && f != "username");
            }),
        ),
    ];
    for (name, release, edit) in cases {
        let before = codegen::render(&common::slice(release), &Options::default()).unwrap();
        let after = common::render_edited_slice(release, edit).unwrap_or_else(|e| panic!("{name} on {release}: {e}"));
        assert!(after.fixups.fixed_upstream.contains(&name), "{name} on {release}: {:?}", after.fixups);
        assert!(!after.fixups.ran.contains(&name), "{name} on {release}");
        assert!(body(&before.code) == body(&after.code), "{name} on {release}: the generated code changed");
    }
}

/// A fixup upstream fixed is skipped from the release that fixed it on, and the header says so.
#[test]
fn a_fixup_upstream_fixed_is_skipped_for_newer_releases() {
    let expected: [(&str, &[&str]); 4] = [
        ("7.8.7", &[]),
        ("7.9.0", &["create_bulk_returns_course_accounts"]),
        ("8.0.5", &["create_bulk_returns_course_accounts"]),
        ("8.1.2", &["create_bulk_returns_course_accounts", "course_account_project_dates_nullable"]),
    ];
    assert_eq!(expected.map(|(r, _)| r), common::SLICES, "every real slice has a row");
    for (release, skipped) in expected {
        let rendered = codegen::render(&common::slice(release), &Options::default()).unwrap();
        assert_eq!(rendered.fixups.fixed_upstream, skipped, "{release}");
        let line = format!("// Fixups not needed for this release: {}", skipped.join(", "));
        assert_eq!(rendered.code.contains(&line), !skipped.is_empty(), "{release}: `{line}`");
    }
}

#[test]
fn generator_errors_name_the_place() {
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "dangling ref",
            Box::new(|v| {
                v["components"]["schemas"]["CourseAccount"]["properties"]["state"]["allOf"][0]["$ref"] =
                    json!("#/components/schemas/Nope")
            }),
            "/components/schemas/CourseAccount/properties/state/allOf/0/$ref: dangling `$ref: #/components/schemas/Nope`",
        ),
        (
            "duplicate operationId",
            Box::new(|v| {
                *v.pointer_mut(&format!("{BULK}/operationId")).unwrap() = json!("marketplace_course_accounts_create")
            }),
            "duplicate operationId `marketplace_course_accounts_create`",
        ),
        (
            "two request media types",
            Box::new(|v| {
                let content = v.pointer_mut(&format!("{BULK}/requestBody/content")).unwrap();
                content["multipart/form-data"] = content["application/json"].clone();
            }),
            "operation `marketplace_course_accounts_create_bulk` (/paths/~1api~1marketplace-course-accounts~1create_bulk~1/post/requestBody/content): the request body offers 2 media types",
        ),
        (
            "wrong version",
            Box::new(|v| v["openapi"] = json!("3.1.0")),
            "/openapi: OpenAPI version 3.1.0 is not supported",
        ),
    ];
    for (what, edit, expected) in cases {
        let message = common::render_edited(edit).map(|_| ()).expect_err(what).to_string();
        assert!(message.contains(expected), "{what}: {message}");
        assert!(message.contains("course-accounts.yaml"), "{what}: no file in {message}");
    }
}

#[test]
fn yaml_syntax_errors_name_line_and_column() {
    let e = common::render_text("broken.yaml", "openapi: 3.0.3\ninfo: [unclosed\n").map(|_| ()).unwrap_err();
    assert!(matches!(e.place, codegen::Place::Line { line: 2 | 3, .. }), "{e}");
    assert!(e.to_string().starts_with("broken.yaml: line "), "{e}");
}

#[test]
fn a_progenitor_panic_becomes_an_error_naming_the_operation() {
    // A JSON response with an `encoding` makes progenitor 0.15.1 assert; no pre-check knows that shape,
    // so this is the fallback path: the panic is caught and pinned to the operation.
    let e = common::render_edited(|v| {
        let media = "/paths/~1api~1marketplace-course-accounts~1{uuid}~1/get/responses/200/content/application~1json";
        v.pointer_mut(media).unwrap()["encoding"] = json!({"uuid": {"contentType": "text/plain"}});
    })
    .map(|_| ())
    .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("operation `marketplace_course_accounts_retrieve`"), "{text}");
    assert!(text.contains("panicked"), "{text}");
}

#[test]
fn several_success_bodies_are_refused_before_generation() {
    // progenitor 0.15.1 asserts on this; the pre-check names the place instead of letting it panic.
    let e = common::render_edited(|v| {
        let get = "/paths/~1api~1marketplace-course-accounts~1{uuid}~1/get/responses";
        v.pointer_mut(get).unwrap()["203"] =
            json!({"description": "", "content": {"application/json": {"schema": {"type": "string"}}}});
    })
    .map(|_| ())
    .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("operation `marketplace_course_accounts_retrieve`"), "{text}");
    assert!(text.contains("the success responses (200, 203) have 2 different bodies"), "{text}");
    assert!(!text.contains("panicked"), "{text}");
}
