//! What the command-line tests share: running the binary against a stand-in, and reading what the
//! server holds and was sent.
#![allow(dead_code)] // each test file uses its own part

use std::path::Path;
use std::process::{Command, Output, Stdio};

use waldur_course_accounts::EmailKey;
use waldur_course_accounts_testkit::StandIn;
use waldur_course_accounts_testkit::standin::seed;

pub const BIN: &str = env!("CARGO_BIN_EXE_waldur-course-accounts");

/// The binary under test: this build's, or `WALDUR_CLI_UNDER_TEST` (to see a test fail on an older
/// build of the command line, as every test here was seen to).
pub fn bin() -> String {
    std::env::var("WALDUR_CLI_UNDER_TEST").unwrap_or_else(|_| BIN.to_string())
}

pub fn cli(waldur: &StandIn, args: &[&str]) -> Command {
    let mut command = Command::new(bin());
    command
        .args(args)
        .env("WALDUR_URL", waldur.base_url())
        .env("WALDUR_TOKEN", waldur.token())
        .env_remove("WALDUR_URL_UNUSED");
    command.stdin(Stdio::null());
    command
}

pub async fn run(waldur: &StandIn, args: &[&str]) -> Output {
    let mut command = cli(waldur, args);
    tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
}

pub fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

pub fn writes(waldur: &StandIn) -> usize {
    waldur.requests().iter().filter(|r| r.method != "GET" && r.method != "HEAD").count()
}

/// The accounts of one student (the client's [`EmailKey`]: one rule for "the same student").
pub fn accounts_with(waldur: &StandIn, email: &str) -> usize {
    let key = EmailKey::of(email);
    waldur.with_state(|w| w.accounts.iter().filter(|a| EmailKey::of(&a.email) == key).count())
}

/// The emails every create_bulk request carried, in the order sent (the stand-in logs bodies).
pub fn bulk_sent(waldur: &StandIn) -> Vec<String> {
    waldur
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.target.ends_with("/create_bulk/"))
        .flat_map(|r| {
            let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            body["course_accounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["email"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

pub fn project() -> String {
    seed::course_project().to_string()
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

/// Runs `command`, sends it `signal` once it has printed its first output on stdout (so that the
/// signal comes while it works, however slowly this machine starts it) and `after` more, and waits.
/// Without any output in 30 s the signal is sent anyway.
pub async fn run_and_signal(mut command: Command, after: std::time::Duration, signal: i32) -> Output {
    use std::io::Read;
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let pid = child.id() as i32;
    let (first, started) = std::sync::mpsc::channel();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    all.extend_from_slice(&buf[..n]);
                    let _ = first.send(());
                }
            }
        }
        all
    });
    tokio::task::spawn_blocking(move || started.recv_timeout(std::time::Duration::from_secs(30))).await.unwrap().ok();
    tokio::time::sleep(after).await;
    // SAFETY: kill(2) with the pid of a child this test started and has not waited for yet.
    unsafe { libc::kill(pid, signal) };
    let mut output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    output.stdout = reader.join().unwrap();
    output
}

/// Runs `command`, sends it `signal` once `ready` says so (checked every 20 ms, for at most 30 s;
/// e.g. the server has seen its first request, for a command that prints nothing before the moment
/// the signal is for) and `after` more, then waits for it.
pub async fn run_and_signal_when(
    mut command: Command,
    ready: impl Fn() -> bool,
    after: std::time::Duration,
    signal: i32,
) -> Output {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    let pid = child.id() as i32;
    let started = std::time::Instant::now();
    while !ready() && started.elapsed() < std::time::Duration::from_secs(30) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(after).await;
    // SAFETY: kill(2) with the pid of a child this test started and has not waited for yet.
    unsafe { libc::kill(pid, signal) };
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap()
}

/// Runs `command` with its stdout a pipe whose reader is gone before the command starts (`| true`).
pub async fn run_with_stdout_closed(mut command: Command) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    command.stdout(writer).stderr(Stdio::piped());
    tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
}
