//! Every real course-accounts slice we have (7.8.7, 7.9.0, 8.0.5, 8.1.2) generates with the fixups, and
//! the change report between two of them accounts for every difference of the generated crates'
//! public surface (operations, parameters, types, fields, variants), and the other way round for the
//! kinds of change the surface shows.

mod common;

use std::collections::BTreeSet;

use codegen::Options;
use codegen::compare::{Report, compare};

/// One line of the surface summary, as a comparable fact: `operation X`, `parameter p of X: T`,
/// `type X`, `field X.f: T`, `variant X::V`.
fn facts(surface: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let (mut op, mut ty) = (String::new(), String::new());
    let mut in_types = false;
    for line in surface.lines() {
        let depth = line.len() - line.trim_start().len();
        let text = line.trim().trim_start_matches("#[non_exhaustive] ");
        match (line, depth) {
            ("operations:", _) => in_types = false,
            ("types:", _) => in_types = true,
            (_, 2) if !in_types => {
                op = text.split(':').next().unwrap().to_string();
                out.insert(format!("operation {op}"));
            }
            (_, 4) if !in_types => {
                out.insert(format!("parameter {text} of {op}"));
            }
            (_, 2) if text == "}" => {}
            (_, 2) => {
                let (kind, rest) = text.split_once(' ').unwrap();
                ty = rest.split([' ', '(', '{']).next().unwrap().to_string();
                out.insert(format!("type {ty}"));
                if kind == "enum" {
                    let variants = rest.split_once('{').unwrap().1.trim_end_matches('}');
                    out.extend(variants.split(',').map(|v| format!("variant {ty}::{}", v.trim())));
                }
            }
            (_, _) => {
                out.insert(format!("field {ty}.{text}"));
            }
        }
    }
    out
}

fn surface(release: &str) -> BTreeSet<String> {
    let rendered = codegen::render(&common::slice(release), &Options::default()).unwrap_or_else(|e| panic!("{e}"));
    facts(&codegen::surface::summarize(&rendered.code).unwrap())
}

/// The report change that accounts for a surface fact appearing or disappearing, if any.
fn accounts_for(report: &Report, fact: &str) -> bool {
    let printed: Vec<String> = report.changes.iter().map(|c| c.location.to_string()).collect();
    let locations: Vec<&str> = printed.iter().map(String::as_str).collect();
    let (kind, rest) = fact.split_once(' ').unwrap();
    match kind {
        "operation" => locations.contains(&format!("operation {rest}").as_str()),
        "parameter" => {
            // `p: T of X` → a change of `... parameter `p` of X`, or of X's request body, or X itself.
            let (name_ty, op) = rest.rsplit_once(" of ").unwrap();
            let name = name_ty.split(':').next().unwrap();
            let at = format!("`{name}` of {op}");
            locations.iter().any(|l| l.ends_with(&at) || *l == format!("operation {op}") || l.ends_with(op))
        }
        "field" => {
            let (owner, field) = rest.split_once(':').unwrap().0.split_once('.').unwrap();
            locations.iter().any(|l| *l == format!("{owner}.{field}") || covers_type(l, owner))
        }
        "variant" => {
            let owner = rest.split("::").next().unwrap();
            locations.iter().any(|l| *l == owner || covers_type(l, owner))
        }
        "type" => locations.iter().any(|l| covers_type(l, rest)),
        _ => unreachable!("{fact}"),
    }
}

/// A change at `location` covers a generated type when it is that type, or the schema (or schema
/// field) the type's name is derived from (`CourseAccountCreateNested` → `CourseAccountCreateNestedEmail`).
fn covers_type(location: &str, ty: &str) -> bool {
    let schema = location.trim_start_matches("type ");
    let schema = schema.split('.').next().unwrap();
    ty.starts_with(schema) && !schema.is_empty()
}

#[test]
fn every_real_slice_generates_with_the_fixups() {
    for (release, operations) in common::SLICES.iter().zip([6, 6, 6, 7]) {
        let rendered = codegen::render(&common::slice(release), &Options::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rendered.operations, operations, "{release}");
        assert!(rendered.code.contains(&format!("(Waldur API {release})")), "{release}");
        let surface = codegen::surface::summarize(&rendered.code).unwrap();
        assert!(surface.contains("#[non_exhaustive] struct CourseAccount {"), "{release}: {surface}");
        assert!(surface.contains("state: CourseAccountState"), "{release}: the state is the open enum");
    }
}

#[test]
fn the_report_accounts_for_every_difference_of_the_generated_surface() {
    let mut pairs: Vec<(&str, &str)> = common::SLICES.windows(2).map(|w| (w[0], w[1])).collect();
    pairs.push((common::SLICES[0], common::SLICES[common::SLICES.len() - 1]));
    for (old, new) in pairs {
        let report = compare(&common::slice(old), &common::slice(new));
        assert!(report.misfits.is_empty(), "{old} → {new}: the fixups fit both: {:?}", report.misfits);
        let (a, b) = (surface(old), surface(new));
        let unexplained: Vec<String> = a
            .symmetric_difference(&b)
            .filter(|fact| !accounts_for(&report, fact))
            .map(|fact| format!("{} {fact}", if a.contains(fact) { "-" } else { "+" }))
            .collect();
        assert!(unexplained.is_empty(), "{old} → {new}: not in the report: {unexplained:#?}\n{report:#?}");
        // The other way: what the report says appeared or vanished did so in the crate.
        for change in &report.changes {
            let (kind, location) = (change.kind.as_str(), change.location.to_string());
            let fact = match kind {
                "operation_added" | "operation_removed" => location.to_string(),
                "type_added" | "type_removed" => location.to_string(),
                _ => continue,
            };
            let (was, is) = (a.contains(&fact), b.contains(&fact));
            assert_eq!((was, is), (kind.ends_with("_removed"), kind.ends_with("_added")), "{old} → {new}: {change:?}");
        }
    }
}

/// The committed release report is what `diff` says today, and the crate carries the version it asks for.
#[test]
fn the_committed_release_report_is_current_and_the_crate_has_its_version() {
    let dir = common::root().join("openapi/reports");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(stem) = path.file_name().unwrap().to_str().unwrap().strip_suffix(".json") else { continue };
        let (old, new) = stem.split_once("-to-").unwrap();
        let committed: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let from_version =
            committed["from_version"].as_str().expect("the report names the crate version it started from");
        let report = compare(&common::slice(old), &common::slice(new));
        let json = serde_json::to_string_pretty(&report.json(from_version)).unwrap() + "\n";
        // After a deliberate change of the report's format, as for the snapshots.
        if std::env::var("EXPECTORATE").as_deref() == Ok("overwrite") {
            std::fs::write(&path, &json).unwrap();
            std::fs::write(dir.join(format!("{stem}.txt")), report.human(from_version)).unwrap();
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), json, "{} is stale", path.display());
        let text = std::fs::read_to_string(dir.join(format!("{stem}.txt"))).unwrap();
        assert_eq!(text, report.human(from_version), "{stem}.txt is stale");
        if new == common::SLICES[common::SLICES.len() - 1] {
            let manifest = std::fs::read_to_string(common::root().join("generated-client/Cargo.toml")).unwrap();
            let wanted = format!("version = {}", committed["next_version"]);
            assert!(manifest.contains(&wanted), "generated-client/Cargo.toml lacks `{wanted}`");
        }
        seen += 1;
    }
    assert!(seen > 0, "no report in {}", dir.display());
}
