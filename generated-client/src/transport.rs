//! The bottom of the client: what every request goes through, generated or hand-written
//! (credentials, user agent, a timeout, retries of idempotent requests, the response body limit).
//! Plugged into the generated client through progenitor's `ClientHooks` (generated with
//! `HooksMode::Expected`, so it cannot be forgotten); the hand-written page fetches call it directly.
//!
//! The `api-version` header progenitor adds to every request is removed: Waldur does not negotiate
//! versions by header and ignores it, and a value frozen at the schema release would mislead anyone
//! reading proxy logs of a client talking to an older or newer server. The schema release travels in
//! the `User-Agent` instead, where Waldur's access logs record it.

use std::time::Duration;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue, USER_AGENT};

use crate::auth::Credentials;
use crate::retry::{self, RetryPolicy};

/// The Waldur schema release the generated code comes from: `info.version` of the spec, as the
/// generator wrote it into `generated.rs` (the one place it is stated).
pub fn schema_version() -> &'static str {
    <crate::generated::Client as ClientInfo<Inner>>::api_version()
}

/// Default `User-Agent`: crate name, version and the Waldur schema release,
/// `waldur-course-accounts/0.2.0 (Waldur schema 8.1.2)`.
pub fn default_user_agent() -> String {
    format!("waldur-course-accounts/{} (Waldur schema {})", env!("CARGO_PKG_VERSION"), schema_version())
}

/// What the transport saw of the last request sent inside [`observe`]: how many attempts it took and
/// the status of the answer that was returned. The generated code drops both (a body that does not
/// decode loses its status; a retried DELETE looks like a first one), and the truth of a write's
/// outcome depends on them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Observed {
    /// Requests sent (1 + retries); 0 when nothing was sent.
    pub attempts: u32,
    /// The status of the answer handed back, if one arrived.
    pub status: Option<reqwest::StatusCode>,
}

tokio::task_local! {
    static OBSERVED: std::cell::Cell<Observed>;
}

/// Runs `call` (a request through the generated client) and returns what the transport saw of it.
pub(crate) async fn observe<F: std::future::Future>(call: F) -> (F::Output, Observed) {
    OBSERVED
        .scope(std::cell::Cell::new(Observed::default()), async {
            let output = call.await;
            (output, OBSERVED.with(std::cell::Cell::get))
        })
        .await
}

/// Per-client settings the hooks read; held by the generated client as its `inner` value.
#[derive(Debug, Clone)]
pub struct Inner {
    pub(crate) credentials: Credentials,
    /// Set on each request only when the caller chose one for a reqwest client of their own; the
    /// client this crate builds carries its default user agent itself.
    pub(crate) user_agent: Option<HeaderValue>,
    /// As `user_agent`: a per-request timeout only when the caller set one for their own reqwest
    /// client, so a timeout configured on that client is never silently replaced.
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    /// Bodies longer than this fail to read (a transport error) instead of filling memory.
    pub(crate) max_body_bytes: usize,
}

impl Inner {
    /// Sets what every request needs. Only the reason is returned on failure, never the header.
    pub(crate) fn prepare(&self, request: &mut reqwest::Request) -> Result<(), String> {
        let headers = request.headers_mut();
        headers.remove("api-version");
        match self.credentials.header() {
            Ok(Some(value)) => {
                headers.insert(AUTHORIZATION, value);
            }
            Ok(None) => {}
            Err(why) => return Err(format!("cannot authenticate: {why}")),
        }
        if let Some(user_agent) = &self.user_agent {
            headers.insert(USER_AGENT, user_agent.clone());
        }
        if let Some(timeout) = self.timeout
            && request.timeout().is_none()
        {
            *request.timeout_mut() = Some(timeout);
        }
        Ok(())
    }

    /// Sends `request` (see [`Inner::send_with_retries`]) and bounds the body of the answer.
    pub(crate) async fn execute(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let result = self.send_with_retries(client, request, operation).await;
        let _ = OBSERVED.try_with(|seen| {
            seen.set(Observed { status: result.as_ref().ok().map(reqwest::Response::status), ..seen.get() })
        });
        result.map(|response| limit_body(response, self.max_body_bytes))
    }

    /// Sends `request`, repeating an idempotent one on transport errors and 429/502/503/504.
    async fn send_with_retries(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        operation: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let retryable = retry::is_idempotent(request.method()) && self.retry.max_retries > 0;
        let method = request.method().clone();
        let path = request.url().path().to_string();
        let mut attempt = 0;
        loop {
            let again = if retryable && attempt < self.retry.max_retries { request.try_clone() } else { None };
            // Outside `observe` (the pager's own fetches) there is nothing to note.
            let _ = OBSERVED.try_with(|seen| seen.set(Observed { attempts: attempt + 1, ..seen.get() }));
            let result = client.execute(request).await;
            let Some(next) = again else { return result };
            let delay = match &result {
                Ok(response) if retry::is_retryable_status(response.status()) => {
                    match retry::retry_after(response.headers()) {
                        Some(wait) if wait > self.retry.max_retry_after => return result,
                        Some(wait) => wait,
                        None => self.retry.backoff(attempt),
                    }
                }
                Ok(_) => return result,
                // The builder refusing the request will refuse it again.
                Err(e) if e.is_builder() => return result,
                Err(_) => self.retry.backoff(attempt),
            };
            tracing::debug!(
                operation,
                %method,
                path,
                attempt = attempt + 1,
                outcome = %result.as_ref().map(|r| r.status().to_string()).unwrap_or_else(|e| format!("transport error: {}", crate::error::transport_reason(e))),
                delay_ms = delay.as_millis() as u64,
                "retrying idempotent request"
            );
            tokio::time::sleep(delay).await;
            request = next;
            attempt += 1;
        }
    }
}

/// The body turned into an error once it exceeds the limit.
#[derive(Debug)]
struct BodyTooLarge(usize);

impl std::fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the response body exceeds the {}-byte limit", self.0)
    }
}

impl std::error::Error for BodyTooLarge {}

/// Wraps a response so that reading more than `limit` bytes of its body fails. The generated code
/// reads bodies whole, so without this a hostile or broken server could exhaust memory.
fn limit_body(response: reqwest::Response, limit: usize) -> reqwest::Response {
    use futures::StreamExt;
    type Chunk = Result<bytes::Bytes, Box<dyn std::error::Error + Send + Sync>>;
    let declared = response.content_length();
    if declared.is_some_and(|len| len <= limit as u64) {
        return response;
    }
    let (status, version, headers) = (response.status(), response.version(), response.headers().clone());
    let body = if declared.is_some() {
        // Announced as too long: fail without reading a byte of it.
        reqwest::Body::wrap_stream(futures::stream::once(async move { Chunk::Err(Box::new(BodyTooLarge(limit))) }))
    } else {
        let mut seen = 0usize;
        reqwest::Body::wrap_stream(response.bytes_stream().map(move |chunk| -> Chunk {
            let chunk = chunk?;
            seen += chunk.len();
            if seen > limit { Err(Box::new(BodyTooLarge(limit))) } else { Ok(chunk) }
        }))
    };
    let mut limited = http::Response::new(body);
    *limited.status_mut() = status;
    *limited.version_mut() = version;
    *limited.headers_mut() = headers;
    reqwest::Response::from(limited)
}

impl ClientHooks<Inner> for crate::generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.inner().prepare(request).map_err(progenitor_client::Error::Custom)
    }

    async fn exec(&self, request: reqwest::Request, info: &OperationInfo) -> reqwest::Result<reqwest::Response> {
        self.inner().execute(self.client(), request, info.operation_id).await
    }
}
