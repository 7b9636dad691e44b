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
//! This module holds the data ([`Waldur`]), how it is made (seeded, added to, imported from
//! recordings) and the seeded identifiers ([`seed`]). `actions` is what each action does to the data
//! (create, create_bulk, retry, delete, and the account lookup and token check before them), `validate`
//! how a request's body and fields are checked and refused as DRF and Django do, and `serialize` an
//! account as Waldur renders it. `routes` takes requests to the actions as Waldur's router does (on
//! axum), `list` is the list action, `provisioning` the course service that settles Pending rows
//! ([`Provisioning`]: off by default, so Pending stays Pending; on, each row becomes OK or Erred a set
//! delay after it became Pending, applied lazily at the start of the next request), and `term` a term
//! of several courses around a given day ([`Waldur::term`]). `server` answers through those routes:
//! [`Waldur::handle`] one request without a socket, [`StandIn::start`] on loopback for a test, keeping
//! a log of what it answered.
//!
//! It is what `cargo xtask record` is tested against, what the stored recordings were made from, what
//! `cargo xtask mock` serves (seeded from the recordings, plus a term), and where the benchmark's answers come from.

mod actions;
mod list;
mod provisioning;
mod routes;
mod serialize;
mod server;
mod term;
mod validate;

pub use provisioning::{Provisioning, REFUSED};
pub use server::{LoggedRequest, StandIn};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::Value;
use uuid::Uuid;

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
    /// The row number an identifier ends in (the inverse of [`id`]: its last 48 bits).
    pub fn number(id: Uuid) -> u64 {
        (id.as_u128() & 0xffff_ffff_ffff) as u64
    }
    /// The user the course service provisions for row `n`: its uuid and username (`course_00042`).
    pub fn user(n: u64) -> (Uuid, String) {
        (id(3, n), format!("course_{n:05}"))
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
        let (user_uuid, username) = seed::user(n);
        let provisioned = state != State::Pending;
        self.accounts.push(Account {
            uuid: seed::id(2, n),
            created,
            modified: created,
            project,
            user_uuid: provisioned.then_some(user_uuid),
            username: provisioned.then_some(username),
            state,
            email: email.to_string(),
            description: description.to_string(),
            error_message: if state == State::Erred { ERRED_BY_ADD.to_string() } else { String::new() },
        });
        self.accounts.len() - 1
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
        let n = seed::number(uuid);
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

    /// `n` accounts, all OK, all in the course project: the benchmark's data.
    pub fn synthetic(flavour: Flavour, n: usize) -> Waldur {
        let mut w = Waldur::seeded(flavour, 0);
        w.accounts.reserve(n);
        for i in 0..n {
            w.add(0, &format!("student{i}@example.edu"), "", State::Ok);
        }
        w
    }
}
