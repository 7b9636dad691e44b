//! Reading a class roster: a CSV file with a header row, exported from a spreadsheet. UTF-8 with or
//! without a byte-order mark, `,` or `;` as the separator (decided from the header line), the email
//! column found by name (without case; default `email`), other columns ignored. Every row's email is
//! trimmed and checked; bad rows and repeats are reported by line number, never silently dropped.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;

use waldur_course_accounts::EmailKey;

/// A usable row: its line in the file (1 is the header) and the email, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub email: String,
}

/// A row that cannot be used, and why (the reason never repeats the address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub reason: String,
}

/// A row whose email repeats an earlier row's (the same `EmailKey`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    pub line: u64,
    pub first_line: u64,
    pub email: String,
}

#[derive(Debug, Default)]
pub struct Roster {
    pub rows: Vec<Row>,
    pub bad: Vec<BadRow>,
    pub repeats: Vec<Repeat>,
}

/// The options naming a roster and the project it is for (`import`, `reconcile`).
#[derive(clap::Args)]
pub struct Source {
    /// The course project.
    #[arg(long, value_name = "UUID")]
    pub project: waldur_course_accounts::Uuid,
    /// The roster (CSV with a header row).
    pub roster: std::path::PathBuf,
    /// The header of the email column (without case).
    #[arg(long, default_value = "email", value_name = "NAME")]
    pub email_column: String,
}

impl Source {
    pub fn read(&self) -> Result<Roster, String> {
        read(&self.roster, &self.email_column)
    }
}

pub fn read(path: &Path, email_column: &str) -> Result<Roster, String> {
    let name = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count();
        format!("{name}: line {line}: not UTF-8 (save the roster as \"CSV UTF-8\")")
    })?;
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = if header_line.matches(';').count() > header_line.matches(',').count() { b';' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| format!("{name}: line 1: {e}"))?.clone();
    let column = headers.iter().position(|h| h.eq_ignore_ascii_case(email_column.trim())).ok_or_else(|| {
        let found: Vec<&str> = headers.iter().collect();
        format!("{name}: line 1: no column named `{email_column}` (the header has: {})", found.join(", "))
    })?;
    let mut roster = Roster::default();
    let mut first: HashMap<EmailKey, u64> = HashMap::new();
    // The reader's own line count skips blank lines; the byte offset gives the line a spreadsheet shows.
    // (A record after blank lines starts, for the reader, at the first of them.) The newlines' offsets
    // are found once: counting them from the start for every record cost the square of the roster.
    let newlines: Vec<usize> = text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect();
    let line_at = |byte: u64| {
        let bytes = text.as_bytes();
        let mut at = (byte as usize).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
            at += 1;
        }
        1 + newlines.partition_point(|&n| n < at) as u64
    };
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| line_at(p.byte())).unwrap_or(0);
            format!("{name}: line {line}: {e}")
        })?;
        let line = record.position().map(|p| line_at(p.byte())).unwrap_or(0);
        if record.iter().all(str::is_empty) {
            continue; // a blank line
        }
        let email = record.get(column).unwrap_or_default().trim().to_string();
        if let Err(reason) = waldur_course_accounts::check_email(&email) {
            roster.bad.push(BadRow { line, reason: reason.to_string() });
            continue;
        }
        match first.entry(EmailKey::of(&email)) {
            Entry::Occupied(seen) => roster.repeats.push(Repeat { line, first_line: *seen.get(), email }),
            Entry::Vacant(slot) => {
                slot.insert(line);
                roster.rows.push(Row { line, email });
            }
        }
    }
    Ok(roster)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster(text: &[u8]) -> Roster {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roster.csv");
        std::fs::write(&path, text).unwrap();
        read(&path, "email").unwrap()
    }

    #[test]
    fn bom_semicolons_bad_rows_repeats_and_blank_lines() {
        let r = roster(
            "\u{feff}Name;E-mail;Email\nJane;x;jane@example.edu\nBad;x;not-an-address\n\nJoe;x; JOE@example.edu \nJane again;x;Jane@Example.edu\n"
                .as_bytes(),
        );
        assert_eq!(
            r.rows,
            [Row { line: 2, email: "jane@example.edu".into() }, Row { line: 5, email: "JOE@example.edu".into() }]
        );
        assert_eq!(r.bad, [BadRow { line: 3, reason: "the email has no @".into() }]);
        assert_eq!(r.repeats.len(), 1);
        assert_eq!((r.repeats[0].line, r.repeats[0].first_line), (6, 2));
    }

    #[test]
    fn a_missing_column_names_what_the_header_has() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(&path, "name,mail\na,b@c.de\n").unwrap();
        let e = read(&path, "email").unwrap_err();
        assert!(e.ends_with("line 1: no column named `email` (the header has: name, mail)"), "{e}");
    }
}
