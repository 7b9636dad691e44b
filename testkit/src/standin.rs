//! A stand-in Waldur: an in-memory course-accounts endpoint that behaves as the real server is
//! documented to (`shared/upstream/README.md`): Token/Bearer auth, page-number pagination with a bare
//! array, `X-Result-Count` and a `Link` header, every filter and ordering, DRF error bodies, the
//! OK/Closed/Erred(/Pending) states, 404 for invisible accounts, 405 for PUT/PATCH, 409 on delete in a
//! wrong state, `retry` of Erred accounts (8.1 flavour only; 7.8.7 has no such route). Two flavours:
//! Waldur 7.8.7 and the newer 8.1.x answers.
//!
//! It is what `cargo xtask record` is tested against, what the stored recordings were made from, what
//! `cargo xtask mock` serves (seeded from the recordings), and what the benchmark serves its synthetic
//! accounts with. [`StandIn::start`] runs one on loopback for a test.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::http::{HttpRequest, HttpResponse};

pub const LIST_PATH: &str = "/api/marketplace-course-accounts/";
pub const DEFAULT_PAGE_SIZE: usize = 10;
pub const MAX_PAGE_SIZE: usize = 300;

/// Which server release to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// 7.8.7: create_bulk 200 with the created accounts (state OK); delete 204.
    V7_8_7,
    /// 8.1.x: create_bulk dedupes, skips emails already in the project, creates Pending rows, 202;
    /// delete 202 with the closed account; null dates of undated projects and null user fields.
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
}

/// The server's data and behaviour.
pub struct Waldur {
    pub flavour: Flavour,
    pub projects: Vec<Project>,
    pub accounts: Vec<Account>,
    /// Tokens that authenticate (as `Token <t>` or `Bearer <t>`).
    pub tokens: Vec<String>,
    /// Accept any non-empty token (a mock for trying things out); a missing header is still 401.
    pub accept_any_token: bool,
    next_id: u64,
    /// Each account's JSON for `cache_base`, so that serving large lists (the benchmark) costs the
    /// server little; an entry is dropped when its account changes.
    cache: Vec<Option<String>>,
    cache_base: String,
    /// `(accounts.len(), indices of visible accounts)`: the unfiltered list, valid while no row is added.
    visible: Option<(usize, Vec<usize>)>,
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
            next_id: 1,
            cache: Vec::new(),
            cache_base: String::new(),
            visible: None,
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

