//! Checks recordings against the spec the client is generated from (the fixed-up fragment): the
//! operation exists and its path template matches, query keys are declared, the status is documented
//! or marked as undocumented-but-real, and request and response bodies validate against the schemas
//! (OpenAPI 3.0 `nullable` mapped to JSON Schema; formats checked).

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::recording::Recording;

/// Stands in for `{{base_url}}` while validating (so `format: uri` sees a real URL).
const VALIDATION_BASE: &str = "http://127.0.0.1:8000";

pub struct Contract {
    doc: Value,
    /// `components` converted to JSON Schema.
    components: Value,
}

impl Contract {
    /// Loads and prepares the spec as `cargo xtask codegen` does.
    pub fn load(spec: &Path) -> Result<Contract, String> {
        let spec = codegen::Spec::load(spec).map_err(|e| e.to_string())?;
        let prepared = codegen::prepare(&spec, &codegen::Options::default()).map_err(|e| e.to_string())?;
        let doc = prepared.doc;
        let replaced: BTreeSet<String> = prepared.fixups.replacements.into_iter().map(|(name, _)| name).collect();
        let mut schemas = Map::new();
        for (name, schema) in doc.pointer("/components/schemas").and_then(Value::as_object).into_iter().flatten() {
            // Schemas the client replaced by open hand-written types (the state enum) accept any string.
            let converted = if replaced.contains(name) { json!({"type": "string"}) } else { to_json_schema(schema) };
            schemas.insert(name.clone(), converted);
        }
        Ok(Contract { doc, components: json!({ "schemas": schemas }) })
    }

    /// The workspace's fragment.
    pub fn workspace() -> Result<Contract, String> {
        Self::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(codegen::DEFAULT_SPEC))
    }

    /// Every problem with one recording, each naming the operation and the JSON pointer.
    pub fn check(&self, recording: &Recording) -> Vec<String> {
        let recording = recording.materialize(VALIDATION_BASE);
        let mut problems = Vec::new();
        let Some(op_id) = recording.operation_id.as_deref() else {
            if recording.undocumented.is_none() {
                problems.push("a recording without operation_id must say why in `undocumented`".into());
            }
            if self.template_of(&recording.request.path).is_none() {
                problems.push(format!("path {} matches no path of the spec", recording.request.path));
            }
            return problems;
        };
        let Some((template, method, op)) = self.operation(op_id) else {
            return vec![format!("{op_id}: no such operation in the spec")];
        };
        if !method.eq_ignore_ascii_case(&recording.request.method) {
            problems.push(format!(
                "{op_id}: recorded method {} but the operation is {}",
                recording.request.method,
                method.to_uppercase()
            ));
        }
        if !template_matches(&template, &recording.request.path) {
            problems.push(format!("{op_id}: path {} does not match the template {template}", recording.request.path));
        }
        let declared: BTreeSet<String> = self.parameters(&template, &method).into_iter().collect();
        for (key, _) in &recording.request.query_pairs() {
            if !declared.contains(key) {
                problems.push(format!("{op_id}: query parameter `{key}` is not declared by the operation"));
            }
        }
        let op_pointer = format!("/paths/{}/{method}", template.replace('~', "~0").replace('/', "~1"));
        let request_errors = self.request_errors(&recording);
        match (&recording.invalid_request, request_errors.is_empty()) {
            (None, _) => problems.extend(request_errors.into_iter().map(|e| format!("{op_id}: {e}"))),
            (Some(_), false) => {}
            (Some(_), true) => problems.push(format!("{op_id}: marked `invalid_request` but the request is valid")),
        }
        let status = recording.response.status;
        match documented_response(op, status) {
            Some((key, response)) => {
                let schema = response
                    .get("content")
                    .and_then(Value::as_object)
                    .and_then(|c| c.values().find_map(|m| m.get("schema")));
                if let (Some(schema), Some(body)) = (schema, &recording.response.body) {
                    let pointer = format!("{op_pointer}/responses/{key}");
                    problems.extend(
                        self.validate(schema, body)
                            .into_iter()
                            .map(|e| format!("{op_id}: {status} response body {e} (schema {pointer})")),
                    );
                }
                if recording.undocumented.is_some() {
                    problems.push(format!("{op_id}: status {status} is documented, drop `undocumented`"));
                }
            }
            None if recording.undocumented.is_some() => {
                // Waldur's undocumented errors are DRF error bodies: an object or a list; except
                // Django's own HTML 404 page for a path no route of that release matches.
                let no_route = status == 404
                    && recording.response.headers.get("content-type").is_some_and(|t| t.starts_with("text/html"));
                if let Some(body) = &recording.response.body
                    && !(body.is_object() || body.is_array() || no_route)
                {
                    problems.push(format!("{op_id}: {status} body is not a DRF error (object or list)"));
                }
            }
            None => problems.push(format!(
                "{op_id}: status {status} is not documented; if the real server answers it, say so in `undocumented`"
            )),
        }
        problems
    }

    /// Ways the recorded request breaks the operation's request-body schema (empty: it conforms).
    pub fn request_errors(&self, recording: &Recording) -> Vec<String> {
        let recording = recording.materialize(VALIDATION_BASE);
        let Some((template, method, op)) = recording.operation_id.as_deref().and_then(|id| self.operation(id)) else {
            return Vec::new();
        };
        let op_pointer = format!("/paths/{}/{method}", template.replace('~', "~0").replace('/', "~1"));
        match (op.get("requestBody"), &recording.request.body) {
            (Some(body), Some(value)) => match body.pointer("/content/application~1json/schema") {
                Some(schema) => {
                    let pointer = format!("{op_pointer}/requestBody/content/application~1json/schema");
                    self.validate(schema, value)
                        .into_iter()
                        .map(|e| format!("request body {e} (schema {pointer})"))
                        .collect()
                }
                None => vec!["the operation's request body has no JSON schema".into()],
            },
            (None, Some(_)) => vec!["the operation takes no request body but one was recorded".into()],
            _ => Vec::new(),
        }
    }

    /// The operationId serving `method path`, if the spec has one.
    pub fn operation_for(&self, method: &str, path: &str) -> Option<String> {
        let template = self.template_of(path)?;
        self.doc["paths"][&template][method.to_ascii_lowercase()]["operationId"].as_str().map(str::to_string)
    }

    /// Whether the spec documents `status` for this operation.
    pub fn documents(&self, operation_id: &str, status: u16) -> bool {
        self.operation(operation_id).is_some_and(|(_, _, op)| documented_response(op, status).is_some())
    }

    fn operation(&self, id: &str) -> Option<(String, String, &Value)> {
        for (path, item) in self.doc["paths"].as_object()? {
            for (method, op) in item.as_object()? {
                if op.get("operationId").and_then(Value::as_str) == Some(id) {
                    return Some((path.clone(), method.clone(), op));
                }
            }
        }
        None
    }

    /// The path template `path` instantiates; a literal segment beats a parameter
    /// (`/create_bulk/` is not a `{uuid}`).
    fn template_of(&self, path: &str) -> Option<String> {
        let literal_segments = |t: &str| t.split('/').filter(|s| !s.starts_with('{')).count();
        self.doc["paths"]
            .as_object()?
            .keys()
            .filter(|t| template_matches(t, path))
            .max_by_key(|t| literal_segments(t))
            .cloned()
    }

    fn parameters(&self, template: &str, method: &str) -> Vec<String> {
        let item = &self.doc["paths"][template];
        let mut names = Vec::new();
        for params in [&item["parameters"], &item[method]["parameters"]] {
            for p in params.as_array().into_iter().flatten() {
                let p = match p.get("$ref").and_then(Value::as_str) {
                    Some(r) => self.doc.pointer(r.trim_start_matches('#')).unwrap_or(p),
                    None => p,
                };
                if p["in"] == "query"
                    && let Some(name) = p["name"].as_str()
                {
                    names.push(name.to_string());
                }
            }
        }
        names
    }

    /// Validation errors of `instance` against an OpenAPI schema, as `at <pointer>: <message>`.
    fn validate(&self, schema: &Value, instance: &Value) -> Vec<String> {
        let root = json!({ "components": self.components, "allOf": [to_json_schema(schema)] });
        let validator = match jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_validate_formats(true)
            .build(&root)
        {
            Ok(v) => v,
            Err(e) => return vec![format!("cannot be checked: the schema does not compile: {e}")],
        };
        validator
            .iter_errors(instance)
            .map(|e| {
                let at = e.instance_path().to_string();
                format!("at {}: {e}", if at.is_empty() { "/" } else { &at })
            })
            .collect()
    }
}

