//! The filter options `list` and `count` share, and their translation into the
//! client's `Filter` (state labels without case, ordering as `FIELD,-FIELD`).

use std::str::FromStr;

use waldur_course_accounts::{CourseAccountState, Filter, Ordering, OrderingField, Uuid};

#[derive(clap::Args, Clone, Default)]
pub struct FilterArgs {
    /// Only accounts in this state (repeat for several): OK, Closed, Erred, Pending.
    #[arg(long = "state", value_name = "STATE")]
    pub states: Vec<String>,
    /// Only accounts whose email contains this (without case).
    #[arg(long, value_name = "TEXT")]
    pub email: Option<String>,
    /// Only the account with this username.
    #[arg(long, value_name = "USERNAME")]
    pub username: Option<String>,
    /// Only accounts of this project.
    #[arg(long, value_name = "UUID")]
    pub project: Option<Uuid>,
    /// Order by fields, `-` for descending: e.g. `-created,email`. Fields: created, modified, state,
    /// email, username, project_name, project_start_date, project_end_date.
    #[arg(long, value_name = "FIELD,-FIELD", allow_hyphen_values = true)]
    pub order: Option<String>,
}

impl FilterArgs {
    pub fn to_filter(&self) -> Result<Filter, String> {
        let mut filter = Filter::new();
        for state in &self.states {
            filter = filter.state(state_label(state));
        }
        if let Some(email) = &self.email {
            filter = filter.email(email.clone());
        }
        if let Some(username) = &self.username {
            filter = filter.username(username.clone());
        }
        if let Some(project) = self.project {
            filter = filter.project(project);
        }
        if let Some(order) = &self.order {
            filter = filter.order_by(ordering(order)?);
        }
        Ok(filter)
    }
}

/// A state label as Waldur spells it (`ok` → `OK`); an unknown label goes to the server as given.
fn state_label(text: &str) -> CourseAccountState {
    let known = ["OK", "Closed", "Erred", "Pending"];
    match known.iter().find(|k| k.eq_ignore_ascii_case(text.trim())) {
        Some(label) => CourseAccountState::from(*label),
        None => CourseAccountState::from(text.trim()),
    }
}

fn ordering(text: &str) -> Result<Ordering<OrderingField>, String> {
    let mut ordering = Ordering::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (descending, name) = match part.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, part.trim_start_matches('+')),
        };
        let field = OrderingField::from_str(name).map_err(|_| {
            format!(
                "--order: `{name}` is not a field to order by (created, modified, state, email, username, \
                 project_name, project_start_date, project_end_date)"
            )
        })?;
        ordering = if descending { ordering.desc(field) } else { ordering.asc(field) };
    }
    Ok(ordering)
}
