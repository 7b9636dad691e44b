//! The HTTP side of the stand-in (and of servers built beside it: contract-tests' replay and
//! recording proxy, the benchmark's), on axum:
//! [`Server`] serves an axum [`Router`] on an address of the caller's choice until dropped; handlers
//! take a request whole as an [`HttpRequest`] (an extractor that refuses nothing, so no answer of
//! axum's own ever replaces Waldur's) and answer a whole [`HttpResponse`]. [`answer`] runs a router on
//! one request without a socket: that is how [`Waldur::handle`](crate::Waldur::handle), and so the
//! behaviour tests and contract-tests' `reproduce`, reach the very routes the server serves.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower::ServiceExt;

/// A request as the handlers see it: the body read in full.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    pub path: String,
    /// The raw query string (still percent-encoded), if any.
    pub query: Option<String>,
    /// Header names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The query decoded into pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes()).into_owned().collect()
    }

    fn from_parts(parts: &axum::http::request::Parts, body: Bytes) -> HttpRequest {
        HttpRequest {
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            // Lossy, not `to_str`: a header with bytes beyond ASCII reaches the handler as text too.
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
            body,
        }
    }

    /// The same request as the HTTP types hold it; `None` for what no HTTP/1.1 request line or header
    /// could carry (hyper would have refused it before any handler ran).
    fn to_http(&self) -> Option<Request> {
        let target = match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        };
        let mut builder = Request::builder().method(Method::from_bytes(self.method.as_bytes()).ok()?).uri(target);
        for (name, value) in &self.headers {
            builder = builder
                .header(HeaderName::from_bytes(name.as_bytes()).ok()?, HeaderValue::from_bytes(value.as_bytes()).ok()?);
        }
        builder.body(Body::from(self.body.clone())).ok()
    }
}

/// Reads the whole request. It never refuses one: no body limit (axum's `Bytes` extractor stops at
/// 2 MB), no `Content-Type` check, and a body that cannot be read (the client went away mid-way) is
/// taken as empty, so whatever the handler decides is what the client gets.
impl<S: Send + Sync> FromRequest<S> for HttpRequest {
    type Rejection = Infallible;

    async fn from_request(request: Request, _: &S) -> Result<HttpRequest, Infallible> {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
        Ok(HttpRequest::from_parts(&parts, body))
    }
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl HttpResponse {
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::from(serde_json::to_vec(body).expect("a JSON value serializes")),
        }
    }

    pub fn empty(status: u16) -> Self {
        HttpResponse { status, headers: Vec::new(), body: Bytes::new() }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// What a router answered, read whole. `content-length` is left out: it describes the
    /// transport (axum adds it to every answer), and `body` says the same.
    async fn read(response: Response) -> HttpResponse {
        let (parts, body) = response.into_parts();
        HttpResponse {
            status: parts.status.as_u16(),
            headers: parts
                .headers
                .iter()
                .filter(|(k, _)| *k != header::CONTENT_LENGTH)
                .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
            body: axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default(),
        }
    }
}

impl IntoResponse for HttpResponse {
    fn into_response(self) -> Response {
        let mut builder = Response::builder().status(self.status);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        builder.body(Body::from(self.body)).unwrap_or_else(|_| {
            (StatusCode::INTERNAL_SERVER_ERROR, Bytes::from_static(b"invalid response headers")).into_response()
        })
    }
}

/// A router that hands every request, whole, to `f`: for servers whose answers depend on no route
/// (the replay matches recordings, the recording proxy forwards everything).
pub fn handler<F, Fut>(f: F) -> Router
where
    F: Fn(HttpRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HttpResponse> + Send + 'static,
{
    let f = Arc::new(f);
    Router::new().fallback(move |request: HttpRequest| f(request))
}

/// Runs `router` on one request, without a socket, and returns its answer whole (a HEAD answer
/// without its body, as on the wire). The stand-in's routes wait on nothing (the data is behind a
/// plain mutex and the body is in memory), so this finishes at once; it blocks the calling thread,
/// so call it outside async code or where blocking briefly is fine (as the tests do).
pub fn answer(router: Router, request: &HttpRequest) -> HttpResponse {
    // A method or header no request line could carry: what hyper answers such a request.
    let Some(request) = request.to_http() else { return HttpResponse::empty(400) };
    futures::executor::block_on(async {
        let response = router.oneshot(request).await.unwrap_or_else(|never| match never {});
        HttpResponse::read(response).await
    })
}

/// A running server; it stops when dropped.
pub struct Server {
    addr: SocketAddr,
    /// Dropping it ends the server (graceful: requests in flight are answered, idle connections close).
    _stop: oneshot::Sender<()>,
}

impl Server {
    /// Serves `router` on `addr` (use port 0 for any free port).
    pub async fn start(addr: SocketAddr, router: Router) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Self::serve(listener, router))
    }

    /// Serves `router` on a listener already bound (so the caller knows the address first).
    pub fn serve(listener: TcpListener, router: Router) -> Server {
        let addr = listener.local_addr().expect("a bound listener has an address");
        let (stop, stopped) = oneshot::channel::<()>();
        let router = router.layer(axum::middleware::from_fn(head_without_length));
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Server { addr, _stop: stop }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// A HEAD answer with no body goes out without `Content-Length`, as hyper alone sends it. axum would
/// write `Content-Length: 0` for it, which RFC 9110 (9.3.2) forbids unless GET's body is empty too:
/// the list's HEAD (the `count` operation) has no body only because none is built. A body of unknown
/// size keeps axum from writing the header; axum then drops that (empty) body as for any HEAD answer.
async fn head_without_length(request: Request, next: Next) -> Response {
    let head = request.method() == Method::HEAD;
    let response = next.run(request).await;
    if !head || response.headers().contains_key(header::CONTENT_LENGTH) {
        return response;
    }
    let (parts, body) = response.into_parts();
    if HttpBody::size_hint(&body).exact() != Some(0) {
        return Response::from_parts(parts, body);
    }
    let unsized_empty = Body::from_stream(futures::stream::empty::<Result<Bytes, Infallible>>());
    Response::from_parts(parts, unsized_empty)
}
