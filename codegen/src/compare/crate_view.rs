//! The crate's view of a schema: the document after its release's fixups, with every schema a fixup
//! replaces by a hand-written type renamed to that type, so the diff compares what a Rust caller sees.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::load::Spec;

/// The document as the generated crate exposes it (see [`compare`]): its release's fixups applied (only
/// the fixups: a shape the generator refuses is `codegen`'s business, not a change). A schema a fixup
/// replaces by a hand-written type is kept under that type's name (so 7.8.7's `ServiceAccountState`
/// and 8.x's `CourseAccountStateEnum` are one `crate::state::CourseAccountState`, whose values are
/// still compared) and is open: the hand-written types carry values they do not know.
pub(super) fn crate_view(
    spec: &Spec,
) -> ((Value, BTreeSet<String>), crate::fixups::Applied, Vec<crate::fixups::Misfit>) {
    let mut doc = spec.value.clone();
    let (applied, misfits) = crate::fixups::apply_each(&mut doc, crate::fixups::ALL);
    // schema name → the Rust type that stands for it (no `/` in it, so it is a plain pointer token)
    let replaced: std::collections::BTreeMap<String, String> = applied
        .replacements
        .iter()
        .cloned()
        .map(|(name, rust)| (name, rust.replace("crate::generated::types::", "")))
        .collect();
    fn point_at_rust(value: &mut Value, replaced: &std::collections::BTreeMap<String, String>) {
        match value {
            Value::Object(map) => {
                let target =
                    map.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"));
                if let Some(rust) = target.and_then(|name| replaced.get(name)) {
                    map.insert("$ref".into(), Value::String(format!("#/components/schemas/{rust}")));
                }
                map.values_mut().for_each(|v| point_at_rust(v, replaced));
            }
            Value::Array(items) => items.iter_mut().for_each(|v| point_at_rust(v, replaced)),
            _ => {}
        }
    }
    point_at_rust(&mut doc, &replaced);
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for (name, rust) in &replaced {
            if let Some(schema) = schemas.shift_remove(name) {
                schemas.insert(rust.clone(), schema);
            }
        }
    }
    ((doc, replaced.into_values().collect()), applied, misfits)
}
