//! Turns a panic inside progenitor/typify into a value, without the default hook printing a backtrace.
//!
//! The panic hook is process-wide, so it is installed once and stays quiet only on threads that are
//! inside [`catch`]; panics anywhere else still reach the previous hook unchanged.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(Cell::get) {
                let text = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic with a non-string payload".to_string());
                let at = info
                    .location()
                    .map(|l| format!(" (at {}:{})", crate_relative(l.file()), l.line()))
                    .unwrap_or_default();
                MESSAGE.with(|m| *m.borrow_mut() = Some(format!("{text}{at}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// `…/registry/src/index.crates.io-…/progenitor-impl-0.15.1/src/method.rs` → `progenitor-impl-0.15.1/src/method.rs`,
/// so messages do not depend on the machine.
fn crate_relative(file: &str) -> &str {
    match file.find("/registry/src/") {
        Some(i) => file[i + "/registry/src/".len()..].split_once('/').map_or(file, |(_, rest)| rest),
        None => file,
    }
}

/// Runs `f`; a panic comes back as `Err(message)`.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let was = CAPTURING.with(|c| c.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CAPTURING.with(|c| c.set(was));
    result.map_err(|_| MESSAGE.with(|m| m.borrow_mut().take()).unwrap_or_else(|| "unknown panic".to_string()))
}
