//! The client a Waldur user holds: construction (credentials, timeouts, TLS, retries), the one-call
//! view every call goes through (`Call`: the generated client with a slot for what the send path
//! saw), and the calls on one account (get, create, retry, delete). Listing lives in `pagination` and
//! bulk creation in `bulk`, each with its own `impl Client` block on top of this one; this module
//! knows neither.

use std::time::Duration;

use progenitor_client::ResponseValue;
use reqwest::Url;
use reqwest::header::HeaderValue;
use uuid::Uuid;

use crate::auth::Credentials;
use crate::error::{ConfigError, Error, Refusal, RequestProblem, Result, UnknownOutcome};
use crate::generated::{self, types::CourseAccount};
use crate::response::{self, Reply};
use crate::retry::RetryPolicy;
use crate::transport::{Exchange, Inner, Slot, default_user_agent};

/// Default time one request may take, including reading the body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A new course account for [`Client::create`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCourseAccount {
    /// The course project (a COURSE project with an end date, else the server answers 400).
    pub project: Uuid,
    /// The student's email.
    pub email: Option<String>,
    /// Free text stored with the account.
    pub description: Option<String>,
}

/// A successful close: nothing (204), or on newer servers the closed account (202).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Deleted {
    /// The closed account, when the server sent it (202 on 8.1.3 and later) or when the client read
    /// it to confirm the close (see `confirmed_by_read`).
    pub account: Option<CourseAccount>,
    /// The answer to the close was lost (timeout, broken connection, 502/504), the close was sent
    /// again and refused with 409, and reading the account showed it Closed: the earlier attempt did
    /// the work (or someone else closed it meanwhile). Either way the account is closed.
    pub confirmed_by_read: bool,
}

/// Client for the marketplace course-accounts API. Cheap to clone; clones share connections.
///
/// ```no_run
/// # async fn run() -> Result<(), waldur_course_accounts::Error> {
/// use futures::TryStreamExt;
/// use waldur_course_accounts::{Client, CourseAccountState, Filter, Token};
///
/// let client = Client::new("https://waldur.example.edu", Token::new("my-api-token"))?;
/// let mut accounts = client.list(Filter::new().state(CourseAccountState::Ok));
/// while let Some(account) = accounts.try_next().await? {
///     println!("{} {:?}", account.uuid, account.email);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    raw: generated::Client,
    base: Url,
}

/// Settings for a [`Client`]; see [`Client::builder`].
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    credentials: Credentials,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    user_agent: Option<String>,
    retry: RetryPolicy,
    http: Option<reqwest::Client>,
    allow_insecure_http: bool,
    max_body_bytes: usize,
}

impl ClientBuilder {
    /// Largest response body read (default 32 MiB; a page of 300 accounts is about 300 KB). A longer
    /// body ends in [`Error::Transport`] instead of filling memory.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Time one request may take (default 30 s). With [`ClientBuilder::http_client`], the caller's
    /// client keeps its own timeout unless this is called; then this one applies to every request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Time to connect (default 10 s); ignored with [`ClientBuilder::http_client`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default: crate name, version and schema release). With
    /// [`ClientBuilder::http_client`], the caller's client keeps its own user agent unless this is called.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Retries of idempotent requests (default: 3 with backoff); [`RetryPolicy::none`] turns them off.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Use this `reqwest::Client` (proxies, custom TLS roots, ...). Credentials are still added per
    /// request. What it was configured with is respected: its timeout and user agent stay unless
    /// [`ClientBuilder::timeout`] or [`ClientBuilder::user_agent`] is called (a client built without a
    /// timeout then has none: set one there or here).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Allow sending credentials over plain `http://` to a host that is not loopback. Off by default:
    /// anyone on the path would read the token.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Checks the settings and builds the client; [`Error::Config`] names what is wrong.
    pub fn build(self) -> Result<Client> {
        let mut base = Url::parse(self.base_url.trim()).map_err(|e| Error::Config(ConfigError::NotAUrl(e)))?;
        if !base.username().is_empty() || base.password().is_some() {
            return Err(Error::Config(ConfigError::CredentialsInUrl));
        }
        match base.scheme() {
            "https" => {}
            "http" => {
                let loopback = match base.host() {
                    Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                    None => false,
                };
                if !loopback && !self.allow_insecure_http && self.credentials != Credentials::Anonymous {
                    let host = base.host_str().unwrap_or("?").to_string();
                    return Err(Error::Config(ConfigError::InsecureHttp { host }));
                }
            }
            other => return Err(Error::Config(ConfigError::Scheme(other.to_string()))),
        }
        if base.query().is_some() || base.fragment().is_some() || base.cannot_be_a_base() {
            return Err(Error::Config(ConfigError::QueryOrFragment));
        }
        // The generated code appends `/api/...` to the base as given.
        let trimmed = base.path().trim_end_matches('/').to_string();
        base.set_path(&trimmed);
        let chose_user_agent = self.user_agent.is_some();
        let user_agent = HeaderValue::from_str(&self.user_agent.unwrap_or_else(default_user_agent))
            .map_err(|_| Error::Config(ConfigError::UserAgent))?;
        let authorization = self.credentials.header().map_err(|why| Error::Config(ConfigError::Credentials(why)))?;
        // Our own reqwest client carries our defaults; a caller's keeps what it was built with, and
        // only what the caller set on this builder is applied per request on top of it.
        let (http, user_agent, timeout) = match self.http {
            Some(http) => (http, chose_user_agent.then_some(user_agent), self.timeout),
            None => {
                let http = reqwest::Client::builder()
                    .redirect(same_origin_redirects())
                    .connect_timeout(self.connect_timeout)
                    .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
                    .user_agent(user_agent)
                    .build()
                    .map_err(|e| Error::Config(ConfigError::HttpClient(crate::error::transport_reason(&e))))?;
                (http, None, None)
            }
        };
        let inner = Inner {
            authorization,
            user_agent,
            timeout,
            retry: self.retry,
            max_body_bytes: self.max_body_bytes,
            slot: None,
        };
        let base_str = base.as_str().trim_end_matches('/').to_string();
        Ok(Client { raw: generated::Client::new_with_client(&base_str, http, inner), base })
    }
}

