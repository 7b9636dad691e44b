//! The diff engine: walks the schemas and operations of two documents (each already in the crate's
//! view) and lists every change, each with its kind, place and a short description.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::{Change, ChangeKind, Location};
use crate::openapi::{self, deref};

pub(super) struct Side<'a> {
    doc: &'a Value,
    /// Schemas replaced by open hand-written types in this document (new enum values are harmless).
    open: BTreeSet<String>,
    /// Structs generated `#[non_exhaustive]` from this document (new fields are harmless).
    response_only: BTreeSet<String>,
}

impl<'a> Side<'a> {
    pub(super) fn new((doc, open): &'a (Value, BTreeSet<String>)) -> Self {
        Side { doc, open: open.clone(), response_only: crate::exhaustive::response_only(doc) }
    }
}

fn push(changes: &mut Vec<Change>, kind: ChangeKind, location: Location, detail: String) {
    changes.push(Change { kind, location, detail, uncertain: None });
}

/// A short description of a schema's Rust shape, for "type changed" messages.
fn describe(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    if let Some([only]) = schema.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        return describe(only);
    }
    let base = match schema.get("type").and_then(Value::as_str) {
        Some("array") => format!("[{}]", schema.get("items").map(describe).unwrap_or_else(|| "any".into())),
        Some("object") => "object".to_string(),
        Some(t) => match schema.get("format").and_then(Value::as_str) {
            Some(f) if t == "string" && matches!(f, "uuid" | "date" | "date-time" | "binary") => format!("string({f})"),
            _ => t.to_string(),
        },
        None if schema.get("enum").is_some() => "enum".to_string(),
        None => "any".to_string(),
    };
    if schema.get("nullable") == Some(&Value::Bool(true)) { format!("{base}?") } else { base }
}

fn enum_values(doc: &Value, schema: &Value) -> Option<Vec<String>> {
    let schema = deref(doc, schema)?;
    let schema = match schema.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        Some([only]) => deref(doc, only)?,
        _ => schema,
    };
    let values = schema.get("enum")?.as_array()?;
    Some(values.iter().map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).collect())
}

fn schemas(doc: &Value) -> Map<String, Value> {
    doc.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default()
}

pub(super) fn compare_schemas(a: &Side, b: &Side, changes: &mut Vec<Change>) {
    let (old, new) = (schemas(a.doc), schemas(b.doc));
    for (name, schema) in &old {
        let Some(other) = new.get(name) else {
            push(changes, ChangeKind::TypeRemoved, Location::Type(name.clone()), "removed from the crate".into());
            continue;
        };
        compare_enum(a, b, &Location::Values(name.clone()), schema, other, changes);
        let props = |s: &Value| s.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
        let required = |s: &Value| -> BTreeSet<String> {
            s.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        };
        let (op, np, or, nr) = (props(schema), props(other), required(schema), required(other));
        for (field, fs) in &op {
            let location = Location::Field { schema: name.clone(), field: field.clone() };
            let Some(nf) = np.get(field) else {
                push(changes, ChangeKind::FieldRemoved, location, "field removed".into());
                continue;
            };
            let (was, now) = (describe(fs), describe(nf));
            let was_opt = !or.contains(field) || was.ends_with('?');
            let now_opt = !nr.contains(field) || now.ends_with('?');
            if was.trim_end_matches('?') != now.trim_end_matches('?') {
                push(changes, ChangeKind::FieldTypeChanged, location.clone(), format!("type {was} → {now}"));
            }
            if was.ends_with('?') != now.ends_with('?') {
                let what = if now.ends_with('?') { "becomes nullable" } else { "is no longer nullable" };
                push(
                    changes,
                    ChangeKind::FieldNullabilityChanged,
                    location.clone(),
                    format!("{what} (the Rust type changes between T and Option<T>)"),
                );
            } else if or.contains(field) != nr.contains(field) && was_opt != now_opt {
                let what = if nr.contains(field) { "becomes required" } else { "becomes optional" };
                push(
                    changes,
                    ChangeKind::FieldRequiredChanged,
                    location.clone(),
                    format!("{what} (the Rust type changes between T and Option<T>)"),
                );
            }
            compare_enum(a, b, &location, fs, nf, changes);
        }
        let exhaustive = !b.response_only.contains(name);
        for field in np.keys().filter(|f| !op.contains_key(*f)) {
            let shape = describe(&np[field]);
            let detail = if exhaustive {
                format!("new field ({shape}): breaks struct literals of {name}; harmless on the wire")
            } else {
                format!("new field ({shape}) of a response-only, #[non_exhaustive] struct")
            };
            push(
                changes,
                ChangeKind::FieldAdded { exhaustive },
                Location::Field { schema: name.clone(), field: field.clone() },
                detail,
            );
        }
    }
    for name in new.keys().filter(|n| !old.contains_key(*n)) {
        push(changes, ChangeKind::TypeAdded, Location::Type(name.clone()), "new type".into());
    }
}

