//! Renders the fixed-up document into Rust with progenitor (as a library) and prettyplease, and stamps
//! the `@generated` header. Pure: the same document always gives the same bytes.

use std::collections::BTreeSet;
use std::path::Path;

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::error::{Error, Place, Result};
use crate::fixups::Applied;
use crate::openapi::operations;
use crate::panics;

/// The progenitor release the workspace pins (`=0.15.1` in Cargo.toml; a test keeps them equal).
pub const PROGENITOR_VERSION: &str = "0.15.1";

fn settings(applied: &Applied, standalone: bool) -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_derive("PartialEq");
    if !standalone {
        // The hand-written `transport` module implements ClientHooks (retries, header hygiene); Expected
        // makes a missing implementation a compile error instead of silently falling back.
        settings.with_hooks(progenitor::HooksMode::Expected).with_inner_type(quote!(crate::transport::Inner));
    }
    for (schema, rust_type) in &applied.replacements {
        settings.with_replacement(schema, rust_type, std::iter::empty());
    }
    settings
}

/// Runs progenitor on `doc`; a panic is caught and, when possible, pinned to the operation causing it.
pub fn tokens(file: &Path, doc: &Value, applied: &Applied, standalone: bool) -> Result<TokenStream> {
    match generate_once(file, doc, applied, standalone) {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(e),
        Err(panic) => Err(locate_panic(file, doc, applied, standalone).unwrap_or_else(|| {
            Error::new(file, Place::Pointer(String::new()), format!("the generator panicked: {panic}"))
        })),
    }
}

/// `Err(panic message)` on a panic; `Ok(Err)` on an ordinary generator error.
fn generate_once(
    file: &Path,
    doc: &Value,
    applied: &Applied,
    standalone: bool,
) -> std::result::Result<Result<TokenStream>, String> {
    let api: openapiv3::OpenAPI = match serde_path_to_error::deserialize(doc) {
        Ok(api) => api,
        Err(e) => {
            let pointer = json_pointer(e.path());
            return Ok(Err(Error::at(file, pointer, format!("not a valid OpenAPI 3.0 document here: {}", e.inner()))));
        }
    };
    let settings = settings(applied, standalone);
    panics::catch(move || {
        let mut generator = progenitor::Generator::new(&settings);
        generator
            .generate_tokens(&api)
            .map_err(|e| Error::new(file, Place::Pointer(String::new()), format!("progenitor: {e}")))
    })
}

/// Converts serde_path_to_error's path (`paths./api/x/.get.responses`) into a JSON pointer.
fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .map(|segment| match segment {
            Segment::Seq { index } => format!("/{index}"),
            Segment::Map { key } => format!("/{}", crate::openapi::escape_pointer(key)),
            Segment::Enum { variant } => format!("/{}", crate::openapi::escape_pointer(variant)),
            Segment::Unknown => "/?".to_string(),
        })
        .collect()
}

/// Re-runs generation with one operation at a time to find which one panics.
fn locate_panic(file: &Path, doc: &Value, applied: &Applied, standalone: bool) -> Option<Error> {
    let mut types_only = doc.clone();
    types_only["paths"] = Value::Object(Default::default());
    if let Err(panic) = generate_once(file, &types_only, applied, standalone) {
        return Some(Error::at(
            file,
            "/components/schemas",
            format!("the generator panicked while converting the component schemas: {panic}"),
        ));
    }
    for op in operations(doc) {
        let mut single = types_only.clone();
        let mut item = op.path_item.clone();
        if let Some(map) = item.as_object_mut() {
            map.retain(|k, _| !crate::openapi::METHODS.contains(&k.as_str()) || k == op.method);
        }
        single["paths"][op.path] = item;
        if let Err(panic) = generate_once(file, &single, applied, standalone) {
            return Some(Error::new(
                file,
                Place::Operation { id: op.id().to_string(), pointer: op.pointer.clone() },
                format!("the generator panicked on this operation: {panic}"),
            ));
        }
    }
    None
}

/// An operation as the halving search tracks it: where it is, what it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OpKey {
    path: String,
    method: String,
    id: String,
    pointer: String,
}

/// The operations of `doc`, in document order.
fn op_keys(doc: &Value) -> Vec<OpKey> {
    operations(doc)
        .iter()
        .map(|o| OpKey {
            path: o.path.to_string(),
            method: o.method.to_string(),
            id: o.id().to_string(),
            pointer: o.pointer.clone(),
        })
        .collect()
}

/// `doc` with only the operations `keep`.
fn subset(doc: &Value, keep: &[OpKey]) -> Value {
    let mut out = doc.clone();
    for op in op_keys(doc) {
        if !keep.iter().any(|k| k.path == op.path && k.method == op.method) {
            crate::remove_operation(&mut out, &op.path, &op.method);
        }
    }
    out
}

/// Generates, leaving out (and reporting) each operation on which progenitor panics or errs.
/// Failures in the component schemas themselves cannot be skipped and are returned.
pub fn tokens_skipping(
    file: &Path,
    doc: &mut Value,
    applied: &Applied,
    standalone: bool,
) -> Result<(TokenStream, Vec<crate::Skipped>)> {
    let mut skipped = Vec::new();
    loop {
        let failure = match generate_once(file, doc, applied, standalone) {
            Ok(Ok(tokens)) => return Ok((tokens, skipped)),
            Ok(Err(e)) => e.message,
            Err(panic) => format!("the generator panicked: {panic}"),
        };
        let fails = |keep: &[OpKey]| !matches!(generate_once(file, &subset(doc, keep), applied, standalone), Ok(Ok(_)));
        if fails(&[]) {
            return Err(Error::at(
                file,
                "/components/schemas",
                format!("the component schemas cannot be generated: {failure}"),
            ));
        }
        // Halve the operations until one fails alone.
        let mut candidates = op_keys(doc);
        while candidates.len() > 1 {
            let (left, right) = candidates.split_at(candidates.len() / 2);
            candidates = if fails(left) { left.to_vec() } else { right.to_vec() };
        }
        let Some(culprit) = candidates.pop().filter(|c| fails(std::slice::from_ref(c))) else {
            return Err(Error::at(
                file,
                "/paths",
                format!("generation fails only for a combination of operations: {failure}"),
            ));
        };
        let reason = match generate_once(file, &subset(doc, std::slice::from_ref(&culprit)), applied, standalone) {
            Ok(Err(e)) => e.message,
            Err(panic) => format!("the generator panicked: {panic}"),
            Ok(Ok(_)) => failure,
        };
        crate::remove_operation(doc, &culprit.path, &culprit.method);
        skipped.push(crate::Skipped { operation: culprit.id, pointer: culprit.pointer, reason });
    }
}

/// Marks the response-only structs `#[non_exhaustive]` (see [`crate::exhaustive`]) and formats the
/// tokens with prettyplease; a parse failure is a generator bug and says so.
pub fn format(file: &Path, tokens: TokenStream, response_only: &BTreeSet<String>) -> Result<String> {
    let mut parsed: syn::File = syn::parse2(tokens)
        .map_err(|e| Error::new(file, Place::File, format!("progenitor produced code that does not parse: {e}")))?;
    crate::exhaustive::mark(&mut parsed, response_only);
    Ok(prettyplease::unparse(&parsed))
}
