//! The fixup of the `o` ordering parameter: progenitor ignores `explode: false`, so the parameter
//! becomes the hand-written `Ordering<Field>`, sent as one comma-joined value.

use serde_json::{Value, json};

use super::targets::{LIST, get_mut, schemas_mut};
use super::{Applied, Found};
use crate::openapi::{deref, operations, pascal};

/// Every operation's `o` parameter that is an inline `explode: false` array of `[-]field` values gets a
/// named field enum and a named ordering schema; the ordering schema is replaced by the hand-written
/// `Ordering<Field>`, which serializes as one comma-joined value. Operations with the same field set
/// (list and its HEAD count) share the types.
pub(super) fn ordering_is_one_comma_joined_value(
    doc: &mut Value,
    applied: &mut Applied,
) -> std::result::Result<Found, String> {
    // (pointer to the parameter, operationId, the fields in document order)
    let mut targets: Vec<(String, String, Vec<String>)> = Vec::new();
    // 8.x names the values (`CourseAccountOEnum`); once every `o` uses `Ordering` the named enum is
    // dropped if nothing else refers to it, so the crate does not carry an enum no method takes.
    let mut named_enums: Vec<String> = Vec::new();
    for op in operations(doc) {
        for (i, p) in op.operation.get("parameters").and_then(Value::as_array).into_iter().flatten().enumerate() {
            if p["in"] != "query"
                || p["name"] != "o"
                || p["explode"] != Value::Bool(false)
                || p["schema"]["type"] != "array"
            {
                continue;
            }
            // 7.x lists the values inline; 8.x refers to a named enum (`CourseAccountOEnum`).
            if let Some(name) =
                p["schema"]["items"]["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                named_enums.push(name.to_string());
            }
            let items = deref(doc, &p["schema"]["items"]).unwrap_or(&Value::Null);
            let values: Vec<&str> = items["enum"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let mut fields: Vec<String> = Vec::new();
            for v in &values {
                let field = v.trim_start_matches('-');
                if !fields.iter().any(|f| f == field) {
                    fields.push(field.to_string());
                }
            }
            let pointer = format!("{}/parameters/{i}", op.pointer);
            if fields.is_empty() {
                return Err(format!("`o` at {pointer} lists no ordering values"));
            }
            if let Some(f) =
                fields.iter().find(|f| !values.contains(&f.as_str()) || !values.contains(&format!("-{f}").as_str()))
            {
                return Err(format!(
                    "`o` at {pointer} lists `{f}` without both directions, which `Ordering` cannot express"
                ));
            }
            targets.push((pointer, op.id().to_string(), fields));
        }
    }
    if !targets.iter().any(|(_, id, _)| id == LIST) {
        return Err(format!("`{LIST}` has no `explode: false` array parameter `o`"));
    }
    // Group by field set; name each group after the operationIds' common prefix.
    // (field set, [(parameter pointer, operationId)])
    type Group = (Vec<String>, Vec<(String, String)>);
    let mut groups: Vec<Group> = Vec::new();
    for (pointer, id, fields) in targets {
        match groups.iter_mut().find(|(f, _)| *f == fields) {
            Some((_, members)) => members.push((pointer, id)),
            None => groups.push((fields, vec![(pointer, id)])),
        }
    }
    let mut used_names = std::collections::BTreeSet::new();
    for (fields, members) in groups {
        let ids: Vec<&str> = members.iter().map(|(_, id)| id.as_str()).collect();
        let base = common_stem(&ids);
        let mut stem = base.clone();
        // A number, not a letter, tells same-stem groups apart: the generator's PascalCase turns `XX`
        // into `Xx`, and the replacement path would name a type that does not exist.
        let mut n = 1;
        while used_names.contains(&stem) || schemas_mut(doc)?.contains_key(&format!("{stem}OrderingField")) {
            n += 1;
            stem = format!("{base}{n}");
        }
        used_names.insert(stem.clone());
        let field_name = format!("{stem}OrderingField");
        let ordering_name = format!("{stem}Ordering");
        let schemas = schemas_mut(doc)?;
        schemas.insert(
            field_name.clone(),
            json!({"type": "string", "enum": fields, "description": "A field the list can be ordered by."}),
        );
        schemas.insert(
            ordering_name.clone(),
            json!({
                "type": "array",
                "items": {"$ref": format!("#/components/schemas/{field_name}")},
                "description": "Ordering: fields, each ascending or descending, sent as ONE comma-joined `o` value."
            }),
        );
        for (pointer, _) in &members {
            let param = get_mut(doc, pointer)?;
            param["schema"] = json!({"$ref": format!("#/components/schemas/{ordering_name}")});
        }
        applied
            .replacements
            .push((ordering_name, format!("crate::ordering::Ordering<crate::generated::types::{field_name}>")));
    }
    for name in named_enums {
        let reference = Value::String(format!("#/components/schemas/{name}"));
        if !refers_to(doc, &reference) {
            schemas_mut(doc)?.shift_remove(&name);
        }
    }
    Ok(Found::Bug)
}

/// Whether any `$ref` in `value` is `reference`.
fn refers_to(value: &Value, reference: &Value) -> bool {
    match value {
        Value::Object(map) => map.get("$ref") == Some(reference) || map.values().any(|v| refers_to(v, reference)),
        Value::Array(items) => items.iter().any(|v| refers_to(v, reference)),
        _ => false,
    }
}

/// `marketplace_course_accounts_list` + `_count` → `MarketplaceCourseAccounts`.
fn common_stem(ids: &[&str]) -> String {
    let first = ids[0];
    let mut len = ids
        .iter()
        .fold(first.len(), |len, id| first.bytes().zip(id.bytes()).take(len).take_while(|(a, b)| a == b).count());
    if ids.len() == 1 {
        len = first.rfind('_').unwrap_or(first.len());
    } else if let Some(cut) = first[..len].rfind('_') {
        len = cut;
    }
    let stem = pascal(&first[..len]);
    if stem.is_empty() { pascal(first) } else { stem }
}
