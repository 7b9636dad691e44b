//! The recording format: one JSON file per interaction under `<recordings>/<scenario>/`, with
//! stable key order and pretty bodies, so a re-recording shows up as a readable diff.
//!
//! Normalisation: the server's base URL is stored as `{{base_url}}` (in headers such as `Link` and in
//! body strings such as `url`), and put back at replay time as the replay server's own address. The
//! `Authorization` header keeps only its scheme: `Token REDACTED` / `Bearer REDACTED`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Stands for the server's base URL in stored recordings.
pub const BASE_URL: &str = "{{base_url}}";

/// Request headers worth keeping; everything else (user agent, accept, host, ...) is noise.
pub const KEPT_REQUEST_HEADERS: &[&str] = &["authorization", "content-type"];
/// Response headers worth keeping.
pub const KEPT_RESPONSE_HEADERS: &[&str] = &["content-type", "link", "x-result-count", "retry-after", "allow"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    /// Where the exchange was recorded: `live server`, or the stand-in and the release it imitates.
    pub recorded_from: String,
    /// The operationId the request belongs to; `None` for requests no operation covers (PUT → 405).
    pub operation_id: Option<String>,
    /// Why this status is real server behaviour although the spec does not list it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undocumented: Option<String>,
    /// Set when the request breaks the schema on purpose (to record the server's validation error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_request: Option<String>,
    pub request: RecordedRequest,
    pub response: RecordedResponse,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Decoded query pairs as `key=value`, in the order sent (repeated keys stay repeated).
    #[serde(default)]
    pub query: Vec<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

impl RecordedRequest {
    /// The query as `(key, value)` pairs.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .iter()
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (kv.clone(), String::new()),
            })
            .collect()
    }

    /// Pairs in the stored `key=value` form.
    pub fn query_from_pairs(pairs: Vec<(String, String)>) -> Vec<String> {
        pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedResponse {
    pub status: u16,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// A scenario: a folder of recordings, in file-name order.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub recordings: Vec<(PathBuf, Recording)>,
}

#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct LoadError {
    pub path: PathBuf,
    pub message: String,
}

/// A body as recordings hold it: `None` when empty, its JSON, or else its text as a JSON string.
pub fn body_value(bytes: &[u8]) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    Some(serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned())))
}

/// Keeps only the scheme of a credential: the secret never reaches disk.
pub fn redact_authorization(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} REDACTED"),
        None => "REDACTED".to_string(),
    }
}

impl Recording {
    /// Parses one recording file's text.
    pub fn parse(path: &Path, text: &str) -> Result<Recording, LoadError> {
        serde_json::from_str(text).map_err(|e| LoadError {
            path: path.to_path_buf(),
            message: format!("line {}, column {}: not a recording: {e}", e.line(), e.column()),
        })
    }

    /// The stored form: sorted keys everywhere, two-space indentation, final newline.
    pub fn to_pretty_json(&self) -> String {
        let value = serde_json::to_value(self).expect("a recording serializes");
        let mut text = serde_json::to_string_pretty(&sorted(value)).expect("a JSON value serializes");
        text.push('\n');
        text
    }

    /// The recording with `{{base_url}}` replaced by `base_url` (no trailing slash).
    pub fn materialize(&self, base_url: &str) -> Recording {
        let text = serde_json::to_string(self).expect("a recording serializes");
        let escaped = serde_json::to_string(base_url).expect("a string serializes");
        let replaced = text.replace(BASE_URL, &escaped[1..escaped.len() - 1]);
        serde_json::from_str(&replaced).expect("replacing a URL keeps the JSON valid")
    }

    /// The reverse of [`Recording::materialize`], for the recorder.
    pub fn normalize(&self, base_url: &str) -> Recording {
        let text = serde_json::to_string(self).expect("a recording serializes");
        let escaped = serde_json::to_string(base_url.trim_end_matches('/')).expect("a string serializes");
        let replaced = text.replace(&escaped[1..escaped.len() - 1], BASE_URL);
        serde_json::from_str(&replaced).expect("replacing a URL keeps the JSON valid")
    }

    /// The file name this recording gets at position `index` of its scenario.
    pub fn file_name(&self, index: usize) -> String {
        let what = self.operation_id.clone().unwrap_or_else(|| self.request.method.to_ascii_lowercase());
        format!("{index:02}-{what}.json")
    }
}

fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Loads every scenario folder under `dir`, sorted by name.
pub fn load_all(dir: &Path) -> Result<Vec<Scenario>, LoadError> {
    let fail = |path: &Path, e: std::io::Error| LoadError { path: path.to_path_buf(), message: e.to_string() };
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| fail(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    folders.iter().map(|folder| load_scenario(folder)).collect()
}

/// Loads one scenario folder.
pub fn load_scenario(folder: &Path) -> Result<Scenario, LoadError> {
    let fail = |path: &Path, e: std::io::Error| LoadError { path: path.to_path_buf(), message: e.to_string() };
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| fail(folder, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut recordings = Vec::with_capacity(files.len());
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| fail(&file, e))?;
        recordings.push((file.clone(), Recording::parse(&file, &text)?));
    }
    if recordings.is_empty() {
        return Err(LoadError { path: folder.to_path_buf(), message: "the scenario has no recordings".into() });
    }
    let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(Scenario { name, recordings })
}

/// Writes a scenario's recordings (replacing the folder's `*.json`), each file atomically.
pub fn save_scenario(dir: &Path, name: &str, recordings: &[Recording]) -> std::io::Result<PathBuf> {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder)?;
    for entry in std::fs::read_dir(&folder)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::remove_file(path)?;
        }
    }
    for (i, recording) in recordings.iter().enumerate() {
        let path = folder.join(recording.file_name(i + 1));
        let tmp = folder.join(format!(".{}.tmp", recording.file_name(i + 1)));
        std::fs::write(&tmp, recording.to_pretty_json())?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(folder)
}
