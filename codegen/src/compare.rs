//! The API change report between two schema versions, for consumers of the generated crate: every
//! added, removed or changed operation, parameter, field, enum value, nullability and status, classed
//! breaking or compatible *for a Rust caller*, and the semver bump that follows.
//!
//! The classes follow Rust's semver rules for the generated code: its structs have public fields and
//! its enums are exhaustive, so a new field or a new enum value breaks code that builds the struct with
//! a literal or matches the enum exhaustively, even though it is harmless on the wire. Two exceptions,
//! both decided elsewhere and only read here: enums a fixup replaces with an open hand-written type
//! (the course-account state), and response-only structs, which are `#[non_exhaustive]`
//! ([`crate::exhaustive`]), so a field added to them is compatible.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::fixups::Misfit;
use crate::load::Spec;
use crate::openapi::{self, deref};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Breaking,
    Compatible,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Compatible => "compatible",
        }
    }
}

/// What changed, which carries its class: one place decides what breaks a Rust caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    EnumValueRemoved,
    FieldNullabilityChanged,
    FieldRemoved,
    FieldRequiredChanged,
    FieldTypeChanged,
    OperationAdded,
    OperationMoved,
    OperationRemoved,
    ParameterEncodingChanged,
    ParameterRemoved,
    ParameterTypeChanged,
    RequestBodyAdded,
    RequestBodyChanged,
    RequestBodyRemoved,
    ResponseBodyChanged,
    StatusAdded,
    StatusRemoved,
    TypeAdded,
    TypeRemoved,
    /// `open`: the enum is replaced by an open hand-written type (unknown values decode).
    EnumValueAdded {
        open: bool,
    },
    ParameterRequiredChanged {
        now_required: bool,
    },
    ParameterAdded {
        required: bool,
    },
    /// `exhaustive`: the struct is not `#[non_exhaustive]` (it is, or is part of, a request).
    FieldAdded {
        exhaustive: bool,
    },
}

impl ChangeKind {
    /// Breaking or compatible for code that uses the generated crate.
    pub fn class(self) -> Class {
        use ChangeKind::*;
        match self {
            EnumValueRemoved
            | FieldNullabilityChanged
            | FieldRemoved
            | FieldRequiredChanged
            | FieldTypeChanged
            | OperationRemoved
            | ParameterRemoved
            | ParameterTypeChanged
            | RequestBodyAdded
            | RequestBodyChanged
            | RequestBodyRemoved
            | ResponseBodyChanged
            | TypeRemoved => Class::Breaking,
            OperationAdded | OperationMoved | ParameterEncodingChanged | StatusAdded | StatusRemoved | TypeAdded => {
                Class::Compatible
            }
            EnumValueAdded { open: true }
            | ParameterRequiredChanged { now_required: false }
            | ParameterAdded { required: false }
            | FieldAdded { exhaustive: false } => Class::Compatible,
            EnumValueAdded { open: false }
            | ParameterRequiredChanged { now_required: true }
            | ParameterAdded { required: true }
            | FieldAdded { exhaustive: true } => Class::Breaking,
        }
    }

    /// A stable identifier (`field_added`, `enum_value_removed`, ...) for the JSON report.
    pub fn as_str(self) -> &'static str {
        use ChangeKind::*;
        match self {
            EnumValueRemoved => "enum_value_removed",
            FieldAdded { .. } => "field_added",
            FieldNullabilityChanged => "field_nullability_changed",
            FieldRemoved => "field_removed",
            FieldRequiredChanged => "field_required_changed",
            FieldTypeChanged => "field_type_changed",
            OperationAdded => "operation_added",
            OperationMoved => "operation_moved",
            OperationRemoved => "operation_removed",
            ParameterEncodingChanged => "parameter_encoding_changed",
            ParameterRemoved => "parameter_removed",
            ParameterTypeChanged => "parameter_type_changed",
            RequestBodyAdded => "request_body_added",
            RequestBodyChanged => "request_body_changed",
            RequestBodyRemoved => "request_body_removed",
            ResponseBodyChanged => "response_body_changed",
            StatusAdded => "status_added",
            StatusRemoved => "status_removed",
            TypeAdded => "type_added",
            TypeRemoved => "type_removed",
            EnumValueAdded { .. } => "enum_value_added",
            ParameterRequiredChanged { .. } => "parameter_required_changed",
            ParameterAdded { .. } => "parameter_added",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    /// What changed: `operation x`, `parameter x of y`, `CourseAccount.field`, ...
    pub location: String,
    pub detail: String,
    /// A fixup that did not fit one of the documents acts here: the change is shown as published,
    /// and its class may be wrong.
    pub uncertain: Option<&'static str>,
}

/// The semver consequence of a report, ordered from the least to the most a caller must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    Patch,
    Minor,
    Major,
}

