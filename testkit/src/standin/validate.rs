//! How a request is checked and refused, as Waldur's serializers, DRF and Django do: the body parsed
//! as a JSON object, the `project` and `email` fields with their messages, a course project's end
//! date, and the error answers (a DRF `detail` body, DRF's 405, Django's HTML 404 page). The actions
//! and routes share them so that the same fault gets the same answer wherever it is met.

use serde_json::{Value, json};
use uuid::Uuid;

use super::Waldur;
use crate::http::HttpResponse;

impl Waldur {
    /// The `project` field of the course-account serializers (marketplace/serializers.py): a
    /// SlugRelatedField on `uuid` over COURSE projects, so a project that is no course is "does not
    /// exist" like a missing one. The value is named as sent.
    pub(super) fn project_field(&self, body: &serde_json::Map<String, Value>) -> Result<usize, Value> {
        let raw = match body.get("project") {
            None => return Err(json!(["This field is required."])),
            Some(Value::Null) => return Err(json!(["This field may not be null."])),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        let Ok(uuid) = Uuid::parse_str(&raw) else {
            return Err(json!([format!("“{raw}” is not a valid UUID.")]));
        };
        self.projects
            .iter()
            .position(|p| p.uuid == uuid && p.is_course)
            .ok_or_else(|| json!([format!("Object with uuid={raw} does not exist.")]))
    }

    /// `validate()` of both serializers, run once every field is valid: a course project needs an
    /// end date (a Django ValidationError, so keyed on `non_field_errors`).
    pub(super) fn project_dated(&self, project: usize) -> Result<(), HttpResponse> {
        let p = &self.projects[project];
        if p.end.is_some() {
            return Ok(());
        }
        let message = format!("Unable to create a course account for a course project {} without an end_date", p.name);
        Err(HttpResponse::json(400, &json!({ "non_field_errors": [message] })))
    }
}

/// Django's 404 page for a path no route matches (HTML, not a DRF body).
pub(super) fn django_not_found() -> HttpResponse {
    let mut page = HttpResponse::empty(404).with_header("content-type", "text/html; charset=utf-8");
    page.body = bytes::Bytes::from_static(
        b"<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n",
    );
    page
}

/// DRF's 405 for a method the route lacks.
pub(super) fn method_not_allowed(method: &str) -> HttpResponse {
    detail(405, &format!("Method \"{method}\" not allowed."))
}

pub(super) fn detail(status: u16, message: &str) -> HttpResponse {
    HttpResponse::json(status, &json!({ "detail": message }))
}

/// A request body as DRF parses it: empty is `{}`, bad JSON is 400 "JSON parse error - ...", and
/// the serializer refuses anything but an object.
pub(super) fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, HttpResponse> {
    if body.is_empty() {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => {
            let kind = python_type(&other);
            Err(HttpResponse::json(
                400,
                &json!({"non_field_errors": [format!("Invalid data. Expected a dictionary, but got {kind}.")]}),
            ))
        }
        Err(e) => Err(detail(400, &format!("JSON parse error - {e}"))),
    }
}

/// The name Python gives a JSON value's type (DRF's messages use it).
pub(super) fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// An `email` field (DRF EmailField over the model's `max_length=320`): trimmed first, then not
/// blank, at most 320 characters, a valid address.
pub(super) fn email_field(value: &Value) -> Result<String, Value> {
    let Some(text) = value.as_str() else {
        return Err(if value.is_null() {
            json!(["This field may not be null."])
        } else {
            json!(["Not a valid string."])
        });
    };
    let email = text.trim();
    if email.is_empty() {
        return Err(json!(["This field may not be blank."]));
    }
    if email.chars().count() > 320 {
        return Err(json!(["Ensure this field has no more than 320 characters."]));
    }
    if !valid_email(email) {
        return Err(json!(["Enter a valid email address."]));
    }
    Ok(email.to_string())
}

/// Django's `EmailValidator` (django `core/validators.py`), in its main lines: the user part (before
/// the last `@`) an ASCII dot-atom (quoted strings, which Django also takes, are not imitated); the
/// domain dot-separated labels of letters, digits and inner hyphens, at most 63 long, non-ASCII
/// letters allowed (Django checks the IDNA form), a last label of at least two.
fn valid_email(email: &str) -> bool {
    let Some((user, domain)) = email.rsplit_once('@') else { return false };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let user_ok = !user.is_empty() && user.split('.').all(|part| !part.is_empty() && part.chars().all(atext));
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    user_ok && labels.len() >= 2 && labels.iter().all(label_ok) && labels.last().is_some_and(|l| l.chars().count() >= 2)
}