impl Client {
    /// A client with default settings. `credentials`: a [`crate::Token`] (sent as `Token <key>`) or
    /// any [`Credentials`].
    pub fn new(base_url: &str, credentials: impl Into<Credentials>) -> Result<Client> {
        Client::builder(base_url, credentials).build()
    }

    /// Settings beyond the defaults: timeouts, user agent, retries, a custom `reqwest::Client`.
    pub fn builder(base_url: &str, credentials: impl Into<Credentials>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.to_string(),
            credentials: credentials.into(),
            timeout: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            user_agent: None,
            retry: RetryPolicy::default(),
            http: None,
            allow_insecure_http: false,
            max_body_bytes: response::MAX_BODY_BYTES,
        }
    }

    /// The generated client, for anything this layer does not cover. It shares credentials, timeout,
    /// user agent and retries with this client.
    pub fn raw(&self) -> &generated::Client {
        &self.raw
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        progenitor_client::ClientInfo::client(&self.raw)
    }

    /// The client's settings, as the send path reads them.
    pub(crate) fn inner(&self) -> &Inner {
        progenitor_client::ClientInfo::inner(&self.raw)
    }

    /// A one-call copy of the generated client whose send path records the [`Exchange`] in a slot of
    /// its own: every call of this crate goes through one, so it learns the status and attempts of
    /// its own request however many calls run at once.
    pub(crate) fn call(&self) -> Call {
        let slot = Slot::default();
        let inner = Inner { slot: Some(slot.clone()), ..self.inner().clone() };
        let raw = generated::Client::new_with_client(
            progenitor_client::ClientInfo::baseurl(&self.raw),
            self.http().clone(),
            inner,
        );
        Call { raw, slot }
    }

    /// One account. No access and no such account are both a 404 ([`Error::Api`],
    /// [`Refusal::NotFound`]).
    pub async fn get(&self, uuid: Uuid) -> Result<CourseAccount> {
        let call = self.call();
        let sent = call.raw().marketplace_course_accounts_retrieve().uuid(uuid).send().await;
        Ok(call.reply(sent).await?.value)
    }

    /// Creates one account (synchronously: the server calls the course service before answering).
    pub async fn create(&self, account: &NewCourseAccount) -> Result<CourseAccount> {
        use generated::types::{CourseAccountRequest, CourseAccountRequestDescription, CourseAccountRequestEmail};
        let body = CourseAccountRequest {
            project: account.project,
            email: account
                .email
                .as_deref()
                .map(CourseAccountRequestEmail::try_from)
                .transpose()
                .map_err(|e| RequestProblem::field("email", e))?,
            description: account
                .description
                .as_deref()
                .map(CourseAccountRequestDescription::try_from)
                .transpose()
                .map_err(|e| RequestProblem::field("description", e))?,
        };
        let call = self.call();
        let sent = call.raw().marketplace_course_accounts_create().body(body).send().await;
        Ok(call.reply(sent).await?.value)
    }

    /// Asks the server to provision an Erred account again (Waldur 8.0.7 and later): the account comes
    /// back `Pending` (202). An account in another state is a 409 ([`Refusal::Conflict`]). A server
    /// older than 8.0.7 has no such operation: the result is [`Error::Unsupported`], never a decode
    /// error. Its 404 is told apart from "no such account" by reading the account: if it is there, the
    /// server lacks the operation. Never retried automatically (a POST).
    pub async fn retry(&self, uuid: Uuid) -> Result<CourseAccount> {
        let call = self.call();
        let sent = call.raw().marketplace_course_accounts_retry().uuid(uuid).send().await;
        match call.reply(sent).await {
            Ok(reply) => Ok(reply.value),
            Err(Error::Api(e)) if e.refusal() == Refusal::MethodNotAllowed => Err(unsupported(&e)),
            Err(Error::Api(e)) if e.refusal() == Refusal::NotFound => match self.get(uuid).await {
                Ok(_) => Err(unsupported(&e)),
                Err(_) => Err(Error::Api(e)),
            },
            Err(other) => Err(other),
        }
    }

    /// Closes an account (allowed in OK or Erred; otherwise a 409, [`Refusal::Conflict`]).
    ///
    /// A DELETE is repeated after a lost answer (timeout, broken connection, 502/504). If the repeat
    /// is refused with 409, the first attempt may have closed the account, so the client reads it:
    /// Closed means success ([`Deleted::confirmed_by_read`]); another state means the refusal stands;
    /// a failed read means [`Error::OutcomeUnknown`]. A close that was done is never reported as refused.
    pub async fn delete(&self, uuid: Uuid) -> Result<Deleted> {
        let call = self.call();
        let sent = call.raw().marketplace_course_accounts_destroy().uuid(uuid).send().await;
        let Some(exchange) = call.exchange() else { return Err(response::unsent(sent.err())) };
        let reply = match sent {
            Ok(reply) => reply,
            Err(e) => {
                return match response::generated_error(&exchange, e).await {
                    Error::Api(refusal) if refusal.refusal() == Refusal::Conflict && exchange.attempts > 1 => {
                        self.confirm_closed(uuid, refusal).await
                    }
                    other => Err(other),
                };
            }
        };
        // The fixup made the success body a raw stream: empty on 204, the account on 202. The close is
        // done whatever happens to its body.
        let status = reply.status();
        let account =
            response::decode_body::<Option<CourseAccount>>(&exchange, status, None, reply.into_inner_stream()).await?;
        Ok(Deleted { account, confirmed_by_read: false })
    }

    /// After a repeated close was refused: the account's state says whether an earlier attempt did it.
    async fn confirm_closed(&self, uuid: Uuid, refusal: Box<crate::ApiError>) -> Result<Deleted> {
        match self.get(uuid).await {
            Ok(account) if account.state == crate::CourseAccountState::Closed => {
                Ok(Deleted { account: Some(account), confirmed_by_read: true })
            }
            Ok(_) => Err(Error::Api(refusal)),
            Err(read) => Err(Error::OutcomeUnknown {
                request: refusal.request.clone(),
                reason: UnknownOutcome::CloseUnconfirmed { refusal, read: Box::new(read) },
            }),
        }
    }
}

