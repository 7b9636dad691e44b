//! The replay check run the other way round: a scenario's recorded requests are sent, in order, to a
//! stand-in, and its answers are compared with the recorded ones. For a recording made against a real
//! Waldur this is the test of the stand-in itself: an answer it cannot reproduce is a difference that
//! names the file, the place (status, header or JSON pointer) and both values.
//!
//! A real server holds other data than the stand-in (other uuids, times, counts), so its recordings
//! are compared by [`Strictness::Shape`]: the status, which pagination headers are there, error bodies
//! exactly (their messages are the behaviour), and success bodies by shape (the same keys, the same
//! JSON types). The stand-in's own recordings reproduce [`Strictness::Exact`]ly.

use serde_json::Value;
use waldur_course_accounts_testkit::http::HttpRequest;
use waldur_course_accounts_testkit::{Flavour, Waldur};

use crate::recording::{Recording, Scenario};

/// The host the reproduced requests name (so `url` fields and `Link` carry a known base).
const HOST: &str = "standin.invalid";

/// How closely an answer must match its recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// Byte for byte after normalisation: for recordings the stand-in made.
    Exact,
    /// Status, header presence, error bodies exactly, success bodies by shape: for a real server's.
    Shape,
}

impl Strictness {
    /// What a recording's `recorded_from` calls for: the stand-in's own are exact, any other shape.
    pub fn for_recording(recording: &Recording) -> Strictness {
        if recording.recorded_from.starts_with("stand-in") { Strictness::Exact } else { Strictness::Shape }
    }
}

/// Sends every recorded request of `scenario` to `waldur`, in order, and lists each difference.
/// Account ids the recording's server gave are mapped to the ones the stand-in gave at the same
/// place of the same answer, so a later request for "the account just created" names the stand-in's.
pub fn reproduce(scenario: &Scenario, waldur: &mut Waldur) -> Vec<String> {
    let token = waldur.tokens.first().cloned().unwrap_or_default();
    let mut differences = Vec::new();
    let mut ids: Vec<(String, String)> = Vec::new();
    for (path, recording) in &scenario.recordings {
        let mut text = serde_json::to_string(&recording.materialize(&format!("http://{HOST}"))).expect("serializes");
        for (recorded, standin) in &ids {
            text = text.replace(recorded.as_str(), standin);
        }
        let recording: Recording = serde_json::from_str(&text).expect("replacing an id keeps the JSON valid");
        let request = request_of(&recording, &token);
        let response = waldur.handle(&request);
        let got_body = crate::recording::body_value(&response.body);
        if let (Some(a), Some(b)) = (&recording.response.body, &got_body) {
            map_ids(a, b, &mut ids);
        }
        let header = |name: &str| response.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let mut found = Vec::new();
        let want = &recording.response;
        if want.status != response.status {
            found.push(format!("status: recorded {}, stand-in {}", want.status, response.status));
        }
        let strictness = Strictness::for_recording(&recording);
        for name in ["x-result-count", "link"] {
            let (recorded, answered) = (want.headers.get(name).cloned(), header(name));
            let differs = match strictness {
                Strictness::Exact => recorded != answered,
                Strictness::Shape => recorded.is_some() != answered.is_some(),
            };
            if differs {
                found.push(format!("header {name}: recorded {recorded:?}, stand-in {answered:?}"));
            }
        }
        let body = if request.method == "HEAD" { None } else { got_body };
        match strictness {
            Strictness::Exact => {
                if want.body != body {
                    found.push(format!("body: recorded {}, stand-in {}", show(&want.body), show(&body)));
                }
            }
            Strictness::Shape if want.status >= 400 => {
                if want.body != body {
                    found.push(format!("error body: recorded {}, stand-in {}", show(&want.body), show(&body)));
                }
            }
            Strictness::Shape => match (&want.body, &body) {
                (Some(a), Some(b)) => shape(a, b, "", &mut found),
                (None, None) => {}
                (a, b) => found.push(format!("body: recorded {}, stand-in {}", show(a), show(b))),
            },
        }
        differences.extend(found.into_iter().map(|d| format!("{}: {d}", path.display())));
    }
    differences
}

