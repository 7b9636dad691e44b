//! Interruptions: Ctrl-C (SIGINT), SIGTERM (`kill`, a cron or CI timeout) and SIGHUP (a closed SSH
//! session or terminal) are one event for every command: stop starting new work, let what is in
//! flight finish, close the output well-formed, write the report, say "interrupted", exit 130. A
//! second signal ends the process at once (someone who presses Ctrl-C twice means it).
//!
//! Commands ask [`requested`] between steps and wait on [`wait`] beside their long awaits.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

static REQUESTED: AtomicBool = AtomicBool::new(false);
static NOTIFY: Notify = Notify::const_new();

/// Starts listening; from here on the three signals no longer end the process by themselves.
pub fn install() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
                _ = hangup.recv() => {}
            }
            if REQUESTED.swap(true, Ordering::SeqCst) {
                crate::note!("interrupted again: stopping now (a report may be behind what was done)");
                std::process::exit(130);
            }
            NOTIFY.notify_waiters();
        }
    });
    Ok(())
}

/// Whether a signal has come.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Returns when a signal has come (at once if one came already).
pub async fn wait() {
    let notified = NOTIFY.notified();
    tokio::pin!(notified);
    notified.as_mut().enable();
    if requested() {
        return;
    }
    notified.await;
}