impl Bump {
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::Major => "major",
            Bump::Minor => "minor",
            Bump::Patch => "patch",
        }
    }

    /// The next version after `current` (build metadata dropped; an unparsable `current` counts as
    /// 0.0.0). Below 1.0, Cargo treats the minor version as the breaking one.
    pub fn next(self, current: &str) -> String {
        let current = semver::Version::parse(current).unwrap_or_else(|_| semver::Version::new(0, 0, 0));
        let (major, minor, patch) = (current.major, current.minor, current.patch);
        let next = match (self, major) {
            (Bump::Major, 0) => semver::Version::new(0, minor + 1, 0),
            (Bump::Major, m) => semver::Version::new(m + 1, 0, 0),
            (Bump::Minor, 0) => semver::Version::new(0, minor, patch + 1),
            (Bump::Minor, m) => semver::Version::new(m, minor + 1, 0),
            (Bump::Patch, m) => semver::Version::new(m, minor, patch + 1),
        };
        next.to_string()
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub changes: Vec<Change>,
    /// Fixups that fit neither their bug nor its fix in one of the documents (with its release). Every
    /// other fixup still gave the crate's view; only the changes a misfit touches are uncertain.
    pub misfits: Vec<(String, Misfit)>,
    /// Fixups whose bug the old document has and the new one no longer: upstream fixed them.
    pub fixed_upstream: Vec<&'static str>,
}

impl Report {
    pub fn bump(&self) -> Bump {
        if self.changes.iter().any(|c| c.class() == Class::Breaking) {
            Bump::Major
        } else if self.changes.is_empty() {
            Bump::Patch
        } else {
            Bump::Minor
        }
    }

    /// The version of the release that follows this report: the bump it asks for, with the schema
    /// release as build metadata (`0.2.0+waldur.8.1.2`).
    pub fn next_version(&self, crate_version: &str) -> String {
        self.version_after(crate_version, self.bump())
    }

    /// `crate_version` moved by `bump`, with this report's schema release as build metadata.
    pub fn version_after(&self, crate_version: &str, bump: Bump) -> String {
        format!("{}+waldur.{}", bump.next(crate_version), self.to)
    }

    pub fn has_breaking(&self) -> bool {
        self.bump() == Bump::Major
    }

    /// The report for humans; `crate_version` is the client crate's current version.
    pub fn human(&self, crate_version: &str) -> String {
        let mut out = format!("API changes from Waldur {} to {}\n", self.from, self.to);
        if !self.fixed_upstream.is_empty() {
            out.push_str(&format!(
                "\nfixed upstream in Waldur {} (the fixups find the fix and step aside; the crate's types stay):\n",
                self.to
            ));
            for name in &self.fixed_upstream {
                let since = crate::fixups::named(name).and_then(|f| f.fixed_in);
                let since = since.map_or_else(
                    || format!("fixed_in not recorded yet: set it to {}", self.to),
                    |(a, b, c)| format!("fixed_in: {a}.{b}.{c}"),
                );
                out.push_str(&format!("  - {name} ({since})\n"));
            }
        }
        for (release, misfit) in &self.misfits {
            out.push_str(&format!(
                "\nuncertain: fixup `{}` does not fit Waldur {release} ({}); the changes it touches are compared as \
                 published and marked (uncertain)\n",
                misfit.fixup, misfit.why
            ));
        }
        for class in [Class::Breaking, Class::Compatible] {
            let changes: Vec<&Change> = self.changes.iter().filter(|c| c.class() == class).collect();
            out.push_str(&format!("\n{} ({}):\n", class.as_str(), changes.len()));
            if changes.is_empty() {
                out.push_str("  none\n");
            }
            for c in changes {
                let mark = c.uncertain.map(|f| format!(" (uncertain: `{f}` does not fit)")).unwrap_or_default();
                out.push_str(&format!("  - {}: {}{mark}\n", c.location, c.detail));
            }
        }
        let bump = self.bump();
        out.push_str(&format!(
            "\nsemver: {} change; next crate version {} (from {crate_version}, with +waldur.{} build metadata)\n",
            bump.as_str(),
            bump.next(crate_version),
            self.to
        ));
        out
    }