fn compare_enum(a: &Side, b: &Side, location: &Location, old: &Value, new: &Value, changes: &mut Vec<Change>) {
    let (Some(was), Some(now)) = (enum_values(a.doc, old), enum_values(b.doc, new)) else { return };
    // An enum behind a `$ref` is compared once, at its own name.
    if old.get("$ref").is_some() || old.get("allOf").is_some() {
        return;
    }
    let open = [a, b].iter().any(|side| side.open.contains(&location.to_string()));
    for value in now.iter().filter(|v| !was.contains(v)) {
        let detail = if open {
            format!("new value `{value}` (an open enum: arrives as a known variant or Unknown)")
        } else {
            format!("new value `{value}`: breaks exhaustive matches; old clients fail to decode it")
        };
        push(changes, ChangeKind::EnumValueAdded { open }, location.clone(), detail);
    }
    for value in was.iter().filter(|v| !now.contains(v)) {
        push(changes, ChangeKind::EnumValueRemoved, location.clone(), format!("value `{value}` removed"));
    }
}

struct Op<'a> {
    method: String,
    path: String,
    op: &'a Value,
    item: &'a Value,
}

fn operations(doc: &Value) -> Vec<(String, Op<'_>)> {
    openapi::operations(doc)
        .into_iter()
        .map(|o| {
            (
                o.id().to_string(),
                Op { method: o.method.to_uppercase(), path: o.path.to_string(), op: o.operation, item: o.path_item },
            )
        })
        .collect()
}

/// The parameters of an operation (its own over the path item's), keyed by `(in, name)`.
fn params<'a>(doc: &'a Value, op: &Op<'a>) -> Vec<((String, String), &'a Value)> {
    let mut out = Vec::new();
    for list in [op.item.get("parameters"), op.op.get("parameters")] {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            if let Some(p) = deref(doc, p) {
                let key = (p["in"].as_str().unwrap_or("?").to_string(), p["name"].as_str().unwrap_or("?").to_string());
                out.retain(|(k, _)| k != &key);
                out.push((key, p));
            }
        }
    }
    out
}

fn json_schema<'a>(doc: &'a Value, holder: Option<&'a Value>) -> Option<&'a Value> {
    let holder = deref(doc, holder?)?;
    let content = holder.get("content")?.as_object()?;
    content
        .iter()
        .find(|(m, _)| m.starts_with("application/json"))
        .or_else(|| content.iter().next())
        .and_then(|(_, m)| m.get("schema"))
}

