//! Reading a class roster: a CSV file with a header row, exported from a spreadsheet, or `-` for
//! standard input. UTF-8 with or without a byte-order mark; `,`, `;` or a tab as the separator (the
//! one the header line has most of); the email column found by name (without case; default `email`),
//! other columns ignored. Every row is checked and reported by line number, never silently dropped:
//! a row with more or fewer fields than the header (an unquoted `,` inside a cell shifts every cell
//! after it) is not used, an address is checked by the client's one rule
//! ([`waldur_course_accounts::check_email`]), and repeats (the same [`EmailKey`]) are imported once.
//!
//! Nothing a message says repeats a student's address or more than a short piece of the file: a
//! header that holds an address is called a data row, and header names are shortened and escaped.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::Read;
use std::path::{Path, PathBuf};

use waldur_course_accounts::EmailKey;

use crate::shown::shortened;

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
    /// The roster (CSV with a header row), or `-` for standard input.
    pub roster: PathBuf,
    /// The header of the email column (without case).
    #[arg(long, default_value = "email", value_name = "NAME")]
    pub email_column: String,
}

impl Source {
    /// Whether the roster is read from standard input.
    pub fn is_stdin(&self) -> bool {
        self.roster.as_os_str() == "-"
    }

    /// The roster's name in messages and reports (escaped: a file name can hold anything).
    pub fn name(&self) -> String {
        if self.is_stdin() {
            "(standard input)".into()
        } else {
            crate::shown::shown(&self.roster.display().to_string()).into_owned()
        }
    }

    /// The files this source reads, for [`crate::report_file::ReportFile`]: standard input is
    /// `/dev/stdin`, which leads to the file behind `< roster.csv`.
    pub fn files(&self) -> Vec<&Path> {
        if self.is_stdin() { vec![Path::new("/dev/stdin")] } else { vec![self.roster.as_path()] }
    }

    pub fn read(&self) -> Result<Roster, String> {
        let name = self.name();
        let bytes = if self.is_stdin() {
            let mut bytes = Vec::new();
            std::io::stdin().lock().read_to_end(&mut bytes).map_err(|e| format!("{name}: {e}"))?;
            bytes
        } else {
            std::fs::read(&self.roster).map_err(|e| format!("{name}: {e}"))?
        };
        parse(&bytes, &self.email_column).map_err(|e| format!("{name}: {e}"))
    }
}

/// Header names that look like an email column when none is called what `--email-column` says.
fn looks_like_email_column(header: &str) -> bool {
    let letters: String = header.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
    letters.contains("mail")
}

/// At most this many header names, each at most this long, are repeated in a message.
const NAMES_SHOWN: usize = 12;
const NAME_LENGTH: usize = 40;

fn quoted_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| shortened(n, NAME_LENGTH)).collect();
    let more = names.len().saturating_sub(NAMES_SHOWN);
    let mut text = names.into_iter().take(NAMES_SHOWN).collect::<Vec<_>>().join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// Which column holds the emails, or why none can be chosen.
fn email_column(headers: &csv::StringRecord, wanted: &str) -> Result<usize, String> {
    let wanted = wanted.trim();
    let exact: Vec<usize> =
        headers.iter().enumerate().filter(|(_, h)| h.eq_ignore_ascii_case(wanted)).map(|(i, _)| i).collect();
    match exact.as_slice() {
        [one] => return Ok(*one),
        [_, _, ..] => {
            return Err(format!(
                "line 1: {} columns are named `{}`; rename one in the roster",
                exact.len(),
                shortened(wanted, NAME_LENGTH)
            ));
        }
        [] => {}
    }
    if headers.iter().any(|h| h.contains('@')) {
        return Err("line 1 looks like a student's row, not a header: the roster needs a first line naming its \
                    columns (e.g. `name,email`)"
            .into());
    }
    let candidates: Vec<&str> = headers.iter().filter(|h| looks_like_email_column(h)).collect();
    match candidates.as_slice() {
        [one] => Err(format!(
            "line 1: no column named `{}`; the email column seems to be `{}`: add --email-column \"{}\"",
            shortened(wanted, NAME_LENGTH),
            shortened(one, NAME_LENGTH),
            shortened(one, NAME_LENGTH)
        )),
        [_, _, ..] => Err(format!(
            "line 1: no column named `{}`, and {} columns could be the email column ({}): choose one with \
             --email-column",
            shortened(wanted, NAME_LENGTH),
            candidates.len(),
            quoted_names(candidates.iter().copied())
        )),
        [] => Err(format!(
            "line 1: no column named `{}` (the header has: {})",
            shortened(wanted, NAME_LENGTH),
            quoted_names(headers.iter())
        )),
    }
}

