//! Checks a document before any fixup or generation runs, so a broken spec fails with a JSON pointer
//! instead of a progenitor panic deep inside type generation.
//!
//! Two passes: [`structure`] runs on the document as loaded (references, operation ids, path
//! templates); [`supported`] runs after the fixups and refuses what progenitor 0.15.1 cannot express
//! (it would panic or silently produce a client that talks to the server wrongly).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Place, Result};
use crate::openapi::{
    OperationRef, deref, escape_pointer, is_json_media, operations, parameters, resolve, template_params,
};

/// The document's own shape: version, references, operation ids and path parameters.
pub fn structure(file: &Path, doc: &Value) -> Result<()> {
    let version = doc.get("openapi").ok_or_else(|| {
        Error::at(file, "/openapi", "missing `openapi` version field (an OpenAPI 3.0.x document is expected)")
    })?;
    match version.as_str() {
        Some(v) if v.trim().starts_with("3.0.") => {}
        Some(v) => {
            return Err(Error::at(
                file,
                "/openapi",
                format!("OpenAPI version {v} is not supported: progenitor 0.15.1 reads 3.0.x only"),
            ));
        }
        None => return Err(Error::at(file, "/openapi", "`openapi` must be a string such as \"3.0.3\"")),
    }
    for field in ["info", "paths"] {
        if !doc.get(field).is_some_and(Value::is_object) {
            return Err(Error::at(file, format!("/{field}"), format!("missing or non-object `{field}`")));
        }
    }
    if !doc.pointer("/info/version").is_some_and(Value::is_string) {
        return Err(Error::at(file, "/info/version", "missing `info.version` (a string)"));
    }
    check_refs(file, doc, doc, &mut String::new())?;

    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let pointer = format!("/paths/{}", escape_pointer(path));
        if !path.starts_with('/') {
            return Err(Error::at(file, pointer, format!("path `{path}` must start with `/`")));
        }
        if !item.is_object() {
            return Err(Error::at(file, pointer, "a path item must be a mapping"));
        }
        if item.get("$ref").is_some() {
            return Err(Error::at(file, pointer, "path items by `$ref` are not supported"));
        }
    }
    for op in operations(doc) {
        if !op.operation.is_object() {
            return Err(Error::at(file, op.pointer, "an operation must be a mapping"));
        }
        let Some(id) = op.operation.get("operationId").and_then(Value::as_str) else {
            return Err(Error::at(
                file,
                format!("{}/operationId", op.pointer),
                format!(
                    "{} {} has no operationId (the generated method is named after it)",
                    op.method.to_uppercase(),
                    op.path
                ),
            ));
        };
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(Error::new(file, op.place("/operationId"), format!("operationId `{id}` is not an identifier")));
        }
        if let Some(first) = seen.insert(id, op.pointer.clone()) {
            return Err(Error::new(
                file,
                op.place("/operationId"),
                format!("duplicate operationId `{id}` (first used at {first})"),
            ));
        }
        check_path_params(file, doc, &op)?;
    }
    Ok(())
}

/// Every `$ref` must be local, resolve, and not be part of a chain of references that loops.
fn check_refs(file: &Path, doc: &Value, value: &Value, pointer: &mut String) -> Result<()> {
    match value {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref") {
                let here = format!("{pointer}/$ref");
                let Some(r) = r.as_str() else {
                    return Err(Error::at(file, here, "`$ref` must be a string"));
                };
                if !r.starts_with("#/") {
                    return Err(Error::at(
                        file,
                        here,
                        format!("`$ref: {r}` is not local; only `#/...` references are supported"),
                    ));
                }
                if resolve(doc, r).is_none() {
                    return Err(Error::at(file, here, format!("dangling `$ref: {r}`: nothing at that pointer")));
                }
                if deref(doc, value).is_none() {
                    return Err(Error::at(
                        file,
                        here,
                        format!("`$ref: {r}` is a cycle of references that never reaches a definition"),
                    ));
                }
            }
            for (key, item) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_pointer(key));
                check_refs(file, doc, item, pointer)?;
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                check_refs(file, doc, item, pointer)?;
                pointer.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