    fn add(&mut self, project: usize, email: &str, description: &str, state: State) -> usize {
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
        });
        self.accounts.len() - 1
    }

    fn serialize(&self, a: &Account, base: &str) -> Value {
        let p = &self.projects[a.project];
        // An undated project's dates are null on every release; the schema admits it from 8.0.8.
        let date = |d: Option<NaiveDate>| d.map(|d| Value::from(d.to_string())).unwrap_or(Value::Null);
        json!({
            "url": format!("{base}{LIST_PATH}{}/", a.uuid),
            "uuid": a.uuid,
            "created": a.created.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "modified": a.modified.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "project": p.uuid,
            "project_uuid": p.uuid,
            "project_name": p.name,
            "project_slug": slug(&p.name),
            "project_start_date": date(p.start),
            "project_end_date": date(p.end),
            "user_uuid": a.user_uuid,
            "username": a.username,
            "customer_uuid": CUSTOMER_UUID,
            "customer_name": CUSTOMER_NAME,
            "state": a.state.label(),
            "email": a.email,
            "description": a.description,
            "error_message": if a.state == State::Erred { "Course service refused the account." } else { "" },
            "error_traceback": "",
        })
    }

    /// Answers one request.
    pub fn handle(&mut self, request: &HttpRequest) -> HttpResponse {
        if let Err(denied) = self.authenticate(request) {
            return denied;
        }
        let base = format!("http://{}", request.header("host").unwrap_or("127.0.0.1"));
        let rest = match request.path.strip_prefix(LIST_PATH) {
            Some(rest) => rest,
            None => return detail(404, "Not found."),
        };
        match (request.method.as_str(), rest) {
            ("GET" | "HEAD", "") => self.list(request, &base),
            ("POST", "") => self.create(request, &base),
            ("POST", "create_bulk/") => self.create_bulk(request, &base),
            (_, "" | "create_bulk/") => detail(405, &format!("Method \"{}\" not allowed.", request.method)),
            ("POST", item) if self.flavour == Flavour::V8_1 && item.ends_with("/retry/") => {
                let uuid = item.trim_end_matches("/retry/");
                let Some(i) = Uuid::parse_str(uuid).ok().and_then(|u| {
                    self.accounts.iter().position(|a| a.uuid == u && self.projects[a.project].accessible)
                }) else {
                    return detail(404, "No CourseAccount matches the given query.");
                };
                self.retry(i, &base)
            }
            (method, item) => {
                let Some(uuid) = item.strip_suffix('/').and_then(|u| Uuid::parse_str(u).ok()) else {
                    return detail(404, "Not found.");
                };
                let Some(i) = self.accounts.iter().position(|a| a.uuid == uuid && self.projects[a.project].accessible)
                else {
                    return detail(404, "No CourseAccount matches the given query.");
                };
                match method {
                    "GET" => HttpResponse::json(200, &self.serialize(&self.accounts[i], &base)),
                    "DELETE" => self.delete(i, &base),
                    other => detail(405, &format!("Method \"{other}\" not allowed.")),
                }
            }
        }
    }

    fn authenticate(&self, request: &HttpRequest) -> Result<(), HttpResponse> {
        let Some(header) = request.header("authorization") else {
            return Err(detail(401, "Authentication credentials were not provided."));
        };
        let mut parts = header.split_whitespace();
        let keyword = parts.next().unwrap_or_default().to_ascii_lowercase();
        if keyword != "token" && keyword != "bearer" {
            return Err(detail(401, "Authentication credentials were not provided."));
        }
        match parts.next() {
            None => Err(detail(401, "Invalid token. No credentials provided.")),
            Some(token) if self.accept_any_token || self.tokens.iter().any(|t| t == token) => Ok(()),
            Some(_) => Err(detail(401, "Invalid token.")),
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
        });
        self.visible = None;
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

    /// The JSON of account `i`, from the cache when it is current.
    fn account_json(&mut self, i: usize, base: &str) -> &str {
        if self.cache_base != base {
            self.cache.clear();
            self.cache_base = base.to_string();
        }
        if self.cache.len() < self.accounts.len() {
            self.cache.resize(self.accounts.len(), None);
        }
        if self.cache[i].is_none() {
            self.cache[i] = Some(self.serialize(&self.accounts[i], base).to_string());
        }
        self.cache[i].as_deref().unwrap_or_default()
    }

    fn list(&mut self, request: &HttpRequest, base: &str) -> HttpResponse {
        let query = request.query_pairs();
        let get = |key: &str| query.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let mut states = Vec::new();
        for (_, label) in query.iter().filter(|(k, _)| k == "state") {
            match State::parse(label, self.flavour) {
                Some(s) => states.push(s),
                None => {
                    return HttpResponse::json(
                        400,
                        &json!({"state": [format!("Select a valid choice. {label} is not one of the available choices.")]}),
                    );
                }
            }
        }
        let date = |key: &str| get(key).and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok());
        let (start_after, start_before) = (date("project_start_date_after"), date("project_start_date_before"));
        let (end_after, end_before) = (date("project_end_date_after"), date("project_end_date_before"));
        let project_uuid = get("project_uuid").and_then(|v| Uuid::parse_str(v).ok());
        let email = get("email").map(str::to_lowercase);
        let username = get("username");
        let within = |d: Option<NaiveDate>, lo: Option<NaiveDate>, hi: Option<NaiveDate>| {
            (lo.is_none() && hi.is_none())
                || d.is_some_and(|d| lo.is_none_or(|lo| d >= lo) && hi.is_none_or(|hi| d <= hi))
        };
        let unfiltered = states.is_empty()
            && email.is_none()
            && username.is_none()
            && project_uuid.is_none()
            && [start_after, start_before, end_after, end_before].iter().all(Option::is_none);
        let mut matching: Vec<usize> = if unfiltered {
            // The benchmark lists everything page after page: the visible rows are computed once.
            if self.visible.as_ref().is_none_or(|(len, _)| *len != self.accounts.len()) {
                let visible =
                    (0..self.accounts.len()).filter(|i| self.projects[self.accounts[*i].project].accessible).collect();
                self.visible = Some((self.accounts.len(), visible));
            }
            self.visible.as_ref().map(|(_, v)| v.clone()).unwrap_or_default()
        } else {
            self.accounts
                .iter()
                .enumerate()
                .filter(|(_, a)| {
                    let p = &self.projects[a.project];
                    p.accessible
                        && (states.is_empty() || states.contains(&a.state))
                        && email.as_ref().is_none_or(|e| a.email.to_lowercase().contains(e))
                        && username.is_none_or(|u| a.username.as_deref() == Some(u))
                        && project_uuid.is_none_or(|u| p.uuid == u)
                        && within(p.start, start_after, start_before)
                        && within(p.end, end_after, end_before)
                })
                .map(|(i, _)| i)
                .collect()
        };
        // `o` is one comma-joined value; with repeated keys Django uses the last one.
        if let Some(ordering) = get("o") {
            let keys: Vec<&str> = ordering.split(',').filter(|k| !k.is_empty()).collect();
            matching.sort_by(|a, b| {
                for key in &keys {
                    let (field, descending) = match key.strip_prefix('-') {
                        Some(f) => (f, true),
                        None => (*key, false),
                    };
                    let ord = self.compare(&self.accounts[*a], &self.accounts[*b], field);
                    let ord = if descending { ord.reverse() } else { ord };
                    if ord.is_ne() {
                        return ord;
                    }
                }
                std::cmp::Ordering::Equal
            });
        }
        let total = matching.len();
        if request.method == "HEAD" {
            return HttpResponse::empty(200).with_header("x-result-count", total.to_string());
        }
        let page_size = get("page_size")
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .min(MAX_PAGE_SIZE);
        let last = total.div_ceil(page_size).max(1);
        let page = match get("page").map(|v| v.parse::<usize>()) {
            None => 1,
            Some(Ok(n)) if (1..=last).contains(&n) => n,
            Some(_) => return detail(404, "Invalid page."),
        };
        let mut body = String::from("[");
        for (n, i) in matching.iter().skip((page - 1) * page_size).take(page_size).enumerate() {
            if n > 0 {
                body.push(',');
            }
            body.push_str(self.account_json(*i, base));
        }
        body.push(']');
        let link = |n: usize| page_link(base, &request.path, &query, n);
        let mut links = vec![format!("<{}>; rel=\"first\"", link(1))];
        if page > 1 {
            links.push(format!("<{}>; rel=\"prev\"", link(page - 1)));
        }
        if page < last {
            links.push(format!("<{}>; rel=\"next\"", link(page + 1)));
        }
        links.push(format!("<{}>; rel=\"last\"", link(last)));
        let mut response = HttpResponse::empty(200).with_header("content-type", "application/json");
        response.body = bytes::Bytes::from(body);
        response.with_header("x-result-count", total.to_string()).with_header("link", links.join(", "))
    }

    fn compare(&self, a: &Account, b: &Account, field: &str) -> std::cmp::Ordering {
        let (pa, pb) = (&self.projects[a.project], &self.projects[b.project]);
        match field {
            "created" => a.created.cmp(&b.created),
            "modified" => a.modified.cmp(&b.modified),
            "state" => (a.state as u8).cmp(&(b.state as u8)),
            "email" => a.email.cmp(&b.email),
            "username" => a.username.cmp(&b.username),
            "project_name" => pa.name.cmp(&pb.name),
            "project_start_date" => pa.start.cmp(&pb.start),
            "project_end_date" => pa.end.cmp(&pb.end),
            _ => std::cmp::Ordering::Equal,
        }
    }

    /// Checks the project field the way the serializer does; 403 comes after validation.
    fn check_project(&self, body: &Value) -> Result<usize, HttpResponse> {
        let Some(raw) = body.get("project") else {
            return Err(HttpResponse::json(400, &json!({"project": ["This field is required."]})));
        };
        let Some(uuid) = raw.as_str().and_then(|s| Uuid::parse_str(s).ok()) else {
            return Err(HttpResponse::json(
                400,
                &json!({"project": [format!("“{}” is not a valid UUID.", raw.as_str().unwrap_or_default())]}),
            ));
        };
        let Some(i) = self.projects.iter().position(|p| p.uuid == uuid) else {
            return Err(HttpResponse::json(
                400,
                &json!({"project": [format!("Invalid pk \"{uuid}\" - object does not exist.")]}),
            ));
        };
        let p = &self.projects[i];
        if !p.is_course {
            return Err(HttpResponse::json(400, &json!({"project": ["The project is not a course project."]})));
        }
        if p.end.is_none() {
            return Err(HttpResponse::json(400, &json!({"project": ["The course project has no end date."]})));
        }
        Ok(i)
    }

    fn create(&mut self, request: &HttpRequest, base: &str) -> HttpResponse {
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return detail(400, "JSON parse error.");
        };
        let mut errors = serde_json::Map::new();
        let email = body.get("email").and_then(Value::as_str).unwrap_or_default().to_string();
        if !email.is_empty() && !valid_email(&email) {
            errors.insert("email".into(), json!(["Enter a valid email address."]));
        }
        let project = match self.check_project(&body) {
            Ok(p) => Some(p),
            Err(response) if errors.is_empty() => return response,
            Err(response) => {
                let parsed: Value = serde_json::from_slice(&response.body).unwrap_or_default();
                errors.extend(parsed.as_object().cloned().unwrap_or_default());
                None
            }
        };
        if !errors.is_empty() {
            return HttpResponse::json(400, &Value::Object(errors));
        }
        let project = project.expect("validated");
        if !self.projects[project].accessible {
            return detail(403, "You do not have permission to perform this action.");
        }
        let description = body.get("description").and_then(Value::as_str).unwrap_or_default().to_string();
        let i = self.add(project, &email, &description, State::Ok);
        HttpResponse::json(201, &self.serialize(&self.accounts[i], base))
    }

    fn create_bulk(&mut self, request: &HttpRequest, base: &str) -> HttpResponse {
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return detail(400, "JSON parse error.");
        };
        let Some(items) = body.get("course_accounts").and_then(Value::as_array) else {
            return HttpResponse::json(400, &json!({"course_accounts": ["This field is required."]}));
        };
        if items.is_empty() {
            return HttpResponse::json(400, &json!({"course_accounts": ["This list may not be empty."]}));
        }
        let per_item: Vec<Value> = items
            .iter()
            .map(|item| match item.get("email").and_then(Value::as_str) {
                Some(e) if !valid_email(e) => json!({"email": ["Enter a valid email address."]}),
                _ => json!({}),
            })
            .collect();
        if per_item.iter().any(|e| e.as_object().is_some_and(|m| !m.is_empty())) {
            return HttpResponse::json(400, &json!({ "course_accounts": per_item }));
        }
        let project = match self.check_project(&body) {
            Ok(p) => p,
            Err(response) => return response,
        };
        if !self.projects[project].accessible {
            return detail(403, "You do not have permission to perform this action.");
        }
        let mut created = Vec::new();
        for item in items {
            let email = item.get("email").and_then(Value::as_str).unwrap_or_default().to_string();
            let description = item.get("description").and_then(Value::as_str).unwrap_or_default().to_string();
            let newer = self.flavour == Flavour::V8_1;
            if newer
                && self
                    .accounts
                    .iter()
                    .any(|a| a.project == project && a.email.eq_ignore_ascii_case(&email) && a.state != State::Closed)
            {
                continue;
            }
            let i = self.add(project, &email, &description, if newer { State::Pending } else { State::Ok });
            created.push(self.serialize(&self.accounts[i], base));
        }
        let status = if self.flavour == Flavour::V8_1 { 202 } else { 200 };
        HttpResponse::json(status, &Value::Array(created))
    }

    /// 8.0.7+: an Erred account is provisioned again, Pending until the course service answers.
    fn retry(&mut self, i: usize, base: &str) -> HttpResponse {
        if self.accounts[i].state != State::Erred {
            return detail(409, "Valid states for operation: Erred.");
        }
        if let Some(entry) = self.cache.get_mut(i) {
            *entry = None;
        }
        let a = &mut self.accounts[i];
        a.state = State::Pending;
        a.modified += Duration::seconds(1);
        HttpResponse::json(202, &self.serialize(&self.accounts[i], base))
    }

    fn delete(&mut self, i: usize, base: &str) -> HttpResponse {
        if !matches!(self.accounts[i].state, State::Ok | State::Erred) {
            return detail(409, "Valid states for operation: OK, Erred.");
        }
        if let Some(entry) = self.cache.get_mut(i) {
            *entry = None;
        }
        let a = &mut self.accounts[i];
        a.state = State::Closed;
        a.modified += Duration::seconds(1);
        match self.flavour {
            Flavour::V7_8_7 => HttpResponse::empty(204),
            Flavour::V8_1 => HttpResponse::json(202, &self.serialize(&self.accounts[i], base)),
        }
    }
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