/// Pairs each `uuid` of the recorded answer with the stand-in's at the same place.
fn map_ids(recorded: &Value, answered: &Value, ids: &mut Vec<(String, String)>) {
    match (recorded, answered) {
        (Value::Array(a), Value::Array(b)) => a.iter().zip(b).for_each(|(x, y)| map_ids(x, y, ids)),
        (Value::Object(a), Value::Object(b)) => {
            if let (Some(Value::String(x)), Some(Value::String(y))) = (a.get("uuid"), b.get("uuid"))
                && x != y
                && !ids.iter().any(|(r, _)| r == x)
            {
                ids.push((x.clone(), y.clone()));
            }
        }
        _ => {}
    }
}

/// A stand-in for reproducing another server's recordings: the seeded data (23 accounts), with the
/// four seeded projects renamed to that server's (course, non-course, course without an end date, one
/// the token's user may not manage: a recording context's four projects, in that order).
pub fn standin_for(flavour: Flavour, projects: [uuid::Uuid; 4]) -> Waldur {
    let mut waldur = Waldur::seeded(flavour, 23);
    for (project, uuid) in waldur.projects.iter_mut().zip(projects) {
        project.uuid = uuid;
    }
    waldur
}

fn show(body: &Option<Value>) -> String {
    body.as_ref().map(Value::to_string).unwrap_or_else(|| "no body".into())
}

/// The recorded request as the stand-in receives it. Credentials were redacted when recorded: a
/// request the server answered 401 gets a token the stand-in refuses, any other the stand-in's own.
fn request_of(recording: &Recording, token: &str) -> HttpRequest {
    let r = &recording.request;
    let mut headers = vec![("host".to_string(), HOST.to_string())];
    if let Some(auth) = r.headers.get("authorization") {
        let scheme = auth.split_whitespace().next().unwrap_or("Token");
        let secret = if recording.response.status == 401 { "not-a-token-the-stand-in-knows" } else { token };
        headers.push(("authorization".into(), format!("{scheme} {secret}")));
    }
    if let Some(kind) = r.headers.get("content-type") {
        headers.push(("content-type".into(), kind.clone()));
    }
    let query = (!r.query.is_empty())
        .then(|| url::form_urlencoded::Serializer::new(String::new()).extend_pairs(r.query_pairs()).finish());
    let body = r.body.as_ref().map(|b| serde_json::to_vec(b).expect("a JSON value serializes")).unwrap_or_default();
    HttpRequest { method: r.method.clone(), path: r.path.clone(), query, headers, body: body.into() }
}

/// The same keys and the same JSON types, recursively; an array is compared by its first element.
fn shape(recorded: &Value, answered: &Value, at: &str, out: &mut Vec<String>) {
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    match (recorded, answered) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().filter(|k| !b.contains_key(*k)) {
                out.push(format!("{at}/{key}: recorded, the stand-in has no such field"));
            }
            for key in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{at}/{key}: the stand-in has it, the recording does not"));
            }
            for (key, value) in a {
                if let Some(other) = b.get(key) {
                    shape(value, other, &format!("{at}/{key}"), out);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                shape(x, y, &format!("{at}/0"), out);
            } else if a.is_empty() != b.is_empty() {
                out.push(format!("{at}: recorded {} items, stand-in {}", a.len(), b.len()));
            }
        }
        // Nullable fields are null or not by the data, not by the behaviour.
        (Value::Null, _) | (_, Value::Null) => {}
        (a, b) if kind(a) != kind(b) => {
            out.push(format!("{}: recorded {}, stand-in {}", if at.is_empty() { "/" } else { at }, kind(a), kind(b)))
        }
        _ => {}
    }
}
