//! `cargo xtask whole-api`: generate a whole Waldur schema into a scratch crate and compile it, with
//! the time and memory each step takes. xtask runs this binary built with the `whole-api` profile
//! (Cargo.toml: dependencies optimised), so only its users wait for that build. Never part of CI
//! (minutes and gigabytes); the crate's test renders the whole 7.9.0 schema there instead.
//!
//! Exit codes as xtask's: 0 done, 1 the scratch crate does not compile, 2 bad input or environment.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use codegen::workspace::{cargo, label, root};
use whole_api::measure;

#[derive(Parser)]
#[command(
    name = "cargo xtask whole-api",
    bin_name = "cargo xtask whole-api",
    about = "Generate a whole Waldur schema into a scratch crate and compile it"
)]
struct Args {
    /// The whole schema [default: openapi/upstream/waldur-7.9.0-openapi.yaml]
    #[arg(long, alias = "schema")]
    from: Option<PathBuf>,
    /// Scratch crate folder [default: target/whole-api]
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Generate only; do not compile.
    #[arg(long)]
    no_compile: bool,
    /// Measure generation of growing parts of the schema (the course-accounts slice, a few path
    /// groups, the whole), each in its own process, and print a table (implies --no-compile).
    #[arg(long)]
    growth: bool,
}

/// Why the command did not succeed.
enum Failure {
    /// The scratch crate does not compile (the errors are printed).
    Found,
    /// Bad input, I/O, a tool that cannot run.
    Error(String),
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Error(e.to_string())
    }
}

