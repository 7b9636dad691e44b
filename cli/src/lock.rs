//! One run at a time per project and server for this user on this machine, for the commands that
//! write many accounts (import, sync, `close --all`): two imports of one roster at once against a server that does not skip existing
//! addresses (7.8.7) each read the project before the other wrote, and every student got two
//! accounts. The lock is an advisory file lock (`flock`, released by the kernel when the process
//! ends, however it ends) on a file in `~/.cache/waldur-course-accounts` (one place whatever the
//! session: a cron job and an SSH login see the same file), opened without following a symbolic
//! link. A run on another machine is not stopped
//! by it: `import` checks the project after it wrote and `reconcile` lists every student with more
//! than one open account.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;

use waldur_course_accounts::Uuid;

use crate::exit::Failure;

/// Held for the whole run; dropping it (or the process ending) releases the lock.
pub struct ProjectLock {
    _file: File,
}

fn directory() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").filter(|d| !d.is_empty())?;
    Some(PathBuf::from(home).join(".cache").join("waldur-course-accounts"))
}

/// FNV-1a of the server's URL: the same project UUID on two servers is two locks.
fn server_hash(url: &str) -> u64 {
    url.bytes().fold(0xcbf29ce484222325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3))
}

/// Takes the lock of `project` on the server at `url` for `what` (e.g. "import"), or says who holds it.
pub fn acquire(url: &str, project: Uuid, what: &str) -> Result<ProjectLock, Failure> {
    let dir = directory().ok_or("cannot take the project lock: HOME is not set")?;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(|e| {
        format!("cannot take the project lock: {}: {e}", crate::shown::shown(&dir.display().to_string()))
    })?;
    let path = dir.join(format!("{project}-{:016x}.lock", server_hash(url)));
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| format!("cannot take the project lock {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {
            // Who holds it, for the message a second run prints.
            let _ = file.set_len(0);
            let _ = write!(file, "pid {} ({what})", std::process::id());
            Ok(ProjectLock { _file: file })
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.rewind();
            let _ = file.take(200).read_to_string(&mut holder);
            Err(Failure::Error(format!(
                "another waldur-course-accounts ({}) is changing project {project} from this machine; wait for it to \
                 finish, then run this again",
                if holder.is_empty() { "a run".to_string() } else { crate::shown::shown(&holder).into_owned() }
            )))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(Failure::Error(format!("cannot take the project lock: {e}"))),
    }
}
