//! Repairs of shapes found all over Waldur's whole schema, applied when a whole schema is generated
//! (`cargo xtask whole-api`), never to the course-accounts fragment. Unlike the
//! fragment's fixups, each applies wherever its shape occurs and says how many places it changed:
//! zero is not an error, since any given schema may lack the shape.

use serde_json::{Value, json};

use codegen::fixups::Applied;
use codegen::openapi::{deref, is_json_media, operations, pascal};

/// A named repair of a shape that may occur anywhere.
pub struct GenericFixup {
    pub name: &'static str,
    /// The problem and the upstream releases it concerns.
    pub concerns: &'static str,
    apply: fn(&mut Value, &mut Applied) -> usize,
}

/// The repairs, in the order they run (after the fragment's fixups, before the supported-shape check).
pub const ALL: &[GenericFixup] = &[
    GenericFixup {
        name: "request_body_json_only",
        concerns: "Waldur's DRF views document JSON, form and multipart request bodies alike; progenitor \
                   0.15.1 takes exactly one media type (it panics on several), and the views accept JSON \
                   for all of them, so `application/json` is kept (all releases)",
        apply: request_body_json_only,
    },
    GenericFixup {
        name: "explode_false_arrays_comma_joined",
        concerns: "array query parameters with `explode: false` (field selections, multi-value filters) must \
                   go as ONE comma-joined value; progenitor 0.15.1 would send repeated keys, of which Django \
                   keeps the last. They become `crate::comma::CommaJoined<Item>` (all releases)",
        apply: explode_false_arrays_comma_joined,
    },
    GenericFixup {
        name: "string_enums_hold_strings",
        concerns: "some filters are `type: string` with integer enum values (`enum: [1, 2, 3]`, e.g. \
                   `customers_offerings_state` in 7.9.0), which typify refuses (\"type error unexpected value \
                   type\"); the values become the strings they are on the wire (`\"1\"`) (7.9.0, 8.0.5)",
        apply: string_enums_hold_strings,
    },
    GenericFixup {
        name: "json_responses_without_schema_are_any_json",
        concerns: "a few JSON responses have no schema (the `details` actions in 7.9.0), on which progenitor \
                   0.15.1 panics; they become any JSON (`serde_json::Value`) (7.9.0, 8.0.5)",
        apply: json_responses_without_schema_are_any_json,
    },
];

/// Runs every generic fixup (a type replacement goes to `applied`, beside the fragment fixups' own);
/// returns `(name, places changed)` for each.
pub fn apply_all(doc: &mut Value, applied: &mut Applied) -> Vec<(&'static str, usize)> {
    ALL.iter().map(|fixup| (fixup.name, (fixup.apply)(doc, applied))).collect()
}

fn request_body_json_only(doc: &mut Value, _: &mut Applied) -> usize {
    let pointers: Vec<String> = operations(doc)
        .iter()
        .filter(|op| {
            op.operation
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
                .is_some_and(|content| content.len() > 1 && content.contains_key("application/json"))
        })
        .map(|op| format!("{}/requestBody/content", op.pointer))
        .collect();
    for pointer in &pointers {
        if let Some(content) = doc.pointer_mut(pointer).and_then(Value::as_object_mut) {
            content.retain(|media, _| media == "application/json");
        }
    }
    pointers.len()
}

