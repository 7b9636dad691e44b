//! Which course accounts a list or count asks for: every filter the server offers, plus ordering.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::generated::types::MarketplaceCourseAccountsOrderingField as OrderingField;
use crate::ordering::Ordering;
use crate::state::CourseAccountState;

/// Filters of `GET /api/marketplace-course-accounts/` (and its HEAD count). Empty: everything visible.
///
/// ```
/// use waldur_course_accounts::{CourseAccountState, Filter, Ordering, OrderingField};
/// let f = Filter::new()
///     .state(CourseAccountState::Ok)
///     .state(CourseAccountState::Erred)
///     .email("@example.edu")
///     .order_by(Ordering::new().asc(OrderingField::ProjectName).desc(OrderingField::Created));
/// assert_eq!(f.states.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Exact username.
    pub username: Option<String>,
    /// Case-insensitive "contains" on the email.
    pub email: Option<String>,
    /// Any of these states (sent as repeated `state=` keys).
    pub states: Vec<CourseAccountState>,
    /// Accounts of this project.
    pub project_uuid: Option<Uuid>,
    /// Inclusive bounds on the course project's start and end dates.
    pub project_start_date_after: Option<NaiveDate>,
    /// See `project_start_date_after`.
    pub project_start_date_before: Option<NaiveDate>,
    /// See `project_start_date_after`.
    pub project_end_date_after: Option<NaiveDate>,
    /// See `project_start_date_after`.
    pub project_end_date_before: Option<NaiveDate>,
    /// Sent as one comma-joined `o` value.
    pub ordering: Ordering<OrderingField>,
}

impl Filter {
    /// No filter: every account the token may see.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only this exact username.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Emails containing `contains`, case-insensitively.
    pub fn email(mut self, contains: impl Into<String>) -> Self {
        self.email = Some(contains.into());
        self
    }

    /// Adds a state to the set of accepted states.
    pub fn state(mut self, state: CourseAccountState) -> Self {
        self.states.push(state);
        self
    }

    /// Only accounts of this project.
    pub fn project(mut self, project_uuid: Uuid) -> Self {
        self.project_uuid = Some(project_uuid);
        self
    }

    /// Course projects starting within `[from, to]` (either bound optional).
    pub fn project_start(mut self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Self {
        self.project_start_date_after = from;
        self.project_start_date_before = to;
        self
    }

    /// Course projects ending within `[from, to]` (either bound optional).
    pub fn project_end(mut self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Self {
        self.project_end_date_after = from;
        self.project_end_date_before = to;
        self
    }

    /// Sort order of the results.
    pub fn order_by(mut self, ordering: Ordering<OrderingField>) -> Self {
        self.ordering = ordering;
        self
    }
}

/// Applies a [`Filter`] to a generated list or count builder (distinct types with the same setters).
macro_rules! apply_filter {
    ($builder:expr, $filter:expr) => {{
        let f: &$crate::filter::Filter = $filter;
        let mut b = $builder;
        if let Some(v) = &f.username {
            b = b.username(v.clone());
        }
        if let Some(v) = &f.email {
            b = b.email(v.clone());
        }
        if !f.states.is_empty() {
            b = b.state(f.states.clone());
        }
        if let Some(v) = f.project_uuid {
            b = b.project_uuid(v);
        }
        if let Some(v) = f.project_start_date_after {
            b = b.project_start_date_after(v);
        }
        if let Some(v) = f.project_start_date_before {
            b = b.project_start_date_before(v);
        }
        if let Some(v) = f.project_end_date_after {
            b = b.project_end_date_after(v);
        }
        if let Some(v) = f.project_end_date_before {
            b = b.project_end_date_before(v);
        }
        if !f.ordering.is_empty() {
            b = b.o(f.ordering.clone());
        }
        b
    }};
}
pub(crate) use apply_filter;
