//! Output formats: a table for people (the default on a terminal), JSON for programs (the default
//! otherwise) and CSV for spreadsheets. Accounts are written as they arrive, never collected first.
//!
//! JSON of an account is exactly the API's CourseAccount object (the same field names and values as
//! Waldur returns: `uuid`, `url`, `email`, `username`, `state`, `project`, `project_uuid`,
//! `project_name`, `project_slug`, `project_start_date`, `project_end_date`, `customer_uuid`,
//! `customer_name`, `user_uuid`, `description`, `error_message`, `error_traceback`, `created`,
//! `modified`); `list` writes a JSON array of them.
//!
//! What any of them prints that came from a server is made safe first ([`crate::shown`]): table
//! cells escaped, CSV cells escaped and neutralised for spreadsheets, and in JSON the characters JSON
//! allows raw but a terminal obeys (DEL, C1 controls, direction overrides) written as `\uXXXX`
//! escapes, which JSON readers read back as the same text.

use std::io::{IsTerminal, Write};

use waldur_course_accounts::CourseAccount;

use crate::Failure;
use crate::shown::{csv_cell, needs_escape, shown};

/// One line on stdout (the `out!` macro): text from elsewhere is already [`shown`]; any control
/// character left but the line breaks of our own text is escaped here too, as a last guard.
pub fn line(args: std::fmt::Arguments<'_>) -> Result<(), Failure> {
    let safe = guarded(args);
    let mut out = std::io::stdout().lock();
    out.write_all(safe.as_bytes()).and_then(|()| out.write_all(b"\n")).map_err(write_failed)
}

/// One line on stderr (the `note!` macro), guarded as [`line`] is; a stderr that is gone is ignored.
pub fn note(args: std::fmt::Arguments<'_>) {
    let safe = guarded(args);
    let _ = writeln!(std::io::stderr(), "{safe}");
}

/// A line of ours with anything from elsewhere in it escaped, our own line breaks kept.
fn guarded(args: std::fmt::Arguments<'_>) -> String {
    args.to_string().split('\n').map(|part| shown(part).into_owned()).collect::<Vec<_>>().join("\n")
}

/// Bytes made by this program (a completion script, the manual page) to stdout.
pub fn bytes(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(write_failed)
}

/// JSON text with the characters a terminal obeys but JSON leaves raw written as `\uXXXX`. Only
/// string contents can hold a non-ASCII or DEL character in JSON text, so replacing them in the text
/// keeps it valid and the same value.
pub fn json_safe(text: &str) -> std::borrow::Cow<'_, str> {
    // The quick test on bytes: DEL, and the lead bytes of the UTF-8 forms of C1 controls and of the
    // invisible characters (`shown::needs_escape`). Most text has none and is written as it is.
    if !text.bytes().any(|b| matches!(b, 0x7F | 0xC2 | 0xCD | 0xD8 | 0xE1..=0xE3 | 0xEF | 0xF0 | 0xF3))
        || !text.chars().any(|c| needs_escape(c) && u32::from(c) >= 0x7F)
    {
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

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// The formats of the commands that show one document (`get`, `reconcile`): no CSV.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShowFormat {
    Table,
    Json,
}

impl From<ShowFormat> for Format {
    fn from(format: ShowFormat) -> Format {
        match format {
            ShowFormat::Table => Format::Table,
            ShowFormat::Json => Format::Json,
        }
    }
}

/// The format asked for, else a table on a terminal and JSON otherwise.
pub fn resolve(format: Option<Format>) -> Format {
    format.unwrap_or(if std::io::stdout().is_terminal() { Format::Table } else { Format::Json })
}

/// The CSV and table columns.
const COLUMNS: [&str; 8] =
    ["uuid", "state", "email", "username", "project_name", "project_uuid", "created", "error_message"];

/// An account's cells, as the server sent them.
fn cells(a: &CourseAccount) -> [String; 8] {
    [
        a.uuid.to_string(),
        a.state.to_string(),
        a.email.as_deref().map(String::as_str).unwrap_or_default().to_string(),
        a.username.clone().unwrap_or_default(),
        a.project_name.clone(),
        a.project_uuid.to_string(),
        a.created.to_rfc3339(),
        a.error_message.clone(),
    ]
}

/// Output is written in blocks of this size: 100,000 accounts are 70 MB of JSON, and with the default
/// 8 KiB buffer the writes to stdout cost as much as fetching them (`cargo xtask bench`: `list --format
/// json` of 100,000 accounts went from 1.65-2.3x the library's stream to 1.2-2.1x, BENCHMARKS.md).
const OUT_BUFFER: usize = 256 * 1024;

/// Writes accounts one by one in a format.
pub struct AccountWriter {
    format: Format,
    out: std::io::BufWriter<std::io::Stdout>,
    csv: Option<csv::Writer<std::io::Stdout>>,
    written: u64,
    /// One account's JSON, reused.
    scratch: Vec<u8>,
    /// `list --fields`: only these, in this order.
    fields: Option<Vec<&'static str>>,
}

