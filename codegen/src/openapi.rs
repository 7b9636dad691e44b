//! The OpenAPI document model every pass shares (validation, fixups, extract, compare, generation): operations with their JSON pointers, parameters, local `$ref` resolution and
//! JSON-pointer escaping. Documents stay `serde_json::Value`s so that every error can name the exact
//! place in the file; this module is the one place that knows how to walk them.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::error::Place;

/// HTTP methods an OpenAPI 3.0 path item may hold.
pub const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// One operation found in `paths`, with the pointer to it.
pub struct OperationRef<'a> {
    pub path: &'a str,
    pub method: &'a str,
    pub pointer: String,
    pub operation: &'a Value,
    pub path_item: &'a Value,
}

impl OperationRef<'_> {
    pub fn id(&self) -> &str {
        self.operation.get("operationId").and_then(Value::as_str).unwrap_or("<no operationId>")
    }

    /// The error place of a part of this operation (`suffix` is a pointer below it).
    pub fn place(&self, suffix: &str) -> Place {
        Place::Operation { id: self.id().to_string(), pointer: format!("{}{suffix}", self.pointer) }
    }
}

/// Every operation of the document, in document order.
pub fn operations(doc: &Value) -> Vec<OperationRef<'_>> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else { return out };
    for (path, item) in paths {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                out.push(OperationRef {
                    path,
                    method,
                    pointer: format!("/paths/{}/{method}", escape_pointer(path)),
                    operation,
                    path_item: item,
                });
            }
        }
    }
    out
}

/// Resolves a local `$ref` (`#/a/b`) against the document.
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    reference.strip_prefix('#').and_then(|p| doc.pointer(p))
}

/// Follows `$ref` chains to the value they name (at most 64 hops; a longer chain is a cycle).
pub fn deref<'a>(doc: &'a Value, mut value: &'a Value) -> Option<&'a Value> {
    for _ in 0..64 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => value = resolve(doc, r)?,
            None => return Some(value),
        }
    }
    None
}

/// The parameters of an operation (path-item level ones first), each dereferenced, with its pointer.
pub fn parameters<'a>(doc: &'a Value, op: &OperationRef<'a>) -> Vec<(String, &'a Value)> {
    let mut out = Vec::new();
    let item_pointer = op.pointer.rsplit_once('/').map(|(p, _)| p.to_string()).unwrap_or_default();
    for (base, params) in
        [(item_pointer, op.path_item.get("parameters")), (op.pointer.clone(), op.operation.get("parameters"))]
    {
        for (i, p) in params.and_then(Value::as_array).into_iter().flatten().enumerate() {
            if let Some(p) = deref(doc, p) {
                out.push((format!("{base}/parameters/{i}"), p));
            }
        }
    }
    out
}

/// The `{name}` placeholders of a path template.
pub fn template_params(path: &str) -> BTreeSet<String> {
    path.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string())).collect()
}

/// `marketplace_course_accounts_list` → `MarketplaceCourseAccountsList`: words split at anything
/// not alphanumeric, each capitalised (names of the schemas the fixups add).
pub fn pascal(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut c = s.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Whether a media type is JSON as progenitor reads it (`application/json`, with or without parameters).
pub fn is_json_media(media: &str) -> bool {
    media == "application/json" || media.starts_with("application/json;")
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Undoes [`escape_pointer`].
pub fn unescape_pointer(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Splits a pointer into unescaped segments.
pub fn segments(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(unescape_pointer).collect()
}
