//! Formatting a whole-schema client a chunk at a time. It is 600,000+ lines, and its syntax tree at
//! once took 1.2 GiB. So each module or impl block is opened, its items are formatted a chunk at a
//! time inside the same enclosing blocks (so prettyplease indents them exactly as in the whole file),
//! and the pieces are joined. The result is byte-identical to `codegen::generate::format` of the file
//! at once (a test compares both).

use std::collections::BTreeSet;
use std::path::Path;

use codegen::{Error, Place, Result};
use proc_macro2::TokenStream;
use quote::quote;

/// `codegen::generate::format`, a chunk of items at a time.
pub fn format(file: &Path, tokens: TokenStream, response_only: &BTreeSet<String>) -> Result<String> {
    in_chunks(file, tokens, response_only, CHUNK_ITEMS)
}

/// Items formatted together: small enough to bound memory, large enough that the per-chunk cost is noise.
const CHUNK_ITEMS: usize = 1024;

/// [`format`] with a chosen chunk size (tests use tiny ones to exercise the joins).
pub fn in_chunks(
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
    let text = codegen::generate::format(file, wrapped, response_only)?;
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
