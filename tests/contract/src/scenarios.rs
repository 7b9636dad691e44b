//! The scenarios: what a client does with the API, with the outcome the real server is documented to
//! give. The contract tests drive them against the replayed recordings; `cargo xtask record` drives the
//! same functions through the recording proxy against a live server, so recordings and tests cannot
//! drift apart. A scenario returns `Err` with what did not go as expected.
//!
//! Over 400 lines as one thing: the list of scenarios, each a short function; splitting it would split
//! the one list `record` and the tests both walk.

use std::future::Future;
use std::pin::Pin;

use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use waldur_course_accounts::{
    BulkOptions, Client, CourseAccountState, Credentials, Error, ErrorBody, Filter, NewCourseAccount, Ordering,
    OrderingField, Refusal, RetryPolicy, Token,
};

/// The server-side facts a scenario relies on (stored beside the recordings as `context.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// A COURSE project with an end date, with at least 3 accounts in state OK.
    pub course_project: Uuid,
    pub non_course_project: Uuid,
    pub project_without_end_date: Uuid,
    /// A course project the token's user may not manage.
    pub foreign_project: Uuid,
    /// An account uuid that does not exist.
    pub missing_account: Uuid,
    /// Emails for accounts the scenarios create: not yet in the course project.
    pub new_emails: Vec<String>,
}

impl Context {
    /// The context of the stand-in's seeded data.
    pub fn standin() -> Context {
        use waldur_course_accounts_testkit::standin::seed;
        Context {
            course_project: seed::course_project(),
            non_course_project: seed::non_course_project(),
            project_without_end_date: seed::project_without_end_date(),
            foreign_project: seed::foreign_project(),
            missing_account: seed::id(9, 9),
            new_emails: (1..=4).map(|i| format!("new.student{i}@example.edu")).collect(),
        }
    }
}

/// The clients a scenario uses, all pointed at the same server.
pub struct Env {
    pub client: Client,
    pub anonymous: Client,
    pub invalid_token: Client,
    pub base_url: String,
    pub token: Token,
}

impl Env {
    pub fn new(base_url: &str, token: Token) -> Result<Env, Error> {
        // Recordings must hold each request once: no automatic retries while recording or replaying.
        let build = |credentials: Credentials| {
            Client::builder(base_url, credentials).retry(RetryPolicy::none()).allow_insecure_http(true).build()
        };
        Ok(Env {
            client: build(Credentials::Token(token.clone()))?,
            anonymous: build(Credentials::Anonymous)?,
            invalid_token: build(Credentials::Token(Token::new("0000000000000000000000000000000000000000")))?,
            base_url: base_url.trim_end_matches('/').to_string(),
            token,
        })
    }
}

pub type Outcome = Result<(), String>;
type Run = for<'a> fn(&'a Env, &'a Context) -> Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// A named scenario and the server releases it describes.
pub struct Scenario {
    pub name: &'static str,
    /// Only meaningful against 8.x servers (the newer-server variants).
    pub newer_server: bool,
    pub run: Run,
}

macro_rules! scenario {
    ($name:literal, $newer:expr, $f:ident) => {
        Scenario { name: $name, newer_server: $newer, run: |env, ctx| Box::pin($f(env, ctx)) }
    };
}

pub const ALL: &[Scenario] = &[
    scenario!("list_pages", false, list_pages),
    scenario!("list_filters", false, list_filters),
    scenario!("list_errors", false, list_errors),
    scenario!("count", false, count),
    scenario!("create_retrieve_delete", false, create_retrieve_delete),
    scenario!("create_invalid", false, create_invalid),
    scenario!("create_bulk", false, create_bulk),
    scenario!("retrieve_missing", false, retrieve_missing),
    scenario!("auth_and_permissions", false, auth_and_permissions),
    scenario!("examples", false, examples),
    scenario!("newer_server", true, newer_server),
    scenario!("retry", true, retry),
    scenario!("retry_unsupported", false, retry_unsupported),
];

pub fn find(name: &str) -> Option<&'static Scenario> {
    ALL.iter().find(|s| s.name == name)
}

fn expect(ok: bool, what: impl FnOnce() -> String) -> Outcome {
    if ok { Ok(()) } else { Err(what()) }
}

fn unexpected<T: std::fmt::Debug>(what: &str, got: T) -> String {
    format!("{what}: unexpected outcome {got:?}")
}

