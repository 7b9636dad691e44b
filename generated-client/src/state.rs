//! The course-account state as an open enum: known labels are variants, anything newer is kept verbatim.
//!
//! Waldur stores the state as an integer and shows a label; the label set grows (`Pending` arrived in
//! 8.0.6). The schema's closed enum would make every response with a new label fail to decode, so the
//! `course_account_state_is_open` fixup points the generated code here instead.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// State of a course account, as the server labels it.
///
/// ```
/// use waldur_course_accounts::CourseAccountState;
/// let s: CourseAccountState = serde_json::from_str("\"Pending\"").unwrap();
/// assert_eq!(s, CourseAccountState::Pending);
/// let future: CourseAccountState = serde_json::from_str("\"Archived\"").unwrap();
/// assert_eq!(future, CourseAccountState::Unknown("Archived".into()));
/// assert_eq!(future.to_string(), "Archived");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CourseAccountState {
    /// The account exists and can be used (label `OK`).
    Ok,
    /// The account was closed, e.g. by a delete (label `Closed`).
    Closed,
    /// Creating or closing it failed; `error_message` says why (label `Erred`).
    Erred,
    /// Created by a bulk request on a newer server and not provisioned yet (label `Pending`, 8.0.6+).
    Pending,
    /// A label this client does not know yet, kept as the server sent it.
    Unknown(String),
}

impl CourseAccountState {
    /// Labels this client knows, in the order the variants are declared.
    pub const KNOWN: [&'static str; 4] = ["OK", "Closed", "Erred", "Pending"];

    /// The label on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            CourseAccountState::Ok => "OK",
            CourseAccountState::Closed => "Closed",
            CourseAccountState::Erred => "Erred",
            CourseAccountState::Pending => "Pending",
            CourseAccountState::Unknown(label) => label,
        }
    }

    /// Whether the server allows deleting an account in this state (OK or Erred; else 409).
    pub fn is_deletable(&self) -> bool {
        matches!(self, CourseAccountState::Ok | CourseAccountState::Erred)
    }
}

impl From<&str> for CourseAccountState {
    fn from(label: &str) -> Self {
        match label {
            "OK" => CourseAccountState::Ok,
            "Closed" => CourseAccountState::Closed,
            "Erred" => CourseAccountState::Erred,
            "Pending" => CourseAccountState::Pending,
            other => CourseAccountState::Unknown(other.to_string()),
        }
    }
}

impl From<String> for CourseAccountState {
    fn from(label: String) -> Self {
        CourseAccountState::from(label.as_str())
    }
}

impl FromStr for CourseAccountState {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(CourseAccountState::from(s))
    }
}

/// The label as Waldur spells it; width and alignment are honoured (`{:<8}` in a table).
impl fmt::Display for CourseAccountState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for CourseAccountState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CourseAccountState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(CourseAccountState::from)
    }
}
