//! `waldur-mock` (run by `cargo xtask mock`): a course-accounts server on loopback to try the client,
//! the examples and the CLI without a Waldur. By default the testkit's stateful stand-in, seeded with
//! every account the recordings show (`contract_tests::mock::from_recordings`) plus a term in progress
//! dated around today (`Waldur::add_term`: three ended courses, one ending today, two running, and the
//! undated course), answering any filter, page size, create and close, and accepting any token; its course service is on (Pending rows settle 3 s
//! after create_bulk or retry, about one in ten Erred). `--no-term` leaves the term out; `--strict`
//! serves only the exact recorded exchanges instead (anything else: 501 and a diff).
//!
//! The term is added after the recordings, so the recorded accounts keep their uuids (`.ci/run` and
//! the Python client check name some of them) and the term's take the numbers after theirs; its
//! courses are new projects (`seed::id(1, 5)` on). It holds no Pending rows here: with the service
//! on they would settle within seconds anyway, and Waldur's Python client, which `.ci/run` points at
//! this mock, cannot decode a listed account without a user. Rows a create_bulk makes are Pending
//! until their 3 s have passed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use contract_tests::recording;
use contract_tests::replay::{Mode, Replay};
use waldur_course_accounts_testkit::{Flavour, Provisioning, StandIn};

const USAGE: &str = "usage: waldur-mock [--port PORT] [--recordings DIR] [--flavour 7.8.7|8.1] [--no-term] [--strict]

  --port PORT        port on 127.0.0.1 [default: 8787; 0 = any free port]
  --recordings DIR   recordings folder [default: tests/contract/recordings of the workspace around the
                     current directory]
  --flavour RELEASE  which server release the stand-in imitates [default: 8.1]
  --no-term          serve only the accounts the recordings show, without the term dated around today
                     (6 more courses, 144 accounts)
  --strict           serve only the recorded exchanges, answering anything else 501

Pending rows (create_bulk and retry on 8.1) become OK or Erred 3 s later, about 1 in 10 Erred.";

struct Args {
    port: u16,
    recordings: Option<PathBuf>,
    flavour: Flavour,
    term: bool,
    strict: bool,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args { port: 8787, recordings: None, flavour: Flavour::V8_1, term: true, strict: false };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                let v = value("--port")?;
                parsed.port = v.parse().map_err(|_| format!("--port: `{v}` is not a port number"))?;
            }
            "--recordings" => parsed.recordings = Some(PathBuf::from(value("--recordings")?)),
            "--flavour" => {
                parsed.flavour = match value("--flavour")?.as_str() {
                    "7.8.7" => Flavour::V7_8_7,
                    "8.1" => Flavour::V8_1,
                    other => return Err(format!("--flavour: `{other}` is not 7.8.7 or 8.1")),
                }
            }
            "--no-term" => parsed.term = false,
            "--strict" => parsed.strict = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    Ok(parsed)
}

/// `tests/contract/recordings` in the nearest enclosing folder that has one.
fn default_recordings() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors().map(|d| d.join("tests/contract/recordings")).find(|d| d.is_dir())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(why) if why.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(why) => {
            eprintln!("error: {why}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Some(dir) = args.recordings.or_else(default_recordings) else {
        eprintln!("error: no tests/contract/recordings folder around the current directory; give --recordings DIR");
        return ExitCode::from(2);
    };
    let scenarios = match recording::load_all(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
    if args.strict {
        let recordings: Vec<_> = scenarios
            .into_iter()
            .flat_map(|s| s.recordings.into_iter().map(|(path, r)| (path.display().to_string(), r)))
            .collect();
        let count = recordings.len();
        let replay = match Replay::start(addr, recordings, Mode::Reuse).await {
            Ok(r) => r,
            Err(e) => return cannot_listen(addr, e),
        };
        println!("serving {count} recordings from {} at {} (strict; Ctrl-C to stop)", dir.display(), replay.uri());
        let _ = tokio::signal::ctrl_c().await;
        if let Err(unmatched) = replay.verify() {
            eprintln!("requests no recording matched:\n{unmatched}");
        }
        return ExitCode::SUCCESS;
    }
    let mut waldur = match contract_tests::mock::from_recordings(args.flavour, &scenarios) {
        Ok(w) => w,
        Err(why) => {
            eprintln!("error: {why}");
            return ExitCode::from(2);
        }
    };
    waldur.provisioning = Provisioning::on(Duration::from_secs(3), 100, 1);
    let term = if args.term {
        let today = chrono::Local::now().date_naive();
        let courses = waldur.add_term(today, false).len();
        format!(" and a term of {courses} courses around {today}")
    } else {
        String::new()
    };
    let accounts = waldur.accounts.len();
    let standin = match StandIn::start_on(addr, waldur).await {
        Ok(s) => s,
        Err(e) => return cannot_listen(addr, e),
    };
    println!(
        "serving a stand-in Waldur with {accounts} accounts from {}{term} at {} (any token; Pending rows settle \
         after 3 s; Ctrl-C to stop)",
        dir.display(),
        standin.base_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}

fn cannot_listen(addr: std::net::SocketAddr, e: std::io::Error) -> ExitCode {
    eprintln!("error: cannot listen on {addr}: {e}");
    ExitCode::from(2)
}
