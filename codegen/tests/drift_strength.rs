//! How strong the drift check is: single-point mutations of the fragment (every kind of value, spread
//! over the whole document, plus edits that change no generated line) and of the generated file are
//! all caught, and an unchanged tree, also when checked out with CRLF line endings, never is.
//!
//! Every mutated spec is re-serialised, which alone changes the spec digest in the header; so each
//! value mutation is also rendered against a re-serialised but unmutated baseline, and counted as
//! "changes the code", "refused" (an error naming the place) or "digest-only" (only the header's
//! digest tells). The split is printed and bounded below, so a generator that ignored its input would
//! fail here instead of hiding behind the digest.

mod common;

use std::path::Path;

use codegen::{Options, Spec, check};
use serde_json::Value;

/// The generated code for a spec text, as `codegen` renders it, or the error it stops with.
fn render(spec_text: &str) -> Result<String, String> {
    let spec = Spec::from_bytes(Path::new(codegen::DEFAULT_SPEC), spec_text.as_bytes()).map_err(|e| e.to_string())?;
    codegen::render(&spec, &Options::default()).map(|r| r.code).map_err(|e| e.to_string())
}

/// `Some(reason)` when `codegen --check` would fail (drift or an error), `None` when it would pass.
fn check_fails(rendered: &Result<String, String>, generated: &str) -> Option<String> {
    match rendered {
        Ok(code) => check::drift("generated.rs", Some(generated), code),
        Err(e) => Some(format!("error: {e}")),
    }
}

/// Generated code without its header (which carries the spec digest).
fn body(code: &str) -> String {
    code.lines().filter(|l| !l.starts_with("// ")).collect::<Vec<_>>().join("\n")
}

fn leaves(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            map.iter().for_each(|(k, v)| leaves(v, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out))
        }
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| leaves(v, format!("{at}/{i}"), out)),
        _ => out.push(at),
    }
}

#[test]
fn an_unchanged_tree_passes_also_with_crlf() {
    let spec = std::fs::read_to_string(common::spec_path()).unwrap();
    let generated = std::fs::read_to_string(common::out_path()).unwrap();
    assert_eq!(check_fails(&render(&spec), &generated), None);
    assert_eq!(check_fails(&render(&spec.replace('\n', "\r\n")), &generated.replace('\n', "\r\n")), None);
    assert_eq!(check_fails(&render(&spec.replace('\n', "\r\n")), &generated), None);
}

#[test]
fn every_single_point_mutation_is_caught() {
    let spec_text = std::fs::read_to_string(common::spec_path()).unwrap();
    let generated = std::fs::read_to_string(common::out_path()).unwrap();
    let value = common::spec().value;
    let mut pointers = Vec::new();
    leaves(&value, String::new(), &mut pointers);
    let mut caught = 0;
    let mut missed = Vec::new();

    // 1. One value changed, at 45 places spread evenly over the document.
    let baseline = body(&render(&yaml_serde::to_string(&value).unwrap()).expect("the re-serialised spec renders"));
    let (mut changes_code, mut refused, mut digest_only) = (0, 0, Vec::new());
    let step = (pointers.len() / 45).max(1);
    for pointer in pointers.iter().step_by(step).take(45) {
        let mut edited = value.clone();
        let leaf = edited.pointer_mut(pointer).unwrap();
        *leaf = match leaf.take() {
            Value::String(s) => Value::String(format!("{s}_x")),
            Value::Number(n) => Value::from(n.as_i64().unwrap_or(0) + 1),
            Value::Bool(b) => Value::Bool(!b),
            Value::Null => Value::from("x"),
            other => other,
        };
        let rendered = render(&yaml_serde::to_string(&edited).unwrap());
        match check_fails(&rendered, &generated) {
            Some(_) => caught += 1,
            None => missed.push(format!("spec value at {pointer}")),
        }
        match &rendered {
            Err(_) => refused += 1,
            Ok(code) if body(code) != baseline => changes_code += 1,
            Ok(_) => digest_only.push(pointer.clone()),
        }
    }
    println!(
        "value mutations: {changes_code} change the generated code, {refused} refused with an error, {} digest-only: {digest_only:?}",
        digest_only.len()
    );
    // Descriptions, examples and the like change only doc comments or nothing; the rest must show.
    assert!(changes_code + refused >= 30, "only {changes_code} + {refused} of 45 mutations change the output");
    // 2. Text edits of the spec that change no generated line: only the digest tells.
    let release = value["info"]["version"].as_str().unwrap().to_string();
    for (what, text) in [
        ("a comment added", format!("{spec_text}# a comment\n")),
        (
            "a description reworded",
            spec_text.replacen("description: Get number of items", "description: Count items", 1),
        ),
        (
            "indentation of a flow value",
            spec_text.replacen(&format!("version: {release}"), &format!("version:  {release}"), 1),
        ),
    ] {
        assert!(text != spec_text, "{what}: the edit did not apply");
        match check_fails(&render(&text), &generated) {
            Some(_) => caught += 1,
            None => missed.push(format!("spec text: {what}")),
        }
    }
    // 3. One edit of the generated file, at lines spread over it.
    let lines: Vec<&str> = generated.lines().collect();
    let unchanged = render(&spec_text);
    for (i, at) in (0..lines.len()).step_by(lines.len() / 12).take(12).enumerate() {
        let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        match i % 4 {
            0 => {
                edited.remove(at);
            }
            1 => edited.insert(at, String::new()),
            2 => edited[at].push(' '),
            _ => edited.swap(at, at + 1),
        }
        let text = edited.join("\n") + "\n";
        if text == generated {
            continue;
        }
        match check_fails(&unchanged, &text) {
            Some(_) => caught += 1,
            None => missed.push(format!("generated line {at} (edit {})", i % 4)),
        }
    }
    assert!(missed.is_empty(), "missed: {missed:#?}");
    assert!(caught >= 50, "only {caught} mutations");
}