/// The Rust type of one item of a comma-joined list, creating a named schema for an inline enum.
fn item_type(doc: &mut Value, items: &Value, name: &str, applied: &Applied) -> Option<String> {
    if let Some(target) =
        items.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        if let Some((_, rust)) = applied.replacements.iter().find(|(schema, _)| schema == target) {
            return Some(rust.clone());
        }
        // Only a named enum or scalar is joined by its Display; anything else is left alone.
        let resolved = deref(doc, items)?;
        return (resolved.get("enum").is_some() || resolved["type"] == "string")
            .then(|| format!("crate::generated::types::{}", pascal(target)));
    }
    if items.get("enum").is_some() {
        doc.pointer_mut("/components/schemas")?.as_object_mut()?.insert(name.to_string(), items.clone());
        return Some(format!("crate::generated::types::{name}"));
    }
    Some(
        match (items["type"].as_str(), items["format"].as_str()) {
            (Some("string"), Some("uuid")) => "::uuid::Uuid",
            (Some("string"), Some("date")) => "::chrono::naive::NaiveDate",
            (Some("string"), _) => "::std::string::String",
            (Some("integer"), _) => "i64",
            (Some("number"), _) => "f64",
            (Some("boolean"), _) => "bool",
            _ => return None,
        }
        .to_string(),
    )
}

fn explode_false_arrays_comma_joined(doc: &mut Value, applied: &mut Applied) -> usize {
    // (pointer to the parameter, a name stem for its types)
    let mut targets: Vec<(String, String)> = Vec::new();
    for op in operations(doc) {
        for (i, p) in op.operation.get("parameters").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let Some(p) = deref(doc, p) else { continue };
            let is_array = p.get("schema").and_then(|s| deref(doc, s)).is_some_and(|s| s["type"] == "array");
            if p["in"] == "query" && p["explode"] == Value::Bool(false) && is_array {
                let stem = format!("{}{}", pascal(op.id()), pascal(p["name"].as_str().unwrap_or("param")));
                targets.push((format!("{}/parameters/{i}", op.pointer), stem));
            }
        }
    }
    let mut changed = 0;
    for (pointer, stem) in targets {
        let Some(param) = doc.pointer(&pointer).cloned() else { continue };
        // A parameter by `$ref` is shared; it is rewritten where it is defined.
        let (pointer, param) = match param.get("$ref").and_then(Value::as_str) {
            Some(r) => match doc.pointer(r.trim_start_matches('#')).cloned() {
                Some(shared) => (r.trim_start_matches('#').to_string(), shared),
                None => continue,
            },
            None => (pointer, param),
        };
        let Some(schema) = deref(doc, &param["schema"]).cloned() else { continue };
        if schema["type"] != "array" {
            continue; // already rewritten through a shared definition
        }
        let Some(item) = item_type(doc, &schema["items"], &format!("{stem}Item"), applied) else { continue };
        let list = format!("{stem}List");
        let items = if schema["items"].get("enum").is_some() {
            json!({"$ref": format!("#/components/schemas/{stem}Item")})
        } else {
            schema["items"].clone()
        };
        let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { continue };
        schemas.insert(list.clone(), json!({"type": "array", "items": items}));
        if let Some(param) = doc.pointer_mut(&pointer) {
            param["schema"] = json!({"$ref": format!("#/components/schemas/{list}")});
            applied.replacements.push((list, format!("crate::comma::CommaJoined<{item}>")));
            changed += 1;
        }
    }
    changed
}

fn string_enums_hold_strings(doc: &mut Value, _: &mut Applied) -> usize {
    fn walk(value: &mut Value) -> usize {
        match value {
            Value::Object(map) => {
                let mut changed = 0;
                if map.get("type").and_then(Value::as_str) == Some("string")
                    && let Some(values) = map.get_mut("enum").and_then(Value::as_array_mut)
                    && values.iter().any(|v| v.is_number() || v.is_boolean())
                {
                    for v in values.iter_mut().filter(|v| v.is_number() || v.is_boolean()) {
                        *v = Value::String(v.to_string());
                    }
                    changed += 1;
                }
                changed + map.values_mut().map(walk).sum::<usize>()
            }
            Value::Array(items) => items.iter_mut().map(walk).sum(),
            _ => 0,
        }
    }
    walk(doc)
}

