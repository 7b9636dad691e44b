//! The bottom of the client: the one send path every request goes through, generated or hand-written
//! (credentials, user agent, a timeout, retries of idempotent requests, the response body limit), and
//! the `Exchange` it records of each: what was sent and what came back. Plugged into the generated
//! client through progenitor's `ClientHooks` (generated with `HooksMode::Expected`, so it cannot be
//! forgotten); the hand-written page fetches call `Inner::send` directly.
//!
//! The `api-version` header progenitor adds to every request is removed: Waldur does not negotiate
//! versions by header and ignores it, and a value frozen at the schema release would mislead anyone
//! reading proxy logs of a client talking to an older or newer server. The schema release travels in
//! the `User-Agent` instead, where Waldur's access logs record it.

use std::time::Duration;

use std::sync::{Arc, Mutex};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue, USER_AGENT};

use crate::error::RequestInfo;
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

/// What one request was and what came of it: the record every call leaves, generated or
/// hand-written. The generated code drops the status of a body that does not decode and the number
/// of attempts (a retried DELETE looks like a first one), and the truth of a write's outcome depends
/// on both; errors name the request from it rather than from names retyped beside each call.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    /// The operationId (from the generated code's `OperationInfo`).
    pub operation: &'static str,
    pub method: reqwest::Method,
    /// As sent: the base's path prefix, the path and the query (the filters).
    pub url: reqwest::Url,
    /// Requests sent (1 + retries).
    pub attempts: u32,
    /// The status of the answer handed back, if one arrived.
    pub status: Option<reqwest::StatusCode>,
}

impl Exchange {
    /// What errors say about the request: operation, method and path (never the query, which may
    /// hold an email).
    pub(crate) fn request(&self) -> RequestInfo {
        RequestInfo { operation: self.operation, method: self.method.clone(), path: self.url.path().to_string() }
    }
}

/// Where the hooks leave the [`Exchange`] of a call made through the generated client.
pub(crate) type Slot = Arc<Mutex<Option<Exchange>>>;

/// Per-client settings the hooks read; held by the generated client as its `inner` value.
#[derive(Debug, Clone)]
pub struct Inner {
    /// The `Authorization` value (marked sensitive), checked when the client was built.
    pub(crate) authorization: Option<HeaderValue>,
    /// Set on each request only when the caller chose one for a reqwest client of their own; the
    /// client this crate builds carries its default user agent itself.
    pub(crate) user_agent: Option<HeaderValue>,
    /// As `user_agent`: a per-request timeout only when the caller set one for their own reqwest
    /// client, so a timeout configured on that client is never silently replaced.
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    /// Bodies longer than this fail to read (a transport error) instead of filling memory.
    pub(crate) max_body_bytes: usize,
    /// Set on the one-call copy a call of this crate makes ([`crate::client::Call`]); `None` on the
    /// client [`crate::Client::raw`] hands out, whose callers read the generated results themselves.
    pub(crate) slot: Option<Slot>,
}

impl Inner {
    /// Sets what every request needs.
    pub(crate) fn prepare(&self, request: &mut reqwest::Request) {
        let headers = request.headers_mut();
        headers.remove("api-version");
        if let Some(value) = &self.authorization {
            headers.insert(AUTHORIZATION, value.clone());
        }
        if let Some(user_agent) = &self.user_agent {
            headers.insert(USER_AGENT, user_agent.clone());
        }
        if let Some(timeout) = self.timeout
            && request.timeout().is_none()
        {
            *request.timeout_mut() = Some(timeout);
        }
    }

    /// The one send path: sends `request` (see [`Inner::send_with_retries`]), bounds the body of the
    /// answer, and returns what was sent and what came back.
    pub(crate) async fn send(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation: &'static str,
    ) -> (reqwest::Result<reqwest::Response>, Exchange) {
        let mut exchange = Exchange {
            operation,
            method: request.method().clone(),
            url: request.url().clone(),
            attempts: 0,
            status: None,
        };
        let result = self.send_with_retries(client, request, &mut exchange).await;
        exchange.status = result.as_ref().ok().map(reqwest::Response::status);
        (result.map(|response| limit_body(response, self.max_body_bytes)), exchange)
    }

    /// Sends `request`, repeating an idempotent one on transport errors and 429/502/503/504.
    async fn send_with_retries(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        exchange: &mut Exchange,
    ) -> reqwest::Result<reqwest::Response> {
        let retryable = retry::is_idempotent(request.method()) && self.retry.max_retries > 0;
        let mut attempt = 0;
        loop {
            let again = if retryable && attempt < self.retry.max_retries { request.try_clone() } else { None };
            exchange.attempts = attempt + 1;
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
                operation = exchange.operation,
                method = %exchange.method,
                path = exchange.url.path(),
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
        self.inner().prepare(request);
        Ok(())
    }

    async fn exec(&self, request: reqwest::Request, info: &OperationInfo) -> reqwest::Result<reqwest::Response> {
        let inner = self.inner();
        let (result, exchange) = inner.send(self.client(), request, info.operation_id).await;
        if let Some(slot) = &inner.slot {
            // A poisoned lock only means another thread panicked holding it; the value is still whole.
            *slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(exchange);
        }
        result
    }
}
