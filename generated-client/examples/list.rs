//! Lists course accounts in state OK or Erred, newest first, across all pages.
//!
//! `cargo run -p waldur-course-accounts --example list -- --base-url http://127.0.0.1:8787 [EMAIL-CONTAINS]`

mod common;

use futures::TryStreamExt;
use waldur_course_accounts::{CourseAccountState, Filter, Ordering, OrderingField};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = common::args();
    let client = common::client(&args)?;
    let mut filter = Filter::new()
        .state(CourseAccountState::Ok)
        .state(CourseAccountState::Erred)
        .order_by(Ordering::new().desc(OrderingField::Created).asc(OrderingField::Email));
    if let Some(email) = args.rest.first() {
        filter = filter.email(email.clone());
    }
    println!("{} matching accounts", client.count(&filter).await?);
    let mut accounts = client.list(filter);
    while let Some(a) = accounts.try_next().await? {
        println!("{}  {:<8} {:<30} {}", a.uuid, a.state, a.email().unwrap_or_default(), a.project_name);
    }
    Ok(())
}
