//! Which generated structs may grow without a breaking release, and the `syn` pass that marks them.
//!
//! Waldur adds response fields often (and the server sends them before any schema says so). A struct
//! with public fields and no `#[non_exhaustive]` makes every such field a breaking change for the
//! crate, because a consumer's struct literal or exhaustive pattern stops compiling. So a struct that
//! only ever comes *from* the server (reachable from a response and from no request body or
//! parameter) is marked `#[non_exhaustive]`: consumers read its fields, match it with `..`, and build
//! one for their tests with the generated builder (`types::CourseAccount::builder()`), which gains a
//! setter per new field without breaking. Request types stay exhaustive on purpose: a new request
//! field is something a caller must see, and a new required one has to break the build.
//! `compare` uses the same set, so the report classes a field added to a response-only type as
//! compatible, and `cargo semver-checks` agrees.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::openapi::{self, operations, parameters};

const SCHEMAS: &str = "#/components/schemas/";

/// Names of the component schemas that are objects with properties, reachable from some response and
/// from no request body or parameter (following `$ref`s through any component).
pub fn response_only(doc: &Value) -> BTreeSet<String> {
    let (mut from_responses, mut from_requests) = (BTreeSet::new(), BTreeSet::new());
    for op in operations(doc) {
        if let Some(responses) = op.operation.get("responses") {
            reach(doc, responses, &mut from_responses);
        }
        if let Some(body) = op.operation.get("requestBody") {
            reach(doc, body, &mut from_requests);
        }
        for (_, parameter) in parameters(doc, &op) {
            reach(doc, parameter, &mut from_requests);
        }
    }
    from_responses
        .difference(&from_requests)
        .filter(|name| {
            let schema = doc.pointer(&format!("/components/schemas/{}", openapi::escape_pointer(name)));
            schema.and_then(|s| s.get("properties")).and_then(Value::as_object).is_some_and(|p| !p.is_empty())
        })
        .cloned()
        .collect()
}

/// Adds every schema name `value` refers to, directly or through other components, to `seen`.
fn reach(doc: &Value, value: &Value, seen: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                let is_new = match reference.strip_prefix(SCHEMAS) {
                    Some(name) => seen.insert(openapi::unescape_pointer(name)),
                    // A `$ref` to another kind of component (a response, a parameter): always followed;
                    // those do not refer to themselves.
                    None => true,
                };
                if is_new && let Some(target) = openapi::resolve(doc, reference) {
                    reach(doc, target, seen);
                }
            }
            map.iter().filter(|(k, _)| k.as_str() != "$ref").for_each(|(_, v)| reach(doc, v, seen));
        }
        Value::Array(items) => items.iter().for_each(|v| reach(doc, v, seen)),
        _ => {}
    }
}

/// Marks the structs of `mod types` named in `names` `#[non_exhaustive]`; returns the names it marked.
pub fn mark(file: &mut syn::File, names: &BTreeSet<String>) -> BTreeSet<String> {
    let mut marked = BTreeSet::new();
    for item in &mut file.items {
        let syn::Item::Mod(module) = item else { continue };
        if module.ident != "types" {
            continue;
        }
        for item in module.content.iter_mut().flat_map(|(_, items)| items.iter_mut()) {
            if let syn::Item::Struct(s) = item
                && matches!(s.fields, syn::Fields::Named(_))
                && names.contains(&s.ident.to_string())
            {
                s.attrs.push(syn::parse_quote!(#[non_exhaustive]));
                marked.insert(s.ident.to_string());
            }
        }
    }
    marked
}
