//! Contract tests: the recordings conform to the spec and decode into the generated types, and the
//! client, driven through every scenario, gets the typed results the real server gives, over real TCP
//! against a strict replay.
//!
//! Over 400 lines as one thing: the recordings' contract in the order a reader checks it (they conform
//! to the spec, decode, replay through every scenario, and the stand-in reproduces them).

use std::net::SocketAddr;
use std::path::PathBuf;

use contract_tests::conformance::Contract;
use contract_tests::recording::{self, Recording, Scenario};
use contract_tests::replay::{Mode, Replay};
use contract_tests::scenarios::{self, Context, Env};
use waldur_course_accounts::generated::types;
use waldur_course_accounts::{ErrorBody, Token};
use waldur_course_accounts_testkit::standin::seed;
use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};

fn loopback() -> SocketAddr {
    ([127, 0, 0, 1], 0).into()
}

fn all() -> Vec<Scenario> {
    recording::load_all(&contract_tests::recordings_dir()).expect("the recordings load")
}

fn context() -> Context {
    let text = std::fs::read_to_string(contract_tests::recordings_dir().join("context.json")).unwrap();
    contract_tests::parse_context(&text).unwrap()
}

fn named(scenario: &Scenario) -> Vec<(String, Recording)> {
    scenario.recordings.iter().map(|(path, r)| (path.display().to_string(), r.clone())).collect()
}

