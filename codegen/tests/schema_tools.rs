//! `extract` and `diff` beyond the snapshots: extraction is a fixed point on the slice and keeps
//! upstream blocks verbatim; every class of change is reported with the right class.

mod common;

use std::path::Path;

use codegen::compare::{Bump, Class, compare};
use codegen::extract::{Selection, extract, extract_yaml};
use codegen::{Spec, fixups};
use serde_json::{Value, json};

#[test]
fn extracting_the_slice_from_itself_is_a_fixed_point() {
    let slice = common::spec();
    let again = extract(&slice, &Selection::default()).unwrap();
    assert_eq!(again, slice.value, "extract(slice) must be the slice");
    let text = extract_yaml(&slice, &Selection::default(), "course-accounts.yaml").unwrap();
    let reloaded = Spec::from_bytes(Path::new("x.yaml"), text.as_bytes()).unwrap();
    assert_eq!(reloaded.value, slice.value);
    let text_again = extract_yaml(&reloaded, &Selection::default(), "course-accounts.yaml").unwrap();
    assert_eq!(text.lines().skip(2).collect::<Vec<_>>(), text_again.lines().skip(2).collect::<Vec<_>>());
}

#[test]
fn the_7_9_0_slice_has_the_upstream_blocks_verbatim_and_nothing_else() {
    let whole = common::whole_790();
    let slice = extract(&whole, &Selection::default()).unwrap();
    let paths: Vec<&String> = slice["paths"].as_object().unwrap().keys().collect();
    assert_eq!(
        paths,
        [
            "/api/marketplace-course-accounts/",
            "/api/marketplace-course-accounts/{uuid}/",
            "/api/marketplace-course-accounts/create_bulk/"
        ]
    );
    assert_eq!(codegen::openapi::operations(&slice).len(), 6);
    for (path, item) in slice["paths"].as_object().unwrap() {
        assert_eq!(item, &whole.value["paths"][path], "{path} is not verbatim");
    }
    for (kind, entries) in slice["components"].as_object().unwrap() {
        for (name, block) in entries.as_object().unwrap() {
            assert_eq!(block, &whole.value["components"][kind][name], "{kind}/{name} is not verbatim");
        }
    }
    let schemas: Vec<&String> = slice["components"]["schemas"].as_object().unwrap().keys().collect();
    assert_eq!(
        schemas,
        [
            "CourseAccount",
            "CourseAccountCreateNestedRequest",
            "CourseAccountRequest",
            "CourseAccountsBulkCreateRequest",
            "ServiceAccountState"
        ]
    );
    let security: Vec<&String> = slice["components"]["securitySchemes"].as_object().unwrap().keys().collect();
    assert_eq!(security, ["tokenAuth", "waldurOIDCAuth"], "only the schemes the operations use");
    // Selecting by tag gives the same operations.
    let by_tag = extract(&whole, &Selection::Tag("marketplace-course-accounts".into())).unwrap();
    assert_eq!(by_tag["paths"], slice["paths"]);
}

#[test]
fn extract_names_the_place_of_a_dangling_reference_and_an_empty_selection() {
    let mut spec = common::spec();
    spec.value["components"]["schemas"].as_object_mut().unwrap().shift_remove("CourseAccountRequest");
    let e = extract(&spec, &Selection::default()).unwrap_err().to_string();
    assert!(e.contains("requestBody/content/application~1json/schema/$ref: dangling `$ref: #/components/schemas/CourseAccountRequest`"), "{e}");
    let e = extract(&common::spec(), &Selection::PathPrefix("/api/nothing/".into())).unwrap_err().to_string();
    assert!(e.contains("no path starts with `/api/nothing/`"), "{e}");
}

#[test]
fn the_7_9_0_slice_generates_with_the_obsolete_fixup_skipped() {
    let whole = common::whole_790();
    let text = extract_yaml(&whole, &Selection::default(), "waldur-7.9.0-openapi.yaml").unwrap();
    let slice = Spec::from_bytes(Path::new("course-accounts.yaml"), text.as_bytes()).unwrap();
    let rendered = codegen::render(&slice, &codegen::Options::default()).unwrap();
    assert_eq!(rendered.fixups.fixed_upstream, ["create_bulk_returns_course_accounts"]);
    assert_eq!(rendered.operations, 6);
}

