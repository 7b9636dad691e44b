//! `courses`: a term at a glance. Every course project the token sees, found through its accounts
//! (the course-accounts API has no project list): name, UUID (what every other command asks for),
//! start and end date, whether it has ended (its end date is before today), and its accounts by
//! state. `--format json`: `[{"project", "name", "start", "end", "ended", "accounts": {STATE: N}}]`.

use serde_json::json;
use waldur_course_accounts::Client;

use crate::Outcome;
use crate::connect::explain;
use crate::output::{self, Format, ShowFormat};
use crate::shown::shown;

#[derive(clap::Args)]
pub struct Args {
    /// table (default on a terminal) or json.
    #[arg(long, value_enum)]
    format: Option<ShowFormat>,
}

pub async fn run(client: &Client, args: Args) -> Outcome {
    let courses = client.courses().await.map_err(|e| explain(&e))?;
    let today = chrono::Local::now().date_naive();
    if output::resolve(args.format.map(Format::from)) == Format::Json {
        let list: Vec<serde_json::Value> = courses
            .iter()
            .map(|c| {
                json!({"project": c.uuid, "name": c.name, "start": c.start, "end": c.end, "ended": c.ended(today), "accounts": c.by_state})
            })
            .collect();
        return output::json(&serde_json::Value::Array(list));
    }
    out!("{:<36}  {:<10}  {:<10}  {:<7}  {:<28}  NAME", "PROJECT", "START", "END", "ENDED", "ACCOUNTS")?;
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
    for c in &courses {
        let counts: Vec<String> = c.by_state.iter().map(|(s, n)| format!("{n} {s}")).collect();
        out!(
            "{:<36}  {:<10}  {:<10}  {:<7}  {:<28}  {}",
            c.uuid,
            date(c.start),
            date(c.end),
            if c.ended(today) { "ended" } else { "" },
            counts.join(", "),
            shown(&c.name)
        )?;
    }
    Ok(())
}
