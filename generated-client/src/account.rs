//! Reading a [`CourseAccount`] as text: the generated type keeps its email in a checked newtype
//! (`CourseAccountEmail`), whose `{:?}` inside an `Option` shows the wrapper,
//! `Some(CourseAccountEmail("ada@example.edu"))`. These say the address itself.

use std::fmt;

use crate::generated::types::{CourseAccount, CourseAccountEmail};

impl CourseAccount {
    /// The account's email as the server holds it; `None` for an account without one.
    /// `account.email().unwrap_or("-")` prints it.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref().map(String::as_str)
    }
}

/// The address itself.
impl fmt::Display for CourseAccountEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_email_reads_as_the_address() {
        let account: CourseAccount = serde_json::from_value(serde_json::json!({
            "uuid": "00000000-0000-4000-8002-000000000001", "url": "https://w.example/x/", "created": "2026-01-01T00:00:00Z",
            "modified": "2026-01-01T00:00:00Z", "project": "00000000-0000-4000-8001-000000000001", "project_uuid": "00000000-0000-4000-8001-000000000001",
            "project_name": "p", "user_uuid": null, "username": null, "email": "ada@example.edu", "description": "",
            "state": "OK", "error_message": "", "error_traceback": "", "project_start_date": null, "project_end_date": null,
            "customer_uuid": "00000000-0000-4000-8000-000000000001", "customer_name": "c", "project_slug": "p"
        }))
        .expect("a course account");
        assert_eq!(account.email(), Some("ada@example.edu"));
        assert_eq!(account.email.as_ref().map(ToString::to_string).as_deref(), Some("ada@example.edu"));
    }
}
