//! An account as Waldur renders it (waldur-mastermind `marketplace/serializers.py`
//! `CourseAccountSerializer`): every key of the body the list, retrieve, create, create_bulk and retry
//! answers carry, uuids as 32 hex digits, times as DRF encodes them, the project's slug, and the base
//! URL of the request that every `url` starts with. Kept apart from the actions so that each answer
//! that holds an account renders it the same way.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Account, LIST_PATH, Waldur};
use crate::http::HttpRequest;

const CUSTOMER_UUID: &str = "11111111-2222-4333-8444-555555555555";
const CUSTOMER_NAME: &str = "University of Tartu";

impl Waldur {
    /// `http://HOST` of the request, the base of every `url` and `Link` in the answer.
    pub(super) fn base_url(request: &HttpRequest) -> String {
        format!("http://{}", request.header("host").unwrap_or("127.0.0.1"))
    }

    pub(super) fn serialize(&self, a: &Account, base: &str) -> Value {
        let p = &self.projects[a.project];
        // An undated project's dates are null on every release; the schema admits it from 8.0.8.
        let date = |d: Option<NaiveDate>| d.map(|d| Value::from(d.to_string())).unwrap_or(Value::Null);
        // Waldur renders every uuid as 32 hex digits without hyphens (waldur_core `core/fields.py`,
        // `StringUUID`), in the `url` too; DRF's encoder drops a zero fraction of a second.
        let hex = |u: Uuid| u.simple().to_string();
        let time = |t: DateTime<Utc>| {
            let format = if t.timestamp_subsec_micros() == 0 {
                chrono::SecondsFormat::Secs
            } else {
                chrono::SecondsFormat::Micros
            };
            t.to_rfc3339_opts(format, true)
        };
        let mut body = json!({
            "url": format!("{base}{LIST_PATH}{}/", hex(a.uuid)),
            "uuid": hex(a.uuid),
            "created": time(a.created),
            "modified": time(a.modified),
            "project": hex(p.uuid),
            "project_uuid": hex(p.uuid),
            "project_name": p.name,
            "project_slug": slug(&p.name),
            "project_start_date": date(p.start),
            "project_end_date": date(p.end),
            "customer_uuid": CUSTOMER_UUID.replace('-', ""),
            "customer_name": CUSTOMER_NAME,
            "state": a.state.label(),
            "email": a.email,
            "description": a.description,
            "error_message": a.error_message,
            "error_traceback": "",
        });
        // An account without a user (Pending) has no `user_uuid`/`username` keys at all: read-only
        // fields with a dotted source are skipped when the object is missing (serializers.py
        // `CourseAccountSerializer`, DRF `Field.get_attribute`), not rendered as null.
        if let (Some(user), Some(name)) = (a.user_uuid, &a.username) {
            body["user_uuid"] = Value::from(hex(user));
            body["username"] = Value::from(name.as_str());
        }
        body
    }
}

fn slug(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}
