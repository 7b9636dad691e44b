//! Turns the fixed-up document into Rust: progenitor (as a library) makes the tokens, prettyplease
//! formats them. Pure: the same document always gives the same bytes.

use std::collections::BTreeSet;
use std::path::Path;

use proc_macro2::TokenStream;
use progenitor::GenerationSettings;
use quote::quote;
use serde_json::Value;

use crate::error::{Error, Place, Result};
use crate::fixups::Applied;
use crate::openapi::operations;
use crate::panics;

/// The progenitor release the workspace pins (`=0.15.1` in Cargo.toml; a test keeps them equal).
pub const PROGENITOR_VERSION: &str = "0.15.1";

/// The generator's settings for the published client: the builder interface, and the type
/// replacements the fixups ask for.
pub fn settings(applied: &Applied) -> progenitor::GenerationSettings {
    let mut settings = plain_settings(applied);
    // The hand-written `transport` module implements ClientHooks (retries, header hygiene); Expected
    // makes a missing implementation a compile error instead of silently falling back.
    settings.with_hooks(progenitor::HooksMode::Expected).with_inner_type(quote!(crate::transport::Inner));
    settings
}

/// [`settings`] without the hand-written transport: for a client that stands alone (the whole-API
/// check, `tests/whole-api`).
pub fn plain_settings(applied: &Applied) -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_derive("PartialEq");
    for (schema, rust_type) in &applied.replacements {
        settings.with_replacement(schema, rust_type, std::iter::empty());
    }
    settings
}

/// Runs progenitor on `doc`; a panic is caught and, when possible, pinned to the operation causing it.
pub fn tokens(file: &Path, doc: &Value, settings: &GenerationSettings) -> Result<TokenStream> {
    match attempt(file, doc, settings) {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(e),
        Err(panic) => Err(locate_panic(file, doc, settings).unwrap_or_else(|| {
            Error::new(file, Place::Pointer(String::new()), format!("the generator panicked: {panic}"))
        })),
    }
}

/// One run of progenitor: `Err(panic message)` on a panic; `Ok(Err)` on an ordinary generator error.
pub fn attempt(
    file: &Path,
    doc: &Value,
    settings: &GenerationSettings,
) -> std::result::Result<Result<TokenStream>, String> {
    let api: openapiv3::OpenAPI = match serde_path_to_error::deserialize(doc) {
        Ok(api) => api,
        Err(e) => {
            let pointer = json_pointer(e.path());
            return Ok(Err(Error::at(file, pointer, format!("not a valid OpenAPI 3.0 document here: {}", e.inner()))));
        }
    };
    panics::catch(move || {
        let mut generator = progenitor::Generator::new(settings);
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
fn locate_panic(file: &Path, doc: &Value, settings: &GenerationSettings) -> Option<Error> {
    let mut types_only = doc.clone();
    types_only["paths"] = Value::Object(Default::default());
    if let Err(panic) = attempt(file, &types_only, settings) {
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
        if let Err(panic) = attempt(file, &single, settings) {
            return Some(Error::new(
                file,
                Place::Operation { id: op.id().to_string(), pointer: op.pointer.clone() },
                format!("the generator panicked on this operation: {panic}"),
            ));
        }
    }
    None
}

/// Marks the response-only structs `#[non_exhaustive]` (see [`crate::exhaustive`]) and formats the
/// tokens with prettyplease; a parse failure is a generator bug and says so.
pub fn format(file: &Path, tokens: TokenStream, response_only: &BTreeSet<String>) -> Result<String> {
    let mut parsed: syn::File = syn::parse2(tokens)
        .map_err(|e| Error::new(file, Place::File, format!("progenitor produced code that does not parse: {e}")))?;
    crate::exhaustive::mark(&mut parsed, response_only);
    Ok(prettyplease::unparse(&parsed))
}
