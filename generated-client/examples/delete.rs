//! Closes a course account (allowed in state OK or Erred) and says truthfully what happened: closed,
//! refused (the account is not closed), or unknown (look it up before trying again).
//!
//! `cargo run -p waldur-course-accounts --example delete -- --base-url URL ACCOUNT-UUID`

mod common;

use waldur_course_accounts::{Error, Refusal};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = common::args();
    let [uuid] = args.rest.as_slice() else {
        return Err("usage: delete [--base-url URL] ACCOUNT-UUID".into());
    };
    let client = common::client(&args)?;
    match client.delete(uuid.parse()?).await {
        Ok(deleted) => {
            let how = if deleted.confirmed_by_read { " (the answer was lost; a read confirmed it)" } else { "" };
            match deleted.account {
                Some(a) => println!("closed {} (now {}){how}", a.uuid, a.state),
                None => println!("closed {uuid}{how}"),
            }
        }
        Err(e) if e.is_outcome_unknown() => {
            return Err(format!("UNKNOWN whether {uuid} was closed: {e}; check it with `get` before retrying").into());
        }
        // The client has already made sure a 409 after a lost answer is not a close it did itself.
        Err(Error::Api(e)) if e.refusal() == Refusal::Conflict => {
            return Err(format!("refused, {uuid} is not closed: {}", e.body.message()).into());
        }
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
