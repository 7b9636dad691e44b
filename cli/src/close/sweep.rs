//! The closes of a snapshot, one line each as it happens, and the summary: shared by `--all`,
//! `--ended` and `--email`. A signal or a closed output starts no more closes and lets those in
//! flight finish, so none is left with an unknown outcome.

use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use waldur_course_accounts::{Client, CloseStatus, CourseAccountState, Uuid};

use super::refusal;
use crate::{Failure, Outcome, interrupt};

/// What was done so far, for the summary line.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) closed: usize,
    pub(super) already: usize,
    pub(super) not_closed: usize,
    pub(super) unknown: usize,
}

impl Tally {
    /// The summary of `--all` (and of an interrupted run): what this run closed, apart from what was
    /// closed before.
    pub(super) fn line(&self) -> String {
        format!(
            "{} closed, {} already closed, {} not closed, {} unknown",
            self.closed, self.already, self.not_closed, self.unknown
        )
    }

    /// The summary of `close UUID UUID...`: every account asked for that is closed now.
    pub(super) fn line_by_uuid(&self) -> String {
        format!(
            "{} closed ({} already), {} not closed",
            self.closed + self.already,
            self.already,
            self.not_closed + self.unknown
        )
    }
}

/// Ends a run: the summary (on stdout, or stderr when stdout is gone), and the exit the ending calls for.
pub(super) fn summarise(tally: &Tally, stopped: Option<Failure>, left: usize) -> Outcome {
    let mut summary = format!("summary: {}", tally.line());
    if left > 0 {
        summary.push_str(&format!(", {left} not attempted"));
    }
    match stopped {
        Some(Failure::ClosedPipe) => {
            note!("output closed: stopped; {summary}");
            Err(Failure::ClosedPipe)
        }
        Some(failure) => {
            out!("{summary}")?;
            note!("interrupted: {}; the accounts not attempted are still open", tally.line());
            Err(failure)
        }
        None => {
            out!("{summary}")?;
            if tally.not_closed + tally.unknown > 0 { Err(Failure::Partial) } else { Ok(()) }
        }
    }
}

/// Closes the accounts of a snapshot (those Closed in it are counted as already closed), a line per
/// account as it happens (`label` adds what the admin knows it by), then the summary. A signal or a
/// closed output starts no more closes and lets those in flight finish.
pub(super) async fn closes(
    client: &Client,
    snapshot: Vec<(Uuid, CourseAccountState)>,
    concurrency: usize,
    label: &std::collections::HashMap<Uuid, String>,
) -> Outcome {
    let total = snapshot.len();
    // Set by a signal or a closed output: no close is started after it; those in flight finish.
    let stop = AtomicBool::new(false);
    let mut outcomes = std::pin::pin!(stoppable(client, snapshot, concurrency, &stop));
    let mut tally = Tally::default();
    let mut stopped: Option<Failure> = None;
    let mut seen = 0;
    loop {
        let outcome = tokio::select! {
            outcome = outcomes.next() => outcome,
            _ = interrupt::wait(), if stopped.is_none() => {
                stop.store(true, Ordering::SeqCst);
                stopped = Some(Failure::Interrupted);
                continue;
            }
        };
        let Some(outcome) = outcome else { break };
        seen += 1;
        let uuid = outcome.uuid;
        let name = label.get(&uuid).map(|l| format!(" {l}")).unwrap_or_default();
        let line = match &outcome.status {
            CloseStatus::Closed => {
                tally.closed += 1;
                (!crate::quiet()).then(|| format!("{uuid}: closed{name}"))
            }
            CloseStatus::AlreadyClosed => {
                tally.already += 1;
                None
            }
            CloseStatus::Refused(e) => {
                tally.not_closed += 1;
                Some(format!(
                    "{uuid}: not closed ({}): {}{name}",
                    outcome.state_before,
                    refusal(e, &outcome.state_before)
                ))
            }
            CloseStatus::Unknown(e) => {
                tally.unknown += 1;
                Some(format!("{uuid}: UNKNOWN whether it was closed: {}{name}", crate::shown::shown(&e.to_string())))
            }
        };
        if let Some(line) = line
            && stopped.as_ref().is_none_or(|s| !matches!(s, Failure::ClosedPipe))
            && let Err(failure) = out!("{line}")
        {
            stop.store(true, Ordering::SeqCst);
            stopped = Some(failure);
        }
    }
    if interrupt::requested() && stopped.is_none() && seen < total {
        stopped = Some(Failure::Interrupted);
    }
    summarise(&tally, stopped, total - seen)
}

/// The closes of `snapshot` as a stream of outcomes that starts no close once `stop` is set or a
/// signal has come, and ends when the closes in flight have finished (the client's `close_each` is
/// given an input that ends). Shared with `sync`.
pub(crate) fn stoppable<'a>(
    client: &'a Client,
    snapshot: Vec<(Uuid, CourseAccountState)>,
    concurrency: usize,
    stop: &'a AtomicBool,
) -> impl futures::Stream<Item = waldur_course_accounts::CloseOutcome> + 'a {
    let accounts = futures::stream::iter(snapshot)
        .take_while(move |_| std::future::ready(!stop.load(Ordering::SeqCst) && !interrupt::requested()));
    client.close_each(accounts, concurrency)
}