/// Every field of an account, as the API names it: what `list --fields` can choose from.
pub const FIELDS: [&str; 19] = [
    "uuid",
    "url",
    "email",
    "username",
    "state",
    "project",
    "project_uuid",
    "project_name",
    "project_slug",
    "project_start_date",
    "project_end_date",
    "customer_uuid",
    "customer_name",
    "user_uuid",
    "description",
    "error_message",
    "error_traceback",
    "created",
    "modified",
];

/// The fields `--fields` names (comma-separated), checked against [`FIELDS`].
pub fn fields(names: &[String]) -> Result<Vec<&'static str>, Failure> {
    names
        .iter()
        // `email,username,` (a trailing comma) names two fields, not an empty third.
        .filter(|name| !name.trim().is_empty())
        .map(|name| {
            FIELDS.iter().find(|f| f.eq_ignore_ascii_case(name.trim())).copied().ok_or_else(|| {
                Failure::Error(format!(
                    "--fields: `{}` is not a field; the fields are: {}",
                    crate::shown::shortened(name, 40),
                    FIELDS.join(", ")
                ))
            })
        })
        .collect()
}

/// One field of an account as the API's JSON has it, without building the whole object (the
/// hand-out of 100,000 accounts reads three fields of each). A test keeps it equal to the account's
/// own serialization for every name in [`FIELDS`].
fn field_value(a: &CourseAccount, field: &str) -> serde_json::Value {
    use serde_json::json;
    match field {
        "uuid" => json!(a.uuid),
        "url" => json!(a.url),
        "email" => json!(a.email),
        "username" => json!(a.username),
        "state" => json!(a.state),
        "project" => json!(a.project),
        "project_uuid" => json!(a.project_uuid),
        "project_name" => json!(a.project_name),
        "project_slug" => json!(a.project_slug),
        "project_start_date" => json!(a.project_start_date),
        "project_end_date" => json!(a.project_end_date),
        "customer_uuid" => json!(a.customer_uuid),
        "customer_name" => json!(a.customer_name),
        "user_uuid" => json!(a.user_uuid),
        "description" => json!(a.description),
        "error_message" => json!(a.error_message),
        "error_traceback" => json!(a.error_traceback),
        "created" => json!(a.created),
        "modified" => json!(a.modified),
        _ => serde_json::Value::Null,
    }
}

/// A field's value as a cell: text as it is, null as nothing, anything else as JSON.
fn field_cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A write of the output that failed. A reader that went away (`list | head`) is not an error of
/// ours: the command stops quietly, as Unix tools do ([`Failure::ClosedPipe`]).
pub fn write_failed(e: std::io::Error) -> Failure {
    // After SIGHUP the terminal is gone and a write fails with EIO: the run was interrupted.
    if crate::interrupt::requested() {
        Failure::Interrupted
    } else if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::ClosedPipe
    } else {
        Failure::Error(format!("cannot write the output: {e}"))
    }
}

fn csv_failed(e: csv::Error) -> Failure {
    let text = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(io) => write_failed(io),
        _ => Failure::Error(format!("cannot write the output: {text}")),
    }
}

fn json_failed(e: serde_json::Error) -> Failure {
    match e.io_error_kind() {
        Some(kind) => write_failed(kind.into()),
        None => Failure::Error(format!("cannot write the output: {e}")),
    }
}

impl AccountWriter {
    pub fn new(format: Format) -> Result<AccountWriter, Failure> {
        AccountWriter::with_fields(format, None)
    }

    /// A writer of only `fields` (all the format's usual columns with `None`).
    pub fn with_fields(format: Format, fields: Option<Vec<&'static str>>) -> Result<AccountWriter, Failure> {
        let mut writer = AccountWriter {
            format,
            out: std::io::BufWriter::with_capacity(OUT_BUFFER, std::io::stdout()),
            csv: None,
            written: 0,
            scratch: Vec::new(),
            fields,
        };
        match (format, &writer.fields) {
            (Format::Json, _) => writer.raw("[")?,
            (Format::Csv, fields) => {
                let mut csv = csv::WriterBuilder::new().buffer_capacity(OUT_BUFFER).from_writer(std::io::stdout());
                match fields {
                    Some(fields) => csv.write_record(fields),
                    None => csv.write_record(COLUMNS),
                }
                .map_err(csv_failed)?;
                writer.csv = Some(csv);
            }
            (Format::Table, Some(fields)) => {
                let header: Vec<String> = fields.iter().map(|f| f.to_uppercase()).collect();
                let line = table_line(fields, &header);
                writer.raw(&line)?
            }
            (Format::Table, None) => writer.raw(&format!(
                "{:<36}  {:<8}  {:<34}  {:<16}  {}\n",
                "UUID", "STATE", "EMAIL", "USERNAME", "PROJECT"
            ))?,
        }
        Ok(writer)
    }

