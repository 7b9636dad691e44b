//! Snapshot tests: the generated code of small edge-case specs, what each fixup does to the client,
//! the public API surface of the generated crate, and the output of `codegen --check`, `extract` and
//! `diff` on fixed inputs. A change shows up as a readable diff of the snapshot;
//! `EXPECTORATE=overwrite cargo test -p codegen --test snapshots` accepts it.

mod common;

use std::path::{Path, PathBuf};

use codegen::{Fixups, Options, Spec, check, compare, extract};
use expectorate::assert_contents;

fn snapshot(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name)
}

fn corpus(name: &str) -> Spec {
    Spec::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(name)).unwrap()
}

fn generic(label: &str) -> Options {
    Options { fixups: Fixups::None, spec_label: label.to_string() }
}

#[test]
fn edge_case_corpus() {
    for name in ["arrays-in-query", "nullable", "allof-enum", "head", "no-content-204"] {
        let file = format!("{name}.yaml");
        let rendered = codegen::render(&corpus(&file), &generic(&format!("codegen/tests/corpus/{file}"))).unwrap();
        assert_contents(snapshot(&format!("corpus-{name}.rs")), &rendered.code);
    }
}

/// What each fixup changes in the generated client, as a diff against the client without it, on the
/// current slice, or for a fixup upstream fixed since, on the oldest slice (7.8.7) where it still runs.
#[test]
fn each_fixup_as_a_diff_of_the_generated_client() {
    let current = common::spec();
    let release = codegen::fixups::parse_release(current.version().unwrap());
    for fixup in codegen::fixups::ALL {
        let obsolete = matches!((&release, &fixup.fixed_in), (Some(r), Some(fixed)) if r >= fixed);
        let spec = if obsolete { common::slice(common::SLICES[0]) } else { current.clone() };
        let render = |names: &[&str]| {
            let options =
                Options { fixups: Fixups::Only(names.iter().map(|s| s.to_string()).collect()), ..Options::default() };
            codegen::render(&spec, &options)
        };
        // The ordering fixup is what makes the fragment generate at all; on 7.8.7 the 202 one builds on
        // the array fix.
        let mut base = vec![];
        if fixup.name != "ordering_is_one_comma_joined_value" {
            base.push("ordering_is_one_comma_joined_value");
        }
        if obsolete && fixup.name != "create_bulk_returns_course_accounts" {
            base.push("create_bulk_returns_course_accounts");
        }
        let mut with = base.clone();
        with.push(fixup.name);
        let after = render(&with).unwrap().code;
        let text = match render(&base) {
            Ok(before) => check::drift("generated.rs", Some(&before.code), &after).unwrap_or_default(),
            Err(e) => format!("without this fixup generation stops:\n{e}\n"),
        };
        let on = format!("on Waldur {}\n", spec.version().unwrap());
        assert!(!text.is_empty(), "{}: the fixup changes nothing {on}", fixup.name);
        assert_contents(snapshot(&format!("fixup-{}.diff", fixup.name)), &(on + &text));
    }
}

#[test]
fn api_surface_of_the_generated_crate() {
    let code = std::fs::read_to_string(common::out_path()).unwrap();
    assert_contents(snapshot("api-surface.txt"), &codegen::surface::summarize(&code).unwrap());
}

#[test]
fn check_output_on_a_fixed_edit() {
    let checked_in = codegen::render(&corpus("head.yaml"), &generic("head.yaml")).unwrap().code;
    let edited = Spec::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check/head-edited.yaml")).unwrap();
    let fresh = codegen::render(&edited, &generic("head.yaml")).unwrap().code;
    let diff = check::drift("generated.rs", Some(&checked_in), &fresh).expect("the edit is drift");
    assert_contents(snapshot("check-drift.diff"), &diff);
}

#[test]
fn extract_and_diff_on_the_real_7_8_7_to_7_9_0_change() {
    let whole = common::whole_790();
    let slice = extract::extract_yaml(&whole, &extract::Selection::default(), "waldur-7.9.0-openapi.yaml").unwrap();
    assert_contents(snapshot("extract-7.9.0.yaml"), &slice);
    let new = Spec::from_bytes(Path::new("course-accounts-7.9.0.yaml"), slice.as_bytes()).unwrap();
    let report = compare::compare(&common::slice("7.8.7"), &new);
    assert_contents(snapshot("diff-7.8.7-7.9.0.txt"), &report.human("0.1.0+waldur.7.8.7"));
    let json = serde_json::to_string_pretty(&report.json("0.1.0+waldur.7.8.7")).unwrap() + "\n";
    assert_contents(snapshot("diff-7.8.7-7.9.0.json"), &json);
}
