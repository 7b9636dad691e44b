//! What each action does to the data, in Waldur's order (waldur-mastermind `marketplace/views.py`
//! `CourseAccountViewSet`): the token check before every route (`authenticate`), the lookup of the
//! account a path names (`find`), and create, create_bulk, retry and delete, each validating its
//! request (`validate`), changing the rows and answering with them (`serialize`) or with Waldur's
//! refusal. `routes` calls them; the list action is `list`'s.

use chrono::Duration;
use serde_json::{Value, json};
use uuid::Uuid;

use super::validate::{detail, email_field, json_object, python_type};
use super::{Flavour, State, Waldur};
use crate::http::{HttpRequest, HttpResponse};

impl Waldur {
    /// The visible account a path segment names (hex or hyphenated uuid), or the 404 Waldur answers
    /// (DRF `get_object`: "Not found." for a malformed uuid, Django's text for a missing one).
    pub(super) fn find(&self, segment: &str) -> Result<usize, HttpResponse> {
        let Ok(uuid) = Uuid::parse_str(segment) else { return Err(detail(404, "Not found.")) };
        self.accounts
            .iter()
            .position(|a| a.uuid == uuid && self.projects[a.project].accessible)
            .ok_or_else(|| detail(404, "No CourseAccount matches the given query."))
    }

    /// The `Authorization` header's verdict, checked before the route (DRF authenticates in
    /// `initial`; the stand-in refuses a path no route matches 401 too, as it always has).
    pub(super) fn authenticate(&self, header: Option<&str>) -> Result<(), HttpResponse> {
        let Some(header) = header else {
            return Err(detail(401, "Authentication credentials were not provided."));
        };
        let mut parts = header.split_whitespace();
        let keyword = parts.next().unwrap_or_default().to_ascii_lowercase();
        if keyword != "token" && keyword != "bearer" {
            return Err(detail(401, "Authentication credentials were not provided."));
        }
        // waldur_core `core/authentication.py`: `parse_token_from_request`.
        match (parts.next(), parts.next()) {
            (None, _) => Err(detail(401, "Invalid token. No credentials provided.")),
            (Some(_), Some(_)) => Err(detail(401, "Invalid token. Token string should not contain spaces.")),
            (Some(token), None) if self.accept_any_token || self.tokens.iter().any(|t| t == token) => Ok(()),
            (Some(_), None) => Err(detail(401, "Invalid token.")),
        }
    }

    pub(super) fn create(&mut self, request: &HttpRequest, base: &str) -> HttpResponse {
        let body = match json_object(&request.body) {
            Ok(b) => b,
            Err(refused) => return refused,
        };
        let mut errors = serde_json::Map::new();
        let email = match body.get("email") {
            // Optional: the model's default is "" (and the course service then fails; not imitated).
            None => String::new(),
            Some(value) => match email_field(value) {
                Ok(e) => e,
                Err(why) => {
                    errors.insert("email".into(), why);
                    String::new()
                }
            },
        };
        let project = self.project_field(&body).map_err(|why| errors.insert("project".into(), why)).ok();
        let Some(project) = project.filter(|_| errors.is_empty()) else {
            return HttpResponse::json(400, &Value::Object(errors));
        };
        if let Err(refused) = self.project_dated(project) {
            return refused;
        }
        // views.py `check_create_permissions`: validation first, so 400 comes before 403.
        if !self.projects[project].accessible {
            return detail(403, "You do not have permission to perform this action.");
        }
        let description = body.get("description").and_then(Value::as_str).unwrap_or_default().to_string();
        let i = self.add(project, &email, &description, State::Ok);
        let account = self.serialize(&self.accounts[i], base);
        let location = account["url"].as_str().unwrap_or_default().to_string();
        HttpResponse::json(201, &account).with_header("location", location)
    }

