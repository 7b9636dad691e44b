//! The connection: base URL from `--url` or `WALDUR_URL`, the token from `WALDUR_TOKEN` only (a flag
//! would put it in shell history and process listings), `--bearer` for a personal access token, and
//! one-line errors for what is missing or refused.

use std::time::Duration;

use waldur_course_accounts::{Client, ConfigError, Credentials, Error, Refusal, Token};

use crate::Failure;

#[derive(clap::Args)]
pub struct Connection {
    /// Waldur's base URL, e.g. https://waldur.example.edu (its value is never shown: it could hold a
    /// password)
    #[arg(long, env = "WALDUR_URL", hide_env_values = true, global = true, value_name = "URL")]
    url: Option<String>,
    /// Send WALDUR_TOKEN as a personal access token (`Authorization: Bearer`, Waldur 8.0.7+) instead of
    /// an API token (`Authorization: Token`).
    #[arg(long, global = true)]
    bearer: bool,
    /// Allow sending the token over plain http:// to a host that is not this machine.
    #[arg(long, global = true)]
    allow_insecure_http: bool,
    /// Seconds one request may take.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
}

pub fn client(connection: &Connection) -> Result<Client, Failure> {
    let url = connection
        .url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .ok_or("no Waldur URL: pass --url URL or set WALDUR_URL")?;
    hint(url)?;
    let token = Token::from_env("WALDUR_TOKEN")
        .filter(|t| !t.expose().trim().is_empty())
        .ok_or("no token: set WALDUR_TOKEN (an API token, or a personal access token with --bearer)")?;
    let credentials = if connection.bearer { Credentials::Bearer(token) } else { Credentials::from(token) };
    Client::builder(url, credentials)
        .timeout(Duration::from_secs(connection.timeout.max(1)))
        .allow_insecure_http(connection.allow_insecure_http)
        .build()
        .map_err(|e| match e {
            Error::Config(why @ ConfigError::InsecureHttp { .. }) => {
                Failure::Error(format!("{why} (on the command line: --allow-insecure-http)"))
            }
            other => Failure::from(other),
        })
}

/// Mistakes a parser would word badly, said in the admin's words. The URL itself is never repeated:
/// it may hold a password.
fn hint(url: &str) -> Result<(), Failure> {
    let url = url.trim();
    if !url.contains("://") {
        return Err(Failure::Error(
            "the Waldur URL has no scheme: write it as https://HOST (e.g. https://waldur.example.edu)".into(),
        ));
    }
    if let Ok(parsed) = waldur_course_accounts::Url::parse(url)
        && parsed.password().is_none()
        && parsed.username().is_empty()
        && parsed.path().trim_end_matches('/').ends_with("/api")
    {
        return Err(Failure::Error(
            "the Waldur URL ends in /api: give Waldur's base address without it (https://HOST); the client adds \
             /api/marketplace-course-accounts/ itself"
                .into(),
        ));
    }
    Ok(())
}

/// One line for an error of a call: 401/403 say what to check; the rest as the client words it. The
/// server's words in it are escaped ([`crate::shown`]): a line break in them cannot start a line of
/// its own.
pub fn explain(error: &Error) -> String {
    let text = match error {
        Error::Api(e) if e.refusal() == Refusal::Unauthorized => format!(
            "Waldur refused the token ({}): check WALDUR_TOKEN{}",
            e.body.message(),
            if e.body.message().to_lowercase().contains("expired") { "; it has expired" } else { "" }
        ),
        Error::Api(e) if e.refusal() == Refusal::Forbidden => {
            format!("not allowed: {} (the token's user lacks the permission)", e.body.message())
        }
        // Not a token problem, though it would look like one if followed: the token stays behind.
        Error::Redirected { status, location, .. } => format!(
            "the server redirects to {location} ({status}), another address, where the token is not sent; if that \
             is your Waldur, set WALDUR_URL (or --url) to its base"
        ),
        other => other.to_string(),
    };
    crate::shown::shown(&text).into_owned()
}
