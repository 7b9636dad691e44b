//! What `waldur-mock` (`cargo xtask mock`) serves: the testkit's stand-in seeded from the recordings.

use serde_json::Value;
use waldur_course_accounts_testkit::{Flavour, Waldur};

use crate::recording::Scenario;

/// The seeded projects, no generated accounts, and every account a successful recorded response
/// shows, in the state it was first seen in; any token is accepted.
pub fn from_recordings(flavour: Flavour, scenarios: &[Scenario]) -> Result<Waldur, String> {
    let mut waldur = Waldur::seeded(flavour, 0);
    waldur.accept_any_token = true;
    for scenario in scenarios {
        for (path, recorded) in &scenario.recordings {
            let Some(body) = recorded.response.body.as_ref().filter(|_| recorded.response.status < 300) else {
                continue;
            };
            let accounts: Vec<&Value> = match body {
                Value::Array(items) => items.iter().collect(),
                object if object.get("uuid").is_some() => vec![object],
                _ => continue,
            };
            for account in accounts {
                waldur.import(account).map_err(|why| format!("{}: {why}", path.display()))?;
            }
        }
    }
    Ok(waldur)
}
