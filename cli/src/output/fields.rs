//! An account's fields by the API's names: the list `list --fields` chooses from ([`FIELDS`]), the
//! check of what was asked for ([`fields`]), and one field's value and cell without building the
//! whole object (the hand-out of 100,000 accounts reads three fields of each).

use waldur_course_accounts::CourseAccount;

use crate::Failure;

/// Every field of an account, as the API names it: what `list --fields` can choose from.
pub const FIELDS: [&str; 19] = [
    "uuid",
    "url",
    "email",
    "username",
    "state",
    "project",
    "project_uuid",
    "project_name",
    "project_slug",
    "project_start_date",
    "project_end_date",
    "customer_uuid",
    "customer_name",
    "user_uuid",
    "description",
    "error_message",
    "error_traceback",
    "created",
    "modified",
];

/// The fields `--fields` names (comma-separated), checked against [`FIELDS`].
pub fn fields(names: &[String]) -> Result<Vec<&'static str>, Failure> {
    names
        .iter()
        // `email,username,` (a trailing comma) names two fields, not an empty third.
        .filter(|name| !name.trim().is_empty())
        .map(|name| {
            FIELDS.iter().find(|f| f.eq_ignore_ascii_case(name.trim())).copied().ok_or_else(|| {
                Failure::Error(format!(
                    "--fields: `{}` is not a field; the fields are: {}",
                    crate::shown::shortened(name, 40),
                    FIELDS.join(", ")
                ))
            })
        })
        .collect()
}

/// One field of an account as the API's JSON has it, without building the whole object (the
/// hand-out of 100,000 accounts reads three fields of each). A test keeps it equal to the account's
/// own serialization for every name in [`FIELDS`].
pub(super) fn field_value(a: &CourseAccount, field: &str) -> serde_json::Value {
    use serde_json::json;
    match field {
        "uuid" => json!(a.uuid),
        "url" => json!(a.url),
        "email" => json!(a.email),
        "username" => json!(a.username),
        "state" => json!(a.state),
        "project" => json!(a.project),
        "project_uuid" => json!(a.project_uuid),
        "project_name" => json!(a.project_name),
        "project_slug" => json!(a.project_slug),
        "project_start_date" => json!(a.project_start_date),
        "project_end_date" => json!(a.project_end_date),
        "customer_uuid" => json!(a.customer_uuid),
        "customer_name" => json!(a.customer_name),
        "user_uuid" => json!(a.user_uuid),
        "description" => json!(a.description),
        "error_message" => json!(a.error_message),
        "error_traceback" => json!(a.error_traceback),
        "created" => json!(a.created),
        "modified" => json!(a.modified),
        _ => serde_json::Value::Null,
    }
}

/// A field's value as a cell: text as it is, null as nothing, anything else as JSON.
pub(super) fn field_cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_is_what_the_accounts_json_has_and_the_fields_are_all_of_them() {
        let text = r#"{"url":"http://x/api/marketplace-course-accounts/1/","uuid":"00000000-0000-4000-8002-000000000001",
            "created":"2025-09-01T08:01:00Z","modified":"2025-09-01T08:01:00.5Z","project":"00000000-0000-4000-8001-000000000001",
            "project_uuid":"00000000-0000-4000-8001-000000000001","project_name":"C","project_slug":"c",
            "project_start_date":"2025-09-01","project_end_date":null,"customer_uuid":"00000000-0000-4000-8000-000000000001",
            "customer_name":"U","state":"Erred","email":"a@b.de","description":"d","error_message":"m","error_traceback":"",
            "user_uuid":"00000000-0000-4000-8003-000000000001","username":"course_00001"}"#;
        let account: CourseAccount = serde_json::from_str(text).unwrap();
        let whole = serde_json::to_value(&account).unwrap();
        let keys: std::collections::BTreeSet<&str> = whole.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, FIELDS.iter().copied().collect(), "FIELDS names every field of an account");
        for field in FIELDS {
            assert_eq!(field_value(&account, field), whole[field], "{field}");
        }
    }
}
