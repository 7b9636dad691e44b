//! An outside crate that depends on `waldur-course-accounts` alone (plus tokio and futures) and calls
//! every public method, naming every type the signatures need through the crate's re-exports
//! (`Uuid`, `NaiveDate`, `Url`, `reqwest`, `StatusCode`, `Method`). If a signature starts to need a
//! type the crate does not re-export, this stops compiling.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use waldur_course_accounts::{
    BulkInput, BulkOptions, ChunkStatus, Client, CloseStatus, ConfigError, CourseAccountState, Credentials, Error,
    Filter, Method, NaiveDate, NewCourseAccount, Ordering, OrderingField, Refusal, RetryPolicy, SkipReason, StatusCode,
    Token, TransportKind, Url, Uuid, reqwest,
};

/// Every method of the client, once.
pub async fn every_method(base: &str) -> Result<(), Error> {
    let http: reqwest::Client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| Error::Config(ConfigError::HttpClient(e.to_string())))?;
    let client = Client::builder(base, Credentials::Bearer(Token::new("w_1_x")))
        .http_client(http)
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(2))
        .user_agent("consumer-check")
        .retry(RetryPolicy::none())
        .max_response_bytes(1 << 20)
        .allow_insecure_http(false)
        .build()?;
    let _: &Url = client.base_url();
    let project: Uuid = Uuid::nil();
    let day = NaiveDate::from_ymd_opt(2026, 1, 31);
    let filter = Filter::new()
        .project(project)
        .state(CourseAccountState::Ok)
        .email("example.edu")
        .username("student")
        .project_start(day, None)
        .project_end(None, day)
        .order_by(Ordering::new().desc(OrderingField::Created));
    let _count: u64 = client.count(&filter).await?;
    let page = client.list_page(&filter, 1, 10).await?;
    let _next: Option<Url> = page.next;
    let mut stream = client.list(filter.clone());
    while let Some(account) = stream.try_next().await? {
        let _: (Uuid, Option<&str>) = (account.uuid, account.email());
        let _ = (account.state, account.project_end_date);
    }
    let _pages: Vec<_> = client.pages(filter.clone(), 50).collect().await;
    let account =
        client.create(&NewCourseAccount { project, email: Some("a@example.edu".into()), description: None }).await?;
    let _ = client.get(account.uuid).await?;
    let _ = client.retry(account.uuid).await;
    let deleted = client.delete(account.uuid).await?;
    let _ = (deleted.account, deleted.confirmed_by_read);
    let outcome = client.create_bulk(project, ["b@example.edu"], &BulkOptions::default()).await?;
    let _ = (outcome.refused_emails().count(), outcome.uncertain_emails().count(), outcome.duplicates.len());
    let _ = outcome.existing.iter().filter(|e| matches!(e.reason, SkipReason::Closed)).count();
    let plan = client.plan_bulk(project, BulkInput::new(["c@example.edu"])?).await?;
    let _ = (plan.to_send().len(), plan.existing().len());
    let mut chunks = std::pin::pin!(client.create_bulk_stream(plan, &BulkOptions::default()));
    while let Some(chunk) = chunks.next().await {
        if let ChunkStatus::Uncertain(e) | ChunkStatus::Refused(e) | ChunkStatus::Unreadable(e) = &chunk.status {
            let _: Option<StatusCode> = e.status();
            let _: Option<&Method> = e.api().map(|a| &a.request.method);
            let _ = e.api().is_some_and(|a| a.refusal() == Refusal::Conflict);
            let _ = matches!(e, Error::Transport { kind: TransportKind::Timeout | TransportKind::Connect, .. });
        }
    }
    let reconciled = client.reconcile(project, ["b@example.edu"]).await?;
    let _ = reconciled.missing().count();
    let _snapshot = client.snapshot(filter.clone()).await?;
    let report = client.close_all(filter, 4).await?;
    for outcome in &report.accounts {
        let _ = matches!(outcome.status, CloseStatus::Closed | CloseStatus::AlreadyClosed);
    }
    let _raw = client.raw().marketplace_course_accounts_retrieve().uuid(project);
    Ok(())
}
