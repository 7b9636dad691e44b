//! `cargo xtask codegen [--check]`: regenerate the client from the fragment, or refuse a stale one
//! with a unified diff and the exact command that fixes it.

use std::path::{Path, PathBuf};

use crate::exit::{Failure, Outcome};
use crate::workspace::{self, label};

#[derive(clap::Args)]
pub struct Args {
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
}

pub fn run(args: Args) -> Outcome {
    let root = workspace::root();
    let spec = args.spec.unwrap_or_else(|| root.join(codegen::DEFAULT_SPEC));
    let out = args.out.unwrap_or_else(|| root.join(codegen::DEFAULT_OUT));
    let options = codegen::Options {
        fixups: if args.no_fixups { codegen::Fixups::None } else { codegen::Fixups::All },
        spec_label: label(&spec),
    };
    let rendered = codegen::render_file(&spec, &options).map_err(workspace::relabel)?;
    if args.check {
        // Read as bytes: a corrupted or non-UTF-8 file is drift, never a reason to stop.
        let current = std::fs::read(&out).ok().map(|b| String::from_utf8_lossy(&b).into_owned());
        return match codegen::check::drift(&label(&out), current.as_deref(), &rendered.code) {
            None => {
                println!("{} is up to date with {}", label(&out), label(&spec));
                Ok(())
            }
            Some(diff) => {
                print!("{diff}");
                eprintln!(
                    "error: {} is stale: it is not what {} generates (diff above).\nFix: run `{}` and commit the result.",
                    label(&out),
                    label(&spec),
                    fix_command(&spec, &out)
                );
                Err(Failure::Found)
            }
        };
    }
    let changed = codegen::write::atomic(&out, &rendered.code)?;
    let fixups = if rendered.fixups.ran.is_empty() { "none".to_string() } else { rendered.fixups.ran.join(", ") };
    println!(
        "{} {} ({} operations; fixups: {fixups})",
        if changed { "wrote" } else { "unchanged:" },
        label(&out),
        rendered.operations
    );
    Ok(())
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
