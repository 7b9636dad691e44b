//! Text that did not come from this program (a server's message, an account's fields, a roster's
//! cells, a file name) made safe to print. A terminal obeys control and escape sequences in what it
//! is sent: a server could clear the screen and print a fake instruction, or a roster cell could
//! turn the rest of the line invisible. So every such text goes through [`shown`], which writes each
//! control character (C0, DEL, C1), each direction override or isolate and each invisible character
//! as a visible `\u{…}` escape (`\n`, `\t` and `\r` as themselves, backslash-escaped), and leaves
//! everything else as it is. [`csv_cell`] adds the spreadsheet rule for CSV output.

use std::borrow::Cow;

/// Whether `c` is shown escaped: control characters (C0, DEL, C1: `char::is_control`), and every
/// character that renders as nothing, direction controls among them (the client's one list:
/// [`waldur_course_accounts::is_invisible`]).
pub fn needs_escape(c: char) -> bool {
    c.is_control() || waldur_course_accounts::is_invisible(c)
}

/// `text` with every character of [`needs_escape`] escaped; borrowed when there is none.
pub fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// At most `max` characters of `text` (then `…`), shown escaped: for echoing a part of a file the
/// user may not want repeated in full (a 50 MB line).
pub fn shortened(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", shown(&text[..cut])),
        None => shown(text).into_owned(),
    }
}

/// A CSV cell safe to open in a spreadsheet: [`shown`], and a cell a spreadsheet would read as a
/// formula (one starting with `=`, `+`, `-`, `@`, a tab or a carriage return: OWASP's "CSV
/// injection" guidance) gets a leading `'`, which spreadsheets show as text and do not display.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let safe = shown(text);
    if safe.starts_with(['=', '+', '-', '@']) || text.starts_with(['\t', '\r']) {
        Cow::Owned(format!("'{safe}"))
    } else {
        safe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_invisible_characters_are_shown_not_obeyed() {
        assert_eq!(shown("plain text, ä"), "plain text, ä");
        assert_eq!(shown("\u{1b}[2Jrun rm -rf"), "\\u{1b}[2Jrun rm -rf");
        assert_eq!(shown("a\u{9b}31mb"), "a\\u{9b}31mb");
        assert_eq!(shown("line\nnext\u{7}"), "line\\nnext\\u{7}");
        assert_eq!(shown("abc\u{202e}fdp.exe"), "abc\\u{202e}fdp.exe");
        assert!(shown("x\u{200b}y").contains("\\u{200b}"));
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised() {
        assert_eq!(csv_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2+3"), "'-2+3");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\\tx");
        assert_eq!(csv_cell("ada@example.edu"), "ada@example.edu");
    }

    #[test]
    fn a_long_text_is_cut_after_max_characters() {
        assert_eq!(shortened(&"é".repeat(100), 3), "ééé…");
        assert_eq!(shortened("short", 10), "short");
    }
}
