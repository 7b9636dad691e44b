//! `close --ended` (every open account of every course that ended before a day, grouped by course,
//! read again after the question) and `close --project P --email ADDRESS...` (students by address).

use waldur_course_accounts::{Client, CourseAccountState, Uuid};

use super::ask;
use super::sweep::closes;
use crate::connect::explain;
use crate::{Failure, Outcome, interrupt};

/// `--ended`: the open accounts of every course that ended before `before`, grouped by course.
pub(super) async fn ended(
    client: &Client,
    before: chrono::NaiveDate,
    project: Option<Uuid>,
    dry_run: bool,
    yes: bool,
    concurrency: usize,
) -> Outcome {
    let courses = tokio::select! {
        courses = client.ended_courses(before, project) => courses.map_err(|e| explain(&e))?,
        _ = interrupt::wait() => {
            note!("interrupted while reading the courses: nothing was closed");
            return Err(Failure::Interrupted);
        }
    };
    let mut snapshot = Vec::new();
    let mut label = std::collections::HashMap::new();
    let mut pending = 0;
    out!("courses that ended before {before}: {}", courses.len())?;
    for course in &courses {
        let closable: Vec<_> = course
            .open
            .iter()
            .filter(|a| matches!(a.state, CourseAccountState::Ok | CourseAccountState::Erred))
            .collect();
        let waiting = course.open.iter().filter(|a| a.state == CourseAccountState::Pending).count();
        pending += waiting;
        out!(
            "  {} {} (ended {}): {} to close{}",
            course.course.uuid,
            crate::shown::shown(&course.course.name),
            course.course.end.map(|d| d.to_string()).unwrap_or_default(),
            closable.len(),
            if waiting > 0 { format!(", {waiting} Pending (cannot be closed yet)") } else { String::new() }
        )?;
        for a in closable {
            let email = a.email.as_deref().unwrap_or("");
            label.insert(
                a.uuid,
                format!("{} ({})", crate::shown::shown(email), crate::shown::shown(&course.course.name)),
            );
            snapshot.push((a.uuid, a.state.clone()));
        }
    }
    if pending > 0 {
        out!(
            "{pending} Pending accounts of ended courses cannot be closed until they are provisioned; run this again later"
        )?;
    }
    if snapshot.is_empty() {
        return out!("nothing to close");
    }
    if dry_run {
        if !crate::quiet() {
            for (uuid, state) in &snapshot {
                out!("would close: {uuid} ({state}) {}", label.get(uuid).map(String::as_str).unwrap_or(""))?;
            }
        }
        return out!(
            "dry run: {} accounts of {} courses would be closed; nothing was sent",
            snapshot.len(),
            courses.len()
        );
    }
    if !yes {
        let question = format!("Close {} accounts of {} ended courses? [y/N] ", snapshot.len(), courses.len());
        if !ask(&question, "close")? {
            return Err(Failure::Partial);
        }
        // Read again: only what was shown and is still an open account of an ended course is closed
        // (an end date moved meanwhile takes its course out).
        let now = client.ended_courses(before, project).await.map_err(|e| explain(&e))?;
        let still: std::collections::HashSet<Uuid> = now.iter().flat_map(|c| c.open.iter().map(|a| a.uuid)).collect();
        snapshot.retain(|(uuid, _)| still.contains(uuid));
    }
    closes(client, snapshot, concurrency, &label).await
}

/// `--project P --email ADDRESS...`: the open accounts of these students, found by the email key.
pub(super) async fn by_email(
    client: &Client,
    project: Uuid,
    emails: &[String],
    dry_run: bool,
    yes: bool,
    concurrency: usize,
) -> Outcome {
    let found = client.reconcile(project, emails).await.map_err(|e| explain(&e))?;
    let mut snapshot = Vec::new();
    let mut label = std::collections::HashMap::new();
    let mut missing = 0;
    for status in &found.emails {
        let open: Vec<_> = status.open_accounts().collect();
        if open.is_empty() {
            let what = if status.accounts.is_empty() { "has no account in the project" } else { "is closed already" };
            out!("{}: {what}", crate::shown::shown(&status.email))?;
            missing += usize::from(status.accounts.is_empty());
        }
        for a in open {
            label.insert(a.uuid, status.email.clone());
            snapshot.push((a.uuid, a.state.clone()));
        }
    }
    if dry_run {
        for (uuid, state) in &snapshot {
            out!("would close: {uuid} ({state}) {}", label.get(uuid).map(String::as_str).unwrap_or(""))?;
        }
        return out!("dry run: {} accounts would be closed; nothing was sent", snapshot.len());
    }
    if !snapshot.is_empty()
        && !yes
        && !ask(&format!("Close {} accounts of project {project}? [y/N] ", snapshot.len()), "close")?
    {
        return Err(Failure::Partial);
    }
    let outcome = if snapshot.is_empty() { Ok(()) } else { closes(client, snapshot, concurrency, &label).await };
    match outcome {
        Ok(()) if missing > 0 => Err(Failure::Partial),
        other => other,
    }
}