pub(super) fn compare_operations(a: &Side, b: &Side, changes: &mut Vec<Change>) {
    let (old, new) = (operations(a.doc), operations(b.doc));
    for (id, o) in &old {
        let location = Location::Operation(id.clone());
        let Some((_, n)) = new.iter().find(|(nid, _)| nid == id) else {
            push(changes, ChangeKind::OperationRemoved, location, format!("{} {} removed", o.method, o.path));
            continue;
        };
        if o.method != n.method || o.path != n.path {
            push(
                changes,
                ChangeKind::OperationMoved,
                location.clone(),
                format!("{} {} → {} {} (same method name)", o.method, o.path, n.method, n.path),
            );
        }
        let (op_params, np_params) = (params(a.doc, o), params(b.doc, n));
        for (key, p) in &op_params {
            let at = parameter(id, key);
            let Some((_, q)) = np_params.iter().find(|(k, _)| k == key) else {
                push(changes, ChangeKind::ParameterRemoved, at, "removed (its builder method disappears)".into());
                continue;
            };
            let (was, now) = (p.get("schema").map(describe), q.get("schema").map(describe));
            if was != now {
                push(
                    changes,
                    ChangeKind::ParameterTypeChanged,
                    at.clone(),
                    format!("type {} → {}", was.unwrap_or_default(), now.unwrap_or_default()),
                );
            }
            let (rw, rn) = (p["required"] == Value::Bool(true), q["required"] == Value::Bool(true));
            if rw != rn {
                push(
                    changes,
                    ChangeKind::ParameterRequiredChanged { now_required: rn },
                    at.clone(),
                    if rn { "becomes required".into() } else { "becomes optional".into() },
                );
            }
            if p.get("explode") != q.get("explode") || p.get("style") != q.get("style") {
                push(
                    changes,
                    ChangeKind::ParameterEncodingChanged,
                    at.clone(),
                    "style/explode changed: how the value is sent changes".into(),
                );
            }
            if let (Some(ps), Some(qs)) = (p.get("schema"), q.get("schema")) {
                let (ps, qs) = (ps.get("items").unwrap_or(ps), qs.get("items").unwrap_or(qs));
                compare_enum(a, b, &at, ps, qs, changes);
            }
        }
        for (key, q) in np_params.iter().filter(|(k, _)| !op_params.iter().any(|(ok, _)| ok == k)) {
            let required = q["required"] == Value::Bool(true);
            let what =
                if required { "new required parameter" } else { "new optional parameter (a new builder method)" };
            push(changes, ChangeKind::ParameterAdded { required }, parameter(id, key), what.into());
        }
        match (json_schema(a.doc, o.op.get("requestBody")), json_schema(b.doc, n.op.get("requestBody"))) {
            (Some(x), Some(y)) if describe(x) != describe(y) => {
                push(
                    changes,
                    ChangeKind::RequestBodyChanged,
                    Location::RequestBody(id.clone()),
                    format!("{} → {}", describe(x), describe(y)),
                );
            }
            (Some(_), None) => {
                push(changes, ChangeKind::RequestBodyRemoved, Location::RequestBody(id.clone()), "removed".into())
            }
            (None, Some(y)) => push(
                changes,
                ChangeKind::RequestBodyAdded,
                Location::RequestBody(id.clone()),
                format!("now takes {}", describe(y)),
            ),
            _ => {}
        }
        let statuses = |op: &Value| -> Vec<String> {
            op.get("responses").and_then(Value::as_object).map(|r| r.keys().cloned().collect()).unwrap_or_default()
        };
        let (os, ns) = (statuses(o.op), statuses(n.op));
        for status in &os {
            let at = Location::Response { operation: id.clone(), status: status.clone() };
            if !ns.contains(status) {
                push(changes, ChangeKind::StatusRemoved, at, "no longer documented".into());
                continue;
            }
            let (x, y) =
                (json_schema(a.doc, o.op["responses"].get(status)), json_schema(b.doc, n.op["responses"].get(status)));
            let (dx, dy) = (x.map(describe), y.map(describe));
            if dx != dy {
                let show = |d: Option<String>| d.unwrap_or_else(|| "no body".into());
                push(changes, ChangeKind::ResponseBodyChanged, at, format!("{} → {}", show(dx), show(dy)));
            }
        }
        for status in ns.iter().filter(|s| !os.contains(s)) {
            push(
                changes,
                ChangeKind::StatusAdded,
                Location::Response { operation: id.clone(), status: status.clone() },
                "newly documented".into(),
            );
        }
    }
    for (id, n) in new.iter().filter(|(id, _)| !old.iter().any(|(oid, _)| oid == id)) {
        push(
            changes,
            ChangeKind::OperationAdded,
            Location::Operation(id.clone()),
            format!("{} {} (a new method)", n.method, n.path),
        );
    }
}

/// The place of the parameter `(in, name)` of operation `id`.
fn parameter(id: &str, (place, name): &(String, String)) -> Location {
    Location::Parameter { operation: id.to_string(), place: place.clone(), name: name.clone() }
}
