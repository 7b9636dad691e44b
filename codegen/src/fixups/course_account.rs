//! The fixups of the CourseAccount schema: its state becomes the open hand-written enum (in responses
//! and filters), and the fields the server leaves null or out become nullable.

use serde_json::{Value, json};

use super::targets::{COUNT, COURSE_ACCOUNT, LIST, get_mut};
use super::{Applied, Found};
use crate::openapi::escape_pointer;
use crate::openapi::{self, operations};

pub(super) fn course_account_state_is_open(
    doc: &mut Value,
    applied: &mut Applied,
) -> std::result::Result<Found, String> {
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
    Ok(Found::Bug)
}

pub(super) fn course_account_project_dates_nullable(
    doc: &mut Value,
    _: &mut Applied,
) -> std::result::Result<Found, String> {
    make_nullable(doc, &["project_start_date", "project_end_date"])
}

pub(super) fn course_account_user_fields_nullable(
    doc: &mut Value,
    _: &mut Applied,
) -> std::result::Result<Found, String> {
    const FIELDS: [&str; 2] = ["user_uuid", "username"];
    let nullable = make_nullable(doc, &FIELDS)?;
    let pointer = format!("{COURSE_ACCOUNT}/required");
    let mut still_required = false;
    if let Some(required) = doc.pointer_mut(&pointer) {
        let required = required.as_array_mut().ok_or_else(|| format!("{pointer} is not a list"))?;
        let before = required.len();
        required.retain(|f| !f.as_str().is_some_and(|f| FIELDS.contains(&f)));
        still_required = required.len() != before;
    }
    // Fixed upstream only when both halves are: nullable, and not required.
    Ok(if nullable == Found::FixedUpstream && !still_required { Found::FixedUpstream } else { Found::Bug })
}

/// Makes the CourseAccount `fields` nullable; [`Found::FixedUpstream`] when every one was already.
fn make_nullable(doc: &mut Value, fields: &[&str]) -> std::result::Result<Found, String> {
    let mut found = Found::FixedUpstream;
    for field in fields {
        let pointer = format!("{COURSE_ACCOUNT}/properties/{}", escape_pointer(field));
        let property = get_mut(doc, &pointer)?;
        match property.get("nullable") {
            Some(Value::Bool(true)) => {}
            None | Some(Value::Bool(false)) => {
                property["nullable"] = Value::Bool(true);
                found = Found::Bug;
            }
            Some(other) => return Err(format!("expected `nullable` at {pointer} to be a boolean, found {other}")),
        }
    }
    Ok(found)
}