    pub fn json(&self, crate_version: &str) -> Value {
        let bump = self.bump();
        json!({
            "from": self.from,
            "to": self.to,
            "from_version": crate_version,
            "semver": bump.as_str(),
            "next_version": self.next_version(crate_version),
            "basis": "crate",
            "fixed_upstream": self.fixed_upstream,
            "misfits": self.misfits.iter().map(|(release, m)| json!({"release": release, "fixup": m.fixup, "why": m.why})).collect::<Vec<_>>(),
            "changes": self.changes.iter().map(|c| {
                let mut change = json!({
                    "class": c.class().as_str(),
                    "kind": c.kind.as_str(),
                    "location": c.location,
                    "detail": c.detail,
                });
                if let Some(fixup) = c.uncertain {
                    change["uncertain"] = json!(fixup);
                }
                change
            }).collect::<Vec<_>>(),
        })
    }
}

impl Change {
    pub fn class(&self) -> Class {
        self.kind.class()
    }
}

struct Side<'a> {
    doc: &'a Value,
    /// Schemas replaced by open hand-written types in this document (new enum values are harmless).
    open: BTreeSet<String>,
    /// Structs generated `#[non_exhaustive]` from this document (new fields are harmless).
    response_only: BTreeSet<String>,
}

impl<'a> Side<'a> {
    fn new((doc, open): &'a (Value, BTreeSet<String>)) -> Self {
        Side { doc, open: open.clone(), response_only: crate::exhaustive::response_only(doc) }
    }
}

/// Compares two documents (slices or whole schemas; operations matched by operationId) as the crate
/// sees them: each after its release's fixups, with every schema a fixup replaces by a hand-written
/// type shown as that Rust type (so `ServiceAccountState` in 7.8.7 and `CourseAccountStateEnum` in 8.x
/// are both the open `CourseAccountState`, and a nullability a fixup already gave is no change). A
/// fixup that fits neither document's bug nor its fix leaves only its own places as published, and
/// the changes there are marked uncertain ([`Report::misfits`]).
pub fn compare(old: &Spec, new: &Spec) -> Report {
    let (old_view, old_applied, old_misfits) = crate_view(old);
    let (new_view, new_applied, new_misfits) = crate_view(new);
    let (a, b) = (Side::new(&old_view), Side::new(&new_view));
    let mut changes = Vec::new();
    compare_schemas(&a, &b, &mut changes);
    compare_operations(&a, &b, &mut changes);
    let release = |spec: &Spec| spec.version().unwrap_or("?").to_string();
    let misfits: Vec<(String, crate::fixups::Misfit)> = old_misfits
        .into_iter()
        .map(|m| (release(old), m))
        .chain(new_misfits.into_iter().map(|m| (release(new), m)))
        .collect();
    for change in &mut changes {
        change.uncertain = misfits.iter().map(|(_, m)| m.fixup).find(|name| {
            crate::fixups::named(name).is_some_and(|f| f.touches.iter().any(|place| change.location.contains(place)))
        });
    }
    changes.sort_by(|x, y| (x.class(), &x.location, x.kind.as_str()).cmp(&(y.class(), &y.location, y.kind.as_str())));
    let fixed_upstream =
        new_applied.fixed_upstream.iter().copied().filter(|name| old_applied.ran.contains(name)).collect();
    Report { from: release(old), to: release(new), changes, misfits, fixed_upstream }
}