/// Compares the fragment with an edited copy of itself.
fn changes(edit: impl FnOnce(&mut Value)) -> codegen::compare::Report {
    let old = common::spec();
    let mut new = old.clone();
    edit(&mut new.value);
    new.value["info"]["version"] = json!("9.9.9");
    compare(&old, &new)
}

fn kinds(report: &codegen::compare::Report) -> Vec<(Class, &'static str)> {
    report.changes.iter().map(|c| (c.class(), c.kind.as_str())).collect()
}

fn schema(v: &mut Value) -> &mut Value {
    &mut v["components"]["schemas"]["CourseAccount"]
}

const LIST: &str = "/api/marketplace-course-accounts/";
const ITEM: &str = "/api/marketplace-course-accounts/{uuid}/";

#[test]
fn every_class_of_change_is_reported_and_classed() {
    let cases: Vec<(&str, common::Edit, (Class, &str))> = vec![
        (
            "operation removed",
            Box::new(|v| {
                v["paths"][ITEM].as_object_mut().unwrap().shift_remove("delete");
            }),
            (Class::Breaking, "operation_removed"),
        ),
        (
            "operation added",
            Box::new(|v| {
                v["paths"][ITEM]["patch"] = json!({"operationId": "x_patch", "responses": {"200": {"description": ""}}})
            }),
            (Class::Compatible, "operation_added"),
        ),
        (
            "operation moved",
            Box::new(|v| {
                let item = v["paths"].as_object_mut().unwrap().shift_remove(ITEM).unwrap();
                v["paths"]["/api/course-accounts/{uuid}/"] = item;
            }),
            (Class::Compatible, "operation_moved"),
        ),
        (
            "optional parameter added",
            Box::new(|v| {
                v["paths"][LIST]["get"]["parameters"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"in": "query", "name": "customer", "schema": {"type": "string"}}))
            }),
            (Class::Compatible, "parameter_added"),
        ),
        (
            "required parameter added",
            Box::new(|v| {
                v["paths"][LIST]["get"]["parameters"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"in": "query", "name": "customer", "required": true, "schema": {"type": "string"}}))
            }),
            (Class::Breaking, "parameter_added"),
        ),
        (
            "parameter removed",
            Box::new(|v| {
                v["paths"][LIST]["get"]["parameters"].as_array_mut().unwrap().retain(|p| p["name"] != "email")
            }),
            (Class::Breaking, "parameter_removed"),
        ),
        (
            "parameter type changed",
            Box::new(|v| {
                for p in v["paths"][LIST]["get"]["parameters"].as_array_mut().unwrap() {
                    if p["name"] == "username" {
                        p["schema"] = json!({"type": "integer"});
                    }
                }
            }),
            (Class::Breaking, "parameter_type_changed"),
        ),
        (
            "parameter becomes required",
            Box::new(|v| {
                for p in v["paths"][LIST]["get"]["parameters"].as_array_mut().unwrap() {
                    if p["name"] == "username" {
                        p["required"] = json!(true);
                    }
                }
            }),
            (Class::Breaking, "parameter_required_changed"),
        ),
        (
            "parameter encoding changed",
            Box::new(|v| {
                for p in v["paths"][LIST]["get"]["parameters"].as_array_mut().unwrap() {
                    if p["name"] == "state" {
                        p["explode"] = json!(false);
                    }
                }
            }),
            (Class::Compatible, "parameter_encoding_changed"),
        ),
        (
            "closed enum value added",
            Box::new(|v| {
                let values = v["components"]["schemas"]["CourseAccountOEnum"]["enum"].as_array_mut().unwrap();
                values.extend([json!("student_id"), json!("-student_id")]);
            }),
            (Class::Breaking, "enum_value_added"),
        ),
        (
            "field added to a response-only (non_exhaustive) struct",
            Box::new(|v| schema(v)["properties"]["student_id"] = json!({"type": "string"})),
            (Class::Compatible, "field_added"),
        ),
        (
            "field added to a request struct",
            Box::new(|v| {
                v["components"]["schemas"]["CourseAccountRequest"]["properties"]["student_id"] =
                    json!({"type": "string"})
            }),
            (Class::Breaking, "field_added"),
        ),
        (
            "field removed",
            Box::new(|v| {
                schema(v)["properties"].as_object_mut().unwrap().shift_remove("description");
            }),
            (Class::Breaking, "field_removed"),
        ),
        (
            "field type changed",
            Box::new(|v| schema(v)["properties"]["project_slug"] = json!({"type": "integer"})),
            (Class::Breaking, "field_type_changed"),
        ),
        (
            "field becomes nullable",
            Box::new(|v| schema(v)["properties"]["project_name"]["nullable"] = json!(true)),
            (Class::Breaking, "field_nullability_changed"),
        ),
        (
            "field becomes optional",
            Box::new(|v| schema(v)["required"].as_array_mut().unwrap().retain(|f| f != "project_name")),
            (Class::Breaking, "field_required_changed"),
        ),
        (
            "closed enum value removed",
            Box::new(|v| {
                v["components"]["schemas"]["CourseAccountOEnum"]["enum"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|s| s != "email" && s != "-email")
            }),
            (Class::Breaking, "enum_value_removed"),
        ),
        (
            "open enum value added",
            Box::new(|v| {
                v["components"]["schemas"]["CourseAccountStateEnum"]["enum"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!("Suspended"))
            }),
            (Class::Compatible, "enum_value_added"),
        ),
        (
            "type added",
            Box::new(|v| v["components"]["schemas"]["Extra"] = json!({"type": "object"})),
            (Class::Compatible, "type_added"),
        ),
        (
            "type removed",
            Box::new(|v| {
                v["components"]["schemas"].as_object_mut().unwrap().shift_remove("CourseAccountCreateNestedRequest");
            }),
            (Class::Breaking, "type_removed"),
        ),
        (
            "status added",
            Box::new(|v| v["paths"][ITEM]["delete"]["responses"]["202"] = json!({"description": ""})),
            (Class::Compatible, "status_added"),
        ),
        (
            "status removed",
            Box::new(|v| {
                v["paths"][ITEM]["delete"]["responses"]["200"] = json!({"description": ""});
                v["paths"][ITEM]["delete"]["responses"].as_object_mut().unwrap().shift_remove("204");
            }),
            (Class::Compatible, "status_removed"),
        ),
        (
            "response body changed",
            Box::new(|v| {
                v["paths"][ITEM]["get"]["responses"]["200"]["content"]["application/json"]["schema"] =
                    json!({"type": "array", "items": {"$ref": "#/components/schemas/CourseAccount"}})
            }),
            (Class::Breaking, "response_body_changed"),
        ),
        (
            "request body changed",
            Box::new(|v| {
                v["paths"][LIST]["post"]["requestBody"]["content"]["application/json"]["schema"] =
                    json!({"$ref": "#/components/schemas/CourseAccountCreateNestedRequest"})
            }),
            (Class::Breaking, "request_body_changed"),
        ),
    ];
    for (what, edit, expected) in cases {
        let report = changes(edit);
        assert!(
            kinds(&report).contains(&(expected.0, expected.1)),
            "{what}: expected {expected:?} in {:#?}",
            report.changes
        );
        let bump = if expected.0 == Class::Breaking { Bump::Major } else { Bump::Minor };
        assert_eq!(report.bump(), bump, "{what}: {:#?}", report.changes);
    }
    let nothing = changes(|v| v["paths"][LIST]["get"]["description"] = json!("reworded"));
    assert!(nothing.changes.is_empty() && nothing.bump() == Bump::Patch, "{:?}", nothing.changes);
}

