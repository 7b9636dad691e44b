//! Closes a course account (allowed in state OK or Erred).
//!
//! `cargo run -p waldur-course-accounts --example delete -- --base-url URL ACCOUNT-UUID`

mod common;

use waldur_course_accounts::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = common::args();
    let [uuid] = args.rest.as_slice() else {
        return Err("usage: delete [--base-url URL] ACCOUNT-UUID".into());
    };
    let client = common::client(&args)?;
    match client.delete(uuid.parse()?).await {
        Ok(deleted) => match deleted.account {
            Some(a) => println!("closed {} (now {})", a.uuid, a.state),
            None => println!("closed {uuid}"),
        },
        Err(Error::Conflict(e)) => {
            return Err(format!("cannot close it in its current state: {}", e.body.message()).into());
        }
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