/// Redirects are followed within the origin the request went to (a missing trailing slash, a moved
/// path), up to 10. One to another origin is not: reqwest would drop the credentials there, and the
/// other server's 401 would read as a refused token. The 3xx comes back as [`Error::Redirected`].
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt.previous().first().is_some_and(|first| first.origin() == attempt.url().origin());
        if !same_origin {
            attempt.stop()
        } else if attempt.previous().len() > 10 {
            attempt.error("more than 10 redirects")
        } else {
            attempt.follow()
        }
    })
}

/// A 404 or 405 to `retry` from a server that lacks the operation.
fn unsupported(answer: &crate::ApiError) -> Error {
    Error::Unsupported { request: answer.request.clone(), operation: "retry", since: "8.0.7", status: answer.status }
}

/// One call through the generated client (see [`Client::call`]).
pub(crate) struct Call {
    raw: generated::Client,
    slot: Slot,
}

impl Call {
    /// The generated client to make the call with.
    pub(crate) fn raw(&self) -> &generated::Client {
        &self.raw
    }

    /// What the send path recorded; `None` when nothing was sent (the request could not be built).
    pub(crate) fn exchange(&self) -> Option<Exchange> {
        self.slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }

    /// The generated result in this crate's terms (see [`response::from_generated`]).
    pub(crate) async fn reply<T: serde::de::DeserializeOwned>(
        self,
        sent: std::result::Result<ResponseValue<T>, progenitor_client::Error<()>>,
    ) -> Result<Reply<T>> {
        response::from_generated(self.exchange(), sent).await
    }
}
