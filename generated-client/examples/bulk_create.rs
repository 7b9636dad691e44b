//! Creates accounts for many emails (one per line on stdin, or as arguments), in chunks, printing each
//! chunk's outcome as it happens, and says truthfully what happened to every email: created, already
//! in the project, refused (nothing created), or uncertain (settle with `Client::reconcile`).
//!
//! `cargo run -p waldur-course-accounts --example bulk_create -- --base-url URL PROJECT-UUID [EMAIL...]`

mod common;

use std::io::BufRead;

use futures::StreamExt;
use waldur_course_accounts::{BulkInput, BulkOptions, ChunkStatus, SkipReason};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = common::args();
    let Some((project, emails)) = args.rest.split_first() else {
        return Err("usage: bulk_create [--base-url URL] PROJECT-UUID [EMAIL...] (or emails on stdin)".into());
    };
    let mut emails = emails.to_vec();
    if emails.is_empty() {
        emails = std::io::stdin().lock().lines().map_while(Result::ok).filter(|l| !l.trim().is_empty()).collect();
    }
    let client = common::client(&args)?;
    // Every email is checked before anything is sent; a bad one names its position, not its value.
    let input = BulkInput::new(emails).map_err(|e| e.to_string())?;
    for d in input.duplicates() {
        println!("input {}: repeats input {} (ignoring case), sent once", d.index + 1, d.first + 1);
    }
    // The project is read first: an email that has an account there (Closed included: Waldur's bulk
    // create skips those) is not sent.
    let plan = client.plan_bulk(project.parse()?, input).await?;
    for existing in plan.existing() {
        let why = match existing.reason {
            SkipReason::HasAccount { .. } => "has an account",
            SkipReason::Closed => "has a closed account: bulk create will not make a new one",
        };
        println!("input {}: {why} ({}), not sent", existing.index + 1, existing.account.uuid);
    }
    let mut chunks = std::pin::pin!(client.create_bulk_stream(plan, &BulkOptions::default()));
    let mut unsettled = 0;
    while let Some(chunk) = chunks.next().await {
        let (i, n) = (chunk.number, chunk.emails.len());
        match &chunk.status {
            ChunkStatus::Created { accounts, not_returned } => {
                println!("chunk {i}: {} created, {} skipped by the server", accounts.len(), not_returned.len())
            }
            ChunkStatus::Unreadable(e) => {
                unsettled += n;
                println!("chunk {i}: created, but the answer is unreadable ({n} emails; reconcile to see them): {e}")
            }
            ChunkStatus::Uncertain(e) => {
                unsettled += n;
                println!("chunk {i}: UNCERTAIN, may or may not be created ({n} emails; reconcile before retrying): {e}")
            }
            ChunkStatus::Refused(e) => {
                unsettled += n;
                println!("chunk {i}: refused, nothing created ({n} emails): {e}")
            }
            ChunkStatus::Busy { retry_in, .. } => {
                println!(
                    "chunk {i}: the server is busy ({n} emails, nothing created); sending it again in {retry_in:?}"
                );
                tokio::time::sleep(*retry_in).await;
                continue;
            }
            ChunkStatus::NotAttempted => {
                unsettled += n;
                println!("chunk {i}: not attempted ({n} emails)")
            }
        }
    }
    if unsettled > 0 {
        return Err(format!("{unsettled} emails are not known to have accounts (see above)").into());
    }
    Ok(())
}
