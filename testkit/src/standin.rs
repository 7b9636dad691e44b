//! A stand-in Waldur: an in-memory course-accounts endpoint that follows Waldur's own code
//! (waldur-mastermind `marketplace/views.py` `CourseAccountViewSet`, `marketplace/filters.py`
//! `CourseAccountFilter`, `marketplace/serializers.py`, `waldur_core/core/pagination.py`,
//! `waldur_core/core/validators.py` `StateValidator`): Token/Bearer auth, page-number pagination with
//! a bare array, `X-Result-Count` and a `Link` header, every filter and ordering with their 400s, DRF
//! error bodies, the OK/Closed/Erred(/Pending) states, 404 for invisible accounts, 405 for PUT/PATCH,
//! 409 in a wrong state, `retry` of Erred accounts (8.1 flavour only; 7.8.7 has no such route). Two
//! flavours: Waldur 7.8.7 and the newer 8.1.x answers. `BEHAVIOURS.md` beside this crate lists every
//! rule with its source and the test that holds it, and what the stand-in does not imitate.
//!
//! This module holds the data ([`Waldur`]) and what each action does to it; `routes` takes requests
//! to the actions as Waldur's router does (on axum), `list` is the list action, `provisioning` the
//! course service that settles Pending rows ([`Provisioning`]: off by default, so Pending stays
//! Pending; on, each row becomes OK or Erred a set delay after it became Pending, applied lazily at
//! the start of the next request), and `term` a term of several courses around a given day
//! ([`Waldur::term`]). [`Waldur::handle`] answers one request through those routes without a socket;
//! [`StandIn::start`] serves them on loopback for a test and keeps a log of what it answered.
//!
//! It is what `cargo xtask record` is tested against, what the stored recordings were made from, what
//! `cargo xtask mock` serves (seeded from the recordings, plus a term), and where the benchmark's answers come from.

mod list;
mod provisioning;
mod routes;
mod term;

pub use provisioning::{Provisioning, REFUSED};

use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::http::{HttpRequest, HttpResponse, Server};

pub const LIST_PATH: &str = "/api/marketplace-course-accounts/";
pub const DEFAULT_PAGE_SIZE: usize = 10;
pub const MAX_PAGE_SIZE: usize = 300;
/// The `o` keys of `CourseAccountFilter` (marketplace/filters.py), `-` for descending.
pub const ORDERING_KEYS: &[&str] =
    &["created", "modified", "state", "email", "username", "project_name", "project_start_date", "project_end_date"];

