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
/// The `o` keys of `CourseAccountFilter` (marketplace/filters.py), `-` for descending.
pub const ORDERING_KEYS: &[&str] =
    &["created", "modified", "state", "email", "username", "project_name", "project_start_date", "project_end_date"];

/// The list filters of one request, checked.
#[derive(Debug, Default)]
struct Filters {
    states: Vec<State>,
    email: Option<String>,
    username: Option<String>,
    project: Option<Uuid>,
    start: [Option<NaiveDate>; 2],
    end: [Option<NaiveDate>; 2],
    ordering: Vec<String>,
}

impl Filters {
    fn is_empty(&self) -> bool {
        self.states.is_empty()
            && self.email.is_none()
            && self.username.is_none()
            && self.project.is_none()
            && self.start.iter().chain(&self.end).all(Option::is_none)
    }
}

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
            "error_message": if a.state == State::Erred { "Course service refused the account." } else { "" },
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

    /// Answers one request.
    pub fn handle(&mut self, request: &HttpRequest) -> HttpResponse {
        if let Err(denied) = self.authenticate(request) {
            return denied;
        }
        let base = format!("http://{}", request.header("host").unwrap_or("127.0.0.1"));
        let rest = match request.path.strip_prefix(LIST_PATH) {
            Some(rest) => rest,
            None => return django_not_found(),
        };
        // The router's routes: the list, `create_bulk/`, `{uuid}/`, and (8.0.7+) `{uuid}/retry/`; any
        // other path is no route at all, answered by Django's own 404 page, not by DRF.
        let segments = rest.trim_end_matches('/').split('/').count();
        let routed = rest.is_empty()
            || (rest.ends_with('/') && segments == 1)
            || (self.flavour == Flavour::V8_1 && segments == 2 && rest.ends_with("/retry/"));
        if !routed {
            return django_not_found();
        }
        match (request.method.as_str(), rest) {
            ("GET" | "HEAD", "") => self.list(request, &base),
            ("POST", "") => self.create(request, &base),
            ("POST", "create_bulk/") => self.create_bulk(request, &base),
            (method, "" | "create_bulk/") => method_not_allowed(method),
            (method, item) if self.flavour == Flavour::V8_1 && item.ends_with("/retry/") => {
                if method != "POST" {
                    return method_not_allowed(method);
                }
                match self.find(item.trim_end_matches("/retry/")) {
                    Ok(i) => self.retry(i, &base),
                    Err(missing) => missing,
                }
            }
            (method, item) => {
                // The method is checked before the account is looked up (DRF dispatch; PUT/PATCH are
                // `disabled_actions`, checked in `ActionsViewSet.initial` before `get_object`): 405
                // even for an account that does not exist.
                if !matches!(method, "GET" | "HEAD" | "DELETE") {
                    return method_not_allowed(method);
                }
                let i = match self.find(item.strip_suffix('/').unwrap_or(item)) {
                    Ok(i) => i,
                    Err(missing) => return missing,
                };
                match method {
                    "DELETE" => self.delete(i),
                    _ => HttpResponse::json(200, &self.serialize(&self.accounts[i], &base)),
                }
            }
        }
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

    fn authenticate(&self, request: &HttpRequest) -> Result<(), HttpResponse> {
        let Some(header) = request.header("authorization") else {
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

    /// The list filters of `CourseAccountFilter` (marketplace/filters.py), checked together: every
    /// bad value is one key of a single 400 body (django-filter), an empty value is ignored.
    fn filters(&self, query: &[(String, String)]) -> Result<Filters, HttpResponse> {
        // With repeated keys Django's QueryDict.get gives the last one; `state` takes them all.
        let get =
            |key: &str| query.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
        let mut errors = serde_json::Map::new();
        let mut f = Filters::default();
        for (_, label) in query.iter().filter(|(k, v)| k == "state" && !v.is_empty()) {
            match State::parse(label, self.flavour) {
                Some(state) => f.states.push(state),
                None => {
                    errors.insert(
                        "state".into(),
                        json!([format!("Select a valid choice. {label} is not one of the available choices.")]),
                    );
                }
            }
        }
        // `project_start_date` / `project_end_date` are DateFromToRangeFilters: errors keyed on the
        // filter's name, not on the `_after`/`_before` parameter.
        for (name, bounds) in [("project_start_date", &mut f.start), ("project_end_date", &mut f.end)] {
            for (n, suffix) in ["_after", "_before"].iter().enumerate() {
                if let Some(v) = get(&format!("{name}{suffix}")) {
                    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                        Ok(d) => bounds[n] = Some(d),
                        Err(_) => {
                            errors.insert(name.into(), json!(["Enter a valid date."]));
                        }
                    }
                }
            }
        }
        if let Some(v) = get("project_uuid") {
            match Uuid::parse_str(v) {
                Ok(u) => f.project = Some(u),
                Err(_) => {
                    errors.insert("project_uuid".into(), json!(["Enter a valid UUID."]));
                }
            }
        }
        f.email = get("email").map(str::to_lowercase);
        f.username = get("username").map(str::to_string);
        if let Some(ordering) = get("o") {
            for key in ordering.split(',').filter(|k| !k.is_empty()) {
                if !ORDERING_KEYS.contains(&key.trim_start_matches('-')) {
                    errors.insert(
                        "o".into(),
                        json!([format!("Select a valid choice. {key} is not one of the available choices.")]),
                    );
                }
                f.ordering.push(key.to_string());
            }
        }
        if errors.is_empty() { Ok(f) } else { Err(HttpResponse::json(400, &Value::Object(errors))) }
    }

    /// Indices of the visible accounts `f` selects, in its order (default: `created`, models.py
    /// `CourseAccount.Meta.ordering`).
    fn select(&mut self, f: &Filters) -> Vec<usize> {
        let within = |d: Option<NaiveDate>, [lo, hi]: [Option<NaiveDate>; 2]| {
            (lo.is_none() && hi.is_none())
                || d.is_some_and(|d| lo.is_none_or(|lo| d >= lo) && hi.is_none_or(|hi| d <= hi))
        };
        let mut matching: Vec<usize> = if f.is_empty() {
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
                        && (f.states.is_empty() || f.states.contains(&a.state))
                        && f.email.as_ref().is_none_or(|e| a.email.to_lowercase().contains(e))
                        && f.username.as_ref().is_none_or(|u| a.username.as_ref() == Some(u))
                        && f.project.is_none_or(|u| p.uuid == u)
                        && within(p.start, f.start)
                        && within(p.end, f.end)
                })
                .map(|(i, _)| i)
                .collect()
        };
        let default = ["created".to_string()];
        let keys: &[String] = if f.ordering.is_empty() { &default } else { &f.ordering };
        // A stable sort: rows equal under every key keep their insertion order.
        matching.sort_by(|a, b| {
            for key in keys {
                let (field, descending) = match key.strip_prefix('-') {
                    Some(f) => (f, true),
                    None => (key.as_str(), false),
                };
                let ord = self.compare(&self.accounts[*a], &self.accounts[*b], field);
                let ord = if descending { ord.reverse() } else { ord };
                if ord.is_ne() {
                    return ord;
                }
            }
            std::cmp::Ordering::Equal
        });
        matching
    }

    /// The list, and HEAD on it: HEAD is the same list action without a body (DRF maps `head` to
    /// the `get` action), so it has the same status and headers, `Link` included.
    fn list(&mut self, request: &HttpRequest, base: &str) -> HttpResponse {
        let query = request.query_pairs();
        let filters = match self.filters(&query) {
            Ok(f) => f,
            Err(refused) => return refused,
        };
        let matching = self.select(&filters);
        let total = matching.len();
        let get = |key: &str| query.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        // core/pagination.py `LinkHeaderPagination`: page_size_query_param, max_page_size 300; DRF
        // falls back to the default for 0, a negative or a non-number, and clamps to the maximum.
        let page_size = get("page_size")
            .and_then(|v| v.trim().trim_start_matches('+').parse::<u128>().ok())
            .filter(|n| *n > 0)
            .map_or(DEFAULT_PAGE_SIZE, |n| n.min(MAX_PAGE_SIZE as u128) as usize);
        let last = total.div_ceil(page_size).max(1);
        // Django's Paginator: `last` names the last page; anything else not in 1..=last is 404.
        let page = match get("page") {
            None => 1,
            Some("last") => last,
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (1..=last).contains(&n) => n,
                _ => return detail(404, "Invalid page."),
            },
        };
        let mut response = HttpResponse::empty(200).with_header("content-type", "application/json");
        if request.method != "HEAD" {
            let mut body = String::from("[");
            for (n, i) in matching.iter().skip((page - 1) * page_size).take(page_size).enumerate() {
                if n > 0 {
                    body.push(',');
                }
                body.push_str(self.account_json(*i, base));
            }
            body.push(']');
            response.body = bytes::Bytes::from(body);
        }
        let link = |n: usize| page_link(base, &request.path, &query, n);
        let mut links = vec![format!("<{}>; rel=\"first\"", link(1))];
        if page > 1 {
            links.push(format!("<{}>; rel=\"prev\"", link(page - 1)));
        }
        if page < last {
            links.push(format!("<{}>; rel=\"next\"", link(page + 1)));
        }
        links.push(format!("<{}>; rel=\"last\"", link(last)));
        response.with_header("x-result-count", total.to_string()).with_header("link", links.join(", "))
    }

    /// One ordering key, as PostgreSQL orders it: NULLs after every value ascending (so first
    /// descending); `state` by its stored integer (marketplace/enums.py: OK 1, Closed 2, Erred 3,
    /// Pending 4).
    fn compare(&self, a: &Account, b: &Account, field: &str) -> std::cmp::Ordering {
        fn nulls_last<T: Ord>(a: Option<T>, b: Option<T>) -> std::cmp::Ordering {
            match (a, b) {
                (Some(a), Some(b)) => a.cmp(&b),
                (a, b) => a.is_none().cmp(&b.is_none()),
            }
        }
        let (pa, pb) = (&self.projects[a.project], &self.projects[b.project]);
        match field {
            "created" => a.created.cmp(&b.created),
            "modified" => a.modified.cmp(&b.modified),
            "state" => (a.state as u8).cmp(&(b.state as u8)),
            "email" => a.email.cmp(&b.email),
            "username" => nulls_last(a.username.as_ref(), b.username.as_ref()),
            "project_name" => pa.name.cmp(&pb.name),
            "project_start_date" => nulls_last(pa.start, pb.start),
            "project_end_date" => nulls_last(pa.end, pb.end),
            _ => std::cmp::Ordering::Equal,
        }
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
        let mut seen = std::collections::HashSet::new();
        for (email, description) in items {
            if newer
                && (!seen.insert(email.clone())
                    || self.accounts.iter().any(|a| a.project == project && a.email == email))
            {
                continue;
            }
            let i = self.add(project, &email, &description, if newer { State::Pending } else { State::Ok });
            created.push(self.serialize(&self.accounts[i], base));
        }
        let status = if newer { 202 } else { 200 };
        HttpResponse::json(status, &Value::Array(created))
    }

    /// 8.0.7+: an Erred account is provisioned again, Pending until the course service answers.
    /// views.py `retry`: `StateValidator(CourseAccountState.ERRED)`. The 409 names the state as
    /// waldur_core `core/validators.py` does without a `state_enum`: Erred's value (3) looked up in
    /// `CoreStates`, where 3 is `OK`.
    fn retry(&mut self, i: usize, base: &str) -> HttpResponse {
        if self.accounts[i].state != State::Erred {
            return detail(409, "Valid states for operation: OK.");
        }
        if let Some(entry) = self.cache.get_mut(i) {
            *entry = None;
        }
        let a = &mut self.accounts[i];
        a.state = State::Pending;
        a.modified += Duration::seconds(1);
        HttpResponse::json(202, &self.serialize(&self.accounts[i], base))
    }

    /// views.py `destroy_validators`: `StateValidator(OK, ERRED)`, whose 409 names the values 1 and 3
    /// in `CoreStates` (see [`Waldur::retry`]); then `perform_destroy` closes it and DRF answers 204
    /// (no `destroy` override, on every release read; the newest tests assert 204).
    fn delete(&mut self, i: usize) -> HttpResponse {
        if !matches!(self.accounts[i].state, State::Ok | State::Erred) {
            return detail(409, "Valid states for operation: UPDATE_SCHEDULED, OK.");
        }
        if let Some(entry) = self.cache.get_mut(i) {
            *entry = None;
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

/// A page link as core/pagination.py `LinkHeaderPagination` builds it with DRF's
/// `replace_query_param` / `remove_query_param`: the query re-encoded with keys sorted (a repeated
/// key's values stay in their order), `page` set, or removed for page 1 (the `first` link, `prev`
/// to page 1, `last` of a single page).
fn page_link(base: &str, path: &str, query: &[(String, String)], page: usize) -> String {
    let mut pairs: Vec<(String, String)> = query.iter().filter(|(k, _)| k != "page").cloned().collect();
    if page > 1 {
        pairs.push(("page".into(), page.to_string()));
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    if pairs.is_empty() {
        return format!("{base}{path}");
    }
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
    /// The request body as text (lossy UTF-8; empty when there was none): what was sent, so a test
    /// can prove which emails a create_bulk carried.
    pub body: String,
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
                let entry = LoggedRequest {
                    method: request.method.clone(),
                    target,
                    status: response.status,
                    body: String::from_utf8_lossy(&request.body).into_owned(),
                };
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
