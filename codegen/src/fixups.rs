//! Upstream schema bugs, and places where the real Waldur server disagrees with its schema, repaired on
//! the parsed document before generation. One function per problem, in the manner of k8s-openapi's
//! `fixups/upstream_bugs.rs`.
//!
//! Every fixup names the upstream releases it concerns. Inside that range it must find its target and
//! change it; when the target is gone it fails with "fixup `X` no longer applies", so a fixup that
//! upstream made obsolete is removed on purpose instead of lingering. Outside its range (upstream fixed
//! the schema in a release the document is from) it is skipped and the report says so.

use std::path::Path;

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::openapi::escape_pointer;
use crate::openapi::{self, deref, operations, pascal};

/// A Waldur release number, compared numerically (`7.10.0 > 7.9.0`).
pub type Release = (u32, u32, u32);

/// Parses `7.8.7` (a missing or unparsable part is taken as 0; `None` when nothing parses).
pub fn parse_release(version: &str) -> Option<Release> {
    let mut parts = version.trim().trim_start_matches('v').split(['.', '-', '+']).map(|p| p.parse::<u32>().ok());
    let major = parts.next().flatten()?;
    Some((major, parts.next().flatten().unwrap_or(0), parts.next().flatten().unwrap_or(0)))
}

/// A named repair of the document.
pub struct Fixup {
    pub name: &'static str,
    /// The problem and the upstream releases it concerns, for messages and the generated header.
    pub concerns: &'static str,
    /// The first upstream release whose schema no longer has the problem; `None`: every release so far.
    pub fixed_in: Option<Release>,
    apply: fn(&mut Value, &mut Applied) -> std::result::Result<(), String>,
}

/// What the fixups did, and the type replacements they ask of the generator.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Names of the fixups that ran, in order.
    pub ran: Vec<&'static str>,
    /// Names of the fixups skipped because the document is from a release where upstream fixed them.
    pub skipped: Vec<&'static str>,
    /// `(schema name, Rust type path)`: generated code uses the hand-written type instead.
    pub replacements: Vec<(String, String)>,
    /// Generic fixups of a whole schema that ran, with how many places each changed.
    pub generic: Vec<(&'static str, usize)>,
}

/// The repairs, in the order they run.
pub const ALL: &[Fixup] = &[
    Fixup {
        name: "ordering_is_one_comma_joined_value",
        concerns: "the `o` ordering parameter is `explode: false` (one comma-joined value); progenitor 0.15.1 \
                   ignores `explode` and would send repeated `o=` keys, of which the server keeps only the last \
                   (all Waldur releases)",
        fixed_in: None,
        apply: ordering_is_one_comma_joined_value,
    },
    Fixup {
        name: "create_bulk_returns_course_accounts",
        concerns: "create_bulk is documented to answer the request object `CourseAccountsBulkCreate`; the server \
                   answers a JSON array of CourseAccount (Waldur 7.8.7; fixed in 7.8.8)",
        fixed_in: Some((7, 8, 8)),
        apply: create_bulk_returns_course_accounts,
    },
    Fixup {
        name: "create_bulk_may_answer_202",
        concerns: "newer servers create bulk rows as Pending and answer 202 with the same array; the schema \
                   still lists only 200 (all releases so far)",
        fixed_in: None,
        apply: create_bulk_may_answer_202,
    },
    Fixup {
        name: "destroy_may_answer_202_with_body",
        concerns: "delete is documented as 204 without a body; newer servers (8.1.3) answer 202 with the closed \
                   CourseAccount; both become one raw 2XX response the hand-written client decodes (all releases so far)",
        fixed_in: None,
        apply: destroy_may_answer_202_with_body,
    },
    Fixup {
        name: "course_account_state_is_open",
        concerns: "the state enum grows (`Pending` arrived in 8.0.6) and a closed Rust enum would fail the whole \
                   response on a new value; state becomes the hand-written open enum, in responses and filters \
                   (all releases)",
        fixed_in: None,
        apply: course_account_state_is_open,
    },
    Fixup {
        name: "course_account_project_dates_nullable",
        concerns: "project_start_date/project_end_date are null for an undated project, but required and \
                   non-nullable in schemas before 8.0.8 (fixed in 8.0.8)",
        fixed_in: Some((8, 0, 8)),
        apply: course_account_project_dates_nullable,
    },
    Fixup {
        name: "course_account_user_fields_nullable",
        concerns: "user_uuid/username are left out of the JSON for an account whose user is not created yet \
                   (Pending: waldur-mastermind marketplace/serializers.py CourseAccountSerializer, whose dotted-source \
                   fields DRF skips) and null per the 8.1.3 Python client, but required and non-nullable in every \
                   published schema up to 8.1.2: they become optional and nullable",
        fixed_in: None,
        apply: course_account_user_fields_nullable,
    },
];

