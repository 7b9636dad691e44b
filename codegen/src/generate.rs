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

/// Generates, leaving out (and reporting) each operation on which progenitor panics or errs. The
/// shapes the pre-check (`validate::supported_operation`) knows are left out before this runs, so the
/// whole schema normally generates in one pass; this halving search is the fallback for a shape it
/// does not know yet, and its reason says so. Failures in the component schemas themselves cannot be
/// skipped and are returned.
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
        let found = match generate_once(file, &subset(doc, std::slice::from_ref(&culprit)), applied, standalone) {
            Ok(Err(e)) => e.message,
            Err(panic) => format!("the generator panicked: {panic}"),
            Ok(Ok(_)) => failure,
        };
        // Found by the slow search: a shape the pre-check should know (validate::supported_operation).
        let reason = format!("{found} [not caught by the pre-check: a shape to add to validate::supported_operation]");
        crate::remove_operation(doc, &culprit.path, &culprit.method);
        skipped.push(crate::Skipped { operation: culprit.id, pointer: culprit.pointer, reason });
    }
}

/// Marks the response-only structs `#[non_exhaustive]` (see [`crate::exhaustive`]) and formats the
/// tokens with prettyplease; a parse failure is a generator bug and says so.
///
/// A whole-schema client is 600,000+ lines: its syntax tree at once took 1.2 GiB. So the tokens are
/// formatted in pieces: each module or impl block is opened, its items are formatted a chunk at a
/// time inside the same enclosing blocks (so prettyplease indents them exactly as in the whole file),
/// and the pieces are joined. The result is byte-identical to formatting the file at once (a test
/// compares both).
pub fn format(file: &Path, tokens: TokenStream, response_only: &BTreeSet<String>) -> Result<String> {
    format_in_chunks(file, tokens, response_only, CHUNK_ITEMS)
}

/// Items formatted together: small enough to bound memory, large enough that the per-chunk cost is noise.
const CHUNK_ITEMS: usize = 1024;

/// Formats `tokens` at once (the reference the chunked formatter must equal).
pub fn format_whole(file: &Path, tokens: TokenStream, response_only: &BTreeSet<String>) -> Result<String> {
    let mut parsed: syn::File = syn::parse2(tokens)
        .map_err(|e| Error::new(file, Place::File, format!("progenitor produced code that does not parse: {e}")))?;
    crate::exhaustive::mark(&mut parsed, response_only);
    Ok(prettyplease::unparse(&parsed))
}

/// [`format`] with a chosen chunk size (tests use tiny ones to exercise the joins).
pub fn format_in_chunks(
    file: &Path,
    tokens: TokenStream,
    response_only: &BTreeSet<String>,
    chunk_items: usize,
) -> Result<String> {
    let mut out = String::new();
    emit(file, &mut out, &[], split_items(tokens), response_only, chunk_items.max(1))?;
    Ok(out)
}

/// Splits a stream of items at item ends: a top-level `;`, or a `{...}` group not followed by `;`.
fn split_items(tokens: TokenStream) -> Vec<TokenStream> {
    use proc_macro2::{Delimiter, TokenTree};
    let mut items = Vec::new();
    let mut current: Vec<TokenTree> = Vec::new();
    let mut it = tokens.into_iter().peekable();
    while let Some(tree) = it.next() {
        let ends = match &tree {
            TokenTree::Punct(p) => p.as_char() == ';',
            TokenTree::Group(g) => {
                g.delimiter() == Delimiter::Brace
                    && !matches!(it.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ';')
            }
            _ => false,
        };
        current.push(tree);
        if ends {
            items.push(current.drain(..).collect());
        }
    }
    if !current.is_empty() {
        items.push(current.into_iter().collect());
    }
    items
}

