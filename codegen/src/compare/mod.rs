//! The API change report between two schema versions, for consumers of the generated crate: every
//! added, removed or changed operation, parameter, field, enum value, nullability and status, classed
//! breaking or compatible *for a Rust caller*, and the semver bump that follows.
//!
//! The classes follow Rust's semver rules for the generated code: its structs have public fields and
//! its enums are exhaustive, so a new field or a new enum value breaks code that builds the struct with
//! a literal or matches the enum exhaustively, even though it is harmless on the wire. Two exceptions,
//! both decided elsewhere and only read here: enums a fixup replaces with an open hand-written type
//! (the course-account state), and response-only structs, which are `#[non_exhaustive]`
//! ([`crate::exhaustive`]), so a field added to them is compatible.
//!
//! One file per job: `diff` walks the two documents and lists what changed, `classify` decides what
//! each kind of change means for a Rust caller, `crate_view` turns a schema into what the crate
//! exposes, `location` names where a change is, and `report` renders the result for humans and for JSON.

mod classify;
mod crate_view;
mod diff;
mod location;
mod report;

pub use classify::{Bump, Change, ChangeKind, Class};
pub use location::Location;
pub use report::Report;

use crate::load::Spec;
use crate_view::crate_view;
use diff::{Side, compare_operations, compare_schemas};

/// Compares two documents (slices or whole schemas; operations matched by operationId) as the crate
/// sees them: each after its release's fixups, with every schema a fixup replaces by a hand-written
/// type shown as that Rust type (so `ServiceAccountState` in 7.8.7 and `CourseAccountStateEnum` in 8.x
/// are both the open `CourseAccountState`, and a nullability a fixup already gave is no change). A
/// fixup that fits neither document's bug nor its fix leaves only its own places as published, and
/// the changes there are marked uncertain ([`Report::misfits`]).
pub fn compare(old: &Spec, new: &Spec) -> Report {
    let (old_view, old_applied, old_misfits) = crate_view(old);
    let (new_view, new_applied, new_misfits) = crate_view(new);
    let (a, b) = (Side::new(&old_view), Side::new(&new_view));
    let mut changes = Vec::new();
    compare_schemas(&a, &b, &mut changes);
    compare_operations(&a, &b, &mut changes);
    let release = |spec: &Spec| spec.version().unwrap_or("?").to_string();
    let misfits: Vec<(String, crate::fixups::Misfit)> = old_misfits
        .into_iter()
        .map(|m| (release(old), m))
        .chain(new_misfits.into_iter().map(|m| (release(new), m)))
        .collect();
    for change in &mut changes {
        change.uncertain = misfits.iter().map(|(_, m)| m.fixup).find(|name| {
            crate::fixups::named(name)
                .is_some_and(|f| f.touches.iter().any(|touch| change.location.is_touched_by(touch)))
        });
    }
    // By class, then by place as printed (the report's order), then by kind.
    changes.sort_by_cached_key(|c| (c.class(), c.location.to_string(), c.kind.as_str()));
    let fixed_upstream =
        new_applied.fixed_upstream.iter().copied().filter(|name| old_applied.ran.contains(name)).collect();
    Report { from: release(old), to: release(new), changes, misfits, fixed_upstream }
}
