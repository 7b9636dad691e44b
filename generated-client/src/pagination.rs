//! Walking every page of a list: follows the server's `Link: rel="next"` URLs, one page in memory at a
//! time, and refuses links that loop, go backwards, leave the server, or drop the filters, as well as
//! a walk that ends with fewer accounts than `X-Result-Count` announced.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use reqwest::Url;
use reqwest::header::HeaderMap;

use crate::client::Client;
use crate::error::{Error, PaginationProblem, Refusal, RequestInfo, Result};
use crate::filter::{Filter, apply_filter};
use crate::generated::types::CourseAccount;
use crate::response::{self, Reply};

/// The list endpoint's path (under the base's own prefix): every next link must stay on it.
const LIST_PATH: &str = "/api/marketplace-course-accounts/";

/// The server's maximum page size (larger values are silently clamped to it).
pub const MAX_PAGE_SIZE: u32 = 300;

/// One page of a list.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Page {
    /// The accounts of this page.
    pub items: Vec<CourseAccount>,
    /// 1-based page number.
    pub number: u64,
    /// `X-Result-Count`: accounts matching the filter, over all pages.
    pub total: Option<u64>,
    /// The `rel="next"` link, absolute.
    pub next: Option<Url>,
}

/// One link of a `Link` header (RFC 8288): the target and its `rel` values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The URL between `<` and `>`, as sent.
    pub target: String,
    /// The `rel` values, lowercased.
    pub rels: Vec<String>,
}

/// Parses a `Link` header value. Malformed entries are skipped, never a panic.
///
/// ```
/// use waldur_course_accounts::parse_link_header;
/// let links = parse_link_header(r#"<https://w.example/api/x/?page=1>; rel="first", <https://w.example/api/x/?page=2>; rel="next""#);
/// assert_eq!(links[1].target, "https://w.example/api/x/?page=2");
/// assert_eq!(links[1].rels, ["next"]);
/// ```
pub fn parse_link_header(value: &str) -> Vec<Link> {
    let mut links = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return links;
        }
        let Some(after_lt) = rest.strip_prefix('<') else {
            // Not a link: skip to the next top-level comma.
            match rest.find(',') {
                Some(i) => {
                    rest = &rest[i + 1..];
                    continue;
                }
                None => return links,
            }
        };
        let Some(end) = after_lt.find('>') else { return links };
        let target = after_lt[..end].trim().to_string();
        rest = &after_lt[end + 1..];
        let mut rels = Vec::new();
        // Parameters: `; name=value` or `; name="quoted, value"`, up to the next comma outside quotes.
        loop {
            rest = rest.trim_start_matches([' ', '\t']);
            let Some(param) = rest.strip_prefix(';') else { break };
            let param = param.trim_start();
            let name_end = param.find(['=', ';', ',']).unwrap_or(param.len());
            let name = param[..name_end].trim().to_ascii_lowercase();
            rest = &param[name_end..];
            let mut val = String::new();
            if let Some(v) = rest.strip_prefix('=') {
                let v = v.trim_start();
                if let Some(q) = v.strip_prefix('"') {
                    let close = q.find('"').unwrap_or(q.len());
                    val = q[..close].to_string();
                    rest = q.get(close + 1..).unwrap_or("");
                } else {
                    let stop = v.find([';', ',']).unwrap_or(v.len());
                    val = v[..stop].trim().to_string();
                    rest = &v[stop..];
                }
            }
            if name == "rel" {
                rels.extend(val.split_whitespace().map(str::to_ascii_lowercase));
            }
        }
        links.push(Link { target, rels });
    }
}

/// The absolute `rel` link of a response, resolved against the URL that was asked for.
pub(crate) fn link(headers: &HeaderMap, base: &Url, rel: &str) -> Option<std::result::Result<Url, PaginationProblem>> {
    let value =
        headers.get_all(reqwest::header::LINK).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(", ");
    let link = parse_link_header(&value).into_iter().find(|l| l.rels.iter().any(|r| r == rel))?;
    Some(base.join(&link.target).map_err(PaginationProblem::LinkNotAUrl))
}

/// `X-Result-Count`, when present and a number.
pub(crate) fn result_count(headers: &HeaderMap) -> Option<std::result::Result<u64, PaginationProblem>> {
    let value = headers.get("x-result-count")?;
    Some(value.to_str().ok().and_then(|v| v.trim().parse().ok()).ok_or(PaginationProblem::CountNotANumber))
}

fn page_number(url: &Url) -> Option<u64> {
    url.query_pairs().find(|(k, _)| k == "page").and_then(|(_, v)| v.parse().ok())
}

/// Listing: the all-pages stream, pages, one page, and the count.
impl Client {
    /// Every account matching `filter`, all pages, [`MAX_PAGE_SIZE`] per request.
    pub fn list(&self, filter: Filter) -> AccountStream {
        self.list_with_page_size(filter, MAX_PAGE_SIZE)
    }

