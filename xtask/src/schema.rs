//! The maintainer's schema tools: `extract` cuts the course-accounts slice out of a whole Waldur
//! schema; `diff` reports what changes between two schemas for a Rust caller.

use std::path::{Path, PathBuf};

use crate::exit::{Failure, Outcome};
use crate::workspace::{self, label};

#[derive(clap::Args)]
pub struct ExtractArgs {
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
pub struct DiffArgs {
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

pub fn extract(args: ExtractArgs) -> Outcome {
    use codegen::extract::{DEFAULT_PREFIX, Selection};
    let selection = match (args.prefix, args.tag) {
        (_, Some(tag)) => Selection::Tag(tag),
        (prefix, None) => Selection::PathPrefix(prefix.unwrap_or_else(|| DEFAULT_PREFIX.to_string())),
    };
    let source = args.from.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let yaml = codegen::extract::extract_file(&args.from, &selection, &source).map_err(workspace::relabel)?;
    if args.stdout {
        print!("{yaml}");
        return Ok(());
    }
    let out = args.out.unwrap_or_else(|| workspace::root().join(codegen::DEFAULT_SPEC));
    codegen::write::atomic(&out, &yaml)?;
    println!("wrote {}; next: `cargo xtask diff` against the previous slice, then `cargo xtask codegen`", label(&out));
    Ok(())
}

pub fn diff(args: DiffArgs) -> Outcome {
    let load = |path: &Path| codegen::Spec::load(path).map_err(workspace::relabel);
    let (old, new) = (load(&args.old)?, load(&args.new)?);
    let report = codegen::compare::compare(&old, &new);
    let version = workspace::client_version();
    if args.format == "json" {
        println!("{}", serde_json::to_string_pretty(&report.json(&version))?);
    } else {
        print!("{}", report.human(&version));
    }
    if args.fail_on_breaking && report.has_breaking() { Err(Failure::Found) } else { Ok(()) }
}
