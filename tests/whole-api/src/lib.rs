//! The generator on a whole Waldur schema (every operation, ~1,800), run by `cargo xtask whole-api`
//! and by this crate's test: it shows that the course-accounts generator's choices hold at the scale
//! of the whole API, and measures its time and memory there. Not part of the published client nor of
//! `cargo xtask codegen`: the fragment's straight line (`codegen::render`) knows nothing of this.
//!
//! What a whole schema needs on top of the fragment's path:
//! - [`generic_fixups`]: shapes that occur all over the schema, repaired wherever they are;
//! - [`skip`]: operations progenitor 0.15.1 cannot take are left out and reported, by the pre-check
//!   (`codegen::validate::supported_operation`) and, for a shape it does not know, a halving search;
//! - [`chunked`]: a 600,000-line file formatted a chunk of items at a time (its syntax tree at once
//!   took 1.2 GiB), byte-identical to formatting it whole;
//! - [`measure`]: the peak memory figures the command prints.

pub mod chunked;
pub mod generic_fixups;
pub mod measure;
pub mod skip;

use codegen::{Fixups, Result, Spec, fixups::Applied};

pub use skip::Skipped;

/// The command that renders a whole schema, named in the generated file's header.
pub const COMMAND: &str = "cargo xtask whole-api";

/// A whole schema rendered into one standalone client.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The complete contents of the scratch crate's `generated.rs`.
    pub code: String,
    /// The course-accounts fixups (and the type replacements the generic ones added).
    pub fixups: Applied,
    /// Each generic fixup with the number of places it changed.
    pub generic: Vec<(&'static str, usize)>,
    /// Operations generated.
    pub operations: usize,
    /// Operations left out, and why.
    pub skipped: Vec<Skipped>,
}

/// Renders every operation of `spec` that progenitor can take into a client that stands alone (no
/// hand-written transport to plug into); `label` names the spec in the header.
pub fn render(spec: &Spec, label: &str) -> Result<Rendered> {
    let file = spec.path.as_path();
    codegen::validate::structure(file, &spec.value)?;
    let mut doc = spec.value.clone();
    let mut fixups = codegen::apply_fixups(spec, &mut doc, &Fixups::All)?;
    let generic = generic_fixups::apply_all(&mut doc, &mut fixups);
    let mut skipped = skip::unsupported(file, &mut doc, &fixups);
    let settings = codegen::generate::plain_settings(&fixups);
    let tokens = skip::generate_skipping_failures(file, &mut doc, &settings, &mut skipped)?;
    let body = chunked::format(file, tokens, &codegen::exhaustive::response_only(&doc))?;
    let mut header = codegen::header(spec, label, &fixups, COMMAND);
    let counts: Vec<String> = generic.iter().map(|(name, n)| format!("{name} ({n} places)")).collect();
    header.push_str(&format!("// Generic fixups (whole schema): {}\n", counts.join(", ")));
    for skip in &skipped {
        header.push_str(&format!("// Left out: {} ({}): {}\n", skip.operation, skip.pointer, skip.reason));
    }
    let operations = codegen::openapi::operations(&doc).len();
    Ok(Rendered { code: format!("{header}\n{body}"), fixups, generic, operations, skipped })
}
