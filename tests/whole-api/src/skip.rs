//! Leaving out what progenitor 0.15.1 cannot take, and saying why: first the shapes the pre-check
//! knows (`codegen::validate::supported_operation`, the fragment's own refusals, here applied one
//! operation at a time), then, as a fallback, a halving search for an operation the generator still
//! panics or errs on. The fragment never skips: there, any of these is an error.

use std::path::Path;

use codegen::fixups::Applied;
use codegen::generate::attempt;
use codegen::openapi::operations;
use codegen::{Error, Result};
use proc_macro2::TokenStream;
use progenitor::GenerationSettings;
use serde_json::Value;

/// An operation left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub operation: String,
    pub pointer: String,
    pub reason: String,
}

/// Drops from `doc` every operation the pre-check refuses, and returns them.
pub fn unsupported(file: &Path, doc: &mut Value, applied: &Applied) -> Vec<Skipped> {
    let replaced = applied.replacements.iter().map(|(name, _)| name.clone()).collect();
    let refused: Vec<(String, String, Skipped)> = operations(doc)
        .iter()
        .filter_map(|op| {
            codegen::validate::supported_operation(file, doc, op, &replaced).err().map(|e| {
                let skip = Skipped { operation: op.id().to_string(), pointer: op.pointer.clone(), reason: e.message };
                (op.path.to_string(), op.method.to_string(), skip)
            })
        })
        .collect();
    refused
        .into_iter()
        .map(|(path, method, skip)| {
            remove_operation(doc, &path, &method);
            skip
        })
        .collect()
}

/// Drops one operation (and its path item when nothing is left in it).
fn remove_operation(doc: &mut Value, path: &str, method: &str) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut)
        && let Some(item) = paths.get_mut(path).and_then(Value::as_object_mut)
    {
        item.shift_remove(method);
        if !item.keys().any(|k| codegen::openapi::METHODS.contains(&k.as_str())) {
            paths.shift_remove(path);
        }
    }
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
            remove_operation(&mut out, &op.path, &op.method);
        }
    }
    out
}

/// Generates, leaving out (and adding to `skipped`) each operation on which progenitor panics or errs.
/// The shapes the pre-check ([`unsupported`]) knows are left out before this runs, so the
/// whole schema normally generates in one pass; this halving search is the fallback for a shape it
/// does not know yet, and its reason says so. Failures in the component schemas themselves cannot be
/// skipped and are returned.
pub fn generate_skipping_failures(
    file: &Path,
    doc: &mut Value,
    settings: &GenerationSettings,
    skipped: &mut Vec<Skipped>,
) -> Result<TokenStream> {
    loop {
        let failure = match attempt(file, doc, settings) {
            Ok(Ok(tokens)) => return Ok(tokens),
            Ok(Err(e)) => e.message,
            Err(panic) => format!("the generator panicked: {panic}"),
        };
        let fails = |keep: &[OpKey]| !matches!(attempt(file, &subset(doc, keep), settings), Ok(Ok(_)));
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
        let found = match attempt(file, &subset(doc, std::slice::from_ref(&culprit)), settings) {
            Ok(Err(e)) => e.message,
            Err(panic) => format!("the generator panicked: {panic}"),
            Ok(Ok(_)) => failure,
        };
        // Found by the slow search: a shape the pre-check should know (validate::supported_operation).
        let reason = format!("{found} [not caught by the pre-check: a shape to add to validate::supported_operation]");
        remove_operation(doc, &culprit.path, &culprit.method);
        skipped.push(Skipped { operation: culprit.id, pointer: culprit.pointer, reason });
    }
}
