//! The one error type of the generator: every failure names the file and the place in it.

use std::fmt;
use std::path::PathBuf;

/// Where in an input a problem sits: a line/column from the parser or a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The file as a whole (it could not be read, or is empty).
    File,
    /// A 1-based line and column, as the YAML/JSON parser reports them.
    Line { line: usize, column: usize },
    /// A JSON pointer (RFC 6901) into the parsed document.
    Pointer(String),
    /// An operation, by its operationId (and where it sits).
    Operation { id: String, pointer: String },
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::File => Ok(()),
            Place::Line { line, column } => write!(f, "line {line}, column {column}"),
            Place::Pointer(p) if p.is_empty() => f.write_str("document root"),
            Place::Pointer(p) => write!(f, "{p}"),
            Place::Operation { id, pointer } => write!(f, "operation `{id}` ({pointer})"),
        }
    }
}

/// A generator failure: what went wrong, in which file, at which place.
#[derive(Debug, thiserror::Error)]
pub struct Error {
    pub file: PathBuf,
    pub place: Place,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.place != Place::File {
            write!(f, ": {}", self.place)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl Error {
    pub fn new(file: impl Into<PathBuf>, place: Place, message: impl Into<String>) -> Self {
        Error { file: file.into(), place, message: message.into() }
    }

    pub fn at(file: impl Into<PathBuf>, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(file, Place::Pointer(pointer.into()), message)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
