//! The places the fixups act on, shared by them: the course-accounts operationIds, the CourseAccount
//! schema's pointers, and lookups that fail with a message naming what is missing.

use serde_json::Value;

use crate::openapi::operations;

pub(super) const LIST: &str = "marketplace_course_accounts_list";
pub(super) const COUNT: &str = "marketplace_course_accounts_count";
pub(super) const BULK: &str = "marketplace_course_accounts_create_bulk";
pub(super) const DESTROY: &str = "marketplace_course_accounts_destroy";
pub(super) const COURSE_ACCOUNT: &str = "/components/schemas/CourseAccount";
pub(super) const COURSE_ACCOUNT_REF: &str = "#/components/schemas/CourseAccount";

/// The pointer to the operation with this operationId.
pub(super) fn op_pointer(doc: &Value, id: &str) -> std::result::Result<String, String> {
    operations(doc)
        .into_iter()
        .find(|op| op.id() == id)
        .map(|op| op.pointer)
        .ok_or_else(|| format!("operation `{id}` is not in the document"))
}

pub(super) fn get_mut<'a>(doc: &'a mut Value, pointer: &str) -> std::result::Result<&'a mut Value, String> {
    doc.pointer_mut(pointer).ok_or_else(|| format!("nothing at {pointer}"))
}

pub(super) fn schemas_mut(doc: &mut Value) -> std::result::Result<&mut serde_json::Map<String, Value>, String> {
    doc.pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| "the document has no components/schemas".to_string())
}
