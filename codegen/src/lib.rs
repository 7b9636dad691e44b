//! The generator behind `cargo xtask codegen`: load the Waldur course-accounts OpenAPI fragment,
//! validate it, apply the named fixups, render the client with progenitor, and compare or write the
//! result. [`render`] is the one pure function that generation, `--check` and the drift test share.

pub mod check;
pub mod compare;
pub mod error;
pub mod exhaustive;
pub mod extract;
pub mod fixups;
pub mod generate;
pub mod generic_fixups;
pub mod load;
pub mod measure;
pub mod openapi;
mod panics;
pub mod release;
pub mod surface;
pub mod validate;
pub mod write;

use std::path::Path;

pub use error::{Error, Place, Result};
pub use load::Spec;

/// Workspace-relative defaults of the `codegen` command.
pub const DEFAULT_SPEC: &str = "openapi/course-accounts.yaml";
pub const DEFAULT_OUT: &str = "generated-client/src/generated.rs";

/// The command that regenerates the checked-in client, quoted in headers and `--check` failures.
pub const REGENERATE: &str = "cargo xtask codegen";

/// Which fixups to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fixups {
    /// All of [`fixups::ALL`] (the course-accounts fragment).
    All,
    /// None (generic documents: the edge-case corpus, other APIs).
    None,
    /// Only these, by name (to show what one fixup does).
    Only(Vec<String>),
}

/// How to render.
#[derive(Debug, Clone)]
pub struct Options {
    pub fixups: Fixups,
    /// The spec's path as it is named in the header (workspace-relative, `/`-separated).
    pub spec_label: String,
    /// Leave out operations the generator cannot handle, and report them, instead of failing.
    pub skip_unsupported: bool,
    /// Generate a client that stands alone (no hand-written `transport` module to plug into), for
    /// documents other than the fragment, such as the whole Waldur API.
    pub standalone: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            fixups: Fixups::All,
            spec_label: DEFAULT_SPEC.to_string(),
            skip_unsupported: false,
            standalone: false,
        }
    }
}

/// An operation left out by `skip_unsupported`, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub operation: String,
    pub pointer: String,
    pub reason: String,
}

/// The document ready for generation.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub doc: serde_json::Value,
    pub fixups: fixups::Applied,
    pub skipped: Vec<Skipped>,
}

/// The rendered client and what it took to get there.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The complete contents of `generated.rs`.
    pub code: String,
    pub fixups: fixups::Applied,
    pub operations: usize,
    /// Operations left out (only with `skip_unsupported`).
    pub skipped: Vec<Skipped>,
}

/// The document the client is generated from: validated, with the fixups applied. The contract tests
/// validate recordings against it (it describes the real server better than the raw schema).
pub fn prepare(spec: &Spec, options: &Options) -> Result<Prepared> {
    let file = spec.path.as_path();
    validate::structure(file, &spec.value)?;
    let mut doc = spec.value.clone();
    let version = spec.version().unwrap_or_default().to_string();
    let mut applied = match &options.fixups {
        Fixups::All => fixups::apply_all(file, &mut doc, &version, None)?,
        Fixups::None => fixups::Applied::default(),
        Fixups::Only(names) => fixups::apply_all(file, &mut doc, &version, Some(names))?,
    };
    if options.standalone && options.fixups != Fixups::None {
        generic_fixups::apply_all(&mut doc, &mut applied);
    }
    let replaced = applied.replacements.iter().map(|(name, _)| name.clone()).collect();
    let mut skipped = Vec::new();
    if options.skip_unsupported {
        let refused: Vec<(String, String, Skipped)> = openapi::operations(&doc)
            .iter()
            .filter_map(|op| {
                validate::supported_operation(file, &doc, op, &replaced).err().map(|e| {
                    let skip =
                        Skipped { operation: op.id().to_string(), pointer: op.pointer.clone(), reason: e.message };
                    (op.path.to_string(), op.method.to_string(), skip)
                })
            })
            .collect();
        for (path, method, skip) in refused {
            remove_operation(&mut doc, &path, &method);
            skipped.push(skip);
        }
    } else {
        validate::supported(file, &doc, &replaced)?;
    }
    Ok(Prepared { doc, fixups: applied, skipped })
}

/// Drops one operation (and its path item when nothing is left in it).
pub(crate) fn remove_operation(doc: &mut serde_json::Value, path: &str, method: &str) {
    if let Some(paths) = doc.get_mut("paths").and_then(serde_json::Value::as_object_mut)
        && let Some(item) = paths.get_mut(path).and_then(serde_json::Value::as_object_mut)
    {
        item.shift_remove(method);
        if !item.keys().any(|k| openapi::METHODS.contains(&k.as_str())) {
            paths.shift_remove(path);
        }
    }
}

/// Loads nothing and writes nothing: document in, file contents out.
pub fn render(spec: &Spec, options: &Options) -> Result<Rendered> {
    let file = spec.path.as_path();
    let version = spec.version().unwrap_or_default().to_string();
    let Prepared { mut doc, fixups: applied, mut skipped } = prepare(spec, options)?;
    let tokens = if options.skip_unsupported {
        let (tokens, more) = generate::tokens_skipping(file, &mut doc, &applied, options.standalone)?;
        skipped.extend(more);
        tokens
    } else {
        generate::tokens(file, &doc, &applied, options.standalone)?
    };
    let body = generate::format(file, tokens, &exhaustive::response_only(&doc))?;
    let operations = openapi::operations(&doc).len();
    let code = format!("{}{body}", header(spec, options, &applied, &version, &skipped));
    Ok(Rendered { code, fixups: applied, operations, skipped })
}

/// Loads `spec_path` and renders it.
pub fn render_file(spec_path: &Path, options: &Options) -> Result<Rendered> {
    render(&Spec::load(spec_path)?, options)
}

fn header(spec: &Spec, options: &Options, applied: &fixups::Applied, version: &str, skipped: &[Skipped]) -> String {
    let mut h = String::new();
    h.push_str(&format!(
        "// @generated by `{REGENERATE}`. DO NOT EDIT: change the spec or the generator, then regenerate.\n"
    ));
    h.push_str(&format!("// Spec: {} (Waldur API {version})\n", options.spec_label));
    h.push_str(&format!("// Spec sha256: {}\n", spec.sha256));
    h.push_str(&format!(
        "// Generator: progenitor {} (codegen {}), formatted by prettyplease\n",
        generate::PROGENITOR_VERSION,
        env!("CARGO_PKG_VERSION")
    ));
    let list = |names: &[&str]| if names.is_empty() { "none".to_string() } else { names.join(", ") };
    h.push_str(&format!("// Fixups applied: {}\n", list(&applied.ran)));
    if !applied.fixed_upstream.is_empty() {
        h.push_str(&format!("// Fixups not needed for this release: {}\n", list(&applied.fixed_upstream)));
    }
    if !applied.generic.is_empty() {
        let counts: Vec<String> = applied.generic.iter().map(|(name, n)| format!("{name} ({n} places)")).collect();
        h.push_str(&format!("// Generic fixups (whole schema): {}\n", counts.join(", ")));
    }
    for skip in skipped {
        h.push_str(&format!("// Left out: {} ({}): {}\n", skip.operation, skip.pointer, skip.reason));
    }
    h.push('\n');
    h
}
