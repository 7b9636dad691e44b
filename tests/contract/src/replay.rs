//! Serves recordings over real HTTP on loopback, strictly: a request that matches no recording is
//! answered 501 and remembered with a diff against the nearest recording, so the test fails with the
//! reason instead of a silent 404; and every recording must be used.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use serde_json::{Value, json};
use waldur_course_accounts_testkit::http::{HttpRequest, HttpResponse, Server, handler};

use crate::recording::{RecordedRequest, Recording};

/// How recordings are consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Contract tests: each recording answers once, in order among equal requests, and all must be used.
    Strict,
    /// `cargo xtask mock`: recordings answer as often as asked.
    Reuse,
}

struct State {
    recordings: Vec<(String, Recording)>,
    used: Vec<bool>,
    failures: Vec<String>,
    mode: Mode,
}

/// A running replay server.
pub struct Replay {
    server: Server,
    state: Arc<Mutex<State>>,
}

impl Replay {
    /// Starts on `addr` (port 0: any free port). `recordings` are `(name, recording)` with `{{base_url}}`
    /// still in them; they are materialized with this server's own address.
    pub async fn start(addr: SocketAddr, recordings: Vec<(String, Recording)>, mode: Mode) -> std::io::Result<Replay> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let base = format!("http://{}", listener.local_addr()?);
        let recordings: Vec<(String, Recording)> =
            recordings.into_iter().map(|(n, r)| (n, r.materialize(&base))).collect();
        let state =
            Arc::new(Mutex::new(State { used: vec![false; recordings.len()], recordings, failures: Vec::new(), mode }));
        let shared = state.clone();
        let server = Server::serve(listener, handler(move |request| std::future::ready(answer(&shared, &request))));
        Ok(Replay { server, state })
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Ok when no request went unmatched and (strict mode) every recording was used.
    pub fn verify(&self) -> Result<(), String> {
        let state = self.state.lock().expect("replay state");
        let mut problems = state.failures.clone();
        if state.mode == Mode::Strict {
            for ((name, _), used) in state.recordings.iter().zip(&state.used) {
                if !used {
                    problems.push(format!("recording {name} was never requested"));
                }
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
    }
}

fn answer(state: &Mutex<State>, request: &HttpRequest) -> HttpResponse {
    let mut state = state.lock().expect("replay state");
    let diffs: Vec<Vec<String>> = state.recordings.iter().map(|(_, r)| differences(&r.request, request)).collect();
    let candidates = diffs.iter().enumerate().filter(|(_, d)| d.is_empty()).map(|(i, _)| i);
    let chosen = match state.mode {
        Mode::Strict => candidates.clone().find(|i| !state.used[*i]),
        Mode::Reuse => candidates.clone().find(|i| !state.used[*i]).or_else(|| candidates.clone().next()),
    };
    if let Some(i) = chosen {
        state.used[i] = true;
        return response_of(&state.recordings[i].1, &request.method);
    }
    let described = describe(request);
    let message = match diffs.iter().enumerate().min_by_key(|(_, d)| if d.is_empty() { usize::MAX } else { d.len() }) {
        Some((i, d)) if !d.is_empty() => {
            format!("no recording matches {described}; nearest is {}:\n  {}", state.recordings[i].0, d.join("\n  "))
        }
        Some((i, _)) => format!("{described} matches {} again, but each recording answers once", state.recordings[i].0),
        None => format!("no recording matches {described}: none are loaded"),
    };
    state.failures.push(message.clone());
    HttpResponse::json(501, &json!({ "detail": format!("replay: {message}") }))
}

fn describe(request: &HttpRequest) -> String {
    match &request.query {
        Some(q) => format!("{} {}?{q}", request.method, request.path),
        None => format!("{} {}", request.method, request.path),
    }
}

/// What differs between a recorded request and an incoming one; empty when they match.
pub fn differences(recorded: &RecordedRequest, request: &HttpRequest) -> Vec<String> {
    let mut out = Vec::new();
    if recorded.method != request.method {
        out.push(format!("method: recorded {}, got {}", recorded.method, request.method));
    }
    if recorded.path != request.path {
        out.push(format!("path: recorded {}, got {}", recorded.path, request.path));
    }
    let mut want = recorded.query_pairs();
    let mut got = request.query_pairs();
    want.sort();
    got.sort();
    if want != got {
        let missing: Vec<String> = want.iter().filter(|p| !got.contains(p)).map(|(k, v)| format!("{k}={v}")).collect();
        let extra: Vec<String> = got.iter().filter(|p| !want.contains(p)).map(|(k, v)| format!("{k}={v}")).collect();
        out.push(format!("query: missing [{}], unexpected [{}]", missing.join(", "), extra.join(", ")));
    }
    let scheme = |v: &str| v.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
    match (recorded.headers.get("authorization"), request.header("authorization")) {
        (Some(want), Some(got)) if scheme(want) == scheme(got) => {}
        (None, None) => {}
        (want, got) => out.push(format!(
            "authorization: recorded {}, got {}",
            want.map(|w| scheme(w)).unwrap_or_else(|| "none".into()),
            got.map(scheme).unwrap_or_else(|| "none".into())
        )),
    }
    let got_body = crate::recording::body_value(&request.body);
    if recorded.body != got_body {
        out.push(format!(
            "body: recorded {}, got {}",
            recorded.body.as_ref().map(Value::to_string).unwrap_or_else(|| "none".into()),
            got_body.as_ref().map(Value::to_string).unwrap_or_else(|| "none".into())
        ));
    }
    out
}

fn response_of(recording: &Recording, method: &str) -> HttpResponse {
    let r = &recording.response;
    let mut response = HttpResponse::empty(r.status);
    for (name, value) in &r.headers {
        response = response.with_header(name, value.clone());
    }
    if let Some(body) = r.body.as_ref().filter(|_| method != "HEAD") {
        response.body = Bytes::from(serde_json::to_vec(body).expect("a JSON value serializes"));
        if !r.headers.contains_key("content-type") {
            response = response.with_header("content-type", "application/json");
        }
    }
    response
}