    /// One account, only the chosen fields.
    fn write_fields(&mut self, account: &CourseAccount, fields: &[&'static str]) -> Result<(), Failure> {
        let values: Vec<serde_json::Value> = fields.iter().map(|f| field_value(account, f)).collect();
        match self.format {
            Format::Json => {
                let mut text = String::from(if self.written == 0 { "\n{" } else { ",\n{" });
                for (i, (field, value)) in fields.iter().zip(&values).enumerate() {
                    let v = serde_json::to_string(value).map_err(json_failed)?;
                    text.push_str(&format!("{}\"{field}\":{v}", if i == 0 { "" } else { "," }));
                }
                text.push('}');
                let safe = json_safe(&text).into_owned();
                self.raw(&safe)
            }
            Format::Csv => {
                let csv = self.csv.as_mut().expect("set for CSV");
                let cells = values.iter().map(|v| csv_cell(&field_cell(v)).into_owned());
                csv.write_record(cells).map_err(csv_failed)
            }
            Format::Table => {
                let cells: Vec<String> = values.iter().map(|v| shown(&field_cell(v)).into_owned()).collect();
                let line = table_line(fields, &cells);
                self.raw(&line)
            }
        }
    }

    fn raw(&mut self, text: &str) -> Result<(), Failure> {
        self.out.write_all(text.as_bytes()).map_err(write_failed)
    }

    pub fn write(&mut self, account: &CourseAccount) -> Result<(), Failure> {
        if let Some(fields) = self.fields.clone() {
            self.write_fields(account, &fields)?;
            self.written += 1;
            return Ok(());
        }
        match self.format {
            Format::Json => {
                self.raw(if self.written == 0 { "\n" } else { ",\n" })?;
                self.scratch.clear();
                serde_json::to_writer(&mut self.scratch, account).map_err(json_failed)?;
                let text = std::str::from_utf8(&self.scratch).map_err(|e| Failure::Error(e.to_string()))?;
                self.out.write_all(json_safe(text).as_bytes()).map_err(write_failed)?;
            }
            Format::Csv => {
                let csv = self.csv.as_mut().expect("set for CSV");
                csv.write_record(cells(account).iter().map(|c| csv_cell(c).into_owned())).map_err(csv_failed)?;
            }
            Format::Table => {
                let c = cells(account).map(|c| shown(&c).into_owned());
                self.raw(&format!("{:<36}  {:<8}  {:<34}  {:<16}  {}\n", c[0], c[1], c[2], c[3], c[4]))?;
            }
        }
        self.written += 1;
        Ok(())
    }

    /// Closes the output; returns how many accounts were written.
    pub fn finish(mut self) -> Result<u64, Failure> {
        if self.format == Format::Json {
            self.raw(if self.written == 0 { "]\n" } else { "\n]\n" })?;
        }
        if let Some(mut csv) = self.csv.take() {
            csv.flush().map_err(write_failed)?;
        }
        self.out.flush().map_err(write_failed)?;
        Ok(self.written)
    }
}

/// A table line of chosen fields: each column as wide as its usual content, the last unpadded.
fn table_line(fields: &[&str], cells: &[String]) -> String {
    let width = |field: &str| match field {
        "uuid" | "project" | "project_uuid" | "customer_uuid" | "user_uuid" => 36,
        "email" => 34,
        "state" => 8,
        "project_start_date" | "project_end_date" => 18,
        "created" | "modified" => 25,
        _ => 20,
    };
    let mut line = String::new();
    for (i, (field, cell)) in fields.iter().zip(cells).enumerate() {
        if i + 1 == fields.len() {
            line.push_str(cell);
        } else {
            line.push_str(&format!("{cell:<w$}  ", w = width(field).max(field.len())));
        }
    }
    line.push('\n');
    line
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
    fn each_field_is_what_the_accounts_json_has_and_the_fields_are_all_of_them() {
        let text = r#"{"url":"http://x/api/marketplace-course-accounts/1/","uuid":"00000000-0000-4000-8002-000000000001",
            "created":"2025-09-01T08:01:00Z","modified":"2025-09-01T08:01:00.5Z","project":"00000000-0000-4000-8001-000000000001",
            "project_uuid":"00000000-0000-4000-8001-000000000001","project_name":"C","project_slug":"c",
            "project_start_date":"2025-09-01","project_end_date":null,"customer_uuid":"00000000-0000-4000-8000-000000000001",
            "customer_name":"U","state":"Erred","email":"a@b.de","description":"d","error_message":"m","error_traceback":"",
            "user_uuid":"00000000-0000-4000-8003-000000000001","username":"course_00001"}"#;
        let account: CourseAccount = serde_json::from_str(text).unwrap();
        let whole = serde_json::to_value(&account).unwrap();
        let keys: std::collections::BTreeSet<&str> = whole.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, FIELDS.iter().copied().collect(), "FIELDS names every field of an account");
        for field in FIELDS {
            assert_eq!(field_value(&account, field), whole[field], "{field}");
        }
    }

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
