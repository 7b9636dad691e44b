//! Upstream schema bugs, and places where the real Waldur server disagrees with its schema, repaired on
//! the parsed document before generation. One function per problem, in the manner of k8s-openapi's
//! `fixups/upstream_bugs.rs`.
//!
//! Every fixup knows two shapes of its target: the bug it repairs, and the fix, what the schema says
//! once upstream documents the real behaviour. On the bug it repairs; on the fix it steps aside
//! ([`Found::FixedUpstream`]: the document already says what the crate exposes, and where the crate's
//! type needs it the fixup still brings the fixed shape to that type); on anything else it fails with
//! "fixup `X` no longer applies", naming what it expected and what it found, so a change nobody has
//! judged never reaches the crate. `fixed_in` records the first release known to carry the fix.
//! Two fixups repair what the generator cannot express, not a schema bug; they have no fixed shape.
//!
//! The fixups themselves live beside this machinery, grouped by what they repair: `ordering` (the `o`
//! parameter), `responses` (create_bulk's and delete's documented answers) and `course_account` (the
//! CourseAccount schema and its state), with `targets` naming the places they share.

mod course_account;
mod ordering;
mod responses;
mod targets;

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use course_account::{
    course_account_project_dates_nullable, course_account_state_is_open, course_account_user_fields_nullable,
};
use ordering::ordering_is_one_comma_joined_value;
use responses::{create_bulk_may_answer_202, create_bulk_returns_course_accounts, destroy_may_answer_202_with_body};

/// A Waldur release number, compared as semver orders versions (`7.10.0 > 7.9.0`).
pub type Release = semver::Version;

/// Parses a schema's `info.version` leniently, as Waldur writes it: `7.8.7`, `v8.1`, `8.0.5-dev`
/// (a missing or unparsable part is taken as 0, and a suffix is dropped: a release's schema is
/// compared by its number; `None` when nothing parses).
pub fn parse_release(version: &str) -> Option<Release> {
    let mut parts = version.trim().trim_start_matches('v').split(['.', '-', '+']).map(|p| p.parse::<u64>().ok());
    let major = parts.next().flatten()?;
    Some(Release::new(major, parts.next().flatten().unwrap_or(0), parts.next().flatten().unwrap_or(0)))
}

/// A place a fixup acts on, as the change report locates changes
/// ([`crate::compare::Location::is_touched_by`] decides what it covers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    /// An operation, by operationId, with its parameters, bodies and responses.
    Operation(&'static str),
    /// A parameter of this name, of any operation.
    Parameter(&'static str),
    /// A type (by schema name or the Rust type replacing it), with its fields and values.
    Type(&'static str),
    /// The types a fixup makes one of per operation, named `{Operation}{suffix}`
    /// (`MarketplaceCourseAccountsOrderingField`), and the Rust types replacing them
    /// (`crate::ordering::Ordering<…>` ends in `Ordering`), with their fields and values.
    TypesEndingIn(&'static str),
    /// One field of a type: `(type, field)`.
    Field(&'static str, &'static str),
}

/// A named repair of the document.
pub struct Fixup {
    pub name: &'static str,
    /// The problem and the upstream releases it concerns, for messages and the generated header.
    pub concerns: &'static str,
    /// The first upstream release known to document the fix; `None`: none so far.
    pub fixed_in: Option<Release>,
    /// Where it acts: when it does not fit a document, the changes there are the uncertain ones.
    pub touches: &'static [Touch],
    apply: fn(&mut Value, &mut Applied) -> std::result::Result<Found, String>,
}

/// What a fixup found at its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// The bug: repaired.
    Bug,
    /// The fix: upstream documents the real behaviour; nothing to repair.
    FixedUpstream,
}

/// A fixup that found neither its bug nor its fix: the message says what it expected and found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misfit {
    pub fixup: &'static str,
    pub why: String,
}

/// What the fixups did, and the type replacements they ask of the generator.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Names of the fixups that repaired their bug, in order.
    pub ran: Vec<&'static str>,
    /// Names of the fixups that found upstream's fix (the document needs no repair there).
    pub fixed_upstream: Vec<&'static str>,
    /// `(schema name, Rust type path)`: generated code uses the hand-written type instead.
    pub replacements: Vec<(String, String)>,
}

