//! Writing a report file without losing anything the user has. Checked before anything is read or
//! sent: the report may not be one of the run's inputs (`--report roster.csv`, or a path that leads
//! to it: `./dir/../dir/roster.csv`, a hard link), a symbolic link, something other than a regular
//! file, or a file that is read-only; its folder must exist. Written through a new temporary file in
//! the same folder (created with a random name that cannot exist yet or be a planted link, mode
//! 0600), then renamed over the report in one step, so a reader never sees half a report. A report
//! that replaces a file keeps that file's permissions; a new one is readable by its owner only (it
//! holds students' addresses).

use std::fs::Permissions;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::shown::shown;

/// Where a report goes, checked.
#[derive(Debug)]
pub struct ReportFile {
    path: PathBuf,
    folder: PathBuf,
    /// The replaced file's permissions, kept.
    permissions: Option<Permissions>,
}

impl ReportFile {
    /// Checks `path` against the rules above and the run's `inputs` (files it reads).
    pub fn check(path: &Path, inputs: &[&Path]) -> Result<ReportFile, String> {
        let name = shown(&path.display().to_string()).into_owned();
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if path.file_name().is_none() {
            return Err(format!("--report {name}: not a file name"));
        }
        if !folder.is_dir() {
            return Err(format!("--report {name}: the folder does not exist"));
        }
        let permissions = match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("--report {name}: {e}")),
            Ok(meta) => {
                if meta.file_type().is_symlink() {
                    return Err(format!(
                        "--report {name} is a symbolic link; give the path of a regular file (the report replaces it)"
                    ));
                }
                if !meta.is_file() {
                    return Err(format!("--report {name} is not a regular file"));
                }
                for input in inputs {
                    if let Ok(other) = std::fs::metadata(input)
                        && (other.dev(), other.ino()) == (meta.dev(), meta.ino())
                    {
                        return Err(format!(
                            "--report {name} is the roster this command reads; the report would replace it. Give \
                             another file"
                        ));
                    }
                }
                if meta.permissions().mode() & 0o222 == 0 {
                    return Err(format!("--report {name} is read-only; give another file or make it writable"));
                }
                // Whether this user may write it (the mode bits are not the whole answer: owner, ACLs).
                std::fs::OpenOptions::new()
                    .append(true)
                    .open(path)
                    .map_err(|e| format!("--report {name} cannot be written: {e}"))?;
                Some(meta.permissions())
            }
        };
        Ok(ReportFile { path: path.to_path_buf(), folder, permissions })
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the report with `text` in one step.
    pub fn write(&self, text: &str) -> Result<(), String> {
        let name = shown(&self.path.display().to_string()).into_owned();
        let file_name = self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut temporary = tempfile::Builder::new()
            .prefix(&format!(".{file_name}."))
            .suffix(".partial")
            .tempfile_in(&self.folder)
            .map_err(|e| format!("--report {name}: cannot create a temporary file beside it: {e}"))?;
        temporary.write_all(text.as_bytes()).map_err(|e| format!("--report {name}: {e}"))?;
        if let Some(permissions) = &self.permissions {
            temporary.as_file().set_permissions(permissions.clone()).map_err(|e| format!("--report {name}: {e}"))?;
        }
        // On disk before it takes the old report's place: a crash must not leave an empty report.
        temporary.as_file().sync_all().map_err(|e| format!("--report {name}: {e}"))?;
        temporary.persist(&self.path).map_err(|e| format!("--report {name}: {}", e.error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_that_leads_to_the_roster_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        let roster = dir.path().join("d/roster.csv");
        std::fs::write(&roster, "email\n").unwrap();
        let other_way = dir.path().join("d/../d/./roster.csv");
        let e = ReportFile::check(&other_way, &[&roster]).unwrap_err();
        assert!(e.contains("is the roster"), "{e}");
        std::fs::hard_link(&roster, dir.path().join("link.csv")).unwrap();
        assert!(ReportFile::check(&dir.path().join("link.csv"), &[&roster]).is_err(), "a hard link is the same file");
        assert_eq!(std::fs::read_to_string(&roster).unwrap(), "email\n");
    }

    #[test]
    fn a_replaced_report_keeps_its_permissions_and_a_new_one_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.json");
        std::fs::write(&old, "{}").unwrap();
        std::fs::set_permissions(&old, Permissions::from_mode(0o640)).unwrap();
        ReportFile::check(&old, &[]).unwrap().write("new\n").unwrap();
        assert_eq!(std::fs::metadata(&old).unwrap().permissions().mode() & 0o777, 0o640);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "new\n");
        let new = dir.path().join("new.json");
        ReportFile::check(&new, &[]).unwrap().write("x").unwrap();
        assert_eq!(std::fs::metadata(&new).unwrap().permissions().mode() & 0o777, 0o600);
        let leftovers: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 2, "no temporary file left behind: {leftovers:?}");
    }

    #[test]
    fn links_read_only_files_and_missing_folders_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious.txt");
        std::fs::write(&target, "keep me").unwrap();
        let link = dir.path().join("report.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(ReportFile::check(&link, &[]).unwrap_err().contains("symbolic link"));
        std::fs::set_permissions(&target, Permissions::from_mode(0o444)).unwrap();
        assert!(ReportFile::check(&target, &[]).unwrap_err().contains("read-only"));
        assert!(ReportFile::check(&dir.path().join("no/such/r.json"), &[]).unwrap_err().contains("folder"));
        assert!(ReportFile::check(Path::new("/dev/null"), &[]).unwrap_err().contains("not a regular file"));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    }
}
