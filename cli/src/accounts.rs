//! The commands on accounts themselves: list, count, get, create, retry.

use futures::TryStreamExt;
use waldur_course_accounts::{Client, Error, NewCourseAccount, Uuid};

use crate::connect::explain;
use crate::filter::FilterArgs;
use crate::output::{self, AccountWriter, Format};
use crate::{Failure, Outcome};

#[derive(clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    filter: FilterArgs,
    /// table (default on a terminal), json (default otherwise: an array of the API's objects), csv.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Accounts per request (1 to 300).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..=300))]
    page_size: u32,
}

#[derive(clap::Args)]
pub struct CountArgs {
    #[command(flatten)]
    filter: FilterArgs,
}

#[derive(clap::Args)]
pub struct GetArgs {
    uuid: Uuid,
    /// table (default on a terminal) or json.
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(clap::Args)]
pub struct CreateArgs {
    /// The course project.
    #[arg(long, value_name = "UUID")]
    project: Uuid,
    /// The student's email.
    email: String,
    /// Free text stored with the account.
    #[arg(long)]
    description: Option<String>,
}

#[derive(clap::Args)]
pub struct RetryArgs {
    /// Accounts to retry (each must be Erred).
    #[arg(required = true)]
    uuids: Vec<Uuid>,
}

pub async fn list(client: &Client, args: ListArgs) -> Outcome {
    let filter = args.filter.to_filter()?;
    let mut writer = AccountWriter::new(output::resolve(args.format))?;
    let mut accounts = client.list_with_page_size(filter, args.page_size);
    loop {
        match accounts.try_next().await {
            Ok(Some(account)) => writer.write(&account)?,
            Ok(None) => break,
            // What was written stays well-formed (the JSON array closed): a reader parses it, and the
            // exit status says it is short.
            Err(e) => {
                writer.finish()?;
                return Err(Failure::Error(format!("the list is incomplete: {}", explain(&e))));
            }
        }
    }
    writer.finish()?;
    Ok(())
}

pub async fn count(client: &Client, args: CountArgs) -> Outcome {
    let n = client.count(&args.filter.to_filter()?).await.map_err(|e| explain(&e))?;
    println!("{n}");
    Ok(())
}

pub async fn get(client: &Client, args: GetArgs) -> Outcome {
    let account = client.get(args.uuid).await.map_err(|e| explain(&e))?;
    match output::resolve(args.format) {
        Format::Json => output::json(&serde_json::to_value(&account)?)?,
        format => {
            let mut writer = AccountWriter::new(format)?;
            writer.write(&account)?;
            writer.finish()?;
        }
    }
    Ok(())
}

pub async fn create(client: &Client, args: CreateArgs) -> Outcome {
    let new = NewCourseAccount {
        project: args.project,
        email: Some(args.email.trim().to_string()),
        description: args.description,
    };
    match client.create(&new).await {
        Ok(account) => {
            println!("created {} ({})", account.uuid, account.state);
            Ok(())
        }
        Err(e) if e.is_done() => {
            println!("created, but the answer could not be read ({e}); `list --email` shows the account");
            Ok(())
        }
        Err(e) if e.is_outcome_unknown() => {
            eprintln!("UNKNOWN whether the account was created: {e}");
            eprintln!("check with `list --project {} --email ...` before creating it again", args.project);
            Err(Failure::Partial)
        }
        Err(e) => Err(Failure::Error(format!("not created: {}", explain(&e)))),
    }
}

pub async fn retry(client: &Client, args: RetryArgs) -> Outcome {
    let mut not_done = 0;
    for uuid in &args.uuids {
        match client.retry(*uuid).await {
            Ok(account) => println!("{uuid}: retrying, now {}", account.state),
            Err(e @ Error::Unsupported { .. }) => return Err(Failure::Error(e.to_string())),
            Err(Error::Conflict(e)) => {
                not_done += 1;
                println!("{uuid}: not retried: {}", e.body.message());
            }
            Err(e) if e.is_outcome_unknown() => {
                not_done += 1;
                println!("{uuid}: UNKNOWN whether it was retried: {e}");
            }
            Err(e) => {
                not_done += 1;
                println!("{uuid}: not retried: {}", explain(&e));
            }
        }
    }
    if not_done > 0 { Err(Failure::Partial) } else { Ok(()) }
}
