//! A fault-injecting proxy for tests of code that must stay truthful when the network is not. It
//! stands between a client and a server (usually the [`crate::StandIn`]) and, by a seeded plan, loses
//! answers after the server acted, resets connections in the middle of an answer, refuses with 429
//! (`Retry-After`) or 503 before the server sees the request, or answers late.
//!
//! A decision depends on the seed, the request (method, target, body) and how often that same request
//! came before, never on arrival order, so the same seed injects the same faults into the same run
//! however its requests interleave: a failure found by a soak test replays.
//!
//! It speaks just enough HTTP/1.1 for that, over raw sockets rather than through axum like the rest of
//! the testkit: a lost answer (a reset with no byte sent) and a reset halfway through an answer need
//! the socket itself, which an HTTP server library does not hand out. Requests with a
//! `Content-Length` body (what reqwest sends), one upstream connection per request (`connection:
//! close`), answers relayed byte for byte.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What can happen to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The server acts and answers; the answer never reaches the client (the connection is reset).
    Lost,
    /// The server acts; the client gets the first half of the answer, then a reset.
    Reset,
    /// Refused with 429 and `Retry-After` before the server sees it (Waldur's throttling).
    RateLimited,
    /// Refused with 503 before the server sees it (a proxy's maintenance page).
    Unavailable,
    /// Relayed intact after a delay.
    Slow,
}

/// Which requests get which faults. Rates are per mille of the requests [`FaultPlan::applies_to`].
#[derive(Debug, Clone)]
pub struct FaultPlan {
    pub seed: u64,
    pub lost: u16,
    pub reset: u16,
    pub rate_limited: u16,
    pub unavailable: u16,
    pub slow: u16,
    /// The delay of [`Fault::Slow`].
    pub slow_by: Duration,
    /// The `Retry-After` of [`Fault::RateLimited`], in seconds.
    pub retry_after_secs: u64,
    /// Faults for the first requests that [`FaultPlan::applies_to`], in order, before the rates
    /// take over (`None`: that request goes through).
    pub first: Vec<Option<Fault>>,
    /// Only requests with this method and a target containing this text are faulted (`None`: all).
    pub only: Option<(String, String)>,
}

impl FaultPlan {
    /// No faults: every request relayed.
    pub fn none(seed: u64) -> FaultPlan {
        FaultPlan {
            seed,
            lost: 0,
            reset: 0,
            rate_limited: 0,
            unavailable: 0,
            slow: 0,
            slow_by: Duration::from_millis(200),
            retry_after_secs: 1,
            first: Vec::new(),
            only: None,
        }
    }

    /// Whether `method target` is one of the requests the plan faults.
    pub fn applies_to(&self, method: &str, target: &str) -> bool {
        self.only.as_ref().is_none_or(|(m, part)| m.eq_ignore_ascii_case(method) && target.contains(part.as_str()))
    }

    /// The fault for the `occurrence`-th (0-based) sending of this exact request, by the rates.
    fn by_rates(&self, method: &str, target: &str, body: &[u8], occurrence: u32) -> Option<Fault> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (self.seed, method, target, body, occurrence).hash(&mut hasher);
        let mut roll = (hasher.finish() % 1000) as u16;
        for (rate, fault) in [
            (self.lost, Fault::Lost),
            (self.reset, Fault::Reset),
            (self.rate_limited, Fault::RateLimited),
            (self.unavailable, Fault::Unavailable),
            (self.slow, Fault::Slow),
        ] {
            if roll < rate {
                return Some(fault);
            }
            roll -= rate.min(roll);
        }
        None
    }
}

/// One request the proxy saw, and the fault it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injected {
    pub method: String,
    pub target: String,
    pub fault: Option<Fault>,
}

#[derive(Default)]
struct Seen {
    /// How often each exact request (method, target, body) was seen.
    times: HashMap<(String, String, Vec<u8>), u32>,
    /// How many requests the plan applied to so far (for [`FaultPlan::first`]).
    planned: usize,
    log: Vec<Injected>,
}

/// The proxy; dropping it stops it.
pub struct FaultProxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on loopback and relays to `upstream` by `plan`.
    pub async fn start(upstream: SocketAddr, plan: FaultPlan) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let seen = Arc::new(Mutex::new(Seen::default()));
        let plan = Arc::new(plan);
        let shared = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (plan, seen) = (plan.clone(), shared.clone());
                tokio::spawn(async move {
                    // A client that goes away mid-request is its own business.
                    let _ = serve(socket, upstream, &plan, &seen).await;
                });
            }
        });
        Ok(FaultProxy { addr, seen, task })
    }

    /// `http://127.0.0.1:PORT`: give this to the client instead of the server's URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, in arrival order, with its fault.
    pub fn injected(&self) -> Vec<Injected> {
        self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).log.clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One client connection, one request: every answer says `connection: close`, so a client never