#[test]
fn every_recording_conforms_to_the_spec() {
    let contract = Contract::workspace().unwrap();
    let mut problems = Vec::new();
    let mut checked = 0;
    for scenario in all() {
        for (path, recording) in &scenario.recordings {
            checked += 1;
            for problem in contract.check(recording) {
                problems.push(format!("{}: {problem}", path.display()));
            }
        }
    }
    assert!(checked >= 40, "only {checked} recordings");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_recording_that_drifts_from_the_spec_is_reported_with_operation_and_pointer() {
    let contract = Contract::workspace().unwrap();
    let scenario = all().into_iter().find(|s| s.name == "create_retrieve_delete").unwrap();
    let mut recording = scenario.recordings[0].1.clone();
    recording.response.body.as_mut().unwrap()["created"] = serde_json::json!("last tuesday");
    recording.request.body.as_mut().unwrap()["email"] = serde_json::json!(42);
    let problems = contract.check(&recording).join("\n");
    assert!(problems.contains("marketplace_course_accounts_create: 201 response body at /created"), "{problems}");
    assert!(problems.contains("request body at /email"), "{problems}");
    let mut undocumented = scenario.recordings[3].1.clone();
    undocumented.undocumented = None;
    let problems = contract.check(&undocumented).join("\n");
    assert!(problems.contains("status 409 is not documented"), "{problems}");
}

#[test]
fn every_recorded_body_decodes_into_the_generated_types() {
    fn decode<T: serde::de::DeserializeOwned>(what: &str, value: &serde_json::Value) {
        if let Err(e) = serde_json::from_value::<T>(value.clone()) {
            panic!("{what}: {e}\n{value:#}");
        }
    }
    for scenario in all() {
        for (path, r) in &scenario.recordings {
            let r = r.materialize("http://127.0.0.1:8000");
            let what = path.display().to_string();
            if let Some(body) = &r.request.body {
                match r.operation_id.as_deref() {
                    Some("marketplace_course_accounts_create") => decode::<types::CourseAccountRequest>(&what, body),
                    Some("marketplace_course_accounts_create_bulk") => {
                        decode::<types::CourseAccountsBulkCreateRequest>(&what, body)
                    }
                    _ => {}
                }
            }
            let Some(body) = &r.response.body else { continue };
            if (200..300).contains(&r.response.status) {
                match r.operation_id.as_deref() {
                    Some("marketplace_course_accounts_list" | "marketplace_course_accounts_create_bulk") => {
                        decode::<Vec<types::CourseAccount>>(&what, body)
                    }
                    Some(_) => decode::<types::CourseAccount>(&what, body),
                    None => panic!("{what}: a success without an operation"),
                }
            } else {
                let parsed = ErrorBody::parse(&serde_json::to_vec(body).unwrap());
                assert!(!parsed.message().is_empty(), "{what}: error body without a message");
            }
        }
    }
}

async fn replay_scenario(name: &str) {
    let scenario = all().into_iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no recordings for {name}"));
    let replay = Replay::start(loopback(), named(&scenario), Mode::Strict).await.unwrap();
    let env = Env::new(&replay.uri(), Token::new("replayed-token")).unwrap();
    let run = scenarios::find(name).unwrap().run;
    let outcome = run(&env, &context()).await;
    let verified = replay.verify();
    assert!(outcome.is_ok() && verified.is_ok(), "{name}: outcome {outcome:?}\nreplay: {verified:?}");
}

/// One test per scenario, and `REPLAYED` naming them, which a test compares with `scenarios::ALL`
/// and the recording folders: a scenario recorded but never replayed fails the build's tests.
macro_rules! replay_tests {
    ($($name:ident),* $(,)?) => {
        const REPLAYED: &[&str] = &[$(stringify!($name)),*];
        $(
            #[tokio::test]
            async fn $name() {
                replay_scenario(stringify!($name)).await;
            }
        )*
    };
}

replay_tests!(
    list_pages,
    list_filters,
    list_errors,
    count,
    create_retrieve_delete,
    create_invalid,
    create_bulk,
    retrieve_missing,
    auth_and_permissions,
    examples,
    newer_server,
    retry,
    retry_unsupported,
);

#[test]
fn every_scenario_and_every_recording_folder_is_replayed() {
    let mut replayed: Vec<&str> = REPLAYED.to_vec();
    replayed.sort();
    let mut defined: Vec<&str> = scenarios::ALL.iter().map(|s| s.name).collect();
    defined.sort();
    assert_eq!(replayed, defined, "scenarios::ALL and the replay tests differ: add the scenario to replay_tests!");
    let mut recorded: Vec<String> = all().into_iter().map(|s| s.name).collect();
    recorded.sort();
    assert_eq!(recorded, defined, "the recording folders and scenarios::ALL differ");
}

#[tokio::test]
async fn strict_replay_answers_an_unrecorded_request_with_a_diff_against_the_nearest() {
    let scenario = all().into_iter().find(|s| s.name == "count").unwrap();
    let replay = Replay::start(loopback(), named(&scenario), Mode::Strict).await.unwrap();
    let response = reqwest::Client::new()
        .head(format!("{}/api/marketplace-course-accounts/?state=OK&o=-created&o=email", replay.uri()))
        .header("authorization", "Token x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 501);
    let report = replay.verify().unwrap_err();
    assert!(
        report.contains("no recording matches HEAD /api/marketplace-course-accounts/?state=OK&o=-created&o=email"),
        "{report}"
    );
    assert!(report.contains("nearest is"), "{report}");
    assert!(report.contains("unexpected [o=-created, o=email]"), "{report}");
    assert!(report.contains("was never requested"), "{report}");
}

#[tokio::test]
async fn strict_replay_answers_each_recording_once() {
    let scenario = all().into_iter().find(|s| s.name == "retrieve_missing").unwrap();
    let replay = Replay::start(loopback(), named(&scenario), Mode::Strict).await.unwrap();
    let env = Env::new(&replay.uri(), Token::new("t")).unwrap();
    let missing = context().missing_account;
    assert!(env.client.get(missing).await.is_err());
    assert!(replay.verify().is_ok());
    let again = env.client.get(missing).await.unwrap_err();
    assert_eq!(again.status().map(|s| s.as_u16()), Some(501));
    assert!(replay.verify().unwrap_err().contains("each recording answers once"));
}

#[tokio::test]
async fn the_mock_serves_every_recording_so_the_examples_run_against_it() {
    let recordings: Vec<_> = all().iter().flat_map(named).collect();
    let mock = Replay::start(loopback(), recordings, Mode::Reuse).await.unwrap();
    let env = Env::new(&mock.uri(), Token::new("mock-token")).unwrap();
    for _ in 0..2 {
        (scenarios::find("examples").unwrap().run)(&env, &context()).await.unwrap();
    }
    mock.verify().unwrap();
}

#[tokio::test]
async fn the_default_mock_is_the_stateful_standin_seeded_from_the_recordings() {
    use futures::TryStreamExt;
    use waldur_course_accounts::{Client, CourseAccountState, Filter};
    let waldur = contract_tests::mock::from_recordings(Flavour::V8_1, &all()).unwrap();
    let seeded = waldur.accounts.len();
    assert!(seeded >= 20, "accounts from the recordings: {seeded}");
    let mock = StandIn::start(waldur).await.unwrap();
    // Any token, any page size, any filter: not only the recorded requests.
    let client = Client::new(&mock.base_url(), Token::new("anything")).unwrap();
    let all: Vec<_> = client.list_with_page_size(Filter::new(), 7).try_collect().await.unwrap();
    assert_eq!(all.len(), seeded);
    let ok = client.count(&Filter::new().state(CourseAccountState::Ok)).await.unwrap();
    assert_eq!(ok as usize, all.iter().filter(|a| a.state == CourseAccountState::Ok).count());
    let env = Env::new(&mock.base_url(), Token::new("mock-token")).unwrap();
    (scenarios::find("examples").unwrap().run)(&env, &context()).await.unwrap();
    // The create stays; an 8.1 server skips the bulk emails the recordings already hold in the project.
    assert_eq!(client.count(&Filter::new()).await.unwrap() as usize, seeded + 1, "the created account stays");
    assert!(mock.requests().iter().any(|r| r.method == "DELETE" && r.status == 204), "{:?}", mock.requests());
}

/// Records every scenario against a fresh stand-in into a scratch folder.
async fn record_into(
    dir: &std::path::Path,
    flavour: Flavour,
    token: &str,
) -> Vec<contract_tests::record::ScenarioReport> {
    let mut waldur = Waldur::seeded(flavour, 23);
    waldur.tokens.push(token.to_string());
    let server = StandIn::start(waldur).await.unwrap();
    let newer = flavour == Flavour::V8_1;
    let chosen: Vec<_> = scenarios::ALL.iter().filter(|s| s.newer_server == newer).collect();
    let release = if newer { "8.1" } else { "7.8.7" };
    let source = format!("stand-in Waldur {release} (testkit/src/standin.rs)");
    contract_tests::record::record(&server.base_url(), &source, &Token::new(token), &Context::standin(), &chosen, dir)
        .await
        .unwrap()
}

fn files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() { std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()).collect() } else { vec![p] }
        })
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn recording_against_the_standin_reproduces_the_stored_recordings() {
    let scratch = tempfile::tempdir().unwrap();
    for flavour in [Flavour::V7_8_7, Flavour::V8_1] {
        for report in record_into(scratch.path(), flavour, seed::TOKEN).await {
            assert!(report.outcome.is_ok(), "{}: {:?}", report.name, report.outcome);
        }
    }
    let stored = contract_tests::recordings_dir();
    let fresh = files(scratch.path());
    let kept = files(&stored);
    let rel = |base: &std::path::Path, p: &PathBuf| p.strip_prefix(base).unwrap().to_path_buf();
    assert_eq!(
        fresh.iter().map(|p| rel(scratch.path(), p)).collect::<Vec<_>>(),
        kept.iter().map(|p| rel(&stored, p)).collect::<Vec<_>>()
    );
    for (a, b) in fresh.iter().zip(&kept) {
        let (new, old) = (std::fs::read_to_string(a).unwrap(), std::fs::read_to_string(b).unwrap());
        if new != old {
            let diff =
                similar::TextDiff::from_lines(&old, &new).unified_diff().header("stored", "recorded now").to_string();
            panic!(
                "{} changed:\n{diff}\nre-record with `cargo xtask record --standin 7.8.7` and `--standin 8.1`",
                b.display()
            );
        }
    }
}

