//! The writer of accounts ([`AccountWriter`]): one by one as they arrive, never collected first, as a
//! table, a JSON array or CSV, with every column or only the `--fields` chosen; buffered in large
//! blocks, each cell from a server made safe for where it goes.

use std::io::Write;

use waldur_course_accounts::CourseAccount;

use super::fields::{field_cell, field_value};
use super::json::{json_failed, json_safe};
use super::{Format, write_failed};
use crate::Failure;
use crate::shown::{csv_cell, shown};

/// The CSV and table columns.
const COLUMNS: [&str; 8] =
    ["uuid", "state", "email", "username", "project_name", "project_uuid", "created", "error_message"];

/// An account's cells, as the server sent them.
fn cells(a: &CourseAccount) -> [String; 8] {
    [
        a.uuid.to_string(),
        a.state.to_string(),
        a.email().unwrap_or_default().to_string(),
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

fn csv_failed(e: csv::Error) -> Failure {
    let text = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(io) => write_failed(io),
        _ => Failure::Error(format!("cannot write the output: {text}")),
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