    /// As [`Client::list`], with another page size (1..=300).
    pub fn list_with_page_size(&self, filter: Filter, page_size: u32) -> AccountStream {
        AccountStream::new(Pager::new(self.clone(), filter, page_size))
    }

    /// The pages of a list, for callers who want page boundaries and per-page totals.
    pub fn pages(&self, filter: Filter, page_size: u32) -> impl Stream<Item = Result<Page>> + Send + use<> {
        pages(Pager::new(self.clone(), filter, page_size))
    }

    /// One page (1-based) of the list. A page past the end is a 404 ([`Refusal::NotFound`], "Invalid
    /// page."). A malformed `X-Result-Count` or `next` link is [`Error::Pagination`], never dropped
    /// silently.
    pub async fn list_page(&self, filter: &Filter, page: u64, page_size: u32) -> Result<Page> {
        let reply = self.list_request(filter, Some(page), page_size).await?;
        let bad = |reason| Error::Pagination { request: reply.exchange.request(), reason };
        let total = result_count(&reply.headers).transpose().map_err(bad)?;
        let next = link(&reply.headers, &reply.exchange.url, "next").transpose().map_err(bad)?;
        Ok(Page { items: reply.value, number: page, total, next })
    }

    /// One GET of the list through the generated code; `page: None` leaves the server's default (1).
    /// The filter becomes a query here only, and the reply's exchange holds the URL as sent.
    async fn list_request(
        &self,
        filter: &Filter,
        page: Option<u64>,
        page_size: u32,
    ) -> Result<Reply<Vec<CourseAccount>>> {
        let call = self.call();
        let mut builder = apply_filter!(call.raw().marketplace_course_accounts_list(), filter)
            .page_size(i64::from(page_size.clamp(1, MAX_PAGE_SIZE)));
        if let Some(page) = page {
            builder = builder.page(i64::try_from(page).unwrap_or(i64::MAX));
        }
        let sent = builder.send().await;
        call.reply(sent).await
    }

    /// A page by the server's own `next` URL (already checked by the pager), as the operation that
    /// fetched the first page.
    async fn get_page(&self, url: &Url, operation: &'static str) -> Result<Reply<Vec<CourseAccount>>> {
        let unsent = || RequestInfo { operation, method: reqwest::Method::GET, path: url.path().to_string() };
        let mut request = self
            .http()
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .build()
            .map_err(|e| Error::transport(unsent(), e))?;
        self.inner().prepare(&mut request);
        let (response, exchange) = self.inner().send(self.http(), request, operation).await;
        let response = response.map_err(|e| Error::transport(exchange.request(), e))?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            // The page existed when the previous one linked to it: the list shrank while it was
            // walked (accounts closed or changed so they no longer match). Page numbers have shifted,
            // so going on would skip accounts; only a new walk (or a snapshot first) is safe.
            let request = exchange.request();
            return Err(match response::error_from_response(request.clone(), response).await {
                Error::Api(said) if said.refusal() == Refusal::NotFound => {
                    Error::Pagination { request, reason: PaginationProblem::PageVanished(said) }
                }
                other => other,
            });
        }
        if !response.status().is_success() {
            return Err(response::error_from_response(exchange.request(), response).await);
        }
        response::decode_response(exchange, response).await
    }

    /// How many accounts match `filter` (HEAD, `X-Result-Count`), without fetching them.
    pub async fn count(&self, filter: &Filter) -> Result<u64> {
        let call = self.call();
        let sent = apply_filter!(call.raw().marketplace_course_accounts_count(), filter).send().await;
        let reply = call.reply(sent).await?;
        let count = result_count(&reply.headers).unwrap_or(Err(PaginationProblem::NoCount));
        count.map_err(|reason| Error::Pagination { request: reply.exchange.request(), reason })
    }
}

/// Walks the pages of one list request.
struct Pager {
    client: Client,
    filter: Filter,
    page_size: u32,
    /// The URL the next request goes to; `None` before the first page (built from the filter).
    next: Option<Url>,
    done: bool,
    number: u64,
    seen: HashSet<String>,
    /// Query pairs (other than `page`) of the first request as sent, which every next link must keep.
    filters: Vec<(String, String)>,
    /// The operation of the first request; the next pages are more of it.
    operation: &'static str,
    received: u64,
    total: Arc<AtomicU64>,
}

const UNKNOWN: u64 = u64::MAX;

impl Pager {
    fn new(client: Client, filter: Filter, page_size: u32) -> Self {
        Pager {
            client,
            filter,
            page_size: page_size.clamp(1, MAX_PAGE_SIZE),
            next: None,
            done: false,
            number: 0,
            seen: HashSet::new(),
            filters: Vec::new(),
            operation: "",
            received: 0,
            total: Arc::new(AtomicU64::new(UNKNOWN)),
        }
    }