#[tokio::test]
async fn recordings_never_hold_the_token() {
    let token = "SECRET-a3f9c2e1d4b5a6978877665544332211";
    let scratch = tempfile::tempdir().unwrap();
    let reports = record_into(scratch.path(), Flavour::V7_8_7, token).await;
    assert!(reports.iter().all(|r| r.outcome.is_ok()));
    let mut authorized = 0;
    for file in files(scratch.path()) {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains(token) && !text.contains("SECRET"), "{} holds the token", file.display());
        authorized += text.matches("\"Token REDACTED\"").count();
    }
    assert!(authorized > 30, "authorization headers are recorded, redacted ({authorized})");
    for file in files(&contract_tests::recordings_dir()) {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains(seed::TOKEN), "{} holds the stand-in token", file.display());
    }
}

/// The generator (codegen) never builds the client, so this check of the two together lives here: every
/// state label of every release slice we have is a known variant of the hand-written open enum.
#[test]
fn hand_written_state_knows_every_label_of_the_schema() {
    let openapi = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi");
    let mut files = vec![openapi.join("course-accounts.yaml")];
    for entry in std::fs::read_dir(openapi.join("upstream")).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with("-course-accounts.yaml") {
            files.push(path);
        }
    }
    assert!(files.len() >= 4, "{files:?}");
    for file in files {
        let spec = codegen::Spec::load(&file).unwrap();
        let state = &spec.value["components"]["schemas"]["CourseAccount"]["properties"]["state"];
        let reference = state["$ref"].as_str().or(state["allOf"][0]["$ref"].as_str()).unwrap();
        let pointer = reference.trim_start_matches('#').to_string() + "/enum";
        let labels = spec.value.pointer(&pointer).and_then(|v| v.as_array()).unwrap();
        for label in labels {
            let label = label.as_str().unwrap();
            assert!(
                waldur_course_accounts::CourseAccountState::KNOWN.contains(&label),
                "{}: state `{label}` is not a variant of CourseAccountState",
                file.display()
            );
        }
    }
}

