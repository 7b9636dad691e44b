//! A list sent as ONE comma-joined query value, for the `explode: false` array parameters of a
//! whole-schema client (`cargo xtask whole-api`): the generic fixup
//! `explode_false_arrays_comma_joined` makes generated code take this type. progenitor 0.15.1 ignores
//! `explode` and would send repeated keys, of which Django's filters keep only the last. This file is
//! not part of the published client (the course-accounts fragment has no such parameter but `o`,
//! which has its own `Ordering`); the whole-API scratch crate includes it by path.

use std::fmt;

use serde::{Serialize, Serializer};

/// Values sent as `a,b,c`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CommaJoined<T>(pub Vec<T>);

impl<T: fmt::Display> fmt::Display for CommaJoined<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, value) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{value}")?;
        }
        Ok(())
    }
}

impl<T: fmt::Display> Serialize for CommaJoined<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<T> From<Vec<T>> for CommaJoined<T> {
    fn from(values: Vec<T>) -> Self {
        CommaJoined(values)
    }
}