/// Several pages of OK accounts, newest first, following the server's next links.
async fn list_pages(env: &Env, ctx: &Context) -> Outcome {
    let filter = Filter::new()
        .project(ctx.course_project)
        .state(CourseAccountState::Ok)
        .order_by(Ordering::new().desc(OrderingField::Created).asc(OrderingField::Email));
    let mut stream = env.client.list_with_page_size(filter, 2);
    let mut accounts = Vec::new();
    while let Some(a) = stream.try_next().await.map_err(|e| e.to_string())? {
        accounts.push(a);
    }
    expect(accounts.len() >= 3, || {
        format!("expected at least 3 OK accounts over several pages, got {}", accounts.len())
    })?;
    expect(stream.total() == Some(accounts.len() as u64), || {
        format!("total {:?} vs {} streamed", stream.total(), accounts.len())
    })?;
    expect(accounts.iter().all(|a| a.state == CourseAccountState::Ok), || "a non-OK account came back".into())?;
    expect(accounts.windows(2).all(|w| w[0].created >= w[1].created), || "not ordered by -created".into())
}

/// Each filter alone, and the result honours it.
async fn list_filters(env: &Env, ctx: &Context) -> Outcome {
    let page = |f: Filter| async move { env.client.list_page(&f, 1, 50).await.map_err(|e| e.to_string()) };
    let all = page(Filter::new()).await?;
    let sample = all.items.first().ok_or("the server lists no accounts")?.clone();
    let email = sample.email.as_ref().map(|e| e.to_string()).unwrap_or_default();
    let part = email.split('@').next().unwrap_or_default().to_uppercase();
    let got = page(Filter::new().email(part.clone())).await?;
    expect(!got.items.is_empty(), || "email contains (case-insensitive) found nothing".into())?;
    expect(
        got.items.iter().all(|a| a.email.as_ref().is_some_and(|e| e.to_lowercase().contains(&part.to_lowercase()))),
        || "email filter".into(),
    )?;
    if let Some(username) = sample.username.clone() {
        let got = page(Filter::new().username(username.clone())).await?;
        expect(got.items.iter().all(|a| a.username.as_deref() == Some(&username)) && !got.items.is_empty(), || {
            "username filter".into()
        })?;
    }
    let got = page(Filter::new().state(CourseAccountState::Ok).state(CourseAccountState::Erred)).await?;
    expect(got.items.iter().all(|a| matches!(a.state, CourseAccountState::Ok | CourseAccountState::Erred)), || {
        "state filter (repeated)".into()
    })?;
    let got = page(Filter::new().project(ctx.course_project)).await?;
    expect(got.items.iter().all(|a| a.project_uuid == ctx.course_project), || "project_uuid filter".into())?;
    let start = sample.project_start_date.ok_or("the sample account's project has no start date")?;
    let got = page(Filter::new().project_start(Some(start), Some(start))).await?;
    expect(got.items.iter().all(|a| a.project_start_date == Some(start)) && !got.items.is_empty(), || {
        "inclusive start date range".into()
    })?;
    let end = sample.project_end_date.ok_or("the sample account's project has no end date")?;
    let got = page(Filter::new().project_end(Some(end), None)).await?;
    expect(got.items.iter().all(|a| a.project_end_date.is_some_and(|d| d >= end)), || "end date after".into())?;
    let got = page(Filter::new().project_end(None, Some(end))).await?;
    expect(got.items.iter().all(|a| a.project_end_date.is_some_and(|d| d <= end)), || "end date before".into())?;
    for field in [OrderingField::Email, OrderingField::Username, OrderingField::ProjectName, OrderingField::State] {
        page(Filter::new().order_by(Ordering::new().asc(field))).await?;
    }
    let got = page(Filter::new().order_by(Ordering::new().desc(OrderingField::Email))).await?;
    let emails: Vec<String> =
        got.items.iter().map(|a| a.email.as_ref().map(|e| e.to_string()).unwrap_or_default()).collect();
    expect(emails.windows(2).all(|w| w[0] >= w[1]), || format!("not ordered by -email: {emails:?}"))
}

/// A page past the end, and a state label the server does not know.
async fn list_errors(env: &Env, _: &Context) -> Outcome {
    match env.client.list_page(&Filter::new(), 999, 300).await {
        Err(Error::Api(e)) if e.refusal() == Refusal::NotFound && e.body.detail.as_deref() == Some("Invalid page.") => {
        }
        other => return Err(unexpected("page past the end", other.map(|p| p.items.len()))),
    }
    match env.client.list_page(&Filter::new().state(CourseAccountState::Unknown("Bogus".into())), 1, 10).await {
        Err(Error::Api(e))
            if e.refusal() == Refusal::Validation && e.body.field("state").iter().any(|m| m.contains("Bogus")) =>
        {
            Ok(())
        }
        other => Err(unexpected("unknown state label", other.map(|p| p.items.len()))),
    }
}

