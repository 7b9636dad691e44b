//! Reads an OpenAPI document (YAML or JSON) into a JSON value, with parse errors that name line and column.
//!
//! Everything downstream (validation, fixups, extraction) works on `serde_json::Value` so that every
//! complaint can name a JSON pointer; the typed `openapiv3` model is only built right before generation.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::{Error, Place, Result};
use crate::openapi::escape_pointer;

/// Inputs larger than this are refused before parsing: the whole Waldur 7.9.0 API is 3 MB.
pub const MAX_SPEC_BYTES: usize = 64 * 1024 * 1024;

/// A loaded document: where it came from, its digest and its parsed value.
#[derive(Debug, Clone)]
pub struct Spec {
    pub path: PathBuf,
    /// sha256 of the file with CRLF folded to LF, so a Windows checkout stamps the same digest.
    pub sha256: String,
    pub value: Value,
}

impl Spec {
    /// Loads `path`, choosing JSON or YAML by extension (`.json` is JSON, anything else YAML).
    pub fn load(path: &Path) -> Result<Spec> {
        let bytes =
            std::fs::read(path).map_err(|e| Error::new(path, Place::File, format!("cannot read the spec: {e}")))?;
        Self::from_bytes(path, &bytes)
    }

    /// Parses an in-memory document; `path` is used for messages and to pick the format.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Spec> {
        if bytes.len() > MAX_SPEC_BYTES {
            return Err(Error::new(
                path,
                Place::File,
                format!("the spec is {} bytes; specs over {} bytes are refused", bytes.len(), MAX_SPEC_BYTES),
            ));
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
            Error::new(path, Place::Line { line, column: 1 }, "the spec is not valid UTF-8")
        })?;
        if text.trim().is_empty() {
            return Err(Error::new(path, Place::File, "the spec is empty"));
        }
        let normalized = text.replace("\r\n", "\n");
        let sha256 = hex(&Sha256::digest(normalized.as_bytes()));
        let is_json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let value = if is_json { parse_json(path, &normalized)? } else { parse_yaml(path, &normalized)? };
        if !value.is_object() {
            return Err(Error::at(path, "", "the document must be a mapping (an OpenAPI object)"));
        }
        Ok(Spec { path: path.to_path_buf(), sha256, value })
    }

    /// `info.version`, the Waldur release the document describes.
    pub fn version(&self) -> Option<&str> {
        self.value.pointer("/info/version").and_then(Value::as_str)
    }
}

fn parse_json(path: &Path, text: &str) -> Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| Error::new(path, Place::Line { line: e.line(), column: e.column() }, format!("invalid JSON: {e}")))
}

fn parse_yaml(path: &Path, text: &str) -> Result<Value> {
    let mut yaml: yaml_serde::Value = yaml_serde::from_str(text).map_err(|e| {
        let place = match e.location() {
            Some(loc) => Place::Line { line: loc.line(), column: loc.column() },
            None => Place::File,
        };
        Error::new(path, place, format!("invalid YAML: {e}"))
    })?;
    yaml.apply_merge().map_err(|e| Error::new(path, Place::File, format!("invalid YAML merge key: {e}")))?;
    yaml_to_json(path, yaml, &mut String::new())
}

/// Converts a YAML value to JSON; YAML allows keys and tags JSON cannot express, which are refused.
fn yaml_to_json(path: &Path, yaml: yaml_serde::Value, pointer: &mut String) -> Result<Value> {
    use yaml_serde::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| Error::at(path, pointer.clone(), format!("number {n} has no JSON form")))?
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                out.push(yaml_to_json(path, item, pointer)?);
                pointer.truncate(len);
            }
            Value::Array(out)
        }
        Y::Mapping(mapping) => {
            let mut out = Map::with_capacity(mapping.len());
            for (key, item) in mapping {
                let key = match key {
                    Y::String(s) => s,
                    // Unquoted status codes (`200:`) and booleans are keys YAML users write.
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => {
                        return Err(Error::at(path, pointer.clone(), format!("mapping key {other:?} is not a string")));
                    }
                };
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_pointer(&key));
                let converted = yaml_to_json(path, item, pointer)?;
                pointer.truncate(len);
                out.insert(key, converted);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => {
            return Err(Error::at(
                path,
                pointer.clone(),
                format!("YAML tag {} is not supported in an OpenAPI document", tagged.tag),
            ));
        }
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
