//! When two emails name the same student. Stated once, here, and used by bulk planning, reconcile,
//! the command line and the tests' "no duplicate account" checks, so that they cannot disagree.
//!
//! Waldur itself has two rules, and neither is this one: `create_bulk` compares addresses exactly as
//! sent (waldur-mastermind `marketplace/views.py`, `CourseAccountViewSet.create_bulk`), and the single
//! `create` compares nothing (it always makes an account). Mail systems treat the domain, and in
//! practice the local part, without case, so `Ada@example.edu` and `ada@example.edu` are one student:
//! sent to Waldur's bulk create beside an account for the other spelling, the second spelling gets a
//! second account. The client therefore decides "has an account" by this key, and "what Waldur will
//! do with it" by the exact address ([`as_sent`]).

/// An email as it is sent: surrounding whitespace removed (the server strips it too), nothing else
/// changed.
pub fn as_sent(email: &str) -> &str {
    email.trim()
}

/// The key under which emails are the same student: [`as_sent`], then lowercased with Unicode's
/// full case mapping ([`str::to_lowercase`]: `Ä` and `ä` are one key, as for `A` and `a`). Two emails
/// with equal keys are one student to the client, whatever Waldur would do with them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailKey(String);

impl EmailKey {
    /// The key of `email`.
    pub fn of(email: &str) -> EmailKey {
        EmailKey(as_sent(email).to_lowercase())
    }

    /// The key as text (lowercase, trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_ignores_surrounding_space_and_case_including_non_ascii_letters() {
        assert_eq!(EmailKey::of("  Ada@Example.EDU\t"), EmailKey::of("ada@example.edu"));
        assert_eq!(EmailKey::of("ÄNNE@example.edu"), EmailKey::of("änne@example.edu"));
        assert_ne!(EmailKey::of("ada@example.edu"), EmailKey::of("ada.b@example.edu"));
        assert_eq!(as_sent(" Ada@example.edu "), "Ada@example.edu");
    }
}
