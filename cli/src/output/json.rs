//! JSON out: text with the characters a terminal obeys but JSON leaves raw written as escapes
//! ([`json_safe`], which every JSON this program prints goes through), whole documents to stdout
//! ([`json`]), and the failure of a JSON write ([`json_failed`]).

use super::{bytes, write_failed};
use crate::Failure;
use crate::shown::needs_escape;

/// JSON text with the characters a terminal obeys but JSON leaves raw written as `\uXXXX`. Only
/// string contents can hold a non-ASCII or DEL character in JSON text, so replacing them in the text
/// keeps it valid and the same value.
pub fn json_safe(text: &str) -> std::borrow::Cow<'_, str> {
    // The quick test on bytes: every character escaped here is DEL or beyond, so ASCII text (most
    // of it) is written as it is without decoding; the rule itself stays `shown::needs_escape`'s.
    if !text.bytes().any(|b| b >= 0x7F) || !text.chars().any(|c| needs_escape(c) && u32::from(c) >= 0x7F) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        // Below U+0020 serde_json has escaped what is in strings already, and what is left is the
        // document's own layout (the line breaks of pretty output).
        if needs_escape(c) && u32::from(c) >= 0x7F {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

pub(super) fn json_failed(e: serde_json::Error) -> Failure {
    match e.io_error_kind() {
        Some(kind) => write_failed(kind.into()),
        None => Failure::Error(format!("cannot write the output: {e}")),
    }
}

/// Writes a JSON document to stdout, pretty, with a final newline.
pub fn json(value: &serde_json::Value) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(json_failed)?;
    bytes(format!("{}\n", json_safe(&text)).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_its_layout_and_escapes_only_what_it_left_raw() {
        let value =
            serde_json::json!({"name": "Intro to HPC — spring", "evil": "a\u{9b}2J\u{202e}b", "ctl": "x\u{1b}y"});
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        let safe = json_safe(&pretty);
        assert!(safe.contains("\n  \""), "the line breaks between members stay: {safe}");
        assert!(!safe.contains('\u{9b}') && !safe.contains('\u{202e}') && !safe.contains('\u{1b}'), "{safe}");
        assert!(safe.contains("—"), "ordinary text is left alone");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value, "the same value to a JSON reader");
    }
}