/// The documented response for a status: exact code, then `2XX`-style range, then `default`.
fn documented_response(op: &Value, status: u16) -> Option<(String, &Value)> {
    let responses = op.get("responses")?.as_object()?;
    let range = format!("{}XX", status / 100);
    [status.to_string(), range, "default".to_string()]
        .into_iter()
        .find_map(|key| responses.get(&key).map(|r| (key.replace('/', "~1"), r)))
}

/// Whether `path` is an instance of the template `/a/{id}/b/`.
pub fn template_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

/// OpenAPI 3.0 schema → JSON Schema (draft 7): `nullable: true` becomes "or null".
pub fn to_json_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            let mut nullable = false;
            for (key, value) in map {
                match key.as_str() {
                    "nullable" => nullable = value == &Value::Bool(true),
                    "properties" | "patternProperties" => {
                        let converted = value
                            .as_object()
                            .map(|m| m.iter().map(|(k, v)| (k.clone(), to_json_schema(v))).collect())
                            .unwrap_or_default();
                        out.insert(key.clone(), Value::Object(converted));
                    }
                    "items" | "additionalProperties" | "not" => {
                        out.insert(key.clone(), to_json_schema(value));
                    }
                    "allOf" | "anyOf" | "oneOf" => {
                        let converted =
                            value.as_array().map(|a| a.iter().map(to_json_schema).collect()).unwrap_or_default();
                        out.insert(key.clone(), Value::Array(converted));
                    }
                    // Annotations only OpenAPI knows; JSON Schema would ignore them anyway.
                    "example" | "xml" | "externalDocs" | "discriminator" | "deprecated" => {}
                    _ => {
                        out.insert(key.clone(), value.clone());
                    }
                }
            }
            let converted = Value::Object(out);
            if nullable { json!({ "anyOf": [converted, {"type": "null"}] }) } else { converted }
        }
        other => other.clone(),
    }
}
