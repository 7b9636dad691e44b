//! `cargo xtask`: the workspace's task runner (alias in `.cargo/config.toml`). Thin: parsing
//! arguments and printing; the work is in the `codegen` library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Tasks for the Waldur course-accounts client workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate the client from the OpenAPI fragment, or with --check refuse a stale one.
    Codegen(CodegenArgs),
    /// Cut the course-accounts slice (with every component it references) out of a whole Waldur schema.
    Extract(ExtractArgs),
    /// Report the API changes between two schemas, classed breaking or compatible for Rust callers.
    Diff(DiffArgs),
    /// Benchmark the client against a hand-written loop and Waldur's Python client (release build).
    /// Arguments go to the bench binary: --n 1000,10000 --runs 5 --no-python --smoke --whole-api --build-time --json FILE
    Bench {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Benchmark: generate the whole Waldur API into a scratch crate and compile it (never in CI).
    WholeApi(WholeApiArgs),
    /// Run the contract scenarios through a recording proxy and write the recordings (never in CI).
    Record(RecordArgs),
    /// Serve the recordings on loopback, to try the client and the examples without a Waldur server.
    Mock(MockArgs),
}

#[derive(clap::Args)]
struct ExtractArgs {
    /// The whole Waldur schema (YAML or JSON).
    #[arg(long)]
    from: PathBuf,
    /// Where to write the slice [default: openapi/course-accounts.yaml]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Keep the paths starting with this prefix [default: /api/marketplace-course-accounts/]
    #[arg(long, conflicts_with = "tag")]
    prefix: Option<String>,
    /// Keep the operations with this tag instead of selecting by path.
    #[arg(long)]
    tag: Option<String>,
    /// Print the slice instead of writing it.
    #[arg(long)]
    stdout: bool,
}

#[derive(clap::Args)]
struct DiffArgs {
    /// The schema (slice or whole) the current client was generated from.
    old: PathBuf,
    /// The new schema.
    new: PathBuf,
    /// `human` or `json`.
    #[arg(long, default_value = "human", value_parser = ["human", "json"])]
    format: String,
    /// Exit 1 when any change is breaking.
    #[arg(long)]
    fail_on_breaking: bool,
}

#[derive(clap::Args)]
struct WholeApiArgs {
    /// The whole schema [default: openapi/upstream/waldur-7.9.0-openapi.yaml]
    #[arg(long)]
    from: Option<PathBuf>,
    /// Scratch crate folder [default: target/whole-api]
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Generate only; do not compile.
    #[arg(long)]
    no_compile: bool,
}