fn check_path_params(file: &Path, doc: &Value, op: &OperationRef<'_>) -> Result<()> {
    let template: BTreeSet<String> = template_params(op.path);
    let mut declared = BTreeSet::new();
    for (pointer, p) in parameters(doc, op) {
        let (Some(name), Some(location)) = (p.get("name").and_then(Value::as_str), p.get("in").and_then(Value::as_str))
        else {
            return Err(Error::new(
                file,
                Place::Operation { id: op.id().into(), pointer },
                "a parameter needs `name` and `in`",
            ));
        };
        if location == "path" {
            if !template.contains(name) {
                return Err(Error::new(
                    file,
                    Place::Operation { id: op.id().into(), pointer },
                    format!("path parameter `{name}` does not appear in the path template `{}`", op.path),
                ));
            }
            declared.insert(name.to_string());
        }
    }
    if let Some(missing) = template.difference(&declared).next() {
        return Err(Error::new(
            file,
            op.place("/parameters"),
            format!("path template `{}` uses `{{{missing}}}` but declares no path parameter `{missing}`", op.path),
        ));
    }
    Ok(())
}

/// Refuses constructs progenitor 0.15.1 panics on or would get wrong on the wire. Runs after fixups.
pub fn supported(file: &Path, doc: &Value, replaced: &BTreeSet<String>) -> Result<()> {
    for op in operations(doc) {
        supported_operation(file, doc, &op, replaced)?;
    }
    Ok(())
}