fn json_responses_without_schema_are_any_json(doc: &mut Value, _: &mut Applied) -> usize {
    let mut pointers = Vec::new();
    for op in operations(doc) {
        for (status, response) in op.operation.get("responses").and_then(Value::as_object).into_iter().flatten() {
            for (media, m) in response.get("content").and_then(Value::as_object).into_iter().flatten() {
                if is_json_media(media) && m.get("schema").is_none_or(Value::is_null) {
                    pointers.push(format!(
                        "{}/responses/{}/content/{}",
                        op.pointer,
                        codegen::openapi::escape_pointer(status),
                        codegen::openapi::escape_pointer(media)
                    ));
                }
            }
        }
    }
    for pointer in &pointers {
        if let Some(media) = doc.pointer_mut(pointer) {
            media["schema"] = json!({});
        }
    }
    pointers.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": {
                "/api/things/": {
                    "get": {
                        "operationId": "things_list",
                        "parameters": [
                            {"in": "query", "name": "field", "explode": false, "style": "form",
                             "schema": {"type": "array", "items": {"type": "string", "enum": ["name", "uuid"]}}},
                            {"in": "query", "name": "uuid", "explode": false,
                             "schema": {"type": "array", "items": {"type": "string", "format": "uuid"}}},
                            {"in": "query", "name": "state", "schema": {"type": "array", "items": {"type": "string"}}}
                        ],
                        "responses": {"200": {"description": ""}}
                    },
                    "post": {
                        "operationId": "things_create",
                        "requestBody": {"content": {
                            "application/json": {"schema": {"type": "object"}},
                            "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                            "multipart/form-data": {"schema": {"type": "object"}}
                        }},
                        "responses": {"201": {"description": ""}}
                    }
                }
            },
            "components": {"schemas": {}}
        })
    }

    #[test]
    fn json_is_kept_where_a_body_offers_several_media_types() {
        let mut d = doc();
        let mut applied = Applied::default();
        assert_eq!(request_body_json_only(&mut d, &mut applied), 1);
        let content = d.pointer("/paths/~1api~1things~1/post/requestBody/content").unwrap();
        assert_eq!(content.as_object().unwrap().keys().collect::<Vec<_>>(), ["application/json"]);
        assert_eq!(request_body_json_only(&mut d, &mut applied), 0, "nothing left to do");
    }

    #[test]
    fn integer_values_of_a_string_enum_become_strings() {
        let mut d = json!({"a": {"type": "string", "enum": [1, 2, null]}, "b": {"type": "integer", "enum": [1]}});
        assert_eq!(string_enums_hold_strings(&mut d, &mut Applied::default()), 1);
        assert_eq!(d["a"]["enum"], json!(["1", "2", null]));
        assert_eq!(d["b"]["enum"], json!([1]), "an integer enum keeps its numbers");
    }

    #[test]
    fn a_json_response_without_schema_becomes_any_json() {
        let mut d = doc();
        d["paths"]["/api/things/"]["get"]["responses"]["200"] =
            json!({"description": "", "content": {"application/json": {}}});
        assert_eq!(json_responses_without_schema_are_any_json(&mut d, &mut Applied::default()), 1);
        assert_eq!(
            d["paths"]["/api/things/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
            json!({})
        );
    }

    #[test]
    fn explode_false_arrays_become_comma_joined_and_exploded_ones_stay() {
        let mut d = doc();
        let mut applied = Applied::default();
        assert_eq!(explode_false_arrays_comma_joined(&mut d, &mut applied), 2);
        assert_eq!(
            applied.replacements,
            [
                (
                    "ThingsListFieldList".to_string(),
                    "crate::comma::CommaJoined<crate::generated::types::ThingsListFieldItem>".to_string()
                ),
                ("ThingsListUuidList".to_string(), "crate::comma::CommaJoined<::uuid::Uuid>".to_string()),
            ]
        );
        assert_eq!(d["components"]["schemas"]["ThingsListFieldItem"]["enum"], json!(["name", "uuid"]));
        let params = d.pointer("/paths/~1api~1things~1/get/parameters").unwrap();
        assert_eq!(params[2]["schema"]["type"], "array", "an exploded array is left as it is");
    }
}