/// Reads a roster's bytes; errors name the line (the caller adds the file).
pub fn parse(bytes: &[u8], email_column_name: &str) -> Result<Roster, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count();
        format!("line {line}: not UTF-8 (save the roster as \"CSV UTF-8\")")
    })?;
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (header_line.matches(char::from(*d)).count(), *d == b','))
        .unwrap_or(b',');
    // Flexible: a row of another length is reported by line below rather than ending the read.
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| format!("line 1: {}", shortened(&e.to_string(), 200)))?.clone();
    let column = email_column(&headers, email_column_name)?;
    let mut roster = Roster::default();
    let mut first: HashMap<EmailKey, u64> = HashMap::new();
    // The reader's own line count skips blank lines; the byte offset gives the line a spreadsheet shows.
    // (A record after blank lines starts, for the reader, at the first of them.) The newlines' offsets
    // are found once: counting them from the start for every record cost the square of the roster.
    // A line ends with `\n`, `\r\n` or a lone `\r` (old Mac exports), as it does for the CSV reader.
    let raw = text.as_bytes();
    let newlines: Vec<usize> =
        (0..raw.len()).filter(|&i| raw[i] == b'\n' || (raw[i] == b'\r' && raw.get(i + 1) != Some(&b'\n'))).collect();
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
            format!("line {line}: {}", shortened(&e.to_string(), 200))
        })?;
        let line = record.position().map(|p| line_at(p.byte())).unwrap_or(0);
        if record.iter().all(str::is_empty) {
            continue; // a blank line
        }
        if record.len() != headers.len() {
            roster.bad.push(BadRow {
                line,
                reason: format!(
                    "has {} fields where the header has {} (a `{}` inside a cell that is not quoted?); not used",
                    record.len(),
                    headers.len(),
                    char::from(delimiter).escape_default()
                ),
            });
            continue;
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
        parse(text, "email").unwrap()
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
        let e = parse(b"name,address\na,b@c.de\n", "email").unwrap_err();
        assert!(e.ends_with("line 1: no column named `email` (the header has: name, address)"), "{e}");
    }

    #[test]
    fn a_row_with_more_fields_than_the_header_is_not_used() {
        let r =
            roster(b"Name,Email,Group\nTim,tim@uni.example,edu,Lab C\nAda,ada@uni.example,Lab A\nBo,bo@uni.example\n");
        assert_eq!(r.rows, [Row { line: 3, email: "ada@uni.example".into() }]);
        assert_eq!(r.bad.iter().map(|b| b.line).collect::<Vec<_>>(), [2, 4]);
        assert!(r.bad[0].reason.starts_with("has 4 fields where the header has 3"), "{}", r.bad[0].reason);
    }

    #[test]
    fn an_obvious_email_column_is_suggested_and_two_are_ambiguous() {
        let e = parse(b"Name,E-Mail Address\nA,a@b.de\n", "email").unwrap_err();
        assert!(e.contains("add --email-column \"E-Mail Address\""), "{e}");
        let e = parse("Name\tMail\tE-Mail\nA\ta@b.de\tc@d.de\n".as_bytes(), "email").unwrap_err();
        assert!(e.contains("2 columns could be the email column (Mail, E-Mail)"), "{e}");
        let e = parse(b"email,Email\na@b.de,c@d.de\n", "email").unwrap_err();
        assert!(e.contains("2 columns are named `email`"), "{e}");
        let tabs = parse("Name\tEmail\nAda\tada@example.edu\n".as_bytes(), "email").unwrap();
        assert_eq!(tabs.rows, [Row { line: 2, email: "ada@example.edu".into() }]);
    }

    #[test]
    fn a_data_row_as_header_is_named_without_repeating_it() {
        let huge = format!("Ada,ada.secret@example.edu,{}\nBob,bob@example.edu,x\n", "y".repeat(50_000_000 / 100));
        let e = parse(huge.as_bytes(), "email").unwrap_err();
        assert!(e.contains("looks like a student's row, not a header"), "{e}");
        assert!(!e.contains("secret") && e.len() < 300, "{e}");
        let e = parse(format!("{},x\n", "n".repeat(10_000)).as_bytes(), "email").unwrap_err();
        assert!(e.len() < 300, "a long header is shortened: {} bytes", e.len());
        let e = parse("name,\u{1b}[2Jrun this\na,b\n".as_bytes(), "email").unwrap_err();
        assert!(!e.contains('\u{1b}'), "{e}");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Rosters made of the characters that break readers: separators, quotes, line ends, `@`, an
    /// escape, invisible and non-ASCII letters.
    fn roster_text() -> impl Strategy<Value = String> {
        proptest::string::string_regex(
            "(email|Name|E-Mail)[,;\t](email|x)\n([a-zA-Z@.,;\t\"\r\n\u{1b}\u{200B}äÄ]{0,30}\n){0,20}",
        )
        .unwrap()
    }

    fn check(roster: Result<Roster, String>) -> Result<(), TestCaseError> {
        match roster {
            Err(e) => {
                prop_assert!(!e.chars().any(char::is_control), "{e:?}");
                prop_assert!(e.len() < 800, "{} bytes", e.len());
            }
            Ok(r) => {
                let mut keys = std::collections::HashSet::new();
                for row in &r.rows {
                    prop_assert!(waldur_course_accounts::check_email(&row.email).is_ok());
                    prop_assert!(keys.insert(EmailKey::of(&row.email)), "one row per student");
                }
                for bad in &r.bad {
                    prop_assert!(!bad.reason.chars().any(char::is_control), "{:?}", bad.reason);
                }
                let mut lines: Vec<u64> = r.rows.iter().map(|x| x.line).collect();
                lines.extend(r.bad.iter().map(|x| x.line));
                lines.extend(r.repeats.iter().map(|x| x.line));
                let count = lines.len();
                lines.sort_unstable();
                lines.dedup();
                prop_assert_eq!(lines.len(), count, "a line is reported once");
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn arbitrary_bytes_never_panic_and_keep_the_invariants(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            check(parse(&bytes, "email"))?;
        }

        #[test]
        fn roster_like_text_never_panics_and_keeps_the_invariants(text in roster_text()) {
            check(parse(text.as_bytes(), "email"))?;
        }
    }
}
