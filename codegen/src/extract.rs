//! Cuts the course-accounts slice out of a whole Waldur schema: the selected operations with the
//! transitive closure of every component they reference (schemas, parameters, headers, responses,
//! request bodies, security schemes), nothing else, in the source document's order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::load::Spec;
use crate::openapi::METHODS;
use crate::openapi::escape_pointer;

/// Path prefix of the course-accounts API.
pub const DEFAULT_PREFIX: &str = "/api/marketplace-course-accounts/";

/// Which operations to keep.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Every path starting with this prefix.
    PathPrefix(String),
    /// Every operation carrying this tag (its path item keeps only those operations).
    Tag(String),
    /// Every path starting with any of these prefixes (schema subsets of chosen sizes).
    Prefixes(Vec<String>),
}

impl Default for Selection {
    fn default() -> Self {
        Selection::PathPrefix(DEFAULT_PREFIX.to_string())
    }
}

/// The slice as a document.
pub fn extract(spec: &Spec, selection: &Selection) -> Result<Value> {
    let file = spec.path.as_path();
    let doc = &spec.value;
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::at(file, "/paths", "the document has no paths"))?;
    let mut kept = Map::new();
    for (path, item) in paths {
        let Some(item_map) = item.as_object() else { continue };
        let selected: Option<Value> = match selection {
            Selection::PathPrefix(prefix) => path.starts_with(prefix.as_str()).then(|| item.clone()),
            Selection::Prefixes(prefixes) => {
                prefixes.iter().any(|p| path.starts_with(p.as_str())).then(|| item.clone())
            }
            Selection::Tag(tag) => {
                let mut filtered = Map::new();
                for (key, value) in item_map {
                    let is_op = METHODS.contains(&key.as_str());
                    let tagged = value
                        .get("tags")
                        .and_then(Value::as_array)
                        .is_some_and(|t| t.iter().any(|x| x == tag.as_str()));
                    if !is_op || tagged {
                        filtered.insert(key.clone(), value.clone());
                    }
                }
                filtered.keys().any(|k| METHODS.contains(&k.as_str())).then_some(Value::Object(filtered))
            }
        };
        if let Some(item) = selected {
            kept.insert(path.clone(), item);
        }
    }
    if kept.is_empty() {
        let what = match selection {
            Selection::PathPrefix(p) => format!("no path starts with `{p}`"),
            Selection::Tag(t) => format!("no operation is tagged `{t}`"),
            Selection::Prefixes(p) => format!("no path starts with any of {p:?}"),
        };
        return Err(Error::at(file, "/paths", what));
    }

    // The closure of references: a worklist of `#/components/<kind>/<name>` pointers.
    let mut needed: BTreeSet<String> = BTreeSet::new();
    let mut work: Vec<(String, Value)> =
        kept.iter().map(|(p, v)| (format!("/paths/{}", escape_pointer(p)), v.clone())).collect();
    let mut security: BTreeSet<String> = BTreeSet::new();
    while let Some((at, value)) = work.pop() {
        collect(&value, &at, &mut |reference, pointer| {
            let Some(target) = reference.strip_prefix('#') else {
                return Err(Error::at(
                    file,
                    pointer,
                    format!("`$ref: {reference}` is not local; only `#/...` references are supported"),
                ));
            };
            if !target.starts_with("/components/") {
                return Err(Error::at(file, pointer, format!("`$ref: {reference}` points outside components")));
            }
            if needed.insert(target.to_string()) {
                let resolved = doc
                    .pointer(target)
                    .ok_or_else(|| Error::at(file, pointer, format!("dangling `$ref: {reference}`")))?;
                work.push((target.to_string(), resolved.clone()));
            }
            Ok(())
        })?;
        for requirement in security_requirements(&value) {
            security.insert(requirement);
        }
    }
    for name in &security {
        let pointer = format!("/components/securitySchemes/{}", escape_pointer(name));
        if doc.pointer(&pointer).is_none() {
            return Err(Error::at(file, pointer, format!("security scheme `{name}` is used but not defined")));
        }
        needed.insert(pointer);
    }

    // Components in the source's order of kinds and of names.
    let mut components = Map::new();
    let by_kind: BTreeMap<&str, BTreeSet<&str>> = needed.iter().fold(BTreeMap::new(), |mut acc, p| {
        let mut parts = p.trim_start_matches("/components/").splitn(2, '/');
        if let (Some(kind), Some(name)) = (parts.next(), parts.next()) {
            acc.entry(kind).or_default().insert(name);
        }
        acc
    });
    for (kind, entries) in doc.get("components").and_then(Value::as_object).into_iter().flatten() {
        let Some(names) = by_kind.get(kind.as_str()) else { continue };
        let mut out = Map::new();
        for (name, value) in entries.as_object().into_iter().flatten() {
            if names.contains(escape_pointer(name).as_str()) {
                out.insert(name.clone(), value.clone());
            }
        }
        components.insert(kind.clone(), Value::Object(out));
    }

    let mut slice = Map::new();
    for key in ["openapi", "info"] {
        if let Some(v) = doc.get(key) {
            slice.insert(key.to_string(), v.clone());
        }
    }
    slice.insert("paths".into(), Value::Object(kept));
    slice.insert("components".into(), Value::Object(components));
    Ok(Value::Object(slice))
}

/// The slice as YAML, with a header naming its origin.
pub fn extract_yaml(spec: &Spec, selection: &Selection, source_label: &str) -> Result<String> {
    let slice = extract(spec, selection)?;
    let body = yaml_serde::to_string(&slice)
        .map_err(|e| Error::new(spec.path.as_path(), crate::Place::File, format!("cannot write YAML: {e}")))?;
    let version = spec.version().unwrap_or("unknown");
    let what = match selection {
        Selection::PathPrefix(p) => format!("paths under {p}"),
        Selection::Tag(t) => format!("operations tagged {t}"),
        Selection::Prefixes(p) => format!("paths under {}", p.join(", ")),
    };
    let operations = crate::openapi::operations(&slice).len();
    let schemas = slice.pointer("/components/schemas").and_then(Value::as_object).map_or(0, Map::len);
    Ok(format!(
        "# Extracted by `cargo xtask extract` from {source_label} (Waldur {version}, sha256 {}):\n\
         # {what}: {operations} operations, {schemas} schemas, and every component they reference.\n{body}",
        spec.sha256
    ))
}

/// Calls `found(reference, pointer)` for every `$ref` under `value`.
fn collect(value: &Value, at: &str, found: &mut dyn FnMut(&str, String) -> Result<()>) -> Result<()> {
    match value {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                found(r, format!("{at}/$ref"))?;
            }
            for (k, v) in map {
                collect(v, &format!("{at}/{}", escape_pointer(k)), found)?;
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect(v, &format!("{at}/{i}"), found)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Names of security schemes an operation (or a path item's operations) requires.
fn security_requirements(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut visit = |op: &Value| {
        for requirement in op.get("security").and_then(Value::as_array).into_iter().flatten() {
            out.extend(requirement.as_object().into_iter().flatten().map(|(k, _)| k.clone()));
        }
    };
    visit(value);
    for method in METHODS {
        if let Some(op) = value.get(method) {
            visit(op);
        }
    }
    out
}

/// Reads `from` and returns the slice as YAML text.
pub fn extract_file(from: &Path, selection: &Selection, source_label: &str) -> Result<String> {
    extract_yaml(&Spec::load(from)?, selection, source_label)
}
