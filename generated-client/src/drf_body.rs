//! What a Django REST framework error body says, whatever its shape: `{"detail": "..."}`,
//! `{"field": ["msg"]}` (nested for lists of items: `course_accounts[2].email`), `{"non_field_errors":
//! [...]}`, a bare `["msg"]`, or not JSON at all (a proxy's HTML page: its title or first characters).
//! Parsing never fails, so an error response always has a message.

use std::collections::BTreeMap;

use serde_json::Value;

/// What the server said in an error body, whatever DRF shape it came in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorBody {
    /// `{"detail": "..."}` (401, 403, 404, 405, 409 and some 400s).
    pub detail: Option<String>,
    /// `{"non_field_errors": [...]}` or a bare `["msg"]` list.
    pub non_field_errors: Vec<String>,
    /// `{"field": ["msg"]}`; nested errors are flattened to `course_accounts[1].email`.
    pub field_errors: BTreeMap<String, Vec<String>>,
    /// A body that is not JSON (an HTML error page from a proxy, say): its first characters.
    pub text: Option<String>,
}

/// How much of a non-JSON body is kept for messages.
const EXCERPT_CHARS: usize = 200;

impl ErrorBody {
    /// Parses any body; never fails (an unparsable body becomes `text`).
    ///
    /// ```
    /// use waldur_course_accounts::ErrorBody;
    /// let b = ErrorBody::parse(br#"{"course_accounts": [{}, {"email": ["Enter a valid email address."]}]}"#);
    /// assert_eq!(b.field_errors["course_accounts[1].email"], ["Enter a valid email address."]);
    /// assert_eq!(ErrorBody::parse(br#"["Project has no end date."]"#).non_field_errors, ["Project has no end date."]);
    /// ```
    pub fn parse(bytes: &[u8]) -> ErrorBody {
        let mut body = ErrorBody::default();
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => {
                for (key, value) in map {
                    match key.as_str() {
                        "detail" => body.detail = Some(scalar_text(&value)),
                        "non_field_errors" => flatten(&value, "", &mut |_, m| body.non_field_errors.push(m)),
                        _ => flatten(&value, &key, &mut |k, m| body.field_errors.entry(k).or_default().push(m)),
                    }
                }
            }
            Ok(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::Object(_) => flatten(item, &format!("[{i}]"), &mut |k, m| {
                            body.field_errors.entry(k).or_default().push(m)
                        }),
                        // Nested lists hold messages too (found by the property tests).
                        Value::Array(_) => flatten(item, "", &mut |_, m| body.non_field_errors.push(m)),
                        other => body.non_field_errors.push(scalar_text(other)),
                    }
                }
            }
            Ok(Value::Null) => {}
            Ok(other) => body.detail = Some(scalar_text(&other)),
            Err(_) => {
                let text = String::from_utf8_lossy(bytes);
                let text = html_title(&text).unwrap_or(&text);
                let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if !collapsed.is_empty() {
                    body.text = Some(excerpt(&collapsed, EXCERPT_CHARS));
                }
            }
        }
        body
    }

    /// One line for humans: the detail, else the non-field errors, else `field: message` pairs.
    pub fn message(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        parts.extend(self.detail.iter().cloned());
        parts.extend(self.non_field_errors.iter().cloned());
        for (field, messages) in &self.field_errors {
            parts.push(format!("{field}: {}", messages.join(" ")));
        }
        parts.extend(self.text.iter().cloned());
        parts.join("; ")
    }

    /// Messages for one field (`"email"`, `"project"`, `"course_accounts"`, ...), empty if none.
    pub fn field(&self, name: &str) -> &[String] {
        self.field_errors.get(name).map(Vec::as_slice).unwrap_or_default()
    }

    /// Whether any error is keyed on `name` or nested under it (`course_accounts[0].email`).
    pub fn mentions(&self, name: &str) -> bool {
        self.field_errors.keys().any(|k| {
            k == name || k.strip_prefix(name).is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.'))
        })
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn flatten(value: &Value, key: &str, push: &mut dyn FnMut(String, String)) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Object(_) | Value::Array(_) => flatten(item, &format!("{key}[{i}]"), push),
                    other => push(key.to_string(), scalar_text(other)),
                }
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let nested = if key.is_empty() { k.clone() } else { format!("{key}.{k}") };
                flatten(v, &nested, push);
            }
        }
        other => push(key.to_string(), scalar_text(other)),
    }
}

fn html_title(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower[start..].find("</title>")?;
    text.get(start..end)
}

/// The first `max` characters of `text`, with `…` when cut.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}
