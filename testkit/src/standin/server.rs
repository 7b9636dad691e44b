//! Where the routes are served: [`Waldur::handle`] answers one request through them without a socket,
//! and [`StandIn`] serves them on loopback for a test, behind a logging layer that keeps every request
//! it answered ([`LoggedRequest`]), so a test can prove what was (not) sent.

use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;

use super::{Flavour, Provisioning, Waldur, provisioning, routes, seed};
use crate::http::{HttpRequest, HttpResponse, Server};

impl Waldur {
    /// Answers one request through the routes [`StandIn`] serves, without a socket (a HEAD answer
    /// comes back without its body, as on the wire).
    pub fn handle(&mut self, request: &HttpRequest) -> HttpResponse {
        // The routes reach the data through a mutex, as the server's connections do: it is lent to
        // them for this one request and taken back.
        let shared = Arc::new(Mutex::new(std::mem::replace(self, Waldur::empty(self.flavour))));
        let response = crate::http::answer(routes::router(shared.clone()), request);
        let lent = Arc::into_inner(shared).expect("the routes keep no copy of the data once they have answered");
        *self = lent.into_inner().unwrap_or_else(PoisonError::into_inner);
        response
    }

    /// No data at all: what [`Waldur::handle`] leaves in place while the routes hold the real data.
    fn empty(flavour: Flavour) -> Waldur {
        Waldur {
            flavour,
            projects: Vec::new(),
            accounts: Vec::new(),
            tokens: Vec::new(),
            accept_any_token: false,
            provisioning: Provisioning::off(),
            queue: provisioning::Queue::default(),
            next_id: 1,
        }
    }
}

/// One request the stand-in answered: method, path with query, and the status it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path and, when there is one, `?` and the query as sent.
    pub target: String,
    /// The status code answered.
    pub status: u16,
    /// The request body as text (lossy UTF-8; empty when there was none): what was sent, so a test
    /// can prove which emails a create_bulk carried.
    pub body: String,
}

type Log = Arc<Mutex<Vec<LoggedRequest>>>;

/// A stand-in Waldur serving on loopback until dropped.
pub struct StandIn {
    server: Server,
    state: Arc<Mutex<Waldur>>,
    log: Log,
}

impl StandIn {
    /// Serves `waldur` on 127.0.0.1, any free port.
    pub async fn start(waldur: Waldur) -> std::io::Result<StandIn> {
        Self::start_on(([127, 0, 0, 1], 0).into(), waldur).await
    }

    /// Serves `waldur` on `addr` (port 0: any free port).
    pub async fn start_on(addr: std::net::SocketAddr, waldur: Waldur) -> std::io::Result<StandIn> {
        let state = Arc::new(Mutex::new(waldur));
        let log = Log::default();
        let router = routes::router(state.clone()).layer(middleware::from_fn_with_state(log.clone(), logged));
        let server = Server::start(addr, router).await?;
        Ok(StandIn { server, state, log })
    }

    /// `http://127.0.0.1:PORT`: the base URL to give the client.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// The address served.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// A token the stand-in accepts ([`seed::TOKEN`]).
    pub fn token(&self) -> &'static str {
        seed::TOKEN
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Reads or changes the server's data (e.g. put an account into `Erred`) between requests.
    pub fn with_state<R>(&self, f: impl FnOnce(&mut Waldur) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The outermost layer: reads the body whole before anything answers (every request is read to its
/// end whatever the answer, as before axum), and logs the request with its status before the answer
/// leaves, so a client never holds an answer the log lacks.
async fn logged(axum::extract::State(log): axum::extract::State<Log>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let target = match parts.uri.query() {
        Some(q) => format!("{}?{q}", parts.uri.path()),
        None => parts.uri.path().to_string(),
    };
    let method = parts.method.to_string();
    let response = next.run(Request::from_parts(parts, Body::from(body.clone()))).await;
    let status = response.status().as_u16();
    let entry = LoggedRequest { method, target, status, body: String::from_utf8_lossy(&body).into_owned() };
    log.lock().unwrap_or_else(PoisonError::into_inner).push(entry);
    response
}
