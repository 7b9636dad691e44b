//! The commands on accounts themselves: list, count, get, create, retry.

use futures::TryStreamExt;
use waldur_course_accounts::{Client, Error, NewCourseAccount, Refusal, Uuid};

use crate::connect::explain;
use crate::filter::FilterArgs;
use crate::output::{self, AccountWriter, Format, ShowFormat};
use crate::shown::shown;
use crate::{Failure, Outcome, interrupt};

#[derive(clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    filter: FilterArgs,
    /// table (default on a terminal), json (default otherwise: an array of the API's objects), csv.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Only these fields, in this order (comma-separated), e.g. `email,username,state` for a hand-out;
    /// the fields: uuid, url, email, username, state, project, project_uuid, project_name,
    /// project_slug, project_start_date, project_end_date, customer_uuid, customer_name, user_uuid,
    /// description, error_message, error_traceback, created, modified.
    #[arg(long, value_delimiter = ',', value_name = "FIELD,...")]
    fields: Vec<String>,
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
    format: Option<ShowFormat>,
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
    let fields = Some(output::fields(&args.fields)?).filter(|f| !f.is_empty());
    let mut writer = AccountWriter::with_fields(output::resolve(args.format), fields)?;
    let mut accounts = client.list_with_page_size(filter, args.page_size);
    loop {
        let next = tokio::select! {
            next = accounts.try_next() => next,
            // What was written stays well-formed, as below; the exit status says it is short.
            _ = interrupt::wait() => {
                writer.finish()?;
                note!("interrupted: the list is incomplete (what was written is well-formed)");
                return Err(Failure::Interrupted);
            }
        };
        match next {
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
    out!("{n}")
}

pub async fn get(client: &Client, args: GetArgs) -> Outcome {
    let account = client.get(args.uuid).await.map_err(|e| explain(&e))?;
    match output::resolve(args.format.map(Format::from)) {
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
            out!("created {} ({})", account.uuid, account.state)
        }
        Err(e) if e.is_done() => {
            // The account exists; only its answer is missing.
            out!(
                "created, but the answer could not be read ({}); `list --email` shows the account",
                shown(&e.to_string())
            )
        }
        Err(e) if e.is_outcome_unknown() => {
            note!("UNKNOWN whether the account was created: {}", shown(&e.to_string()));
            note!("check with `list --project {} --email ...` before creating it again", args.project);
            Err(Failure::Partial)
        }
        Err(e) => Err(Failure::Error(format!("not created: {}", explain(&e)))),
    }
}

pub async fn retry(client: &Client, args: RetryArgs) -> Outcome {
    let mut not_done = 0;
    for (i, uuid) in args.uuids.iter().enumerate() {
        if interrupt::requested() {
            note!("interrupted: {} of {} not sent", args.uuids.len() - i, args.uuids.len());
            return Err(Failure::Interrupted);
        }
        match client.retry(*uuid).await {
            Ok(account) => out!("{uuid}: retrying, now {}", account.state)?,
            Err(e @ Error::Unsupported { .. }) => return Err(Failure::Error(e.to_string())),
            Err(Error::Api(e)) if e.refusal() == Refusal::Conflict => {
                not_done += 1;
                out!("{uuid}: not retried: {}", shown(&e.body.message()))?;
            }
            Err(e) if e.is_outcome_unknown() => {
                not_done += 1;
                out!("{uuid}: UNKNOWN whether it was retried: {}", shown(&e.to_string()))?;
            }
            Err(e) => {
                not_done += 1;
                out!("{uuid}: not retried: {}", explain(&e))?;
            }
        }
    }
    if not_done > 0 { Err(Failure::Partial) } else { Ok(()) }
}