#[test]
fn the_next_version_follows_cargo_semver_below_and_above_1_0() {
    assert_eq!(Bump::Major.next("0.1.0+waldur.7.8.7"), "0.2.0");
    assert_eq!(Bump::Minor.next("0.1.0+waldur.7.8.7"), "0.1.1");
    assert_eq!(Bump::Patch.next("0.1.3"), "0.1.4");
    assert_eq!(Bump::Major.next("1.4.2"), "2.0.0");
    assert_eq!(Bump::Minor.next("1.4.2"), "1.5.0");
}

#[test]
fn fixup_release_numbers_compare_numerically() {
    assert!(fixups::parse_release("7.10.0") > fixups::parse_release("7.9.9"));
    assert_eq!(fixups::parse_release("8.0.6"), Some(fixups::Release::new(8, 0, 6)));
    assert_eq!(fixups::parse_release("v8.1"), Some(fixups::Release::new(8, 1, 0)));
    assert_eq!(fixups::parse_release("dev"), None);
}

/// The ordering fixup makes its types per operation (`MarketplaceCourseAccountsOrderingField`, and
/// `MarketplaceCourseAccountsOrdering`, which the crate shows as `crate::ordering::Ordering<…>`): when it
/// does not fit, the changes to those types are its, and uncertain, like those of the `o` parameters.
#[test]
fn a_misfit_of_the_ordering_fixup_marks_the_types_it_makes_uncertain() {
    let report = changes(|v| {
        let values = v["components"]["schemas"]["CourseAccountOEnum"]["enum"].as_array_mut().unwrap();
        values.retain(|value| value != "-email");
    });
    let misfits: Vec<&str> = report.misfits.iter().map(|(_, m)| m.fixup).collect();
    assert_eq!(misfits, ["ordering_is_one_comma_joined_value"]);
    let ordering_types: Vec<String> = report
        .changes
        .iter()
        .filter(|c| c.location.schema().is_some_and(|s| s.contains("Ordering")))
        .map(|c| c.location.to_string())
        .collect();
    assert!(ordering_types.len() >= 2, "the ordering types appear as changes: {report:?}");
    for change in &report.changes {
        assert_eq!(change.uncertain, Some("ordering_is_one_comma_joined_value"), "{change:?}");
    }
}

