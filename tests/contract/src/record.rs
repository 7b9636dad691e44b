//! `cargo xtask record`: a recording proxy on loopback in front of a Waldur server. The scenarios run
//! through it; every exchange is stored redacted (credentials keep only their scheme, the token is
//! scrubbed anywhere else it appears) and normalised (the server's address becomes `{{base_url}}`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use waldur_course_accounts::Token;
use waldur_course_accounts_testkit::http::{HttpRequest, HttpResponse, Server, handler};

use crate::conformance::Contract;
use crate::recording::{
    KEPT_REQUEST_HEADERS, KEPT_RESPONSE_HEADERS, RecordedRequest, RecordedResponse, Recording, body_value,
    redact_authorization, save_scenario,
};
use crate::scenarios::{Context, Env, Scenario};

/// A running recording proxy.
pub struct Recorder {
    server: Server,
    log: Arc<Mutex<Vec<Recording>>>,
}

impl Recorder {
    /// Proxies `127.0.0.1:<any port>` to `upstream`.
    /// `source` names the server in every recording (`live server`, `stand-in ...`).
    pub async fn start(upstream: &str, source: &str, contract: Arc<Contract>) -> std::io::Result<Recorder> {
        let source = source.to_string();
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let own = format!("http://{}", listener.local_addr()?);
        let upstream = upstream.trim_end_matches('/').to_string();
        let log = Arc::new(Mutex::new(Vec::new()));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(std::io::Error::other)?;
        let shared = log.clone();
        let server = Server::serve(
            listener,
            handler(move |request| {
                let (http, upstream, own, log, contract, source) =
                    (http.clone(), upstream.clone(), own.clone(), shared.clone(), contract.clone(), source.clone());
                async move {
                    let response = forward(&http, &upstream, &request).await;
                    let recording = record_exchange(&request, &response, &contract, &source, &[&upstream, &own]);
                    log.lock().expect("recorder log").push(recording);
                    // The client must keep talking to the proxy: links point back at it.
                    rewrite(response, &upstream, &own)
                }
            }),
        );
        Ok(Recorder { server, log })
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The exchanges since the last call, with `secret` scrubbed wherever it appears.
    pub fn take(&self, secret: &str) -> Vec<Recording> {
        let recordings = std::mem::take(&mut *self.log.lock().expect("recorder log"));
        recordings.into_iter().map(|r| scrub(&r, secret)).collect()
    }
}

async fn forward(http: &reqwest::Client, upstream: &str, request: &HttpRequest) -> HttpResponse {
    let url = match &request.query {
        Some(q) => format!("{upstream}{}?{q}", request.path),
        None => format!("{upstream}{}", request.path),
    };
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut builder = http.request(method, url).body(request.body.clone());
    for (name, value) in &request.headers {
        if !matches!(name.as_str(), "host" | "content-length" | "connection" | "transfer-encoding") {
            builder = builder.header(name, value);
        }
    }
    match builder.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "content-length" | "connection" | "transfer-encoding"))
                .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            let body = response.bytes().await.unwrap_or_default();
            HttpResponse { status, headers, body }
        }
        Err(e) => {
            HttpResponse::json(502, &serde_json::json!({"detail": format!("recording proxy: upstream failed: {e}")}))
        }
    }
}

fn rewrite(mut response: HttpResponse, from: &str, to: &str) -> HttpResponse {
    for (_, value) in response.headers.iter_mut() {
        *value = value.replace(from, to);
    }
    if let Ok(text) = std::str::from_utf8(&response.body) {
        response.body = Bytes::from(text.replace(from, to));
    }
    response
}

fn record_exchange(
    request: &HttpRequest,
    response: &HttpResponse,
    contract: &Contract,
    source: &str,
    bases: &[&str],
) -> Recording {
    let keep = |headers: &[(String, String)], kept: &[&str]| -> BTreeMap<String, String> {
        headers
            .iter()
            .filter(|(k, _)| kept.contains(&k.to_ascii_lowercase().as_str()))
            .map(|(k, v)| {
                let k = k.to_ascii_lowercase();
                let v = if k == "authorization" { redact_authorization(v) } else { v.clone() };
                (k, v)
            })
            .collect()
    };
    let operation_id = contract.operation_for(&request.method, &request.path);
    let undocumented = match &operation_id {
        Some(id) if contract.documents(id, response.status) => None,
        Some(_) => Some(format!("the server answers {} here although the schema does not list it", response.status)),
        None => Some(format!(
            "{} {} is no operation of the schema; the server answers {}",
            request.method, request.path, response.status
        )),
    };
    let recording = Recording {
        recorded_from: source.to_string(),
        operation_id,
        undocumented,
        invalid_request: None,
        request: RecordedRequest {
            method: request.method.clone(),
            path: request.path.clone(),
            query: RecordedRequest::query_from_pairs(request.query_pairs()),
            headers: keep(&request.headers, KEPT_REQUEST_HEADERS),
            body: body_value(&request.body),
        },
        response: RecordedResponse {
            status: response.status,
            headers: keep(&response.headers, KEPT_RESPONSE_HEADERS),
            body: if request.method == "HEAD" { None } else { body_value(&response.body) },
        },
    };
    let mut recording = bases.iter().fold(recording, |r, base| r.normalize(base));
    if let Some(first) = contract.request_errors(&recording).into_iter().next() {
        recording.invalid_request = Some(format!("sent on purpose to record the server's validation: {first}"));
    }
    recording
}

fn scrub(recording: &Recording, secret: &str) -> Recording {
    if secret.is_empty() {
        return recording.clone();
    }
    let text = serde_json::to_string(recording).expect("a recording serializes");
    serde_json::from_str(&text.replace(secret, "REDACTED")).expect("scrubbing keeps the JSON valid")
}

/// What one scenario did while recording.
#[derive(Debug)]
pub struct ScenarioReport {
    pub name: &'static str,
    pub folder: PathBuf,
    pub recordings: usize,
    /// `Err`: the server did not behave as the scenario expects (the recordings are written anyway).
    pub outcome: Result<(), String>,
}

/// Runs `scenarios` against `upstream` through the proxy and writes their recordings under `out`.
pub async fn record(
    upstream: &str,
    source: &str,
    token: &Token,
    context: &Context,
    scenarios: &[&'static Scenario],
    out: &Path,
) -> Result<Vec<ScenarioReport>, String> {
    let contract = Arc::new(Contract::workspace()?);
    let recorder = Recorder::start(upstream, source, contract)
        .await
        .map_err(|e| format!("cannot start the recording proxy: {e}"))?;
    let env = Env::new(&recorder.uri(), token.clone()).map_err(|e| e.to_string())?;
    let mut reports = Vec::new();
    for scenario in scenarios {
        let outcome = (scenario.run)(&env, context).await;
        let recordings = recorder.take(token.expose());
        let folder = save_scenario(out, scenario.name, &recordings)
            .map_err(|e| format!("cannot write {}: {e}", scenario.name))?;
        reports.push(ScenarioReport { name: scenario.name, folder, recordings: recordings.len(), outcome });
    }
    std::fs::write(out.join("context.json"), serde_json::to_string_pretty(context).expect("context serializes") + "\n")
        .map_err(|e| format!("cannot write context.json: {e}"))?;
    Ok(reports)
}