type Outcome = Result<(), Failure>;

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Found) => ExitCode::from(1),
        Err(Failure::Error(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// What the generated code needs, copied from `[workspace.dependencies]` so versions live in one
/// place; `regress` is what typify's generated pattern checks call (the fragment has none).
const SCRATCH_DEPENDENCIES: [&str; 6] = ["progenitor-client", "reqwest", "serde", "serde_json", "chrono", "uuid"];

fn run(args: Args) -> Outcome {
    let root = root();
    let from = args.from.unwrap_or_else(|| root.join("openapi/upstream/waldur-7.9.0-openapi.yaml"));
    if args.growth {
        return growth(&root, &from);
    }
    let dir = args.dir.unwrap_or_else(|| root.join("target/whole-api"));
    let started = Instant::now();
    let spec = codegen::Spec::load(&from)?;
    let total = codegen::openapi::operations(&spec.value).len();
    let rendered = whole_api::render(&spec, &label(&from))?;
    let generation = started.elapsed();
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    let client_src = root.join("generated-client/src");
    let lib = format!(
        "#![allow(clippy::all, dead_code, unused)]\npub mod generated;\n#[path = {:?}]\npub mod ordering;\n#[path = {:?}]\npub mod state;\n#[path = {:?}]\npub mod comma;\n",
        client_src.join("ordering.rs"),
        client_src.join("state.rs"),
        root.join("tests/whole-api/support/comma.rs")
    );
    for (path, text) in [
        (dir.join("Cargo.toml"), scratch_manifest(&root)?),
        (src.join("lib.rs"), lib),
        (src.join("generated.rs"), rendered.code.clone()),
    ] {
        codegen::write::atomic(&path, &text)?;
    }
    println!(
        "generated {} of {total} operations in {:.1} s ({} (Waldur {}); peak RSS {}; {} lines)",
        rendered.operations,
        generation.as_secs_f64(),
        label(&from),
        spec.version().unwrap_or("?"),
        measure::peak_rss_kib().map(measure::mib).unwrap_or_else(|| "unknown".into()),
        rendered.code.lines().count()
    );
    for (name, places) in &rendered.generic {
        println!("  generic fixup {name}: {places} places");
    }
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
    for skip in &rendered.skipped {
        println!("    {} ({}): {}", skip.operation, skip.pointer, skip.reason);
    }
    if args.no_compile { Ok(()) } else { compile(&dir) }
}

/// A manifest for the scratch crate with the workspace's own dependency lines.
fn scratch_manifest(root: &Path) -> Result<String, Failure> {
    let workspace = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let mut manifest = String::from(
        "[package]\nname = \"whole-api-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[dependencies]\n",
    );
    for name in SCRATCH_DEPENDENCIES {
        let line = workspace
            .lines()
            .find(|l| l.split('=').next().is_some_and(|key| key.trim() == name))
            .ok_or_else(|| format!("Cargo.toml: [workspace.dependencies] has no `{name}`"))?;
        manifest.push_str(line);
        manifest.push('\n');
    }
    manifest.push_str("regress = \"0.10\"\n");
    Ok(manifest)
}

/// `cargo check` of the scratch crate, with its wall time and (through `/usr/bin/time`) peak RSS.
fn compile(dir: &Path) -> Outcome {
    let started = Instant::now();
    let cargo = cargo();
    let time = Path::new("/usr/bin/time");
    let mut command = if time.exists() {
        let mut c = std::process::Command::new(time);
        c.arg("-v").arg(cargo);
        c
    } else {
        std::process::Command::new(cargo)
    };
    let output = command
        .arg("check")
        .arg("--quiet")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .map_err(|e| format!("cannot run cargo check: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let peak = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse::<u64>().ok());
    println!(
        "cargo check: {} in {:.0} s wall{}",
        if output.status.success() { "compiles" } else { "FAILS" },
        started.elapsed().as_secs_f64(),
        peak.map(|k| format!(", peak RSS {}", measure::mib(k))).unwrap_or_default()
    );
    if output.status.success() {
        return Ok(());
    }
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim_start().starts_with(char::is_uppercase) || l.contains("error"))
        .take(40)
        .collect();
    eprintln!("{}", errors.join("\n"));
    Err(Failure::Found)
}

/// Path groups of growing size: the course-accounts slice, then more and more of the API.
const GROWTH: [&[&str]; 5] = [
    &["/api/marketplace-course-accounts/"],
    &["/api/marketplace-course-accounts/", "/api/customers/", "/api/projects/"],
    &["/api/marketplace-"],
    &["/api/marketplace-", "/api/openstack", "/api/slurm"],
    &["/"],
];

/// Each part generated by a child `whole-api --no-compile` (its own process, so its own peak RSS).
fn growth(root: &Path, from: &Path) -> Outcome {
    let whole = codegen::Spec::load(from)?;
    let dir = root.join("target/whole-api-growth");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    println!("{:<64} {:>10} {:>9} {:>9} {:>9}", "part of the schema", "operations", "generated", "seconds", "peak RSS");
    for (i, prefixes) in GROWTH.iter().enumerate() {
        let selection = codegen::extract::Selection::Prefixes(prefixes.iter().map(|p| p.to_string()).collect());
        let part = codegen::extract::extract_yaml(&whole, &selection, "part")?;
        let file = dir.join(format!("part-{i}.yaml"));
        codegen::write::atomic(&file, &part)?;
        let out = std::process::Command::new(&me)
            .args(["--no-compile", "--dir"])
            .arg(dir.join(format!("crate-{i}")))
            .arg("--from")
            .arg(&file)
            .output()
            .map_err(|e| e.to_string())?;
        let line = String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or_default().to_string();
        // "generated N of M operations in S s (...; peak RSS X; ...)"
        let words: Vec<&str> = line.split_whitespace().collect();
        let rss = line.split("peak RSS ").nth(1).and_then(|r| r.split(';').next()).unwrap_or("?");
        if !out.status.success() || words.len() < 7 {
            return Err(Failure::Error(format!("{}: {}", label(&file), String::from_utf8_lossy(&out.stderr).trim())));
        }
        println!("{:<64} {:>10} {:>9} {:>9} {:>9}", prefixes.join(" "), words[3], words[1], words[6], rss);
    }
    Ok(())
}