/// sends a second request on a connection the proxy might end (its pool would resend it unasked).
async fn serve(
    mut client: TcpStream,
    upstream: SocketAddr,
    plan: &FaultPlan,
    seen: &Mutex<Seen>,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let Some(request) = read_request(&mut client, &mut buffer).await? else { return Ok(()) };
    let fault = decide(plan, seen, &request);
    let response = match fault {
        Some(Fault::RateLimited) => {
            // Worded as DRF's `exceptions.Throttled` words it (with `Retry-After` from `exc.wait`, as
            // `APIView.handle_exception` sets it): "second" for one, "seconds" otherwise.
            let wait = plan.retry_after_secs;
            let unit = if wait == 1 { "second" } else { "seconds" };
            let body = format!(r#"{{"detail":"Request was throttled. Expected available in {wait} {unit}."}}"#);
            let extra = format!("retry-after: {}\r\ncontent-type: application/json\r\n", plan.retry_after_secs);
            answer("429 Too Many Requests", &extra, &body)
        }
        Some(Fault::Unavailable) => {
            let body = "<html><head><title>503 Service Unavailable</title></head><body>maintenance</body></html>";
            answer("503 Service Unavailable", "content-type: text/html\r\n", body)
        }
        _ => relay(upstream, &request).await?,
    };
    match fault {
        Some(Fault::Lost) => return reset(client),
        Some(Fault::Reset) => {
            client.write_all(&response[..response.len() / 2]).await?;
            client.flush().await?;
            return reset(client);
        }
        Some(Fault::Slow) => tokio::time::sleep(plan.slow_by).await,
        _ => {}
    }
    client.write_all(&response).await?;
    client.shutdown().await
}

/// Ends the connection with a reset, not an orderly close.
fn reset(client: TcpStream) -> std::io::Result<()> {
    client.set_zero_linger()?;
    drop(client);
    Ok(())
}

fn answer(status: &str, headers: &str, body: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status}\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}", body.len())
        .into_bytes()
}

/// A request as read: the request line's method and target, the header block, the body.
struct Request {
    method: String,
    target: String,
    head: String,
    body: Vec<u8>,
}

/// Reads one request (`None`: the client closed the connection before sending one).
async fn read_request(client: &mut TcpStream, buffer: &mut Vec<u8>) -> std::io::Result<Option<Request>> {
    let end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let mut words = head.split_whitespace();
    let (method, target) = (words.next().unwrap_or_default().to_string(), words.next().unwrap_or_default().to_string());
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while buffer.len() < end + length {
        let mut chunk = [0u8; 8192];
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = buffer[end..end + length].to_vec();
    buffer.drain(..end + length);
    Ok(Some(Request { method, target, head, body }))
}

fn decide(plan: &FaultPlan, seen: &Mutex<Seen>, request: &Request) -> Option<Fault> {
    let mut seen = seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let key = (request.method.clone(), request.target.clone(), request.body.clone());
    let occurrence = {
        let times = seen.times.entry(key).or_insert(0);
        *times += 1;
        *times - 1
    };
    let fault = if plan.applies_to(&request.method, &request.target) {
        seen.planned += 1;
        match plan.first.get(seen.planned - 1) {
            Some(scripted) => *scripted,
            None => plan.by_rates(&request.method, &request.target, &request.body, occurrence),
        }
    } else {
        None
    };
    seen.log.push(Injected { method: request.method.clone(), target: request.target.clone(), fault });
    fault
}

/// Sends the request to the server on a connection of its own and reads the whole answer, its
/// `connection` header replaced by `close`.
async fn relay(upstream: SocketAddr, request: &Request) -> std::io::Result<Vec<u8>> {
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(closing(&request.head).as_bytes()).await?;
    server.write_all(&request.body).await?;
    let mut response = Vec::new();
    server.read_to_end(&mut response).await?;
    let end = response.windows(4).position(|w| w == b"\r\n\r\n").map_or(response.len(), |at| at + 4);
    let head = closing(&String::from_utf8_lossy(&response[..end]));
    Ok([head.as_bytes(), &response[end..]].concat())
}

/// A header block with `connection: close` instead of any `connection` header.
fn closing(head: &str) -> String {
    let mut out = String::new();
    for line in head.trim_end().split("\r\n") {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("connection: close\r\n\r\n");
    out
}