/// An item that is a `mod` or `impl` block: its head (attributes, `pub mod x`) and its body's items.
fn container(item: &TokenStream) -> Option<(TokenStream, TokenStream)> {
    use proc_macro2::{Delimiter, TokenTree};
    let trees: Vec<TokenTree> = item.clone().into_iter().collect();
    let (last, head) = trees.split_last()?;
    let TokenTree::Group(body) = last else { return None };
    let is_block = head.iter().any(|t| matches!(t, TokenTree::Ident(i) if i == "mod" || i == "impl"));
    (body.delimiter() == Delimiter::Brace && is_block).then(|| (head.iter().cloned().collect(), body.stream()))
}

const START: &str = "const __CODEGEN_CHUNK_START: () = ();";
const END: &str = "const __CODEGEN_CHUNK_END: () = ();";

/// `items` wrapped in the blocks of `path` (heads, outermost first) between two marker items,
/// formatted: (the lines before the items, the items' lines, the lines after them).
fn framed(
    file: &Path,
    path: &[TokenStream],
    items: Vec<TokenStream>,
    response_only: &BTreeSet<String>,
) -> Result<(String, String, String)> {
    let start: TokenStream = START.parse().expect("a valid item");
    let end: TokenStream = END.parse().expect("a valid item");
    let mut body = start;
    body.extend(items);
    body.extend(end);
    let wrapped = path.iter().rev().fold(body, |inner, head| quote!(#head { #inner }));
    let text = format_whole(file, wrapped, response_only)?;
    let bug = |what: &str| Error::new(file, Place::File, format!("chunked formatting lost its {what} marker"));
    let start_at = text.find(START).ok_or_else(|| bug("start"))?;
    let end_at = text.find(END).ok_or_else(|| bug("end"))?;
    let line_start = |at: usize| text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = |at: usize| text[at..].find('\n').map(|i| at + i + 1).unwrap_or(text.len());
    Ok((
        text[..line_start(start_at)].to_string(),
        text[line_end(start_at)..line_start(end_at)].to_string(),
        text[line_end(end_at)..].to_string(),
    ))
}

/// Appends to `out` what the whole file has for `items` inside the blocks of `path`: the innermost
/// block's opening lines, the items (nested blocks recursively, the rest a chunk at a time), and its
/// closing lines.
fn emit(
    file: &Path,
    out: &mut String,
    path: &[TokenStream],
    items: Vec<TokenStream>,
    response_only: &BTreeSet<String>,
    chunk_items: usize,
) -> Result<()> {
    let (own_head, own_foot) = if path.is_empty() {
        (String::new(), String::new())
    } else {
        let (outer_head, _, outer_foot) = framed(file, &path[..path.len() - 1], Vec::new(), response_only)?;
        let (head, _, foot) = framed(file, path, Vec::new(), response_only)?;
        let bug = || Error::new(file, Place::File, "chunked formatting: a block's lines do not nest");
        let own_head = head.strip_prefix(outer_head.as_str()).ok_or_else(bug)?.to_string();
        let own_foot = foot.strip_suffix(outer_foot.as_str()).ok_or_else(bug)?.to_string();
        (own_head, own_foot)
    };
    out.push_str(&own_head);
    let mut chunk: Vec<TokenStream> = Vec::new();
    let flush = |chunk: &mut Vec<TokenStream>, out: &mut String| -> Result<()> {
        if !chunk.is_empty() {
            out.push_str(&framed(file, path, std::mem::take(chunk), response_only)?.1);
        }
        Ok(())
    };
    for item in items {
        // Only a block with more items than a chunk is opened; a small one is formatted whole (opening
        // every small `impl` would cost three formatter runs each).
        let opened = container(&item).map(|(head, body)| (head, split_items(body)));
        match opened {
            Some((head, body_items)) if body_items.len() > chunk_items => {
                flush(&mut chunk, out)?;
                let mut inner = path.to_vec();
                inner.push(head);
                emit(file, out, &inner, body_items, response_only, chunk_items)?;
            }
            _ => {
                chunk.push(item);
                if chunk.len() >= chunk_items {
                    flush(&mut chunk, out)?;
                }
            }
        }
    }
    flush(&mut chunk, out)?;
    out.push_str(&own_foot);
    Ok(())
}