/// The document as the generated crate exposes it (see [`compare`]): its release's fixups applied (only
/// the fixups: a shape the generator refuses is `codegen`'s business, not a change). A schema a fixup
/// replaces by a hand-written type is kept under that type's name (so 7.8.7's `ServiceAccountState`
/// and 8.x's `CourseAccountStateEnum` are one `crate::state::CourseAccountState`, whose values are
/// still compared) and is open: the hand-written types carry values they do not know.
fn crate_view(spec: &Spec) -> ((Value, BTreeSet<String>), crate::fixups::Applied, Vec<crate::fixups::Misfit>) {
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

fn push(changes: &mut Vec<Change>, kind: ChangeKind, location: String, detail: String) {
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

fn compare_schemas(a: &Side, b: &Side, changes: &mut Vec<Change>) {
    let (old, new) = (schemas(a.doc), schemas(b.doc));
    for (name, schema) in &old {
        let Some(other) = new.get(name) else {
            push(changes, ChangeKind::TypeRemoved, format!("type {name}"), "removed from the crate".into());
            continue;
        };
        compare_enum(a, b, name, schema, other, changes);
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
            let location = format!("{name}.{field}");
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
            push(changes, ChangeKind::FieldAdded { exhaustive }, format!("{name}.{field}"), detail);
        }
    }
    for name in new.keys().filter(|n| !old.contains_key(*n)) {
        push(changes, ChangeKind::TypeAdded, format!("type {name}"), "new type".into());
    }
}

fn compare_enum(a: &Side, b: &Side, location: &str, old: &Value, new: &Value, changes: &mut Vec<Change>) {
    let (Some(was), Some(now)) = (enum_values(a.doc, old), enum_values(b.doc, new)) else { return };
    // An enum behind a `$ref` is compared once, at its own name.
    if old.get("$ref").is_some() || old.get("allOf").is_some() {
        return;
    }
    let open = b.open.contains(location) || a.open.contains(location);
    for value in now.iter().filter(|v| !was.contains(v)) {
        let detail = if open {
            format!("new value `{value}` (an open enum: arrives as a known variant or Unknown)")
        } else {
            format!("new value `{value}`: breaks exhaustive matches; old clients fail to decode it")
        };
        push(changes, ChangeKind::EnumValueAdded { open }, location.to_string(), detail);
    }
    for value in was.iter().filter(|v| !now.contains(v)) {
        push(changes, ChangeKind::EnumValueRemoved, location.to_string(), format!("value `{value}` removed"));
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

fn params<'a>(doc: &'a Value, op: &Op<'a>) -> Vec<(String, &'a Value)> {
    let mut out = Vec::new();
    for list in [op.item.get("parameters"), op.op.get("parameters")] {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            if let Some(p) = deref(doc, p) {
                let key =
                    format!("{} parameter `{}`", p["in"].as_str().unwrap_or("?"), p["name"].as_str().unwrap_or("?"));
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

fn compare_operations(a: &Side, b: &Side, changes: &mut Vec<Change>) {
    let (old, new) = (operations(a.doc), operations(b.doc));
    for (id, o) in &old {
        let location = format!("operation {id}");
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
            let at = format!("{key} of {id}");
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
            push(changes, ChangeKind::ParameterAdded { required }, format!("{key} of {id}"), what.into());
        }
        match (json_schema(a.doc, o.op.get("requestBody")), json_schema(b.doc, n.op.get("requestBody"))) {
            (Some(x), Some(y)) if describe(x) != describe(y) => {
                push(
                    changes,
                    ChangeKind::RequestBodyChanged,
                    format!("request body of {id}"),
                    format!("{} → {}", describe(x), describe(y)),
                );
            }
            (Some(_), None) => {
                push(changes, ChangeKind::RequestBodyRemoved, format!("request body of {id}"), "removed".into())
            }
            (None, Some(y)) => push(
                changes,
                ChangeKind::RequestBodyAdded,
                format!("request body of {id}"),
                format!("now takes {}", describe(y)),
            ),
            _ => {}
        }
        let statuses = |op: &Value| -> Vec<String> {
            op.get("responses").and_then(Value::as_object).map(|r| r.keys().cloned().collect()).unwrap_or_default()
        };
        let (os, ns) = (statuses(o.op), statuses(n.op));
        for status in &os {
            let at = format!("response {status} of {id}");
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
            push(changes, ChangeKind::StatusAdded, format!("response {status} of {id}"), "newly documented".into());
        }
    }
    for (id, n) in new.iter().filter(|(id, _)| !old.iter().any(|(oid, _)| oid == id)) {
        push(
            changes,
            ChangeKind::OperationAdded,
            format!("operation {id}"),
            format!("{} {} (a new method)", n.method, n.path),
        );
    }
}
