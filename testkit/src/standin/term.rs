//! A course term in progress: several course projects around a given day, so a client can be tried
//! on a whole term (which courses have ended, syncing a roster, waiting for Pending rows, closing
//! ended courses) rather than on one course.
//!
//! [`Waldur::term`] is [`Waldur::seeded`] with no generated accounts plus [`Waldur::add_term`]:
//!
//! | n | course (uuid `seed::id(1, n)` when added to the seeded data) | start | end | accounts |
//! |---|---|---|---|---|
//! | 5 | Intro to HPC — spring | today − 200 d | today − 75 d (ended) | 24: a third Closed already |
//! | 6 | Parallel Programming with MPI | today − 160 d | today − 40 d (ended) | 18 |
//! | 7 | GPU Computing Workshop | today − 30 d | today − 1 d (ended yesterday) | 12 |
//! | 8 | Data Analysis with Python | today − 100 d | today (not ended: ended means an end date before today) | 30 |
//! | 9 | Machine Learning on Clusters | today − 45 d | today + 75 d | 36, the last 8 Pending (8.1, created today) |
//! | 10 | Linux Shell for Scientists | today − 10 d | today + 110 d | 20 |
//!
//! and 4 OK accounts in the seeded course without dates ("Open-ended course", never ended). In each
//! course, row `j` is Closed when `j % 8 == 7` (`j % 3 == 2` in the first course), Erred when
//! `j % 10 == 4`, OK otherwise. Erred rows are made by [`Waldur::add`], so they keep a user and its
//! `error_message` ([`super::ERRED_BY_ADD`]), unlike a row the course service refused on creation
//! (no user): Waldur's own Python client (8.1.3) cannot decode an account without a user, and
//! `.ci/run` lists every Erred account of `waldur-mock` with it. Students are
//! `firstname.lastname@uni.example`, each address once in the term.

use chrono::{Duration, NaiveDate, TimeZone, Utc};

use super::{Flavour, Project, State, Waldur, seed};

/// One course of the term: name, start and end (days from today), accounts, every how many rows one
/// is Closed, and how many of the last rows are Pending (8.1, when asked for).
struct Course {
    name: &'static str,
    start: i64,
    end: i64,
    accounts: usize,
    closed_every: usize,
    pending: usize,
}

const COURSES: [Course; 6] = [
    Course { name: "Intro to HPC — spring", start: -200, end: -75, accounts: 24, closed_every: 3, pending: 0 },
    Course { name: "Parallel Programming with MPI", start: -160, end: -40, accounts: 18, closed_every: 8, pending: 0 },
    Course { name: "GPU Computing Workshop", start: -30, end: -1, accounts: 12, closed_every: 8, pending: 0 },
    Course { name: "Data Analysis with Python", start: -100, end: 0, accounts: 30, closed_every: 8, pending: 0 },
    Course { name: "Machine Learning on Clusters", start: -45, end: 75, accounts: 36, closed_every: 8, pending: 8 },
    Course { name: "Linux Shell for Scientists", start: -10, end: 110, accounts: 20, closed_every: 8, pending: 0 },
];

const FIRST_NAMES: [&str; 20] = [
    "anna", "mart", "liis", "jaan", "kadri", "tanel", "maria", "peeter", "kristi", "andres", "laura", "mihkel", "eva",
    "toomas", "helen", "rasmus", "sofia", "karl", "elisa", "oliver",
];
const LAST_NAMES: [&str; 20] = [
    "tamm", "saar", "sepp", "magi", "kask", "kukk", "rebane", "ilves", "parn", "koppel", "lepp", "vaher", "kull",
    "oja", "lill", "mets", "raud", "kuusk", "pihlak", "laur",
];

impl Waldur {
    /// Adds a course project the token's user can see and manage, named `name`, with the given dates
    /// (a course needs an end date for accounts to be created in it through the API); returns its
    /// index in [`Waldur::projects`]. Its uuid is `seed::id(1, n)` for the first `n` from 5 on (1 to 4
    /// are the seeded projects) that no project has yet.
    pub fn add_project(&mut self, name: &str, start: Option<NaiveDate>, end: Option<NaiveDate>) -> usize {
        let mut n = 5;
        while self.projects.iter().any(|p| p.uuid == seed::id(1, n)) {
            n += 1;
        }
        self.projects.push(Project {
            uuid: seed::id(1, n),
            name: name.to_string(),
            is_course: true,
            start,
            end,
            accessible: true,
        });
        self.projects.len() - 1
    }

    /// [`Waldur::seeded`] with no generated accounts, plus a term in progress on `today`
    /// ([`Waldur::add_term`] with its Pending rows, on 8.1). With provisioning off
    /// (the default) the Pending rows stay Pending; to have them settle, set
    /// [`Waldur::provisioning`] on a `seeded(flavour, 0)` before calling `add_term`.
    pub fn term(flavour: Flavour, today: NaiveDate) -> Waldur {
        let mut waldur = Waldur::seeded(flavour, 0);
        waldur.add_term(today, true);
        waldur
    }

    /// Adds the six courses of the term (see the module's table) around `today` with their
    /// accounts, and 4 OK accounts to the seeded course without dates when the data has it; returns
    /// the six courses' indices in [`Waldur::projects`], in the table's order. `with_pending`: the
    /// last 8 rows of "Machine Learning on Clusters" are Pending (just bulk-created; queued for the
    /// course service when [`Waldur::provisioning`] is on) on 8.1; without it, or on 7.8.7 (which has
    /// no Pending), they follow the other rows' rule (Closed, Erred or OK).
    pub fn add_term(&mut self, today: NaiveDate, with_pending: bool) -> Vec<usize> {
        let pending_allowed = with_pending && self.flavour == Flavour::V8_1;
        let mut student = 0;
        let mut next_email = || {
            let (first, last) = (student % 20, (student / 20 + student) % 20);
            student += 1;
            format!("{}.{}@uni.example", FIRST_NAMES[first], LAST_NAMES[last])
        };
        let mut courses = Vec::new();
        for course in &COURSES {
            let start = today + Duration::days(course.start);
            let project = self.add_project(course.name, Some(start), Some(today + Duration::days(course.end)));
            courses.push(project);
            let enrolled = Utc.from_utc_datetime(&start.and_hms_opt(8, 0, 0).expect("a valid time"));
            for j in 0..course.accounts {
                let pending = pending_allowed && j >= course.accounts - course.pending;
                let state = if pending {
                    State::Pending
                } else if j % course.closed_every == course.closed_every - 1 {
                    State::Closed
                } else if j % 10 == 4 {
                    State::Erred
                } else {
                    State::Ok
                };
                let i = self.add(project, &next_email(), "", state);
                let account = &mut self.accounts[i];
                account.created = if pending {
                    // Bulk-created this morning.
                    Utc.from_utc_datetime(&today.and_hms_opt(7, 0, 0).expect("a valid time"))
                        + Duration::seconds(j as i64)
                } else {
                    enrolled + Duration::minutes(7 * j as i64)
                };
                account.modified = match state {
                    State::Closed => account.created + Duration::days(1),
                    State::Erred => account.created + Duration::minutes(5),
                    _ => account.created,
                };
                if pending {
                    self.queue_provisioning(i);
                }
            }
        }
        if let Some(open_ended) = self.projects.iter().position(|p| p.uuid == seed::project_without_end_date()) {
            for _ in 0..4 {
                self.add(open_ended, &next_email(), "", State::Ok);
            }
        }
        courses
    }
}
