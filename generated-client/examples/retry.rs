//! Retries course accounts whose creation ended in Erred (Waldur 8.0.7 and newer).
//!
//! `cargo run -p waldur-course-accounts --example retry -- --base-url URL ACCOUNT-UUID...`

mod common;

use waldur_course_accounts::{Error, Refusal};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = common::args();
    if args.rest.is_empty() {
        return Err("usage: retry [--base-url URL] ACCOUNT-UUID...".into());
    }
    let client = common::client(&args)?;
    let mut failed = 0;
    for uuid in &args.rest {
        match client.retry(uuid.parse()?).await {
            Ok(account) => println!("{uuid}: retrying, now {}", account.state),
            // Only Erred accounts can be retried; the server said which states it accepts.
            Err(Error::Api(e)) if e.refusal() == Refusal::Conflict => {
                failed += 1;
                println!("{uuid}: not retried: {}", e.body.message());
            }
            // A server older than 8.0.7: stop, every other account would get the same answer.
            Err(e @ Error::Unsupported { .. }) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
            Err(other) => {
                failed += 1;
                println!("{uuid}: {other}");
            }
        }
    }
    if failed > 0 { Err(format!("{failed} of {} not retried", args.rest.len()).into()) } else { Ok(()) }
}
