//! `reconcile`: a roster against a project, read-only. Which roster emails have no account, which have
//! only Closed ones (`import` does not recreate those: Waldur's bulk create skips them), which accounts
//! of the project are on no roster line, which roster accounts need attention (Erred, Pending), and
//! which students have more than one open account (two runs at once against a server that skips
//! nothing, or two spellings created one by one): each such student is listed with every account.
//! Table for people, `--format json` for programs:
//! `{"project": UUID, "roster": PATH, "missing": [{"line": N, "email": TEXT}],
//!   "several_open": [{"line": N, "email": TEXT, "accounts": [UUID, ...]}],
//!   "closed": [{"line": N, "email": TEXT, "account": UUID}],
//!   "attention": [{"line": N, "email": TEXT, "account": UUID, "state": LABEL, "error_message": TEXT}],
//!   "not_on_roster": [{"account": UUID, "email": TEXT or null, "state": LABEL}],
//!   "present": N, "invalid_lines": [N, ...]}`.

use serde_json::json;
use waldur_course_accounts::{Client, CourseAccount, CourseAccountState, Standing};

use crate::connect::explain;
use crate::output::{self, Format, ShowFormat};
use crate::roster;
use crate::shown::shown;
use crate::{Failure, Outcome};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    source: roster::Source,
    /// table (default on a terminal) or json.
    #[arg(long, value_enum)]
    format: Option<ShowFormat>,
}

pub async fn run(client: &Client, args: Args) -> Outcome {
    let roster = args.source.read()?;
    let found = client
        .reconcile(args.source.project, roster.rows.iter().map(|r| r.email.as_str()))
        .await
        .map_err(|e| explain(&e))?;
    let mut missing = Vec::new();
    let mut closed = Vec::new();
    let mut attention = Vec::new();
    let mut present = 0;
    let mut several = Vec::new();
    for (row, status) in roster.rows.iter().zip(&found.emails) {
        let open: Vec<&CourseAccount> = status.open_accounts().collect();
        if open.len() > 1 {
            let uuids: Vec<String> = open.iter().map(|a| a.uuid.to_string()).collect();
            several.push(json!({"line": row.line, "email": row.email, "accounts": uuids}));
        }
        match status.standing() {
            Standing::NoAccount => {
                missing.push(json!({"line": row.line, "email": row.email}));
                continue;
            }
            Standing::Closed { account } => {
                closed.push(json!({"line": row.line, "email": row.email, "account": account.uuid}));
                continue;
            }
            Standing::Open { .. } => {}
        }
        present += 1;
        for a in open.into_iter().filter(|a| matches!(a.state, CourseAccountState::Erred | CourseAccountState::Pending))
        {
            attention.push(json!({"line": row.line, "email": row.email, "account": a.uuid, "state": a.state, "error_message": a.error_message}));
        }
    }
    let not_on_roster: Vec<_> = found
        .not_listed
        .iter()
        .filter(|a| a.state != CourseAccountState::Closed)
        .map(|a| json!({"account": a.uuid, "email": a.email(), "state": a.state}))
        .collect();
    let invalid: Vec<u64> = roster.bad.iter().map(|b| b.line).collect();
    let clean = missing.is_empty()
        && closed.is_empty()
        && attention.is_empty()
        && not_on_roster.is_empty()
        && invalid.is_empty()
        && several.is_empty();
    if output::resolve(args.format.map(Format::from)) == Format::Json {
        output::json(&json!({
            "project": args.source.project,
            "roster": args.source.name(),
            "missing": missing,
            "several_open": several,
            "closed": closed,
            "attention": attention,
            "not_on_roster": not_on_roster,
            "present": present,
            "invalid_lines": invalid,
        }))?;
    } else {
        out!("{present} roster emails have an open account")?;
        out!("{} have more than one open account (close the extra ones):", several.len())?;
        for d in &several {
            let accounts: Vec<&str> =
                d["accounts"].as_array().into_iter().flatten().filter_map(|a| a.as_str()).collect();
            out!("  line {}: {} {}", d["line"], d["email"].as_str().unwrap_or_default(), accounts.join(" "))?;
        }
        out!("{} missing (on the roster, no account):", missing.len())?;
        for m in &missing {
            out!("  line {}: {}", m["line"], m["email"].as_str().unwrap_or_default())?;
        }
        out!("{} have only a closed account (import does not recreate it; `create` does):", closed.len())?;
        for c in &closed {
            out!("  line {}: {}", c["line"], c["email"].as_str().unwrap_or_default())?;
        }
        out!("{} need attention (Erred or Pending):", attention.len())?;
        for a in &attention {
            out!(
                "  line {}: {} {} {}",
                a["line"],
                a["email"].as_str().unwrap_or_default(),
                a["state"].as_str().unwrap_or_default(),
                a["account"].as_str().unwrap_or_default()
            )?;
        }
        out!("{} open accounts of the project are not on the roster:", not_on_roster.len())?;
        for n in &not_on_roster {
            out!(
                "  {} {} {}",
                n["account"].as_str().unwrap_or_default(),
                shown(n["email"].as_str().unwrap_or("(no email)")),
                n["state"].as_str().unwrap_or_default()
            )?;
        }
        if !invalid.is_empty() {
            out!("{} roster lines have no usable email: {invalid:?}", invalid.len())?;
        }
    }
    if clean { Ok(()) } else { Err(Failure::Partial) }
}