/// Runs every fixup that concerns the document's release (or only those named in `only`).
/// `version` is `info.version`.
pub fn apply_all(file: &Path, doc: &mut Value, version: &str, only: Option<&[String]>) -> Result<Applied> {
    let release = parse_release(version);
    let mut applied = Applied::default();
    if let Some(unknown) = only.into_iter().flatten().find(|n| !ALL.iter().any(|f| f.name == n.as_str())) {
        return Err(Error::new(file, crate::error::Place::File, format!("there is no fixup named `{unknown}`")));
    }
    for fixup in ALL.iter().filter(|f| only.is_none_or(|names| names.iter().any(|n| n == f.name))) {
        let obsolete = matches!((release, fixup.fixed_in), (Some(r), Some(fixed)) if r >= fixed);
        if obsolete {
            applied.skipped.push(fixup.name);
            continue;
        }
        (fixup.apply)(doc, &mut applied).map_err(|why| {
            Error::new(
                file,
                crate::error::Place::File,
                format!(
                    "fixup `{}` no longer applies: {why}. It concerns: {}. If upstream fixed this, remove the fixup \
                     (or set its `fixed_in`); otherwise update it to the new schema",
                    fixup.name, fixup.concerns
                ),
            )
        })?;
        applied.ran.push(fixup.name);
    }
    Ok(applied)
}

const LIST: &str = "marketplace_course_accounts_list";
const COUNT: &str = "marketplace_course_accounts_count";
const BULK: &str = "marketplace_course_accounts_create_bulk";
const DESTROY: &str = "marketplace_course_accounts_destroy";
const COURSE_ACCOUNT: &str = "/components/schemas/CourseAccount";

/// The pointer to the operation with this operationId.
fn op_pointer(doc: &Value, id: &str) -> std::result::Result<String, String> {
    operations(doc)
        .into_iter()
        .find(|op| op.id() == id)
        .map(|op| op.pointer)
        .ok_or_else(|| format!("operation `{id}` is not in the document"))
}

fn get_mut<'a>(doc: &'a mut Value, pointer: &str) -> std::result::Result<&'a mut Value, String> {
    doc.pointer_mut(pointer).ok_or_else(|| format!("nothing at {pointer}"))
}

fn schemas_mut(doc: &mut Value) -> std::result::Result<&mut serde_json::Map<String, Value>, String> {
    doc.pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| "the document has no components/schemas".to_string())
}