/// Which server release to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// 7.8.7: create_bulk 200 with the created accounts (state OK); delete 204.
    V7_8_7,
    /// 8.1.x: create_bulk dedupes, skips emails already in the project, creates Pending rows, 202;
    /// Pending accounts have no user (the `user_uuid` and `username` keys are left out); retry.
    V8_1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Ok,
    Closed,
    Erred,
    Pending,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Closed => "Closed",
            State::Erred => "Erred",
            State::Pending => "Pending",
        }
    }

    fn parse(label: &str, flavour: Flavour) -> Option<State> {
        match label {
            "OK" => Some(State::Ok),
            "Closed" => Some(State::Closed),
            "Erred" => Some(State::Erred),
            "Pending" if flavour == Flavour::V8_1 => Some(State::Pending),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Project {
    pub uuid: Uuid,
    pub name: String,
    pub is_course: bool,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    /// Whether the token's user may see and manage it.
    pub accessible: bool,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub uuid: Uuid,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub project: usize,
    pub user_uuid: Option<Uuid>,
    pub username: Option<String>,
    pub state: State,
    pub email: String,
    pub description: String,
    /// Why the account is Erred (`""` otherwise): [`ERRED_BY_ADD`] for a row [`Waldur::add`] made
    /// Erred, [`REFUSED`] for one the course service refused (`provisioning`), the recorded text for
    /// an imported one. A retry clears it.
    pub error_message: String,
}

/// The `error_message` of an account [`Waldur::add`] makes Erred (the text the stand-in has always
/// answered, which the stored recordings hold).
pub const ERRED_BY_ADD: &str = "Course service refused the account.";

/// The server's data and behaviour.
pub struct Waldur {
    pub flavour: Flavour,
    pub projects: Vec<Project>,
    pub accounts: Vec<Account>,
    /// Tokens that authenticate (as `Token <t>` or `Bearer <t>`).
    pub tokens: Vec<String>,
    /// Accept any non-empty token (a mock for trying things out); a missing header is still 401.
    pub accept_any_token: bool,
    /// The course service behind Pending rows ([`Provisioning::off`] unless set: Pending for good).
    pub provisioning: Provisioning,
    /// The provisioning tasks not run yet.
    queue: provisioning::Queue,
    next_id: u64,
}

/// The fixed identifiers of the seeded data, which scenarios refer to.
pub mod seed {
    use uuid::Uuid;
    pub const TOKEN: &str = "standin-token";
    pub fn id(kind: u16, n: u64) -> Uuid {
        Uuid::parse_str(&format!("00000000-0000-4000-8{kind:03x}-{n:012x}")).expect("a valid uuid")
    }
    pub fn course_project() -> Uuid {
        id(1, 1)
    }
    pub fn non_course_project() -> Uuid {
        id(1, 2)
    }
    pub fn project_without_end_date() -> Uuid {
        id(1, 3)
    }
    pub fn foreign_project() -> Uuid {
        id(1, 4)
    }
}

const CUSTOMER_UUID: &str = "11111111-2222-4333-8444-555555555555";
const CUSTOMER_NAME: &str = "University of Tartu";

impl Waldur {
    /// Four projects (a course, a non-course project, a course without an end date, one the user
    /// cannot access) and `accounts` course accounts, mostly OK, every seventh Erred, every eleventh Closed.
    pub fn seeded(flavour: Flavour, accounts: usize) -> Waldur {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let projects = vec![
            Project {
                uuid: seed::course_project(),
                name: "HPC course autumn 2025".into(),
                is_course: true,
                start: date(2025, 9, 1),
                end: date(2025, 12, 20),
                accessible: true,
            },
            Project {
                uuid: seed::non_course_project(),
                name: "Research allocation".into(),
                is_course: false,
                start: date(2025, 1, 1),
                end: None,
                accessible: true,
            },
            Project {
                uuid: seed::project_without_end_date(),
                name: "Open-ended course".into(),
                is_course: true,
                start: date(2025, 9, 1),
                end: None,
                accessible: true,
            },
            Project {
                uuid: seed::foreign_project(),
                name: "Another faculty's course".into(),
                is_course: true,
                start: date(2025, 9, 1),
                end: date(2026, 1, 31),
                accessible: false,
            },
        ];
        let mut w = Waldur {
            flavour,
            projects,
            accounts: Vec::with_capacity(accounts),
            tokens: vec![seed::TOKEN.to_string()],
            accept_any_token: false,
            provisioning: Provisioning::off(),
            queue: provisioning::Queue::default(),
            next_id: 1,
        };
        for i in 0..accounts {
            let state = if i % 11 == 10 {
                State::Closed
            } else if i % 7 == 6 {
                State::Erred
            } else {
                State::Ok
            };
            let project = if i % 5 == 4 { 3 } else { 0 };
            w.add(project, &format!("student{i}@example.edu"), "", state);
        }
        w
    }

    /// Adds an account to project number `project` (an index into [`Waldur::projects`]) with the email
    /// exactly as given; returns its index in [`Waldur::accounts`]. For tests that need a project to
    /// hold a particular account (a Closed one, an address in other case) before the client runs.
    pub fn add(&mut self, project: usize, email: &str, description: &str, state: State) -> usize {
        let n = self.next_id;
        self.next_id += 1;
        let created =
            Utc.with_ymd_and_hms(2025, 9, 1, 8, 0, 0).single().expect("a valid time") + Duration::minutes(n as i64);
        let provisioned = state != State::Pending;
        self.accounts.push(Account {
            uuid: seed::id(2, n),
            created,
            modified: created,
            project,
            user_uuid: provisioned.then(|| seed::id(3, n)),
            username: provisioned.then(|| format!("course_{n:05}")),
            state,
            email: email.to_string(),
            description: description.to_string(),
            error_message: if state == State::Erred { ERRED_BY_ADD.to_string() } else { String::new() },
        });
        self.accounts.len() - 1
    }

    fn serialize(&self, a: &Account, base: &str) -> Value {
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

    /// Answers one request through the routes [`StandIn`] serves, without a socket (a HEAD answer
    /// comes back without its body, as on the wire).
    pub fn handle(&mut self, request: &HttpRequest) -> HttpResponse {
        // The routes reach the data through a mutex, as the server's connections do: it is lent to
        // them for this one request and taken back.
        let shared = Arc::new(Mutex::new(std::mem::replace(self, Waldur::empty(self.flavour))));
        let response = crate::http::answer(routes::router(shared.clone()), request);
        let lent = Arc::into_inner(shared).expect("the routes keep no copy of the data once they have answered");
        *self = lent.into_inner().unwrap_or_else(PoisonError::into_inner);
        response
    }

    /// No data at all: what [`Waldur::handle`] leaves in place while the routes hold the real data.
    fn empty(flavour: Flavour) -> Waldur {
        Waldur {
            flavour,
            projects: Vec::new(),
            accounts: Vec::new(),
            tokens: Vec::new(),
            accept_any_token: false,
            provisioning: Provisioning::off(),
            queue: provisioning::Queue::default(),
            next_id: 1,
        }
    }

    /// `http://HOST` of the request, the base of every `url` and `Link` in the answer.
    fn base_url(request: &HttpRequest) -> String {
        format!("http://{}", request.header("host").unwrap_or("127.0.0.1"))
    }

    /// The visible account a path segment names (hex or hyphenated uuid), or the 404 Waldur answers
    /// (DRF `get_object`: "Not found." for a malformed uuid, Django's text for a missing one).
    fn find(&self, segment: &str) -> Result<usize, HttpResponse> {
        let Ok(uuid) = Uuid::parse_str(segment) else { return Err(detail(404, "Not found.")) };
        self.accounts
            .iter()
            .position(|a| a.uuid == uuid && self.projects[a.project].accessible)
            .ok_or_else(|| detail(404, "No CourseAccount matches the given query."))
    }

    /// The `Authorization` header's verdict, checked before the route (DRF authenticates in
    /// `initial`; the stand-in refuses a path no route matches 401 too, as it always has).
    fn authenticate(&self, header: Option<&str>) -> Result<(), HttpResponse> {
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

    /// Adds the account a server answered with (a recorded CourseAccount body), unless one with its
    /// uuid is already there: recordings replayed in order keep each account's first-seen state. A
    /// project it names that the stand-in lacks is added as an accessible course project.
    pub fn import(&mut self, account: &Value) -> Result<bool, String> {
        let text = |key: &str| account.get(key).and_then(Value::as_str);
        let uuid_of = |key: &str| -> Result<Option<Uuid>, String> {
            match account.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_str()
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .map(Some)
                    .ok_or_else(|| format!("`{key}` is not a uuid")),
            }
        };
        let time = |key: &str| -> Result<DateTime<Utc>, String> {
            text(key)
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| format!("`{key}` is not an RFC 3339 time"))
        };
        let uuid = uuid_of("uuid")?.ok_or("the account has no `uuid`")?;
        if self.accounts.iter().any(|a| a.uuid == uuid) {
            return Ok(false);
        }
        let project_uuid = uuid_of("project_uuid")?.ok_or("the account has no `project_uuid`")?;
        let date = |key: &str| text(key).and_then(|d| d.parse::<NaiveDate>().ok());
        let project = match self.projects.iter().position(|p| p.uuid == project_uuid) {
            Some(i) => i,
            None => {
                self.projects.push(Project {
                    uuid: project_uuid,
                    name: text("project_name").unwrap_or("Imported course").to_string(),
                    is_course: true,
                    start: date("project_start_date"),
                    end: date("project_end_date"),
                    accessible: true,
                });
                self.projects.len() - 1
            }
        };
        let label = text("state").ok_or("the account has no `state`")?;
        let state = State::parse(label, Flavour::V8_1).ok_or_else(|| format!("unknown state `{label}`"))?;
        // Seeded identifiers end in the row number; later rows must not reuse it.
        let n = u64::from_str_radix(&uuid.simple().to_string()[20..], 16).unwrap_or(0);
        self.next_id = self.next_id.max(n.saturating_add(1));
        self.accounts.push(Account {
            uuid,
            created: time("created")?,
            modified: time("modified")?,
            project,
            user_uuid: uuid_of("user_uuid")?,
            username: text("username").map(str::to_string),
            state,
            email: text("email").unwrap_or_default().to_string(),
            description: text("description").unwrap_or_default().to_string(),
            error_message: text("error_message").unwrap_or_default().to_string(),
        });
        Ok(true)
    }

    /// What `cargo xtask mock` serves: the seeded projects, no generated accounts, and every account a
    /// successful recorded response shows, in the state it was first seen in; any token is accepted.
    pub fn from_recordings(flavour: Flavour, scenarios: &[crate::recording::Scenario]) -> Result<Waldur, String> {
        let mut waldur = Waldur::seeded(flavour, 0);
        waldur.accept_any_token = true;
        for scenario in scenarios {
            for (path, recorded) in &scenario.recordings {
                let Some(body) = recorded.response.body.as_ref().filter(|_| recorded.response.status < 300) else {
                    continue;
                };
                let accounts: Vec<&Value> = match body {
                    Value::Array(items) => items.iter().collect(),
                    object if object.get("uuid").is_some() => vec![object],
                    _ => continue,
                };
                for account in accounts {
                    waldur.import(account).map_err(|why| format!("{}: {why}", path.display()))?;
                }
            }
        }
        Ok(waldur)
    }

    /// `n` accounts, all OK, all in the course project: the benchmark's data.
    pub fn synthetic(flavour: Flavour, n: usize) -> Waldur {
        let mut w = Waldur::seeded(flavour, 0);
        w.accounts.reserve(n);
        for i in 0..n {
            w.add(0, &format!("student{i}@example.edu"), "", State::Ok);
        }
        w
    }
    /// The `project` field of the course-account serializers (marketplace/serializers.py): a
    /// SlugRelatedField on `uuid` over COURSE projects, so a project that is no course is "does not
    /// exist" like a missing one. The value is named as sent.
    fn project_field(&self, body: &serde_json::Map<String, Value>) -> Result<usize, Value> {
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
    fn project_dated(&self, project: usize) -> Result<(), HttpResponse> {
        let p = &self.projects[project];
        if p.end.is_some() {
            return Ok(());
        }
        let message = format!("Unable to create a course account for a course project {} without an end_date", p.name);
        Err(HttpResponse::json(400, &json!({ "non_field_errors": [message] })))
    }

    fn create(&mut self, request: &HttpRequest, base: &str) -> HttpResponse {
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

    fn create_bulk(&mut self, request: &HttpRequest, base: &str) -> HttpResponse {
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
    fn retry(&mut self, i: usize, base: &str) -> HttpResponse {
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
    fn delete(&mut self, i: usize) -> HttpResponse {
        if !matches!(self.accounts[i].state, State::Ok | State::Erred) {
            return detail(409, "Valid states for operation: UPDATE_SCHEDULED, OK.");
        }
        let a = &mut self.accounts[i];
        a.state = State::Closed;
        a.modified += Duration::seconds(1);
        HttpResponse::empty(204)
    }
}

/// Django's 404 page for a path no route matches (HTML, not a DRF body).
fn django_not_found() -> HttpResponse {
    let mut page = HttpResponse::empty(404).with_header("content-type", "text/html; charset=utf-8");
    page.body = bytes::Bytes::from_static(
        b"<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n",
    );
    page
}

/// DRF's 405 for a method the route lacks.
fn method_not_allowed(method: &str) -> HttpResponse {
    detail(405, &format!("Method \"{method}\" not allowed."))
}

fn detail(status: u16, message: &str) -> HttpResponse {
    HttpResponse::json(status, &json!({ "detail": message }))
}

fn slug(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// A request body as DRF parses it: empty is `{}`, bad JSON is 400 "JSON parse error - ...", and
/// the serializer refuses anything but an object.
fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, HttpResponse> {
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
fn python_type(value: &Value) -> &'static str {
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
fn email_field(value: &Value) -> Result<String, Value> {
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

/// One request the stand-in answered: method, path with query, and the status it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path and, when there is one, `?` and the query as sent.
    pub target: String,
    /// The status code answered.
    pub status: u16,
    /// The request body as text (lossy UTF-8; empty when there was none): what was sent, so a test
    /// can prove which emails a create_bulk carried.
    pub body: String,
}

type Log = Arc<Mutex<Vec<LoggedRequest>>>;

/// A stand-in Waldur serving on loopback until dropped.
pub struct StandIn {
    server: Server,
    state: Arc<Mutex<Waldur>>,
    log: Log,
}

impl StandIn {
    /// Serves `waldur` on 127.0.0.1, any free port.
    pub async fn start(waldur: Waldur) -> std::io::Result<StandIn> {
        Self::start_on(([127, 0, 0, 1], 0).into(), waldur).await
    }

    /// Serves `waldur` on `addr` (port 0: any free port).
    pub async fn start_on(addr: std::net::SocketAddr, waldur: Waldur) -> std::io::Result<StandIn> {
        let state = Arc::new(Mutex::new(waldur));
        let log = Log::default();
        let router = routes::router(state.clone()).layer(middleware::from_fn_with_state(log.clone(), logged));
        let server = Server::start(addr, router).await?;
        Ok(StandIn { server, state, log })
    }

    /// `http://127.0.0.1:PORT`: the base URL to give the client.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// The address served.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// A token the stand-in accepts ([`seed::TOKEN`]).
    pub fn token(&self) -> &'static str {
        seed::TOKEN
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Reads or changes the server's data (e.g. put an account into `Erred`) between requests.
    pub fn with_state<R>(&self, f: impl FnOnce(&mut Waldur) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The outermost layer: reads the body whole before anything answers (every request is read to its
/// end whatever the answer, as before axum), and logs the request with its status before the answer
/// leaves, so a client never holds an answer the log lacks.
async fn logged(axum::extract::State(log): axum::extract::State<Log>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let target = match parts.uri.query() {
        Some(q) => format!("{}?{q}", parts.uri.path()),
        None => parts.uri.path().to_string(),
    };
    let method = parts.method.to_string();
    let response = next.run(Request::from_parts(parts, Body::from(body.clone()))).await;
    let status = response.status().as_u16();
    let entry = LoggedRequest { method, target, status, body: String::from_utf8_lossy(&body).into_owned() };
    log.lock().unwrap_or_else(PoisonError::into_inner).push(entry);
    response
}