    fn fail(&self, url: &Url, reason: PaginationProblem) -> Error {
        let request =
            RequestInfo { operation: self.operation, method: reqwest::Method::GET, path: url.path().to_string() };
        Error::Pagination { request, reason }
    }

    async fn next_page(&mut self) -> Result<Option<Page>> {
        if self.done {
            return Ok(None);
        }
        let reply = match self.next.take() {
            None => {
                let reply = self.client.list_request(&self.filter, None, self.page_size).await?;
                self.filters = query_without_page(&reply.exchange.url);
                self.operation = reply.exchange.operation;
                reply
            }
            Some(url) => {
                self.check_next(&url)?;
                self.client.get_page(&url, self.operation).await?
            }
        };
        let url = reply.exchange.url.clone();
        self.seen.insert(url.to_string());
        self.number = page_number(&url).unwrap_or(self.number + 1);
        let items = reply.value;
        self.received += items.len() as u64;
        let total = match result_count(&reply.headers) {
            Some(Ok(n)) => Some(n),
            Some(Err(why)) => return Err(self.fail(&url, why)),
            None => None,
        };
        if let Some(n) = total {
            self.total.store(n, AtomicOrdering::Relaxed);
        }
        let next = match link(&reply.headers, &url, "next") {
            Some(Ok(next)) => Some(next),
            Some(Err(why)) => return Err(self.fail(&url, why)),
            None => None,
        };
        if next.is_some() && items.is_empty() {
            return Err(self.fail(&url, PaginationProblem::EmptyPageLinksOn { page: self.number }));
        }
        match &next {
            Some(n) => self.next = Some(n.clone()),
            None => {
                self.done = true;
                if let Some(expected) = total
                    && self.received < expected
                {
                    let short = PaginationProblem::Short { announced: expected, received: self.received };
                    return Err(self.fail(&url, short));
                }
            }
        }
        Ok(Some(Page { items, number: self.number, total, next }))
    }

    /// A next link must stay on the same server and list, not repeat, move forward, and keep the filters.
    fn check_next(&self, next: &Url) -> Result<()> {
        let base = self.client.base_url();
        let problem = if next.origin() != base.origin() {
            Some(PaginationProblem::OtherOrigin { origin: next.origin().ascii_serialization() })
        } else if !next.path().ends_with(LIST_PATH) {
            Some(PaginationProblem::LeavesList { path: next.path().to_string() })
        } else if self.seen.contains(next.as_str()) {
            Some(PaginationProblem::Loop)
        } else {
            match page_number(next) {
                Some(n) if n > self.number => {
                    let pairs = query_without_page(next);
                    let dropped = self.filters.iter().find(|p| !pairs.contains(p));
                    dropped.map(|(name, _)| PaginationProblem::DropsParameter { name: name.clone() })
                }
                Some(n) if n == self.number => Some(PaginationProblem::Loop),
                Some(n) => Some(PaginationProblem::GoesBack { from: self.number, to: n }),
                None => Some(PaginationProblem::NoPageNumber),
            }
        };
        problem.map_or(Ok(()), |problem| Err(self.fail(next, problem)))
    }
}

/// A URL's query pairs other than `page`, decoded, in order.
fn query_without_page(url: &Url) -> Vec<(String, String)> {
    url.query_pairs().filter(|(k, _)| k != "page").map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// Every course account matching a filter, fetched page by page as the stream is polled.
///
/// Ends with an error (never silently short) if the pagination cannot be followed safely.
pub struct AccountStream {
    inner: std::pin::Pin<Box<dyn Stream<Item = Result<CourseAccount>> + Send>>,
    total: Arc<AtomicU64>,
}

impl AccountStream {
    fn new(pager: Pager) -> Self {
        let total = pager.total.clone();
        let pages =
            stream::try_unfold(
                pager,
                |mut pager| async move { Ok(pager.next_page().await?.map(|page| (page, pager))) },
            );
        let inner = pages.map_ok(|page| stream::iter(page.items.into_iter().map(Ok))).try_flatten().boxed();
        AccountStream { inner, total }
    }

    /// `X-Result-Count` of the latest page read; `None` before the first page arrives.
    pub fn total(&self) -> Option<u64> {
        Some(self.total.load(AtomicOrdering::Relaxed)).filter(|n| *n != UNKNOWN)
    }
}

impl Stream for AccountStream {
    type Item = Result<CourseAccount>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// Pages of a list, for callers who want page boundaries.
fn pages(pager: Pager) -> impl Stream<Item = Result<Page>> + Send {
    stream::try_unfold(pager, |mut pager| async move { Ok(pager.next_page().await?.map(|page| (page, pager))) })
}
