//! A minimal HTTP/1.1 server on hyper for the replay, the stand-in Waldur and the recording proxy:
//! whole requests in, whole responses out, bound to an address of the caller's choice (loopback).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

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
}

type BoxFuture = Pin<Box<dyn Future<Output = HttpResponse> + Send>>;

/// What answers requests.
pub type Handler = Arc<dyn Fn(HttpRequest) -> BoxFuture + Send + Sync>;

/// Wraps an async closure as a [`Handler`].
pub fn handler<F, Fut>(f: F) -> Handler
where
    F: Fn(HttpRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HttpResponse> + Send + 'static,
{
    Arc::new(move |request| Box::pin(f(request)))
}

/// A running server; it stops when dropped.
pub struct Server {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
}

impl Server {
    /// Serves `handler` on `addr` (use port 0 for any free port).
    pub async fn start(addr: SocketAddr, handler: Handler) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Self::serve(listener, handler))
    }

    pub fn serve(listener: TcpListener, handler: Handler) -> Server {
        let addr = listener.local_addr().expect("a bound listener has an address");
        let (stop, mut stopped) = watch::channel(false);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stopped.changed() => return,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let handler = handler.clone();
                        let mut stopped = stopped.clone();
                        tokio::spawn(async move {
                            let service = service_fn(move |request| call(handler.clone(), request));
                            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                            tokio::select! {
                                _ = connection => {}
                                _ = stopped.changed() => {}
                            }
                        });
                    }
                }
            }
        });
        Server { addr, stop }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn call(handler: Handler, request: hyper::Request<Incoming>) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let request = HttpRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body,
    };
    let response = handler(request).await;
    let mut builder = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(name, value);
    }
    Ok(builder.body(Full::new(response.body)).unwrap_or_else(|_| {
        let mut r = hyper::Response::new(Full::new(Bytes::from_static(b"invalid response headers")));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    }))
}