#[derive(clap::Args)]
struct RecordArgs {
    /// A live Waldur (token from WALDUR_TOKEN). Its data must fit --context.
    #[arg(long, conflicts_with = "standin", required_unless_present = "standin")]
    base_url: Option<String>,
    /// Record against the built-in stand-in Waldur instead: `7.8.7` or `8.1`.
    #[arg(long, value_parser = ["7.8.7", "8.1"])]
    standin: Option<String>,
    /// JSON file naming the projects and emails the scenarios use (see tests/recordings/context.json).
    #[arg(long)]
    context: Option<PathBuf>,
    /// Scenarios to record [default: all but newer_server; only newer_server with --standin 8.1]
    #[arg(long)]
    scenario: Vec<String>,
    /// Where scenario folders are written [default: tests/recordings]
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct MockArgs {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// The recordings folder [default: tests/recordings]
    #[arg(long)]
    recordings: Option<PathBuf>,
}

#[derive(clap::Args)]
struct CodegenArgs {
    /// The OpenAPI document (YAML or JSON) [default: openapi/course-accounts.yaml]
    #[arg(long)]
    spec: Option<PathBuf>,
    /// The file to write [default: generated-client/src/generated.rs]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write nothing; exit 1 with a unified diff if the file is not what the spec generates.
    #[arg(long)]
    check: bool,
    /// Skip the course-accounts fixups (for documents that are not the course-accounts fragment).
    #[arg(long)]
    no_fixups: bool,
    /// Leave out (and report) operations the generator cannot handle instead of failing.
    #[arg(long)]
    skip_unsupported: bool,
    /// Generate a client that does not plug into the hand-written crate (e.g. the whole Waldur API).
    #[arg(long)]
    standalone: bool,
}

/// The workspace root: xtask lives one level below it.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// A path as the header and messages name it: workspace-relative with `/` when inside the workspace.
fn label(path: &Path) -> String {
    let root = workspace_root();
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match absolute.strip_prefix(&root) {
        Ok(inside) => inside.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"),
        Err(_) => absolute.display().to_string(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Codegen(args) => codegen_cmd(args),
        Command::Extract(args) => extract_cmd(args),
        Command::Diff(args) => diff_cmd(args),
        Command::WholeApi(args) => whole_api_cmd(args),
        Command::Bench { args } => bench_cmd(&args),
        Command::Record(args) => runtime().block_on(record_cmd(args)),
        Command::Mock(args) => runtime().block_on(mock_cmd(args)),
    }
}

fn extract_cmd(args: ExtractArgs) -> ExitCode {
    use codegen::extract::{DEFAULT_PREFIX, Selection};
    let selection = match (args.prefix, args.tag) {
        (_, Some(tag)) => Selection::Tag(tag),
        (prefix, None) => Selection::PathPrefix(prefix.unwrap_or_else(|| DEFAULT_PREFIX.to_string())),
    };
    let source = args.from.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let yaml = match codegen::extract::extract_file(&args.from, &selection, &source) {
        Ok(y) => y,
        Err(mut e) => {
            e.file = label(&e.file).into();
            return fail(e);
        }
    };
    if args.stdout {
        print!("{yaml}");
        return ExitCode::SUCCESS;
    }
    let out = args.out.unwrap_or_else(|| workspace_root().join(codegen::DEFAULT_SPEC));
    match codegen::write::atomic(&out, &yaml) {
        Ok(_) => {
            println!(
                "wrote {}; next: `cargo xtask diff` against the previous slice, then `cargo xtask codegen`",
                label(&out)
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn diff_cmd(args: DiffArgs) -> ExitCode {
    let load = |path: &Path| {
        codegen::Spec::load(path).map_err(|mut e| {
            e.file = label(&e.file).into();
            e
        })
    };
    let (old, new) = match (load(&args.old), load(&args.new)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    let report = codegen::compare::compare(&old, &new);
    let version = client_version();
    if args.format == "json" {
        println!("{}", serde_json::to_string_pretty(&report.json(&version)).expect("a JSON value serializes"));
    } else {
        print!("{}", report.human(&version));
    }
    if args.fail_on_breaking && report.has_breaking() { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn bench_cmd(args: &[String]) -> ExitCode {
    let status = std::process::Command::new(env!("CARGO"))
        .args(["run", "--release", "--locked", "--quiet", "--package", "bench", "--"])
        .args(args)
        .current_dir(workspace_root())
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => fail(format!("cannot run the benchmark: {e}")),
    }
}

/// Peak resident memory of this process so far (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 =
        status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib / 1024.0)
}

fn whole_api_cmd(args: WholeApiArgs) -> ExitCode {
    let root = workspace_root();
    let from = args.from.unwrap_or_else(|| root.join("openapi/upstream/waldur-7.9.0-openapi.yaml"));
    let dir = args.dir.unwrap_or_else(|| root.join("target/whole-api"));
    let started = std::time::Instant::now();
    let spec = match codegen::Spec::load(&from) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let total = codegen::validate::operations(&spec.value).len();
    let options = codegen::Options {
        fixups: codegen::Fixups::All,
        spec_label: label(&from),
        skip_unsupported: true,
        standalone: true,
    };
    let rendered = match codegen::render(&spec, &options) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let generation = started.elapsed();
    let lines = rendered.code.lines().count();
    let src = dir.join("src");
    if let Err(e) = std::fs::create_dir_all(&src) {
        return fail(format!("{}: {e}", src.display()));
    }
    let client_src = root.join("generated-client/src");
    let manifest = "[package]\nname = \"whole-api-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n\
                    [dependencies]\nprogenitor-client = \"=0.15.1\"\n\
                    reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"query\", \"stream\"] }\n\
                    serde = { version = \"1\", features = [\"derive\"] }\nserde_json = \"1\"\n\
                    chrono = { version = \"0.4\", default-features = false, features = [\"serde\", \"std\", \"clock\"] }\n\
                    uuid = { version = \"1\", features = [\"serde\"] }\nregress = \"0.10\"\n";
    let lib = format!(
        "#![allow(clippy::all, dead_code, unused)]\npub mod generated;\n#[path = {:?}]\npub mod ordering;\n#[path = {:?}]\npub mod state;\n",
        client_src.join("ordering.rs"),
        client_src.join("state.rs")
    );
    for (path, text) in [
        (dir.join("Cargo.toml"), manifest.to_string()),
        (src.join("lib.rs"), lib),
        (src.join("generated.rs"), rendered.code.clone()),
    ] {
        if let Err(e) = codegen::write::atomic(&path, &text) {
            return fail(e);
        }
    }
    println!("schema:      {} (Waldur {}), {total} operations", label(&from), spec.version().unwrap_or("?"));
    println!(
        "generated:   {} operations, {} left out (listed in the file header), {lines} lines",
        rendered.operations,
        rendered.skipped.len()
    );
    println!(
        "generation:  {:.1} s wall, peak RSS {:.0} MiB (this process)",
        generation.as_secs_f64(),
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    for skip in &rendered.skipped {
        let reason = skip.reason.split(" (at ").next().unwrap_or(&skip.reason);
        let reason =
            reason.split('`').enumerate().map(|(i, p)| if i % 2 == 1 { "…" } else { p }).collect::<Vec<_>>().join("`");
        *reasons.entry(reason).or_default() += 1;
    }
    for (reason, n) in &reasons {
        println!("  left out {n:>3}: {reason}");
    }
    if args.no_compile {
        return ExitCode::SUCCESS;
    }
    let started = std::time::Instant::now();
    let time = Path::new("/usr/bin/time");
    let mut command = if time.exists() {
        let mut c = std::process::Command::new(time);
        c.arg("-v").arg(env!("CARGO"));
        c
    } else {
        std::process::Command::new(env!("CARGO"))
    };
    let output =
        command.arg("check").arg("--quiet").current_dir(&dir).env("CARGO_TARGET_DIR", dir.join("target")).output();
    let output = match output {
        Ok(o) => o,
        Err(e) => return fail(format!("cannot run cargo check: {e}")),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    let peak = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse::<f64>().ok());
    println!(
        "cargo check: {} in {:.0} s wall{}",
        if output.status.success() { "compiles" } else { "FAILS" },
        started.elapsed().as_secs_f64(),
        peak.map(|k| format!(", peak RSS {:.1} GiB", k / 1024.0 / 1024.0)).unwrap_or_default()
    );
    if !output.status.success() {
        eprintln!(
            "{}",
            stderr
                .lines()
                .filter(|l| !l.trim_start().starts_with(char::is_uppercase) || l.contains("error"))
                .take(40)
                .collect::<Vec<_>>()
                .join("\n")
        );
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// The client crate's version, from its manifest.
fn client_version() -> String {
    let manifest = std::fs::read_to_string(workspace_root().join("generated-client/Cargo.toml")).unwrap_or_default();
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("0.0.0")
        .to_string()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime starts")
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

async fn record_cmd(args: RecordArgs) -> ExitCode {
    use contract::scenarios::{self, Context};
    use contract::standin::{self, Flavour, Waldur};
    let out = args.out.unwrap_or_else(|| workspace_root().join("tests/recordings"));
    let context = match &args.context {
        Some(path) => {
            match std::fs::read_to_string(path).map_err(|e| e.to_string()).and_then(|t| serde_json_context(&t)) {
                Ok(c) => c,
                Err(e) => return fail(format!("{}: {e}", path.display())),
            }
        }
        None if args.standin.is_some() => Context::standin(),
        None => {
            return fail("--context FILE is required with --base-url: the scenarios need that server's project uuids");
        }
    };
    let newer = args.standin.as_deref() == Some("8.1");
    let chosen: Vec<&'static scenarios::Scenario> = if args.scenario.is_empty() {
        scenarios::ALL.iter().filter(|s| s.newer_server == newer).collect()
    } else {
        let mut chosen = Vec::new();
        for name in &args.scenario {
            match scenarios::find(name) {
                Some(s) => chosen.push(s),
                None => {
                    let known: Vec<&str> = scenarios::ALL.iter().map(|s| s.name).collect();
                    return fail(format!("unknown scenario `{name}`; known: {}", known.join(", ")));
                }
            }
        }
        chosen
    };
    // The stand-in lives as long as this function; a live server is given by URL.
    let mut _standin = None;
    let (upstream, token, source) = match (&args.base_url, &args.standin) {
        (Some(url), _) => match waldur_course_accounts::Token::from_env("WALDUR_TOKEN") {
            Some(token) => (url.clone(), token, "live server".to_string()),
            None => return fail("set WALDUR_TOKEN to the API token for --base-url"),
        },
        (None, Some(_)) => {
            let flavour = if newer { Flavour::V8_1 } else { Flavour::V7_8_7 };
            let server = match standin::serve(([127, 0, 0, 1], 0).into(), Waldur::seeded(flavour, 23)).await {
                Ok(s) => s,
                Err(e) => return fail(format!("cannot start the stand-in: {e}")),
            };
            let uri = server.uri();
            _standin = Some(server);
            let release = args.standin.clone().unwrap_or_default();
            (
                uri,
                waldur_course_accounts::Token::new(standin::seed::TOKEN),
                format!("stand-in Waldur {release} (tests/src/standin.rs)"),
            )
        }
        (None, None) => return fail("give --base-url URL or --standin VERSION"),
    };
    let reports = match contract::record::record(&upstream, &source, &token, &context, &chosen, &out).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut unexpected = 0;
    for report in &reports {
        match &report.outcome {
            Ok(()) => println!("{:<24} {:>3} recordings  as expected", report.name, report.recordings),
            Err(why) => {
                unexpected += 1;
                println!("{:<24} {:>3} recordings  NOT as expected: {why}", report.name, report.recordings);
            }
        }
    }
    println!("wrote {}", label(&out));
    if unexpected > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn serde_json_context(text: &str) -> Result<contract::scenarios::Context, String> {
    contract::recording::parse_context(text)
}

async fn mock_cmd(args: MockArgs) -> ExitCode {
    let dir = args.recordings.unwrap_or_else(|| workspace_root().join("tests/recordings"));
    let scenarios = match contract::recording::load_all(&dir) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let recordings: Vec<_> =
        scenarios.into_iter().flat_map(|s| s.recordings.into_iter().map(|(path, r)| (label(&path), r))).collect();
    let count = recordings.len();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
    let replay = match contract::replay::Replay::start(addr, recordings, contract::replay::Mode::Reuse).await {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot listen on {addr}: {e}")),
    };
    println!("serving {count} recordings from {} at {} (Ctrl-C to stop)", label(&dir), replay.uri());
    let _ = tokio::signal::ctrl_c().await;
    match replay.verify() {
        Ok(()) => ExitCode::SUCCESS,
        Err(unmatched) => {
            eprintln!("requests no recording matched:\n{unmatched}");
            ExitCode::SUCCESS
        }
    }
}

fn codegen_cmd(args: CodegenArgs) -> ExitCode {
    let root = workspace_root();
    let spec = args.spec.unwrap_or_else(|| root.join(codegen::DEFAULT_SPEC));
    let out = args.out.unwrap_or_else(|| root.join(codegen::DEFAULT_OUT));
    let options = codegen::Options {
        fixups: if args.no_fixups { codegen::Fixups::None } else { codegen::Fixups::All },
        spec_label: label(&spec),
        skip_unsupported: args.skip_unsupported,
        standalone: args.standalone,
    };
    let rendered = match codegen::render_file(&spec, &options) {
        Ok(r) => r,
        Err(mut e) => {
            e.file = label(&e.file).into();
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.check {
        let current = std::fs::read_to_string(&out).ok();
        match codegen::check::drift(&label(&out), current.as_deref(), &rendered.code) {
            None => {
                println!("{} is up to date with {}", label(&out), label(&spec));
                ExitCode::SUCCESS
            }
            Some(diff) => {
                print!("{diff}");
                eprintln!(
                    "error: {} is stale: it is not what {} generates (diff above).\nFix: run `{}` and commit the result.",
                    label(&out),
                    label(&spec),
                    fix_command(&spec, &out)
                );
                ExitCode::from(1)
            }
        }
    } else {
        for skip in &rendered.skipped {
            eprintln!("skipped {} ({}): {}", skip.operation, skip.pointer, skip.reason);
        }
        match codegen::write::atomic(&out, &rendered.code) {
            Ok(changed) => {
                let what = if changed { "wrote" } else { "unchanged:" };
                println!(
                    "{what} {} ({} operations; fixups: {})",
                    label(&out),
                    rendered.operations,
                    if rendered.fixups.ran.is_empty() { "none".to_string() } else { rendered.fixups.ran.join(", ") }
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        }
    }
}

/// The exact command that brings `out` up to date, flags included when they are not the defaults.
fn fix_command(spec: &Path, out: &Path) -> String {
    let mut cmd = codegen::REGENERATE.to_string();
    if label(spec) != codegen::DEFAULT_SPEC {
        cmd.push_str(&format!(" --spec {}", label(spec)));
    }
    if label(out) != codegen::DEFAULT_OUT {
        cmd.push_str(&format!(" --out {}", label(out)));
    }
    cmd
}
