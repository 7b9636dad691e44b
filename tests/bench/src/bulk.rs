//! Bulk creation: `create_bulk` of N emails into an empty project of the stand-in, timed in this
//! process, with the requests it took.

use std::time::Instant;

use serde_json::{Value, json};
use waldur_course_accounts::{BulkOptions, Client, Token};
use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};

use crate::TOKEN;

pub async fn bulk_section(sizes: &[usize]) -> Result<Vec<Value>, String> {
    let mut bulk_rows = Vec::new();
    for &n in sizes {
        let server = StandIn::start(Waldur::seeded(Flavour::V7_8_7, 0)).await.map_err(|e| e.to_string())?;
        let client = Client::new(&server.base_url(), Token::new(TOKEN)).map_err(|e| e.to_string())?;
        let emails: Vec<String> = (0..n).map(|i| format!("bulk{i}@example.edu")).collect();
        let started = Instant::now();
        let outcome = client
            .create_bulk(
                waldur_course_accounts_testkit::standin::seed::course_project(),
                emails,
                &BulkOptions::default(),
            )
            .await
            .map_err(|e| format!("bulk create of {n}: {e}"))?;
        let seconds = started.elapsed().as_secs_f64();
        if !outcome.is_complete() || outcome.created().count() != n {
            return Err(format!("bulk create of {n} did not complete"));
        }
        println!(
            "bulk create {n:>6} emails: {seconds:.3} s in {} requests of {}",
            outcome.chunks.len(),
            BulkOptions::default().chunk_size
        );
        bulk_rows.push(json!({"emails": n, "seconds": seconds, "requests": outcome.chunks.len()}));
    }
    Ok(bulk_rows)
}
