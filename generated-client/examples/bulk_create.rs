//! Creates accounts for many emails (one per line on stdin, or as arguments), in chunks, and reports
//! exactly what happened to each.
//!
//! `cargo run -p waldur-course-accounts --example bulk_create -- --base-url URL PROJECT-UUID [EMAIL...]`

mod common;

use std::io::BufRead;

use waldur_course_accounts::{BulkOptions, ChunkStatus};

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
    let outcome = client.create_bulk(project.parse()?, emails, &BulkOptions::default()).await;
    for (i, chunk) in outcome.chunks.iter().enumerate() {
        match &chunk.status {
            ChunkStatus::Created { accounts, not_returned } => {
                println!("chunk {i}: {} created, {} skipped by the server", accounts.len(), not_returned.len())
            }
            ChunkStatus::Failed(e) => println!("chunk {i}: FAILED ({} emails): {e}", chunk.emails.len()),
            ChunkStatus::NotAttempted => println!("chunk {i}: not attempted ({} emails)", chunk.emails.len()),
        }
    }
    if !outcome.is_complete() {
        return Err(format!(
            "not all accounts were created; failed: {:?}",
            outcome.failed_emails().collect::<Vec<_>>()
        )
        .into());
    }
    Ok(())
}