/// A fixup that fits neither its bug nor its fix in the new document leaves only its own places as
/// published: the changes there are marked uncertain, and every other fixup still gives the crate's
/// view (a nullability the crate already allows is no change; a new state value stays compatible).
#[test]
fn a_misfit_marks_only_what_it_touches_uncertain() {
    let report = changes(|v| {
        let delete = "/paths/~1api~1marketplace-course-accounts~1{uuid}~1/delete/responses";
        v.pointer_mut(delete).unwrap()["200"] =
            json!({"description": "", "content": {"application/json": {"schema": {"type": "object"}}}});
        v["components"]["schemas"]["CourseAccount"]["properties"]["username"]["nullable"] = json!(true);
        v["components"]["schemas"]["CourseAccountStateEnum"]["enum"].as_array_mut().unwrap().push(json!("Archived"));
    });
    let misfits: Vec<&str> = report.misfits.iter().map(|(_, m)| m.fixup).collect();
    assert_eq!(misfits, ["destroy_may_answer_202_with_body"]);
    for change in &report.changes {
        let touched = change.location.to_string().contains("marketplace_course_accounts_destroy");
        assert_eq!(change.uncertain.is_some(), touched, "{change:?}");
    }
    assert!(report.changes.iter().any(|c| c.uncertain.is_some()), "the delete change is there, marked: {report:?}");
    assert!(!report.changes.iter().any(|c| c.location.to_string().contains("username")), "absorbed: {report:?}");
    let state =
        report.changes.iter().find(|c| c.location.to_string().contains("CourseAccountState")).expect("the new state");
    assert_eq!(state.class(), Class::Compatible);
    let human = report.human("0.2.0+waldur.8.1.2");
    assert!(human.contains("uncertain: fixup `destroy_may_answer_202_with_body` does not fit Waldur 9.9.9"), "{human}");
    assert!(human.contains("(uncertain: `destroy_may_answer_202_with_body` does not fit)"), "{human}");
}