/// HEAD count agrees with the list's X-Result-Count.
async fn count(env: &Env, ctx: &Context) -> Outcome {
    let filter = Filter::new().project(ctx.course_project).state(CourseAccountState::Ok);
    let n = env.client.count(&filter).await.map_err(|e| e.to_string())?;
    let page = env.client.list_page(&filter, 1, 1).await.map_err(|e| e.to_string())?;
    expect(page.total == Some(n), || format!("HEAD says {n}, GET says {:?}", page.total))
}

/// Create, read back, close, and closing again is a conflict.
async fn create_retrieve_delete(env: &Env, ctx: &Context) -> Outcome {
    let email = ctx.new_emails.first().ok_or("context has no new_emails")?.clone();
    let new = NewCourseAccount {
        project: ctx.course_project,
        email: Some(email.clone()),
        description: Some("recorded scenario".into()),
    };
    let created = env.client.create(&new).await.map_err(|e| e.to_string())?;
    expect(created.email.as_ref().map(|e| e.to_string()) == Some(email), || {
        "created account has another email".into()
    })?;
    let read = env.client.get(created.uuid).await.map_err(|e| e.to_string())?;
    expect(read.uuid == created.uuid, || "retrieve returned another account".into())?;
    env.client.delete(created.uuid).await.map_err(|e| e.to_string())?;
    match env.client.delete(created.uuid).await {
        Err(Error::Api(e))
            if e.refusal() == Refusal::Conflict && e.body.message().contains("Valid states for operation") => {}
        other => return Err(unexpected("second delete", other)),
    }
    let closed = env.client.get(created.uuid).await.map_err(|e| e.to_string())?;
    expect(closed.state == CourseAccountState::Closed, || format!("state after delete: {}", closed.state))
}

/// The validation errors of create, keyed on the field at fault.
async fn create_invalid(env: &Env, ctx: &Context) -> Outcome {
    // A project that is no course is "does not exist" (keyed on `project`); a course without an end
    // date fails the serializer's `validate()`, keyed on `non_field_errors` (marketplace/serializers.py).
    let cases = [
        (ctx.course_project, "not-an-email", "email"),
        (ctx.non_course_project, "a@example.edu", "project"),
        (ctx.project_without_end_date, "b@example.edu", "non_field_errors"),
    ];
    for (project, email, field) in cases {
        let new = NewCourseAccount { project, email: Some(email.into()), description: None };
        match env.client.create(&new).await {
            Err(Error::Api(e))
                if e.refusal() == Refusal::Validation
                    && (!e.body.field(field).is_empty()
                        || (field == "non_field_errors" && !e.body.non_field_errors.is_empty())) => {}
            other => return Err(unexpected(&format!("create with a bad {field}"), other.map(|a| a.uuid))),
        }
    }
    Ok(())
}