/// Every operation's `o` parameter that is an inline `explode: false` array of `[-]field` values gets a
/// named field enum and a named ordering schema; the ordering schema is replaced by the hand-written
/// `Ordering<Field>`, which serializes as one comma-joined value. Operations with the same field set
/// (list and its HEAD count) share the types.
fn ordering_is_one_comma_joined_value(doc: &mut Value, applied: &mut Applied) -> std::result::Result<(), String> {
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
    Ok(())
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

fn bulk_success_pointer(doc: &Value, status: &str) -> std::result::Result<String, String> {
    Ok(format!("{}/responses/{status}", op_pointer(doc, BULK)?))
}

/// The 7.8.7 schema says create_bulk answers `CourseAccountsBulkCreate` (the request echoed); the server
/// answers the created accounts as an array.
fn create_bulk_returns_course_accounts(doc: &mut Value, _: &mut Applied) -> std::result::Result<(), String> {
    let pointer = format!("{}/content/application~1json/schema", bulk_success_pointer(doc, "200")?);
    let schema = get_mut(doc, &pointer)?;
    if schema.get("$ref").and_then(Value::as_str) != Some("#/components/schemas/CourseAccountsBulkCreate") {
        return Err(format!("the 200 response at {pointer} is no longer `$ref: CourseAccountsBulkCreate`"));
    }
    *schema = json!({"type": "array", "items": {"$ref": "#/components/schemas/CourseAccount"}});
    Ok(())
}

fn create_bulk_may_answer_202(doc: &mut Value, _: &mut Applied) -> std::result::Result<(), String> {
    let ok = bulk_success_pointer(doc, "200")?;
    let accepted = bulk_success_pointer(doc, "202")?;
    if doc.pointer(&accepted).is_some() {
        return Err(format!("the schema documents 202 at {accepted} already"));
    }
    let mut response = doc.pointer(&ok).cloned().ok_or_else(|| format!("no 200 response at {ok}"))?;
    let schema = response.pointer("/content/application~1json/schema").and_then(|s| deref(doc, s));
    let items = schema.and_then(|s| s.get("items")).and_then(|i| i.get("$ref")).and_then(Value::as_str);
    if schema.is_none_or(|s| s["type"] != "array") || items != Some("#/components/schemas/CourseAccount") {
        return Err(format!("the 200 response at {ok} is not an array of CourseAccount"));
    }
    response["description"] = json!("Accepted: newer servers create the rows as Pending.");
    let responses = get_mut(doc, &format!("{}/responses", op_pointer(doc, BULK)?))?;
    responses.as_object_mut().ok_or("responses is not a mapping")?.insert("202".into(), response);
    Ok(())
}

fn destroy_may_answer_202_with_body(doc: &mut Value, _: &mut Applied) -> std::result::Result<(), String> {
    let pointer = format!("{}/responses", op_pointer(doc, DESTROY)?);
    let responses = get_mut(doc, &pointer)?.as_object_mut().ok_or("responses is not a mapping")?;
    let documented: Vec<&String> = responses.keys().filter(|k| k.starts_with('2')).collect();
    if documented != ["204"] || responses["204"].get("content").is_some() {
        return Err(format!("the success responses at {pointer} are no longer exactly `204` without a body"));
    }
    responses.shift_remove("204");
    responses.insert(
        "2XX".into(),
        json!({
            "description": "204 without a body, or (newer servers) 202 with the closed CourseAccount.",
            "content": {"*/*": {"schema": {"$ref": "#/components/schemas/CourseAccount"}}}
        }),
    );
    Ok(())
}

fn course_account_state_is_open(doc: &mut Value, applied: &mut Applied) -> std::result::Result<(), String> {
    let state_ptr = format!("{COURSE_ACCOUNT}/properties/state");
    let state = doc.pointer(&state_ptr).ok_or_else(|| format!("nothing at {state_ptr}"))?;
    let reference = state
        .get("$ref")
        .or_else(|| state.pointer("/allOf/0/$ref"))
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{state_ptr} no longer refers to a named enum"))?
        .to_string();
    let name = reference.rsplit('/').next().unwrap_or_default().to_string();
    let values: Vec<Value> = openapi::resolve(doc, &reference)
        .and_then(|s| s.get("enum"))
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| format!("{reference} is not an enum"))?;
    if values.iter().any(|v| !v.is_string()) {
        return Err(format!("{reference} has non-string values"));
    }
    // Every `state` filter's inline copy of the same enum is pointed at the named one, so filters and
    // responses share the open type (and a caller can filter by a state this schema does not list yet).
    // list and count always have it; create_bulk has it from 7.8.8 on.
    // Only the course-accounts operations (a whole schema has other `state` filters of other enums).
    let list_path = operations(doc).iter().find(|op| op.id() == LIST).map(|op| op.path.to_string()).unwrap_or_default();
    let with_state: Vec<(String, String, usize)> = operations(doc)
        .iter()
        .filter(|op| !list_path.is_empty() && op.path.starts_with(&list_path))
        .filter_map(|op| {
            let params = op.operation.get("parameters").and_then(Value::as_array)?;
            let i = params.iter().position(|p| p["name"] == "state" && p["in"] == "query")?;
            Some((op.id().to_string(), op.pointer.clone(), i))
        })
        .collect();
    if let Some(id) = [LIST, COUNT].into_iter().find(|id| !with_state.iter().any(|(i, _, _)| i == id)) {
        return Err(format!("`{id}` has no `state` query parameter"));
    }
    for (id, op, i) in with_state {
        let items = get_mut(doc, &format!("{op}/parameters/{i}/schema/items"))?;
        // 7.x: an inline copy of the enum; 8.x: a `$ref` to the same named enum already.
        let refers_to_it = items.get("$ref").and_then(Value::as_str) == Some(reference.as_str());
        if items.get("enum").is_none() && !refers_to_it {
            return Err(format!("`{id}` parameter `state` is neither an inline enum nor a `$ref` to {reference}"));
        }
        *items = json!({"$ref": reference});
    }
    applied.replacements.push((name, "crate::state::CourseAccountState".to_string()));
    Ok(())
}

fn course_account_project_dates_nullable(doc: &mut Value, _: &mut Applied) -> std::result::Result<(), String> {
    make_nullable(doc, &["project_start_date", "project_end_date"])
}

fn course_account_user_fields_nullable(doc: &mut Value, _: &mut Applied) -> std::result::Result<(), String> {
    const FIELDS: [&str; 2] = ["user_uuid", "username"];
    make_nullable(doc, &FIELDS)?;
    let pointer = format!("{COURSE_ACCOUNT}/required");
    let required = get_mut(doc, &pointer)?.as_array_mut().ok_or_else(|| format!("{pointer} is not a list"))?;
    for field in FIELDS {
        let at = required
            .iter()
            .position(|f| f.as_str() == Some(field))
            .ok_or_else(|| format!("{pointer} does not list `{field}` any more"))?;
        required.remove(at);
    }
    Ok(())
}

fn make_nullable(doc: &mut Value, fields: &[&str]) -> std::result::Result<(), String> {
    for field in fields {
        let pointer = format!("{COURSE_ACCOUNT}/properties/{}", escape_pointer(field));
        let property = get_mut(doc, &pointer)?;
        if property.get("nullable") == Some(&Value::Bool(true)) {
            return Err(format!("{pointer} is nullable in the schema already"));
        }
        property["nullable"] = Value::Bool(true);
    }
    Ok(())
}
