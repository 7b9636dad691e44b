//! The fixups of documented responses: create_bulk's answer (an array of CourseAccount, with 202 beside
//! 200) and delete's (204 or 202 with a body, as one raw 2XX response).

use serde_json::{Value, json};

use super::targets::{BULK, COURSE_ACCOUNT_REF, DESTROY, get_mut, op_pointer};
use super::{Applied, Found};
use crate::openapi::deref;

fn bulk_success_pointer(doc: &Value, status: &str) -> std::result::Result<String, String> {
    Ok(format!("{}/responses/{status}", op_pointer(doc, BULK)?))
}

/// The 7.8.7 schema says create_bulk answers `CourseAccountsBulkCreate` (the request echoed); the server
/// answers the created accounts as an array.
pub(super) fn create_bulk_returns_course_accounts(
    doc: &mut Value,
    _: &mut Applied,
) -> std::result::Result<Found, String> {
    let pointer = format!("{}/content/application~1json/schema", bulk_success_pointer(doc, "200")?);
    let schema = doc.pointer(&pointer).ok_or_else(|| format!("nothing at {pointer}"))?;
    if is_array_of_course_accounts(doc, schema) {
        return Ok(Found::FixedUpstream);
    }
    if schema.get("$ref").and_then(Value::as_str) != Some("#/components/schemas/CourseAccountsBulkCreate") {
        return Err(format!(
            "expected the 200 response at {pointer} to be `$ref: CourseAccountsBulkCreate` (the bug) or an array of \
             CourseAccount (the fix), found {}",
            shape(schema)
        ));
    }
    *get_mut(doc, &pointer)? = json!({"type": "array", "items": {"$ref": "#/components/schemas/CourseAccount"}});
    Ok(Found::Bug)
}

/// Whether `schema` (or what it refers to) is an array of CourseAccount.
fn is_array_of_course_accounts(doc: &Value, schema: &Value) -> bool {
    let schema = deref(doc, schema).unwrap_or(schema);
    schema["type"] == "array"
        && schema.pointer("/items/$ref").and_then(Value::as_str) == Some("#/components/schemas/CourseAccount")
}

/// A schema in a few words, for messages: its `$ref`, or its type.
fn shape(schema: &Value) -> String {
    match (schema.get("$ref").and_then(Value::as_str), schema.get("type")) {
        (Some(reference), _) => format!("`$ref: {reference}`"),
        (None, Some(kind)) => format!("a schema of type {kind}"),
        (None, None) => format!("`{}`", schema.to_string().chars().take(80).collect::<String>()),
    }
}

pub(super) fn create_bulk_may_answer_202(doc: &mut Value, _: &mut Applied) -> std::result::Result<Found, String> {
    let ok = bulk_success_pointer(doc, "200")?;
    let accepted = bulk_success_pointer(doc, "202")?;
    let array_at = |doc: &Value, at: &str| {
        doc.pointer(&format!("{at}/content/application~1json/schema"))
            .is_some_and(|s| is_array_of_course_accounts(doc, s))
    };
    if doc.pointer(&accepted).is_some() {
        return if array_at(doc, &accepted) {
            Ok(Found::FixedUpstream)
        } else {
            Err(format!("expected 202 at {accepted} to answer an array of CourseAccount, as the server does"))
        };
    }
    if !array_at(doc, &ok) {
        return Err(format!(
            "expected the 200 response at {ok} to be an array of CourseAccount (to document 202 like it), found \
             something else"
        ));
    }
    let mut response = doc.pointer(&ok).cloned().ok_or_else(|| format!("no 200 response at {ok}"))?;
    response["description"] = json!("Accepted: newer servers create the rows as Pending.");
    let responses = get_mut(doc, &format!("{}/responses", op_pointer(doc, BULK)?))?;
    responses.as_object_mut().ok_or("responses is not a mapping")?.insert("202".into(), response);
    Ok(Found::Bug)
}

/// The bug: delete documented as 204 without a body. The fix: 202 documented with the closed
/// CourseAccount (204 beside it or not). Either way the crate's view is one raw 2XX response that the
/// hand-written `Client::delete` decodes (empty, or the account), so its signature does not change
/// when upstream documents the truth.
pub(super) fn destroy_may_answer_202_with_body(doc: &mut Value, _: &mut Applied) -> std::result::Result<Found, String> {
    let pointer = format!("{}/responses", op_pointer(doc, DESTROY)?);
    let responses = get_mut(doc, &pointer)?.as_object_mut().ok_or("responses is not a mapping")?;
    let mut documented: Vec<String> = responses.keys().filter(|k| k.starts_with('2')).cloned().collect();
    documented.sort();
    let empty = |r: &Value| r.get("content").is_none();
    let account = |r: &Value| {
        r.get("content").and_then(Value::as_object).is_some_and(|media| {
            !media.is_empty()
                && media.values().all(|m| m.pointer("/schema/$ref").and_then(Value::as_str) == Some(COURSE_ACCOUNT_REF))
        })
    };
    let found = match documented.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["204"] if empty(&responses["204"]) => Found::Bug,
        ["202"] if account(&responses["202"]) => Found::FixedUpstream,
        ["202", "204"] | ["204", "202"] if account(&responses["202"]) && empty(&responses["204"]) => {
            Found::FixedUpstream
        }
        other => {
            return Err(format!(
                "expected the success responses at {pointer} to be `204` without a body (the bug) or `202` with a \
                 CourseAccount, with or without `204` (the fix), found {other:?}"
            ));
        }
    };
    for status in &documented {
        responses.shift_remove(status);
    }
    responses.insert(
        "2XX".into(),
        json!({
            "description": "204 without a body, or (newer servers) 202 with the closed CourseAccount.",
            "content": {"*/*": {"schema": {"$ref": COURSE_ACCOUNT_REF}}}
        }),
    );
    Ok(found)
}