/// Bulk create answers an array; empty lists and bad emails are refused, keyed on course_accounts.
async fn create_bulk(env: &Env, ctx: &Context) -> Outcome {
    let emails: Vec<String> = ctx.new_emails.iter().skip(1).take(2).cloned().collect();
    let outcome = env
        .client
        .create_bulk(ctx.course_project, emails.clone(), &BulkOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    expect(outcome.is_complete() && outcome.created().count() == emails.len(), || format!("bulk create: {outcome:?}"))?;
    let empty = waldur_course_accounts::generated::types::CourseAccountsBulkCreateRequest {
        course_accounts: vec![],
        project: ctx.course_project,
    };
    match env.client.raw().marketplace_course_accounts_create_bulk().body(empty).send().await {
        Err(waldur_course_accounts::generated::Error::UnexpectedResponse(r)) if r.status() == 400 => {
            let body = ErrorBody::parse(&r.bytes().await.map_err(|e| e.to_string())?);
            expect(body.mentions("course_accounts"), || format!("empty bulk: {body:?}"))?;
        }
        other => return Err(unexpected("empty bulk", other.map(|v| v.into_inner().len()))),
    }
    let bad = vec![ctx.new_emails.get(3).cloned().unwrap_or_default(), "not-an-email".to_string()];
    // The client refuses it before sending anything (position, not value, in the error) ...
    match env.client.create_bulk(ctx.course_project, bad.clone(), &BulkOptions::default()).await {
        Err(Error::InvalidInput(problems)) if problems.len() == 1 && problems[0].index == 1 => {}
        other => return Err(unexpected("client-side check of a bad email", other.map(|o| o.chunks.len()))),
    }
    // ... and the server refuses it too, keyed on course_accounts (sent around the client's check).
    let items = bad
        .iter()
        .map(|email| waldur_course_accounts::generated::types::CourseAccountCreateNestedRequest {
            email: Some(email.as_str().try_into().expect("within the length limits")),
            description: None,
        })
        .collect();
    let body = waldur_course_accounts::generated::types::CourseAccountsBulkCreateRequest {
        course_accounts: items,
        project: ctx.course_project,
    };
    match env.client.raw().marketplace_course_accounts_create_bulk().body(body).send().await {
        Err(waldur_course_accounts::generated::Error::UnexpectedResponse(r)) if r.status() == 400 => {
            let body = ErrorBody::parse(&r.bytes().await.map_err(|e| e.to_string())?);
            expect(body.mentions("course_accounts"), || format!("bulk with a bad email: {body:?}"))
        }
        other => Err(unexpected("bulk with a bad email", other.map(|v| v.into_inner().len()))),
    }
}

async fn retrieve_missing(env: &Env, ctx: &Context) -> Outcome {
    match env.client.get(ctx.missing_account).await {
        Err(Error::Api(e)) if e.refusal() == Refusal::NotFound => Ok(()),
        other => Err(unexpected("retrieve of a missing account", other.map(|a| a.uuid))),
    }
}

/// 401 without or with a bad token, 403 in someone else's project, 405 for PUT.
async fn auth_and_permissions(env: &Env, ctx: &Context) -> Outcome {
    for (who, client) in [("anonymous", &env.anonymous), ("invalid token", &env.invalid_token)] {
        match client.list_page(&Filter::new(), 1, 10).await {
            Err(Error::Api(e)) if e.refusal() == Refusal::Unauthorized => {}
            other => return Err(unexpected(who, other.map(|p| p.items.len()))),
        }
    }
    let new = NewCourseAccount { project: ctx.foreign_project, email: Some("c@example.edu".into()), description: None };
    match env.client.create(&new).await {
        Err(Error::Api(e)) if e.refusal() == Refusal::Forbidden => {}
        other => return Err(unexpected("create in a foreign project", other.map(|a| a.uuid))),
    }
    // PUT is not an operation of the API, so it goes around the client.
    let any = env.client.list_page(&Filter::new(), 1, 1).await.map_err(|e| e.to_string())?;
    let uuid = any.items.first().ok_or("no account to PUT")?.uuid;
    let response = reqwest::Client::new()
        .put(format!("{}/api/marketplace-course-accounts/{uuid}/", env.base_url))
        .header("authorization", format!("Token {}", env.token.expose()))
        .json(&serde_json::json!({"description": "changed"}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = ErrorBody::parse(&response.bytes().await.map_err(|e| e.to_string())?);
    expect(status == 405 && body.message().contains("not allowed"), || format!("PUT: {status} {body:?}"))
}

/// Exactly what `generated-client/examples/` do with the arguments the README shows, so that they run
/// against `cargo xtask mock`.
async fn examples(env: &Env, ctx: &Context) -> Outcome {
    let filter = Filter::new()
        .state(CourseAccountState::Ok)
        .state(CourseAccountState::Erred)
        .order_by(Ordering::new().desc(OrderingField::Created).asc(OrderingField::Email));
    let n = env.client.count(&filter).await.map_err(|e| e.to_string())?;
    let listed: Vec<_> = env.client.list(filter).try_collect().await.map_err(|e| e.to_string())?;
    expect(listed.len() as u64 == n, || format!("count {n} vs {} listed", listed.len()))?;
    let new = NewCourseAccount { project: ctx.course_project, email: Some(EXAMPLE_EMAIL.into()), description: None };
    let created = env.client.create(&new).await.map_err(|e| e.to_string())?;
    let bulk = env
        .client
        .create_bulk(ctx.course_project, EXAMPLE_BULK, &BulkOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    expect(bulk.is_complete(), || format!("bulk: {bulk:?}"))?;
    env.client.delete(created.uuid).await.map_err(|e| e.to_string())?;
    Ok(())
}

/// The email the `create` example is shown with in the README.
pub const EXAMPLE_EMAIL: &str = "example.student@example.edu";
/// The emails the `bulk_create` example is shown with in the README.
pub const EXAMPLE_BULK: [&str; 2] = ["example.a@example.edu", "example.b@example.edu"];

/// Waldur 8.x: Pending rows from bulk create (202), null fields, delete answering 202 with a body.
async fn newer_server(env: &Env, ctx: &Context) -> Outcome {
    let emails: Vec<String> = ctx.new_emails.iter().take(2).cloned().collect();
    let outcome =
        env.client.create_bulk(ctx.course_project, emails, &BulkOptions::default()).await.map_err(|e| e.to_string())?;
    expect(outcome.is_complete(), || format!("bulk create: {outcome:?}"))?;
    let created: Vec<_> = outcome.created().cloned().collect();
    expect(created.iter().all(|a| a.state == CourseAccountState::Pending && a.username.is_none()), || {
        "expected Pending rows without users".into()
    })?;
    let pending = env
        .client
        .list_page(&Filter::new().state(CourseAccountState::Pending), 1, 10)
        .await
        .map_err(|e| e.to_string())?;
    expect(pending.items.len() == created.len(), || "the Pending filter".into())?;
    let undated = env
        .client
        .list_page(&Filter::new().project(ctx.project_without_end_date), 1, 10)
        .await
        .map_err(|e| e.to_string())?;
    expect(undated.items.iter().all(|a| a.project_end_date.is_none()), || "null end dates".into())?;
    let any =
        env.client.list_page(&Filter::new().state(CourseAccountState::Ok), 1, 1).await.map_err(|e| e.to_string())?;
    let target = any.items.first().ok_or("no OK account to delete")?.uuid;
    // Waldur's code answers a delete 204 on every release read (no `destroy` override); the client
    // also takes the 202 with the closed account that the 8.1.3 Python client expects.
    let deleted = env.client.delete(target).await.map_err(|e| e.to_string())?;
    expect(deleted.account.as_ref().is_none_or(|a| a.state == CourseAccountState::Closed), || {
        format!("delete: {:?}", deleted.account)
    })?;
    let after = env.client.get(target).await.map_err(|e| e.to_string())?;
    expect(after.state == CourseAccountState::Closed, || format!("after delete: {}", after.state))
}

/// The first account of the course project in `state`, found by listing (works on any server).
async fn first_in(env: &Env, ctx: &Context, state: CourseAccountState) -> Result<Uuid, String> {
    let filter = Filter::new().project(ctx.course_project).state(state.clone());
    let page = env.client.list_page(&filter, 1, 1).await.map_err(|e| e.to_string())?;
    page.items.first().map(|a| a.uuid).ok_or_else(|| format!("the course project has no {state} account"))
}

/// Waldur 8.0.7+: an Erred account is retried (202, now Pending); a second retry and a retry of an OK
/// account are refused (409); retry of an unknown account is 404.
async fn retry(env: &Env, ctx: &Context) -> Outcome {
    let erred = first_in(env, ctx, CourseAccountState::Erred).await?;
    let retried = env.client.retry(erred).await.map_err(|e| e.to_string())?;
    expect(retried.uuid == erred && retried.state == CourseAccountState::Pending, || format!("retried: {retried:?}"))?;
    match env.client.retry(erred).await {
        Err(Error::Api(e)) if e.refusal() == Refusal::Conflict => {}
        other => return Err(unexpected("a second retry", other.map(|a| a.state))),
    }
    let ok = first_in(env, ctx, CourseAccountState::Ok).await?;
    match env.client.retry(ok).await {
        Err(Error::Api(e)) if e.refusal() == Refusal::Conflict => {}
        other => return Err(unexpected("retry of an OK account", other.map(|a| a.state))),
    }
    match env.client.retry(ctx.missing_account).await {
        Err(Error::Api(e)) if e.refusal() == Refusal::NotFound => Ok(()),
        other => Err(unexpected("retry of a missing account", other.map(|a| a.state))),
    }
}

/// A server older than 8.0.7 has no retry route: the client says so (after reading the account to
/// tell "no such operation" from "no such account"), and a missing account stays NotFound.
async fn retry_unsupported(env: &Env, ctx: &Context) -> Outcome {
    let ok = first_in(env, ctx, CourseAccountState::Ok).await?;
    match env.client.retry(ok).await {
        Err(e @ Error::Unsupported { .. }) => {
            expect(e.to_string().contains("does not support retry (added in Waldur 8.0.7)"), || e.to_string())?
        }
        other => return Err(unexpected("retry on a 7.8.7 server", other.map(|a| a.state))),
    }
    match env.client.retry(ctx.missing_account).await {
        Err(Error::Api(e)) if e.refusal() == Refusal::NotFound => Ok(()),
        other => Err(unexpected("retry of a missing account on 7.8.7", other.map(|a| a.state))),
    }
}
