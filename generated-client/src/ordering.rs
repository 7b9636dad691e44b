//! Ordering of list results, sent the way the server reads it: ONE comma-joined `o` value.
//!
//! The schema declares `o` as `explode: false`; Django's ordering filter splits one value on commas and,
//! given repeated `o=` keys, silently uses only the last. progenitor ignores `explode`, so the
//! `ordering_is_one_comma_joined_value` fixup makes generated code take this type, whose `Serialize`
//! writes a single string.

use std::fmt;

use serde::{Serialize, Serializer};

/// Sort direction of one ordering field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Smallest first.
    Ascending,
    /// Sent with a `-` prefix.
    Descending,
}

/// An ordered list of fields to sort by; `F` is the generated field enum of the operation.
///
/// ```
/// use waldur_course_accounts::{Ordering, OrderingField};
/// let o = Ordering::new().desc(OrderingField::Created).asc(OrderingField::Email);
/// assert_eq!(o.to_string(), "-created,email");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ordering<F> {
    keys: Vec<(F, Direction)>,
}

impl<F> Default for Ordering<F> {
    fn default() -> Self {
        Ordering { keys: Vec::new() }
    }
}

impl<F> Ordering<F> {
    /// No ordering: the server's default order.
    pub fn new() -> Self {
        Self::default()
    }

    /// Then by `field`, ascending.
    pub fn asc(mut self, field: F) -> Self {
        self.keys.push((field, Direction::Ascending));
        self
    }

    /// Then by `field`, descending.
    pub fn desc(mut self, field: F) -> Self {
        self.keys.push((field, Direction::Descending));
        self
    }

    /// The fields in order, with their directions.
    pub fn keys(&self) -> &[(F, Direction)] {
        &self.keys
    }

    /// Whether no field is given (the server's default order).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl<F: fmt::Display> fmt::Display for Ordering<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (field, direction)) in self.keys.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if *direction == Direction::Descending {
                f.write_str("-")?;
            }
            write!(f, "{field}")?;
        }
        Ok(())
    }
}

impl<F: fmt::Display> Serialize for Ordering<F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<F> From<Vec<(F, Direction)>> for Ordering<F> {
    fn from(keys: Vec<(F, Direction)>) -> Self {
        Ordering { keys }
    }
}