/// The recordings replayed the other way: their requests sent, in order, to a stand-in, whose answers
/// must be the recorded ones. The stand-in's own recordings reproduce exactly (this is the check's
/// baseline); one made against a real server (any other `recorded_from`) is compared by status,
/// headers, error bodies and the shape of success bodies, against a stand-in named after the
/// recordings' context, so a behaviour of the real server that the stand-in lacks fails here.
#[test]
fn every_recording_is_reproduced_by_the_standin() {
    use contract_tests::reproduce::{Strictness, reproduce, standin_for};
    let ctx = context();
    let projects = [ctx.course_project, ctx.non_course_project, ctx.project_without_end_date, ctx.foreign_project];
    let mut real = 0;
    let mut problems = Vec::new();
    for flavour in [Flavour::V7_8_7, Flavour::V8_1] {
        let newer = flavour == Flavour::V8_1;
        // One stand-in per flavour, the scenarios in the order they were recorded (as `record` runs them).
        let mut own = Waldur::seeded(flavour, 23);
        let mut other = standin_for(flavour, projects);
        for name in scenarios::ALL.iter().filter(|s| s.newer_server == newer).map(|s| s.name) {
            let scenario = all().into_iter().find(|s| s.name == name).unwrap();
            let exact = scenario.recordings.iter().all(|(_, r)| Strictness::for_recording(r) == Strictness::Exact);
            if !exact {
                real += scenario.recordings.len();
            }
            problems.extend(reproduce(&scenario, if exact { &mut own } else { &mut other }));
        }
    }
    println!("{real} recordings from a real server compared by shape; the rest exactly");
    assert!(problems.is_empty(), "the stand-in does not reproduce:\n{}", problems.join("\n"));
}

/// A recording from a real server that the stand-in cannot reproduce fails, naming the file, the
/// place and both values: here a live server's recordings in which delete answered 202 with the
/// closed account (as the 8.1.3 Python client expects) and the empty-list message differed.
#[test]
fn a_real_recording_the_standin_cannot_reproduce_is_named_with_the_difference() {
    use contract_tests::reproduce::{reproduce, standin_for};
    let ctx = context();
    let projects = [ctx.course_project, ctx.non_course_project, ctx.project_without_end_date, ctx.foreign_project];
    let live = |name: &str, edit: &dyn Fn(&mut Recording)| {
        let mut scenario = all().into_iter().find(|s| s.name == name).unwrap();
        for (_, r) in &mut scenario.recordings {
            r.recorded_from = "live server (Waldur 8.1.3)".into();
            edit(r);
        }
        reproduce(&scenario, &mut standin_for(Flavour::V7_8_7, projects))
    };
    assert!(live("create_retrieve_delete", &|_| {}).is_empty(), "unedited, a live recording reproduces");
    let delete = live("create_retrieve_delete", &|r| {
        if r.request.method == "DELETE" && r.response.status == 204 {
            r.response.status = 202;
            r.response.body = Some(serde_json::json!({"uuid": "x", "state": "Closed"}));
        }
    });
    assert!(
        delete
            .iter()
            .any(|d| d.contains("03-marketplace_course_accounts_destroy.json: status: recorded 202, stand-in 204")),
        "{delete:#?}"
    );
    let wording = live("create_bulk", &|r| {
        if let Some(body) = r
            .response
            .body
            .as_mut()
            .filter(|b| b["course_accounts"] == serde_json::json!(["This field cannot be empty."]))
        {
            body["course_accounts"] = serde_json::json!(["This list may not be empty."]);
        }
    });
    assert!(
        wording
            .iter()
            .any(|d| d.contains("error body: recorded {\"course_accounts\":[\"This list may not be empty.\"]}")),
        "{wording:#?}"
    );
}
