//! Where a change is: a typed place in the crate's view (a type, a field, an operation and its
//! parameters, bodies and responses), printed as the report names it (`operation x`,
//! `query parameter `o` of x`, `CourseAccount.state`), and matched against the places a fixup
//! touches ([`crate::fixups::Touch`]) without comparing text.

use std::fmt;

use crate::fixups::Touch;

/// A place in the crate's view of a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A type as a whole (added or removed): `type X`.
    Type(String),
    /// A type's own enum values: `X`.
    Values(String),
    /// One field of a type (and its enum values): `X.field`.
    Field { schema: String, field: String },
    /// An operation as a whole: `operation x`.
    Operation(String),
    /// A parameter (`place` is its OpenAPI `in`: query, path or header): `query parameter `o` of x`.
    Parameter { operation: String, place: String, name: String },
    /// The request body: `request body of x`.
    RequestBody(String),
    /// One documented response: `response 200 of x`.
    Response { operation: String, status: String },
}

impl Location {
    /// The operation the place belongs to, if any.
    pub fn operation(&self) -> Option<&str> {
        match self {
            Location::Operation(id)
            | Location::RequestBody(id)
            | Location::Parameter { operation: id, .. }
            | Location::Response { operation: id, .. } => Some(id),
            _ => None,
        }
    }

    /// The type the place belongs to, if any.
    pub fn schema(&self) -> Option<&str> {
        match self {
            Location::Type(name) | Location::Values(name) | Location::Field { schema: name, .. } => Some(name),
            _ => None,
        }
    }

    /// True when `touch` covers this place: an operation covers its parameters, bodies and
    /// responses; a type its fields and values; a parameter name that parameter of any operation.
    /// A type is named as the schema (`CourseAccountOEnum`) or as the hand-written Rust type that
    /// replaces it in the crate's view (`crate::state::CourseAccountState` is `CourseAccountState`).
    pub fn is_touched_by(&self, touch: &Touch) -> bool {
        // `crate::ordering::Ordering<MarketplaceCourseAccountsOrderingField>` is named `Ordering`.
        let base = |name: &str| {
            let path = name.split('<').next().unwrap_or(name);
            path.rsplit("::").next().unwrap_or(path).to_string()
        };
        let same_type = |name: &str, wanted: &str| name == wanted || base(name) == wanted;
        match (touch, self) {
            (Touch::Operation(id), _) => self.operation() == Some(*id),
            (Touch::Parameter(wanted), Location::Parameter { name, .. }) => name == wanted,
            (Touch::Type(wanted), _) => self.schema().is_some_and(|name| same_type(name, wanted)),
            (Touch::TypesEndingIn(suffix), _) => self.schema().is_some_and(|name| base(name).ends_with(suffix)),
            (Touch::Field(schema, wanted), Location::Field { schema: name, field }) => {
                same_type(name, schema) && field == wanted
            }
            _ => false,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Type(name) => write!(f, "type {name}"),
            Location::Values(name) => f.write_str(name),
            Location::Field { schema, field } => write!(f, "{schema}.{field}"),
            Location::Operation(id) => write!(f, "operation {id}"),
            Location::Parameter { operation, place, name } => write!(f, "{place} parameter `{name}` of {operation}"),
            Location::RequestBody(id) => write!(f, "request body of {id}"),
            Location::Response { operation, status } => write!(f, "response {status} of {operation}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(schema: &str, field: &str) -> Location {
        Location::Field { schema: schema.into(), field: field.into() }
    }

    #[test]
    fn places_print_as_the_report_names_them() {
        let o = Location::Parameter { operation: "x_list".into(), place: "query".into(), name: "o".into() };
        assert_eq!(o.to_string(), "query parameter `o` of x_list");
        assert_eq!(field("CourseAccount", "state").to_string(), "CourseAccount.state");
        assert_eq!(Location::Type("T".into()).to_string(), "type T");
        assert_eq!(Location::Response { operation: "x".into(), status: "202".into() }.to_string(), "response 202 of x");
    }

    #[test]
    fn a_touch_covers_its_place_and_what_belongs_to_it_only() {
        let op = Touch::Operation("x_destroy");
        assert!(Location::Response { operation: "x_destroy".into(), status: "202".into() }.is_touched_by(&op));
        assert!(!Location::Operation("x_destroy_all".into()).is_touched_by(&op), "a name that only starts alike");
        let state = Touch::Type("CourseAccountState");
        assert!(Location::Values("crate::state::CourseAccountState".into()).is_touched_by(&state), "the Rust type");
        assert!(!Location::Type("CourseAccountStateEnum".into()).is_touched_by(&state), "another type");
        assert!(field("CourseAccountState", "x").is_touched_by(&state));
        let user = Touch::Field("CourseAccount", "username");
        assert!(field("CourseAccount", "username").is_touched_by(&user));
        assert!(!field("CourseAccount", "user_uuid").is_touched_by(&user));
        let ordering = Touch::TypesEndingIn("Ordering");
        let replaced = "crate::ordering::Ordering<MarketplaceCourseAccountsOrderingField>";
        assert!(Location::Type(replaced.into()).is_touched_by(&ordering), "the Rust type, generic");
        assert!(
            Location::Values("MarketplaceCourseAccountsOrderingField".into())
                .is_touched_by(&Touch::TypesEndingIn("OrderingField"))
        );
        assert!(!Location::Type("MarketplaceCourseAccountsOrderingField".into()).is_touched_by(&ordering));
        let o = Location::Parameter { operation: "y".into(), place: "query".into(), name: "o".into() };
        assert!(o.is_touched_by(&Touch::Parameter("o")));
        assert!(!o.is_touched_by(&Touch::Parameter("ordering")));
    }
}