/// Django's EmailValidator, roughly: one `@`, a dotted domain, no spaces.
fn valid_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !email.contains(char::is_whitespace)
                && !domain.starts_with('.')
        }
        None => false,
    }
}

/// A page link as Django REST framework's `replace_query_param` builds it: the query re-encoded with
/// keys sorted and `page` set.
fn page_link(base: &str, path: &str, query: &[(String, String)], page: usize) -> String {
    let mut pairs: Vec<(String, String)> = query.iter().filter(|(k, _)| k != "page").cloned().collect();
    pairs.push(("page".into(), page.to_string()));
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    format!("{base}{path}?{encoded}")
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
}

/// A stand-in Waldur serving on loopback until dropped.
pub struct StandIn {
    server: crate::http::Server,
    state: std::sync::Arc<std::sync::Mutex<Waldur>>,
    log: std::sync::Arc<std::sync::Mutex<Vec<LoggedRequest>>>,
}

impl StandIn {
    /// Serves `waldur` on 127.0.0.1, any free port.
    pub async fn start(waldur: Waldur) -> std::io::Result<StandIn> {
        Self::start_on(([127, 0, 0, 1], 0).into(), waldur).await
    }

    /// Serves `waldur` on `addr` (port 0: any free port).
    pub async fn start_on(addr: std::net::SocketAddr, waldur: Waldur) -> std::io::Result<StandIn> {
        let state = std::sync::Arc::new(std::sync::Mutex::new(waldur));
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (shared, logged) = (state.clone(), log.clone());
        let server = crate::http::Server::start(
            addr,
            crate::http::handler(move |request| {
                let response = shared.lock().unwrap_or_else(|p| p.into_inner()).handle(&request);
                let target = match &request.query {
                    Some(q) => format!("{}?{q}", request.path),
                    None => request.path.clone(),
                };
                let entry = LoggedRequest { method: request.method.clone(), target, status: response.status };
                logged.lock().unwrap_or_else(|p| p.into_inner()).push(entry);
                std::future::ready(response)
            }),
        )
        .await?;
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
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Reads or changes the server's data (e.g. put an account into `Erred`) between requests.
    pub fn with_state<R>(&self, f: impl FnOnce(&mut Waldur) -> R) -> R {
        let mut waldur = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let result = f(&mut waldur);
        // The caller may have changed any row: serve nothing from before.
        waldur.cache.clear();
        waldur.visible = None;
        result
    }
}