    pub(super) fn create_bulk(&mut self, request: &HttpRequest, base: &str) -> HttpResponse {
        let body = match json_object(&request.body) {
            Ok(b) => b,
            Err(refused) => return refused,
        };
        // CourseAccountsBulkCreateSerializer: both fields' errors in one body.
        let mut errors = serde_json::Map::new();
        let mut items: Vec<(String, String)> = Vec::new();
        match body.get("course_accounts") {
            None => {
                errors.insert("course_accounts".into(), json!(["This field is required."]));
            }
            Some(Value::Array(list)) => {
                let mut per_item = Vec::new();
                for item in list {
                    let Value::Object(fields) = item else {
                        let kind = python_type(item);
                        per_item.push(json!({"non_field_errors": [format!("Invalid data. Expected a dictionary, but got {kind}.")]}));
                        continue;
                    };
                    match fields.get("email").map(email_field) {
                        Some(Err(why)) => per_item.push(json!({ "email": why })),
                        // No `email`: the view's `item["email"]` raises KeyError, a 500 (below).
                        email => {
                            per_item.push(json!({}));
                            let email = email.and_then(Result::ok).unwrap_or_default();
                            let description = fields.get("description").and_then(Value::as_str).unwrap_or_default();
                            items.push((email, description.to_string()));
                        }
                    }
                }
                if per_item.iter().any(|e| e.as_object().is_some_and(|m| !m.is_empty())) {
                    errors.insert("course_accounts".into(), Value::Array(per_item));
                }
            }
            Some(other) => {
                let kind = python_type(other);
                errors.insert(
                    "course_accounts".into(),
                    json!({"non_field_errors": [format!("Expected a list of items but got type \"{kind}\".")]}),
                );
            }
        }
        let project = self.project_field(&body).map_err(|why| errors.insert("project".into(), why)).ok();
        let Some(project) = project.filter(|_| errors.is_empty()) else {
            return HttpResponse::json(400, &Value::Object(errors));
        };
        // `validate()`: an empty list, then the end date.
        if items.is_empty() {
            return HttpResponse::json(400, &json!({"course_accounts": ["This field cannot be empty."]}));
        }
        if let Err(refused) = self.project_dated(project) {
            return refused;
        }
        if !self.projects[project].accessible {
            return detail(403, "You do not have permission to perform this action.");
        }
        if items.iter().any(|(email, _)| email.is_empty()) {
            let mut crashed = HttpResponse::empty(500).with_header("content-type", "text/html");
            crashed.body = bytes::Bytes::from_static(b"<h1>Server Error (500)</h1>");
            return crashed;
        }
        let mut created = Vec::new();
        let newer = self.flavour == Flavour::V8_1;
        // Newer servers (CourseAccountViewSet.create_bulk): the request is deduplicated by exact
        // email, then every email that has an account in the project in any state, Closed included,
        // compared exactly as sent, is skipped; the rest become Pending (202, only the created rows).
        // Older ones (7.8.7) create every row, repeats included, OK, and answer 200.
        // One pass over the project's accounts per request (Waldur asks the database once), not one
        // per row: a 10,000-row import would otherwise cost the square of the roster.
        let mut seen: std::collections::HashSet<String> = if newer {
            self.accounts.iter().filter(|a| a.project == project).map(|a| a.email.clone()).collect()
        } else {
            std::collections::HashSet::new()
        };
        for (email, description) in items {
            if newer && !seen.insert(email.clone()) {
                continue;
            }
            let i = self.add(project, &email, &description, if newer { State::Pending } else { State::Ok });
            // One `create_course_account_task` per created row (see `provisioning`).
            if newer {
                self.queue_provisioning(i);
            }
            created.push(self.serialize(&self.accounts[i], base));
        }
        let status = if newer { 202 } else { 200 };
        HttpResponse::json(status, &Value::Array(created))
    }

    /// 8.0.7+: an Erred account is provisioned again, Pending until the course service answers.
    /// views.py `retry`: `StateValidator(CourseAccountState.ERRED)`; it clears `error_message` and
    /// `error_traceback`, saves the row Pending, queues `create_course_account_task` again (a new
    /// attempt, see `provisioning`) and answers 202 with the account. The 409 names the state as
    /// waldur_core `core/validators.py` does without a `state_enum`: Erred's value (3) looked up in
    /// `CoreStates`, where 3 is `OK`.
    pub(super) fn retry(&mut self, i: usize, base: &str) -> HttpResponse {
        if self.accounts[i].state != State::Erred {
            return detail(409, "Valid states for operation: OK.");
        }
        let a = &mut self.accounts[i];
        a.state = State::Pending;
        a.error_message.clear();
        a.modified += Duration::seconds(1);
        self.queue_provisioning(i);
        HttpResponse::json(202, &self.serialize(&self.accounts[i], base))
    }

    /// views.py `destroy_validators`: `StateValidator(OK, ERRED)`, whose 409 names the values 1 and 3
    /// in `CoreStates` (see [`Waldur::retry`]); then `perform_destroy` closes it and DRF answers 204
    /// (no `destroy` override, on every release read; the newest tests assert 204). An Erred account
    /// the course service never gave a user closes too (closing such a row failed before 8.0.7).
    pub(super) fn delete(&mut self, i: usize) -> HttpResponse {
        if !matches!(self.accounts[i].state, State::Ok | State::Erred) {
            return detail(409, "Valid states for operation: UPDATE_SCHEDULED, OK.");
        }
        let a = &mut self.accounts[i];
        a.state = State::Closed;
        a.modified += Duration::seconds(1);
        HttpResponse::empty(204)
    }
}