/// [`supported`] for one operation.
pub fn supported_operation(file: &Path, doc: &Value, op: &OperationRef<'_>, replaced: &BTreeSet<String>) -> Result<()> {
    {
        let id = op.id().to_string();
        let at = |pointer: String| Place::Operation { id: id.clone(), pointer };
        let params = parameters(doc, op);
        let path_names: BTreeSet<&str> =
            params.iter().filter(|(_, p)| p["in"] == "path").filter_map(|(_, p)| p["name"].as_str()).collect();
        for (pointer, p) in &params {
            let name = p["name"].as_str().unwrap_or_default();
            let location = p["in"].as_str().unwrap_or_default();
            match location {
                "path" | "query" | "header" => {}
                other => {
                    return Err(Error::new(
                        file,
                        at(pointer.clone()),
                        format!("parameter `{name}` is `in: {other}`, which the generator does not support"),
                    ));
                }
            }
            if location == "query" && path_names.contains(name) {
                return Err(Error::new(
                    file,
                    at(pointer.clone()),
                    format!(
                        "query parameter `{name}` has the name of a path parameter (progenitor 0.15.1 panics on it)"
                    ),
                ));
            }
            if p.get("content").is_some() {
                return Err(Error::new(
                    file,
                    at(pointer.clone()),
                    format!("parameter `{name}` uses `content` instead of `schema`, which is not supported"),
                ));
            }
            if p.get("schema").is_none_or(Value::is_null) {
                return Err(Error::new(file, at(pointer.clone()), format!("parameter `{name}` has no schema")));
            }
            if let Some(style) = p.get("style").and_then(Value::as_str)
                && !matches!((location, style), ("query", "form") | ("path", "simple") | ("header", "simple"))
            {
                return Err(Error::new(
                    file,
                    at(format!("{pointer}/style")),
                    format!(
                        "parameter `{name}` has `style: {style}`, which the generated client would not send correctly"
                    ),
                ));
            }
            // A schema a fixup replaced by a hand-written type serializes itself (the ordering fixup).
            let is_replaced = p["schema"]["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                .is_some_and(|n| replaced.contains(n));
            let is_array = !is_replaced && deref(doc, &p["schema"]).is_some_and(|s| s["type"] == "array");
            if location == "query" && is_array && p.get("explode") == Some(&Value::Bool(false)) {
                return Err(Error::new(
                    file,
                    at(format!("{pointer}/explode")),
                    format!(
                        "array query parameter `{name}` has `explode: false`: progenitor would send repeated keys instead of one comma-joined value; add a fixup for it"
                    ),
                ));
            }
        }
        if let Some(body) = op.operation.get("requestBody").and_then(|b| deref(doc, b)) {
            let content = body.get("content").and_then(Value::as_object);
            match content.map(|c| c.len()) {
                Some(1) => {}
                Some(n) => {
                    return Err(Error::new(
                        file,
                        at(format!("{}/requestBody/content", op.pointer)),
                        format!("the request body offers {n} media types; the generator supports exactly one"),
                    ));
                }
                None => {
                    return Err(Error::new(
                        file,
                        at(format!("{}/requestBody", op.pointer)),
                        "the request body has no `content`",
                    ));
                }
            }
            for (media, m) in content.into_iter().flatten() {
                if m.get("schema").is_none_or(Value::is_null) {
                    return Err(Error::new(
                        file,
                        at(format!("{}/requestBody/content/{}", op.pointer, escape_pointer(media))),
                        format!("request media type `{media}` has no schema"),
                    ));
                }
            }
        }
        let Some(responses) = op.operation.get("responses").and_then(Value::as_object) else {
            return Err(Error::new(file, at(format!("{}/responses", op.pointer)), "the operation has no `responses`"));
        };
        check_response_kinds(file, doc, op, responses)?;
        for (status, response) in responses {
            let rp = format!("{}/responses/{}", op.pointer, escape_pointer(status));
            if status != "default" && !is_status_key(status) {
                return Err(Error::new(
                    file,
                    at(rp),
                    format!("`{status}` is not an HTTP status code, a range such as `4XX`, or `default`"),
                ));
            }
            let Some(response) = deref(doc, response) else { continue };
            for (media, m) in response.get("content").and_then(Value::as_object).into_iter().flatten() {
                if is_json_media(media) && m.get("schema").is_none_or(Value::is_null) {
                    return Err(Error::new(
                        file,
                        at(format!("{rp}/content/{}", escape_pointer(media))),
                        "a JSON response without a schema (progenitor 0.15.1 panics on it)",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// What progenitor 0.15.1 makes of a response: a typed JSON body (the schema, compared by value), a raw
/// body of another media type, or none. It asserts that the success responses (2xx, `2XX`, `default`)
/// share one kind, and the error responses (4xx/5xx, ranges, `default`) likewise.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum ResponseKind {
    Json(String),
    Raw,
    None,
}

fn response_kind(doc: &Value, response: &Value) -> ResponseKind {
    let Some(response) = deref(doc, response) else { return ResponseKind::None };
    let content = response.get("content").and_then(Value::as_object);
    let json = content.and_then(|c| c.iter().find(|(media, _)| is_json_media(media)));
    match (json, content.is_some_and(|c| !c.is_empty())) {
        (Some((_, media)), _) => {
            ResponseKind::Json(media.get("schema").map(|s| without_annotations(s).to_string()).unwrap_or_default())
        }
        (None, true) => ResponseKind::Raw,
        (None, false) => ResponseKind::None,
    }
}

/// A schema without the keys that do not change the Rust type (`{"description": "Not found"}` and `{}`
/// are both `serde_json::Value` to typify).
fn without_annotations(schema: &Value) -> Value {
    const ANNOTATIONS: [&str; 8] =
        ["description", "title", "example", "examples", "readOnly", "writeOnly", "deprecated", "externalDocs"];
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !ANNOTATIONS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), without_annotations(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_annotations).collect()),
        other => other.clone(),
    }
}

fn check_response_kinds(
    file: &Path,
    doc: &Value,
    op: &OperationRef<'_>,
    responses: &serde_json::Map<String, Value>,
) -> Result<()> {
    let is_success = |s: &str| s.starts_with('2') || s == "default";
    let is_error = |s: &str| s.starts_with('4') || s.starts_with('5') || s == "default";
    for (class, filter) in [("success", &is_success as &dyn Fn(&str) -> bool), ("error", &is_error)] {
        let mut statuses: Vec<&String> = responses.keys().filter(|s| filter(s)).collect();
        // progenitor drops `default` when a `2XX` range already covers success.
        if class == "success" && statuses.iter().any(|s| s.eq_ignore_ascii_case("2XX")) {
            statuses.retain(|s| *s != "default");
        }
        let kinds: std::collections::BTreeSet<ResponseKind> =
            statuses.iter().map(|s| response_kind(doc, &responses[s.as_str()])).collect();
        if kinds.len() > 1 {
            let listed: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
            return Err(Error::new(
                file,
                op.place("/responses"),
                format!(
                    "the {class} responses ({}) have {} different bodies; progenitor 0.15.1 supports one (it panics)",
                    listed.join(", "),
                    kinds.len()
                ),
            ));
        }
    }
    Ok(())
}

fn is_status_key(status: &str) -> bool {
    let b = status.as_bytes();
    b.len() == 3
        && (b'1'..=b'5').contains(&b[0])
        && (b[1..].iter().all(u8::is_ascii_digit) || b[1..].eq_ignore_ascii_case(b"XX"))
}
