//! Compares freshly rendered code with the checked-in file and explains drift as a unified diff.

use similar::TextDiff;

/// Line endings do not count as drift: a CRLF checkout of an LF file is the same file.
pub fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// `None` when `current` (what is on disk, if anything) matches `expected`; otherwise the unified diff.
pub fn drift(label: &str, current: Option<&str>, expected: &str) -> Option<String> {
    let current = current.map(normalize);
    if current.as_deref() == Some(expected) {
        return None;
    }
    let old = current.unwrap_or_default();
    let diff = TextDiff::from_lines(old.as_str(), expected);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header(&format!("a/{label} (checked in)"), &format!("b/{label} (generated from the spec)"))
            .to_string(),
    )
}