/// The repairs, in the order they run.
pub const ALL: &[Fixup] = &[
    Fixup {
        name: "ordering_is_one_comma_joined_value",
        concerns: "the `o` ordering parameter is `explode: false` (one comma-joined value); progenitor 0.15.1 \
                   ignores `explode` and would send repeated `o=` keys, of which the server keeps only the last \
                   (all Waldur releases)",
        fixed_in: None,
        touches: &[
            Touch::Parameter("o"),
            Touch::Type("CourseAccountOEnum"),
            Touch::TypesEndingIn("OrderingField"),
            Touch::TypesEndingIn("Ordering"),
        ],
        apply: ordering_is_one_comma_joined_value,
    },
    Fixup {
        name: "create_bulk_returns_course_accounts",
        concerns: "create_bulk is documented to answer the request object `CourseAccountsBulkCreate`; the server \
                   answers a JSON array of CourseAccount (Waldur 7.8.7; fixed in 7.8.8)",
        fixed_in: Some(Release::new(7, 8, 8)),
        touches: &[
            Touch::Operation("marketplace_course_accounts_create_bulk"),
            Touch::Type("CourseAccountsBulkCreate"),
        ],
        apply: create_bulk_returns_course_accounts,
    },
    Fixup {
        name: "create_bulk_may_answer_202",
        concerns: "newer servers create bulk rows as Pending and answer 202 with the same array; the schema \
                   still lists only 200 (all releases so far)",
        fixed_in: None,
        touches: &[Touch::Operation("marketplace_course_accounts_create_bulk")],
        apply: create_bulk_may_answer_202,
    },
    Fixup {
        name: "destroy_may_answer_202_with_body",
        concerns: "delete is documented as 204 without a body; newer servers (8.1.3) answer 202 with the closed \
                   CourseAccount; both become one raw 2XX response the hand-written client decodes (all releases so far)",
        fixed_in: None,
        touches: &[Touch::Operation("marketplace_course_accounts_destroy")],
        apply: destroy_may_answer_202_with_body,
    },
    Fixup {
        name: "course_account_state_is_open",
        concerns: "the state enum grows (`Pending` arrived in 8.0.6) and a closed Rust enum would fail the whole \
                   response on a new value; state becomes the hand-written open enum, in responses and filters \
                   (all releases)",
        fixed_in: None,
        touches: &[
            Touch::Field("CourseAccount", "state"),
            Touch::Parameter("state"),
            Touch::Type("CourseAccountState"),
            Touch::Type("CourseAccountStateEnum"),
            Touch::Type("ServiceAccountState"),
        ],
        apply: course_account_state_is_open,
    },
    Fixup {
        name: "course_account_project_dates_nullable",
        concerns: "project_start_date/project_end_date are null for an undated project, but required and \
                   non-nullable in schemas before 8.0.8 (fixed in 8.0.8)",
        fixed_in: Some(Release::new(8, 0, 8)),
        touches: &[
            Touch::Field("CourseAccount", "project_start_date"),
            Touch::Field("CourseAccount", "project_end_date"),
        ],
        apply: course_account_project_dates_nullable,
    },
    Fixup {
        name: "course_account_user_fields_nullable",
        concerns: "user_uuid/username are left out of the JSON for an account whose user is not created yet \
                   (Pending: waldur-mastermind marketplace/serializers.py CourseAccountSerializer, whose dotted-source \
                   fields DRF skips) and null per the 8.1.3 Python client, but required and non-nullable in every \
                   published schema up to 8.1.2: they become optional and nullable",
        fixed_in: None,
        touches: &[Touch::Field("CourseAccount", "user_uuid"), Touch::Field("CourseAccount", "username")],
        apply: course_account_user_fields_nullable,
    },
];

/// Runs every fixup (or only those named in `only`) and stops at the first that fits neither its bug
/// nor its fix: generation must not go on with a document nobody has judged. `version` is
/// `info.version`, for the message.
pub fn apply_all(file: &Path, doc: &mut Value, version: &str, only: Option<&[String]>) -> Result<Applied> {
    if let Some(unknown) = only.into_iter().flatten().find(|n| !ALL.iter().any(|f| f.name == n.as_str())) {
        return Err(Error::new(file, crate::error::Place::File, format!("there is no fixup named `{unknown}`")));
    }
    let selected = ALL.iter().filter(|f| only.is_none_or(|names| names.iter().any(|n| n == f.name)));
    let (applied, misfits) = apply_each(doc, selected);
    match misfits.into_iter().next() {
        None => Ok(applied),
        Some(misfit) => Err(Error::new(file, crate::error::Place::File, misfit.message(version))),
    }
}

/// Runs every fixup of `fixups`, going past one that does not fit (the document stays as published
/// where it acts): the change report keeps the crate's view of everything else.
pub fn apply_each<'a>(doc: &mut Value, fixups: impl IntoIterator<Item = &'a Fixup>) -> (Applied, Vec<Misfit>) {
    let mut applied = Applied::default();
    let mut misfits = Vec::new();
    for fixup in fixups {
        // A fixup that fails part-way must not leave half a repair behind.
        let mut trial = doc.clone();
        match (fixup.apply)(&mut trial, &mut applied) {
            Ok(Found::Bug) => {
                *doc = trial;
                applied.ran.push(fixup.name);
            }
            Ok(Found::FixedUpstream) => {
                *doc = trial;
                applied.fixed_upstream.push(fixup.name);
            }
            Err(why) => misfits.push(Misfit { fixup: fixup.name, why }),
        }
    }
    (applied, misfits)
}

/// The fixup of this name.
pub fn named(name: &str) -> Option<&'static Fixup> {
    ALL.iter().find(|f| f.name == name)
}

impl Misfit {
    /// The message of a generation that stops on it.
    pub fn message(&self, version: &str) -> String {
        let concerns = named(self.fixup).map_or("", |f| f.concerns);
        format!(
            "fixup `{}` no longer applies to Waldur {version}: {}. It concerns: {concerns}. The schema there is \
             neither the bug it repairs nor upstream's fix: judge the change, then update the fixup",
            self.fixup, self.why
        )
    }
}
