//! The course projects a token can see, found through their accounts (the course-accounts API has no
//! project list of its own), and the accounts of courses that have ended. The rules are documented on
//! the public items (what docs.rs shows).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use futures::TryStreamExt;
use uuid::Uuid;

use crate::client::Client;
use crate::error::Result;
use crate::filter::Filter;
use crate::generated::types::CourseAccount;

/// The course projects a token can see, found through their accounts (the course-accounts API has no
/// project list of its own), and the accounts of courses that have ended.
///
/// Why the end matters: Waldur never closes course accounts when the project's end date passes (no
/// scheduled task does; only deleting the project closes them), and closing is what takes a student
/// off the cluster (site agents act on Closed). An OK account of an ended course keeps its access
/// until someone closes it.
///
/// One course project, as its accounts describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Course {
    /// The project.
    pub uuid: Uuid,
    /// Its name.
    pub name: String,
    /// Its start date, if it has one.
    pub start: Option<NaiveDate>,
    /// Its end date, if it has one.
    pub end: Option<NaiveDate>,
    /// Its accounts by state label.
    pub by_state: BTreeMap<String, usize>,
}

impl Course {
    /// Whether the course has ended on `today`: its end date is before it (a course ending today is
    /// still running). A course without an end date never ends.
    pub fn ended(&self, today: NaiveDate) -> bool {
        ended_before(self.end, today)
    }
}

/// The one rule of "ended": an end date before `day` (a course ending on `day` is still running;
/// one without an end date never ends).
fn ended_before(end: Option<NaiveDate>, day: NaiveDate) -> bool {
    end.is_some_and(|end| end < day)
}

/// The accounts of one ended course.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EndedCourse {
    /// The course.
    pub course: Course,
    /// Its accounts that are not Closed, in the server's order.
    pub open: Vec<EndedAccount>,
}

/// What closing an account of an ended course needs of it, and no more: a sweep of 20,000 accounts
/// holds 20,000 of these while it closes them, not 20,000 whole accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndedAccount {
    /// The account.
    pub uuid: Uuid,
    /// Its state when read (OK, Erred or Pending, or a newer server's).
    pub state: crate::state::CourseAccountState,
    /// The student's address, if it has one.
    pub email: Option<String>,
}

/// Course projects and their ends.
impl Client {
    /// Every course project the token sees accounts of, ordered by end date (undated last), then name.
    /// One walk of every account the token can see.
    pub async fn courses(&self) -> Result<Vec<Course>> {
        let mut courses: BTreeMap<Uuid, Course> = BTreeMap::new();
        let mut accounts = self.list(Filter::new());
        while let Some(a) = accounts.try_next().await? {
            let course = courses.entry(a.project_uuid).or_insert_with(|| course_of(&a));
            *course.by_state.entry(a.state.to_string()).or_insert(0) += 1;
        }
        let mut courses: Vec<Course> = courses.into_values().collect();
        courses.sort_by(|a, b| (a.end.is_none(), a.end, &a.name).cmp(&(b.end.is_none(), b.end, &b.name)));
        Ok(courses)
    }

    /// The courses that ended before `before` (their end date is earlier; undated courses never end),
    /// optionally only `project`, with their accounts that are not Closed. One read, filtered by the
    /// server (`project_end_date_before`, inclusive, so the day before `before`) and checked again
    /// here: a server that ignored the filter must not make a running course look ended.
    pub async fn ended_courses(&self, before: NaiveDate, project: Option<Uuid>) -> Result<Vec<EndedCourse>> {
        let mut filter = Filter::new().project_end(None, before.pred_opt());
        if let Some(project) = project {
            filter = filter.project(project);
        }
        let mut ended: BTreeMap<Uuid, EndedCourse> = BTreeMap::new();
        let mut accounts = self.list(filter);
        while let Some(a) = accounts.try_next().await? {
            let asked_for = project.is_none_or(|p| p == a.project_uuid);
            if !(ended_before(a.project_end_date, before) && asked_for) {
                continue;
            }
            let entry =
                ended.entry(a.project_uuid).or_insert_with(|| EndedCourse { course: course_of(&a), open: Vec::new() });
            *entry.course.by_state.entry(a.state.to_string()).or_insert(0) += 1;
            if a.state != crate::state::CourseAccountState::Closed {
                let email = a.email().map(str::to_string);
                entry.open.push(EndedAccount { uuid: a.uuid, state: a.state, email });
            }
        }
        let mut ended: Vec<EndedCourse> = ended.into_values().collect();
        ended.sort_by(|a, b| (a.course.end, &a.course.name).cmp(&(b.course.end, &b.course.name)));
        Ok(ended)
    }
}

fn course_of(a: &CourseAccount) -> Course {
    Course {
        uuid: a.project_uuid,
        name: a.project_name.clone(),
        start: a.project_start_date,
        end: a.project_end_date,
        by_state: BTreeMap::new(),
    }
}
