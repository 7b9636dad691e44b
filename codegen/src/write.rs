//! Writes a file all-or-nothing: a temporary file beside the target, then a rename, so a failed or
//! interrupted run leaves the old file in place.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Place, Result};

/// Replaces `path` with `contents` atomically; unchanged files are not touched (mtime stays put).
pub fn atomic(path: &Path, contents: &str) -> Result<bool> {
    if std::fs::read(path).is_ok_and(|old| old == contents.as_bytes()) {
        return Ok(false);
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let fail = |what: &str, e: &dyn std::fmt::Display| Error::new(path, Place::File, format!("{what}: {e}"));
    let mut tmp = tempfile::Builder::new()
        .prefix(".codegen-")
        .tempfile_in(dir)
        .map_err(|e| fail("cannot create a temporary file beside the output", &e))?;
    tmp.write_all(contents.as_bytes()).map_err(|e| fail("cannot write", &e))?;
    tmp.as_file().sync_all().map_err(|e| fail("cannot sync", &e))?;
    tmp.persist(path).map_err(|e| fail("cannot replace the file", &e.error))?;
    Ok(true)
}
