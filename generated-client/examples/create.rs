//! Creates one course account in a course project.
//!
//! `cargo run -p waldur-course-accounts --example create -- --base-url URL PROJECT-UUID EMAIL`

mod common;

use waldur_course_accounts::{Error, NewCourseAccount, Refusal};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = common::args();
    let [project, email] = args.rest.as_slice() else {
        return Err("usage: create [--base-url URL] PROJECT-UUID EMAIL".into());
    };
    let client = common::client(&args)?;
    let account = NewCourseAccount { project: project.parse()?, email: Some(email.clone()), description: None };
    match client.create(&account).await {
        Ok(created) => println!("created {} ({:?}) in state {}", created.uuid, created.username, created.state),
        Err(Error::Api(e)) if e.refusal() == Refusal::Validation => {
            for (field, messages) in &e.body.field_errors {
                eprintln!("{field}: {}", messages.join(" "));
            }
            return Err(e.body.message().into());
        }
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
